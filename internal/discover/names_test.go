package discover

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDiscoveryRefusesInvalidUTF8Names(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		dirs    []string // root directories made, each with a main.tf
		args    []string
		file    File
		wantErr []string // every one appears in the error
	}{
		{
			name:    "a root directory found by walking the repository",
			dirs:    []string{"infra/app", "infra/bad\xff"},
			wantErr: []string{`root directory "infra/bad\xff" is not valid UTF-8`, "rename the directory", "exclude"},
		},
		{
			name:    "a root directory named as an argument",
			dirs:    []string{"stacks/\xc3("},
			args:    []string{"stacks/\xc3("},
			wantErr: []string{`root directory "stacks/\xc3(" is not valid UTF-8`, "rename the directory"},
		},
		{
			name:    "a root directory under a configured glob",
			dirs:    []string{"env/ok", "env/\xfe"},
			file:    File{Path: ".github/drift.yaml", Roots: []Root{{Dir: "env/*", Line: 2}}},
			wantErr: []string{`root directory "env/\xfe" is not valid UTF-8`},
		},
		{
			name:    "a target name",
			dirs:    []string{"infra/app"},
			file:    File{Path: ".github/drift.yaml", Roots: []Root{{Dir: "infra/app", Line: 2, Targets: []TargetConfig{{Name: "prod\xff"}}}}},
			wantErr: []string{`root "infra/app" target "prod\xff": the name is not valid UTF-8`, "rename the target in .github/drift.yaml"},
		},
		{
			name:    "a workspace",
			dirs:    []string{"infra/app"},
			file:    File{Path: ".github/drift.yaml", Roots: []Root{{Dir: "infra/app", Line: 2, Targets: []TargetConfig{{Name: "prod", Workspace: "w\x80"}}}}},
			wantErr: []string{`root "infra/app" target "prod": workspace "w\x80" is not valid UTF-8`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for _, d := range tt.dirs {
				writeFile(t, filepath.Join(dir, d, "main.tf"), "# root\n")
			}
			_, err := Targets(Request{Cwd: dir, RepoRoot: dir, Args: tt.args, File: tt.file})
			if err == nil {
				t.Fatal("no error; want discovery to refuse the name")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

// A valid non-ASCII name is a name like any other.
func TestDiscoveryAcceptsUTF8Names(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "infra/zürich", "main.tf"), "# root\n")
	if err := os.MkdirAll(filepath.Join(dir, "docs/\xff"), 0o755); err != nil { // no .tf: not a root
		t.Fatal(err)
	}
	got, err := Targets(Request{Cwd: dir, RepoRoot: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Dir != "infra/zürich" {
		t.Errorf("targets %+v, want infra/zürich alone", got)
	}
}
