package discover

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/config"
)

// TestTargetFilesStayInRepository: var-files and backend-config files are
// read by terraform, whose errors quote them, and drift.yaml may come from
// a pull request; wherever a name resolves, links followed, it must be a
// regular file inside the repository.
func TestTargetFilesStayInRepository(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// body is the target's keys; OUT is a directory outside the
		// repository holding secret.tfvars, UP the way from infra/app to it.
		body    string
		setup   func(t *testing.T, app, out string)
		want    []string // the target's var-files and backend-config files, relative to infra/app
		wantErr []string
	}{
		{name: "inside, up from the root", body: "var-files: [../shared/common.tfvars]", want: []string{"../shared/common.tfvars"}},
		{name: "a link inside the repository",
			setup: func(t *testing.T, app, out string) {
				link(t, "../shared/common.tfvars", filepath.Join(app, "link.tfvars"))
			},
			body: "var-files: [link.tfvars]", want: []string{"link.tfvars"}},
		{name: "leaves the repository", body: "var-files: [us.tfvars, UP/secret.tfvars]",
			wantErr: []string{".github/drift.yaml:5: ", `var-file "UP/secret.tfvars"`, "outside the repository"}},
		{name: "absolute, outside", body: "var-files:\n          - us.tfvars\n          - OUT/secret.tfvars",
			wantErr: []string{".github/drift.yaml:7: ", `var-file "OUT/secret.tfvars"`, "outside the repository"}},
		{name: "a link to a file outside",
			setup: func(t *testing.T, app, out string) {
				link(t, filepath.Join(out, "secret.tfvars"), filepath.Join(app, "prod.tfvars"))
			},
			body:    "var-files: [prod.tfvars]",
			wantErr: []string{".github/drift.yaml:5: ", `var-file "prod.tfvars"`, "outside the repository"}},
		{name: "through a directory link outside",
			setup:   func(t *testing.T, app, out string) { link(t, out, filepath.Join(app, "vars")) },
			body:    "var-files: [vars/secret.tfvars]",
			wantErr: []string{".github/drift.yaml:5: ", `var-file "vars/secret.tfvars"`, "outside the repository"}},
		{name: "the runner's environment", body: "var-files: [/proc/self/environ]",
			wantErr: []string{".github/drift.yaml:5: ", `var-file "/proc/self/environ"`, "outside the repository"}},
		{name: "a directory", body: "var-files: [modules]",
			wantErr: []string{".github/drift.yaml:5: ", `var-file "modules"`, "not a regular file"}},
		{name: "backend file outside", body: "backend-config: [UP/secret.tfvars]",
			wantErr: []string{".github/drift.yaml:5: ", `backend-config file "UP/secret.tfvars"`, "outside the repository"}},
		{name: "sensitive backend file outside, never named", body: "backend-config:\n          - {value: \"OUT/secret.tfvars\", sensitive: true}",
			wantErr: []string{".github/drift.yaml:6: ", "backend-config file (sensitive)", "outside the repository"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, out := repo(t), t.TempDir()
			app := filepath.Join(dir, "infra", "app")
			write(t, filepath.Join(dir, "infra", "shared", "common.tfvars"), "x = 1\n")
			write(t, filepath.Join(out, "secret.tfvars"), "canary = \"secret\"\n")
			if tt.setup != nil {
				tt.setup(t, app, out)
			}
			up, err := filepath.Rel(app, out)
			if err != nil {
				t.Fatal(err)
			}
			body := strings.NewReplacer("UP", up, "OUT", out).Replace(tt.body)
			src := "roots:\n  - dir: infra/app\n    targets:\n      - name: t\n        " + body + "\n"
			f, err := config.ParseFile(".github/drift.yaml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Targets(Request{Cwd: dir, RepoRoot: dir, File: f})
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("Targets: no error; var-files %q, backend-config %q", got[0].VarFiles, got[0].BackendConfig)
				}
				msg := strings.NewReplacer(up, "UP", out, "OUT").Replace(err.Error())
				for _, w := range tt.wantErr {
					if !strings.Contains(msg, w) {
						t.Errorf("error %q does not say %q", msg, w)
					}
				}
				if strings.Contains(tt.name, "sensitive") && strings.Contains(err.Error(), out) {
					t.Errorf("error names a sensitive file: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var files []string
			for _, p := range append(got[0].VarFiles, got[0].BackendConfig...) {
				rel, _ := filepath.Rel(app, p)
				files = append(files, filepath.ToSlash(rel))
			}
			if diff := cmp.Diff(tt.want, files); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
		})
	}
}

func write(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func link(t *testing.T, target, name string) {
	t.Helper()
	if err := os.Symlink(target, name); err != nil {
		t.Fatal(err)
	}
}
