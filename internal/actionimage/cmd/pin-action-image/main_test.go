package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	src    = "name: demo\nruns:\n  using: docker\n  image: Dockerfile\n"
	digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

func TestRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string // -file is added
		wantCode   int
		wantFile   string
		wantStdout string
		wantStderr string
	}{
		{
			name:       "pins the file in place",
			args:       []string{"-repository", "ghcr.io/myorg/drift-action", "-digest", digest},
			wantFile:   "name: demo\nruns:\n  using: docker\n  image: docker://ghcr.io/myorg/drift-action@" + digest + "\n",
			wantStdout: "docker://ghcr.io/myorg/drift-action@" + digest + "\n",
		},
		{
			name:       "bad digest leaves the file alone",
			args:       []string{"-repository", "ghcr.io/myorg/drift-action", "-digest", "sha256:abc"},
			wantCode:   1,
			wantFile:   src,
			wantStderr: `error: image ref: digest "sha256:abc"`,
		},
		{
			name:       "upper-case repository leaves the file alone",
			args:       []string{"-repository", "ghcr.io/MyOrg/drift-action", "-digest", digest},
			wantCode:   1,
			wantFile:   src,
			wantStderr: "must be lowercase",
		},
		{
			name:       "missing digest",
			args:       []string{"-repository", "ghcr.io/myorg/drift-action"},
			wantCode:   2,
			wantFile:   src,
			wantStderr: "usage: pin-action-image",
		},
		{
			name:       "stray argument",
			args:       []string{"-repository", "ghcr.io/myorg/drift-action", "-digest", digest, "extra"},
			wantCode:   2,
			wantFile:   src,
			wantStderr: "usage: pin-action-image",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(t.TempDir(), "action.yml")
			if err := os.WriteFile(file, []byte(src), 0o640); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"-file", file}, tt.args...), &stdout, &stderr)
			got, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			info, err := os.Stat(file)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantCode, code); diff != "" {
				t.Errorf("exit code (-want +got):\n%s\nstderr: %s", diff, stderr.String())
			}
			if diff := cmp.Diff(tt.wantFile, string(got)); diff != "" {
				t.Errorf("action.yml (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantStdout, stdout.String()); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) || (tt.wantStderr == "" && stderr.Len() > 0) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.wantStderr)
			}
			if diff := cmp.Diff(os.FileMode(0o640), info.Mode().Perm()); diff != "" {
				t.Errorf("file mode (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRunMissingFile(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	code := run([]string{"-file", filepath.Join(t.TempDir(), "action.yml"), "-repository", "ghcr.io/myorg/drift-action", "-digest", digest}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "read action metadata:") {
		t.Errorf("run = %d, stderr %q; want 1 and a read error", code, stderr.String())
	}
}
