package wsfile_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/myorg/drift-action/internal/wsfile"
)

func TestWriteNeverFollowsSymlinks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(t *testing.T, ws, outside string)
		rel   string
	}{
		{
			name: "directory links outside the workspace",
			setup: func(t *testing.T, ws, outside string) {
				must(t, os.Symlink(outside, filepath.Join(ws, ".drift-action")))
			},
			rel: ".drift-action/result.json",
		},
		{
			name: "file links outside the workspace",
			setup: func(t *testing.T, ws, outside string) {
				must(t, os.MkdirAll(filepath.Join(ws, ".drift-action"), 0o755))
				must(t, os.Symlink(filepath.Join(outside, "result.json"), filepath.Join(ws, ".drift-action", "result.json")))
			},
			rel: ".drift-action/result.json",
		},
		{
			name: "file links to another file inside the workspace",
			setup: func(t *testing.T, ws, outside string) {
				must(t, os.WriteFile(filepath.Join(ws, "main.tf"), []byte("keep"), 0o644))
				must(t, os.Symlink("main.tf", filepath.Join(ws, "result.json")))
			},
			rel: "result.json",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ws, outside := t.TempDir(), t.TempDir()
			victim := filepath.Join(outside, "result.json")
			must(t, os.WriteFile(victim, []byte("victim"), 0o644))
			tt.setup(t, ws, outside)
			err := wsfile.Write(ws, tt.rel, []byte("new"))
			if !errors.Is(err, wsfile.ErrSymlink) {
				t.Fatalf("Write = %v, want ErrSymlink", err)
			}
			if b, _ := os.ReadFile(victim); string(b) != "victim" {
				t.Errorf("file outside the workspace now holds %q", b)
			}
			if b, err := os.ReadFile(filepath.Join(ws, "main.tf")); err == nil && string(b) != "keep" {
				t.Errorf("main.tf now holds %q", b)
			}
		})
	}
}

func TestWriteCreatesAndReplaces(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	for _, content := range []string{"one", "two"} {
		if err := wsfile.Write(ws, ".drift-action/result.json", []byte(content)); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(filepath.Join(ws, ".drift-action", "result.json")); string(b) != content {
			t.Errorf("file holds %q, want %q", b, content)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(ws, ".drift-action"))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only result.json (no temporary files left)", len(entries))
	}
	for _, rel := range []string{"../x", "/etc/passwd", "."} {
		if err := wsfile.Write(ws, rel, nil); err == nil {
			t.Errorf("Write(%q): want an error for a path outside the workspace", rel)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestWriteRefusesPathsCleaningWouldMove(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, rel, why string
	}{
		{"dot-dot segment cleaning cancels", "drift/../.github/workflows/x.yml", ".. segment"},
		{"dot-dot out of the workspace", "../x", ".. segment"},
		{"absolute", "/etc/passwd", "absolute"},
		{"backslash", `drift\..\.github\workflows\x.yml`, "backslash"},
		{"control character", "drift/x\n.yml", "control character"},
		{"the workspace itself", ".", "names a directory"},
		{"a directory", "drift/", "names a directory"},
		{"empty", "", "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ws := t.TempDir()
			must(t, os.MkdirAll(filepath.Join(ws, ".github", "workflows"), 0o755))
			must(t, os.MkdirAll(filepath.Join(ws, "drift"), 0o755))
			for name, f := range map[string]func() error{
				"Check": func() error { return wsfile.Check(ws, tt.rel) },
				"Write": func() error { return wsfile.Write(ws, tt.rel, []byte("kind: DriftReport\n")) },
			} {
				var pe *wsfile.PathError
				if err := f(); !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.why) {
					t.Errorf("%s(%q) = %v, want a PathError saying %q", name, tt.rel, err, tt.why)
				}
			}
			if entries, _ := os.ReadDir(filepath.Join(ws, ".github", "workflows")); len(entries) != 0 {
				t.Errorf(".github/workflows holds %d files, want none", len(entries))
			}
		})
	}
}

func TestCheckFindsLinksWithoutWriting(t *testing.T) {
	t.Parallel()
	ws, outside := t.TempDir(), t.TempDir()
	must(t, os.Symlink(outside, filepath.Join(ws, "drift")))
	if err := wsfile.Check(ws, "drift/drift-report.yaml"); !errors.Is(err, wsfile.ErrSymlink) {
		t.Errorf("Check through a link = %v, want ErrSymlink", err)
	}
	for _, rel := range []string{"new/dir/report.yaml", "report.yaml"} {
		if err := wsfile.Check(ws, rel); err != nil {
			t.Errorf("Check(%q) = %v, want nil: nothing on the way exists", rel, err)
		}
	}
	if entries, _ := os.ReadDir(ws); len(entries) != 1 {
		t.Errorf("workspace holds %d entries after Check, want only the link: Check must create nothing", len(entries))
	}
}
