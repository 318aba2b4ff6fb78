package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseActionRecordPaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		setup      func(t *testing.T, ws string)
		inputs     map[string]string
		wantReport string
		wantLog    string
		wantErr    []string // all must appear in the error
	}{
		{name: "defaults", wantReport: "drift/drift-report.yaml", wantLog: "drift/drift-log.yaml"},
		{name: "another directory", inputs: map[string]string{"report-path": "ops/state/report.yaml", "log-path": "./ops/state/log.yaml"},
			wantReport: "ops/state/report.yaml", wantLog: "ops/state/log.yaml"},
		{name: "a dot-dot segment that cleaning cancels", inputs: map[string]string{"report-path": "drift/../.github/workflows/x.yml"},
			wantErr: []string{`input report-path: "drift/../.github/workflows/x.yml"`, "has a .. segment", "e.g. drift/drift-report.yaml"}},
		{name: "leaves the repository", inputs: map[string]string{"log-path": "../x.yaml"},
			wantErr: []string{`input log-path: "../x.yaml" must be a file path inside the repository`, ".. segment"}},
		{name: "absolute", inputs: map[string]string{"log-path": "/etc/drift.yaml"}, wantErr: []string{`input log-path: "/etc/drift.yaml"`, "absolute"}},
		{name: "backslash", inputs: map[string]string{"report-path": `drift\..\.github\workflows\x.yml`}, wantErr: []string{"input report-path", "backslash"}},
		{name: "control character", inputs: map[string]string{"report-path": "drift/x\x1b[0m.yaml"}, wantErr: []string{"input report-path", "control character"}},
		{name: "into .github", inputs: map[string]string{"report-path": ".github/workflows/x.yml"}, wantErr: []string{"input report-path", ".github is git's or GitHub's own"}},
		{name: "into .github whatever its case", inputs: map[string]string{"report-path": ".GitHub./workflows/x.yml"}, wantErr: []string{"input report-path", "git's or GitHub's own"}},
		{name: "into a nested .git", inputs: map[string]string{"log-path": "vendor/.git/hooks/post-checkout"}, wantErr: []string{"input log-path", ".git is git's or GitHub's own"}},
		{name: "git's attributes", inputs: map[string]string{"log-path": ".gitattributes"}, wantErr: []string{"input log-path", ".gitattributes is git's or GitHub's own"}},
		{name: "a directory", inputs: map[string]string{"report-path": "drift/"}, wantErr: []string{"input report-path", "names a directory"}},
		{name: "both one file", inputs: map[string]string{"report-path": "drift/x.yaml", "log-path": "drift/./x.yaml"}, wantErr: []string{`inputs report-path and log-path both name "drift/x.yaml"`}},
		{name: "through a directory link the checkout holds",
			setup:   func(t *testing.T, ws string) { symlink(t, ".github/workflows", filepath.Join(ws, "drift")) },
			wantErr: []string{`input report-path: "drift/drift-report.yaml"`, "drift is a symbolic link", "remove the link or choose another path"}},
		{name: "onto a file link the checkout holds",
			setup: func(t *testing.T, ws string) {
				mkdir(t, filepath.Join(ws, "drift"))
				symlink(t, "/etc/passwd", filepath.Join(ws, "drift", "drift-log.yaml"))
			},
			wantErr: []string{`input log-path: "drift/drift-log.yaml"`, "drift/drift-log.yaml is a symbolic link"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ws := t.TempDir()
			mkdir(t, filepath.Join(ws, ".github", "workflows"))
			if tt.setup != nil {
				tt.setup(t, ws)
			}
			a, err := ParseAction(actionEnv(ws, tt.inputs))
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("ParseAction: no error, report-path %q, log-path %q", a.ReportPath, a.LogPath)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([2]string{tt.wantReport, tt.wantLog}, [2]string{a.ReportPath, a.LogPath}); diff != "" {
				t.Errorf("report-path, log-path (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseActionPathInputs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		inputs  map[string]string
		wantErr []string
	}{
		{name: "inside the repository", inputs: map[string]string{"working-directories": ".\ninfra/*\n", "results": "out/**/*.json", "manifests": "k8s/*.yaml", "policies": "bundled\npolicies/team", "config": "ops/drift.yaml"}},
		{name: "working directory outside", inputs: map[string]string{"working-directories": "infra/app\ninfra/../../other"},
			wantErr: []string{`input working-directories: "infra/../../other" must be a path inside the repository`, ".. segment"}},
		{name: "results absolute", inputs: map[string]string{"results": "/home/runner/**/*.json"}, wantErr: []string{`input results: "/home/runner/**/*.json"`, "absolute"}},
		{name: "manifests outside", inputs: map[string]string{"manifests": "../k8s/*.yaml"}, wantErr: []string{`input manifests: "../k8s/*.yaml"`}},
		{name: "policies outside", inputs: map[string]string{"policies": "bundled\n/tmp/policies"}, wantErr: []string{`input policies: "/tmp/policies"`}},
		{name: "config outside", inputs: map[string]string{"config": ".github/../../drift.yaml"}, wantErr: []string{`input config: ".github/../../drift.yaml"`}},
		{name: "every bad input named", inputs: map[string]string{"results": "..", "manifests": `k8s\x.yaml`},
			wantErr: []string{`input results: ".."`, `input manifests: "k8s\\x.yaml"`, "backslash"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseAction(actionEnv(t.TempDir(), tt.inputs))
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("ParseAction: no error")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestParseFilePaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		want      []string // all must appear in the error; none: no error
	}{
		{"inside", "roots:\n  - infra/app\n  - dir: stacks/*\n    targets:\n      - {name: a, var-files: [../shared/a.tfvars]}\npolicy:\n  dirs: [policies]\n  set: policies/set.yaml\n  manifests: [k8s/**/*.yaml]\n", nil},
		{"root shorthand outside", "roots:\n  - infra/../../x\n", []string{"drift.yaml:2:", `roots[0] "infra/../../x" must be a path inside the repository`, ".. segment"}},
		{"root dir absolute", "roots:\n  - dir: /srv/infra\n", []string{"drift.yaml:2:", `roots[0].dir "/srv/infra"`, "absolute"}},
		{"policy dirs outside", "policy:\n  dirs:\n    - policies\n    - ../policies\n", []string{"drift.yaml:4:", `policy.dirs[1] "../policies"`}},
		{"policy set absolute", "policy:\n  set: /etc/set.yaml\n", []string{"drift.yaml:2:", `policy.set "/etc/set.yaml"`}},
		{"manifests backslash", "policy:\n  manifests: 'k8s\\..\\..\\x.yaml'\n", []string{"drift.yaml:2:", "policy.manifests[0]", "backslash"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseFile("drift.yaml", []byte(tt.src))
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("want an error, got none")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// actionEnv is the runner's environment of an action step in workspace ws
// with the given inputs.
func actionEnv(ws string, inputs map[string]string) Env {
	env := map[string]string{"GITHUB_WORKSPACE": ws}
	for k, v := range inputs {
		env["INPUT_"+strings.ToUpper(k)] = v
	}
	return Env{Getenv: func(k string) string { return env[k] }}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}
