package discover

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTargetFilesStayInRepository: var-files and backend-config files are
// read by terraform, whose errors quote them, and drift.yaml may come from
// a pull request; wherever a name resolves, links followed, it must be a
// regular file inside the repository.
func TestTargetFilesStayInRepository(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// target is drift.yaml's target of infra/app (its lines as a
		// file would have them); OUT is a directory outside the repository
		// holding secret.tfvars, UP the way from infra/app to it.
		target  TargetConfig
		setup   func(t *testing.T, app, out string)
		want    []string // the target's var-files and backend-config files, relative to infra/app
		wantErr []string
	}{
		{name: "inside, up from the root", target: TargetConfig{VarFiles: []string{"../shared/common.tfvars"}, VarFileLines: []int{5}}, want: []string{"../shared/common.tfvars"}},
		{name: "a link inside the repository",
			setup: func(t *testing.T, app, out string) {
				link(t, "../shared/common.tfvars", filepath.Join(app, "link.tfvars"))
			},
			target: TargetConfig{VarFiles: []string{"link.tfvars"}, VarFileLines: []int{5}}, want: []string{"link.tfvars"}},
		{name: "leaves the repository", target: TargetConfig{VarFiles: []string{"us.tfvars", "UP/secret.tfvars"}, VarFileLines: []int{5, 5}},
			wantErr: []string{".github/drift.yaml:5: ", `var-file "UP/secret.tfvars"`, "outside the repository"}},
		{name: "absolute, outside", target: TargetConfig{VarFiles: []string{"us.tfvars", "OUT/secret.tfvars"}, VarFileLines: []int{6, 7}},
			wantErr: []string{".github/drift.yaml:7: ", `var-file "OUT/secret.tfvars"`, "outside the repository"}},
		{name: "a link to a file outside",
			setup: func(t *testing.T, app, out string) {
				link(t, filepath.Join(out, "secret.tfvars"), filepath.Join(app, "prod.tfvars"))
			},
			target:  TargetConfig{VarFiles: []string{"prod.tfvars"}, VarFileLines: []int{5}},
			wantErr: []string{".github/drift.yaml:5: ", `var-file "prod.tfvars"`, "outside the repository"}},
		{name: "through a directory link outside",
			setup:   func(t *testing.T, app, out string) { link(t, out, filepath.Join(app, "vars")) },
			target:  TargetConfig{VarFiles: []string{"vars/secret.tfvars"}, VarFileLines: []int{5}},
			wantErr: []string{".github/drift.yaml:5: ", `var-file "vars/secret.tfvars"`, "outside the repository"}},
		{name: "the runner's environment", target: TargetConfig{VarFiles: []string{"/proc/self/environ"}, VarFileLines: []int{5}},
			wantErr: []string{".github/drift.yaml:5: ", `var-file "/proc/self/environ"`, "outside the repository"}},
		{name: "a directory", target: TargetConfig{VarFiles: []string{"modules"}, VarFileLines: []int{5}},
			wantErr: []string{".github/drift.yaml:5: ", `var-file "modules"`, "not a regular file"}},
		{name: "backend file outside", target: TargetConfig{BackendConfig: []Setting{{Value: "UP/secret.tfvars", Line: 5}}},
			wantErr: []string{".github/drift.yaml:5: ", `backend-config file "UP/secret.tfvars"`, "outside the repository"}},
		{name: "sensitive backend file outside, never named", target: TargetConfig{BackendConfig: []Setting{{Value: "OUT/secret.tfvars", Sensitive: true, Line: 6}}},
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
			paths := strings.NewReplacer("UP", up, "OUT", out)
			target := tt.target
			target.Name = "t"
			target.VarFiles = slices.Clone(target.VarFiles)
			for i, v := range target.VarFiles {
				target.VarFiles[i] = paths.Replace(v)
			}
			target.BackendConfig = slices.Clone(target.BackendConfig)
			for i, b := range target.BackendConfig {
				target.BackendConfig[i].Value = paths.Replace(b.Value)
			}
			f := File{Path: ".github/drift.yaml", Roots: []Root{{Dir: "infra/app", Line: 2, Targets: []TargetConfig{target}}}}
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
