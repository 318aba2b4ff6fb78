package tf

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/myorg/drift-action/internal/execfile"
	"github.com/myorg/drift-action/internal/retry"
)

// A terraform that is still open for writing somewhere (a child forked
// while it was installed) is run once it is free; a start that failed for
// another reason, or stays busy, is not tried for ever.
func TestStartWaitsOutABusyExecutable(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("ETXTBSY is Linux's")
	}
	t.Parallel()
	p := retry.Policy{Attempts: 7, Base: 10 * time.Millisecond, Max: 320 * time.Millisecond, NoJitter: true}
	tests := []struct {
		name      string
		bin       string
		busyFor   time.Duration // -1: for the whole test
		wantErr   error
		wantTries int // 0: more than one, fewer than all
	}{
		{name: "free at once", busyFor: 0, wantTries: 1},
		{name: "free after a moment", busyFor: 50 * time.Millisecond},
		{name: "busy throughout", busyFor: -1, wantErr: syscall.ETXTBSY, wantTries: p.Attempts},
		{name: "missing", bin: "missing", wantErr: os.ErrNotExist, wantTries: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bin := filepath.Join(t.TempDir(), "terraform")
			if err := execfile.Write(bin, []byte("#!/bin/sh\nexit 0\n")); err != nil {
				t.Fatal(err)
			}
			if tt.bin != "" {
				bin = filepath.Join(filepath.Dir(bin), tt.bin)
			}
			if tt.busyFor != 0 {
				f, err := os.OpenFile(bin, os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				if tt.busyFor > 0 {
					time.AfterFunc(tt.busyFor, func() { f.Close() })
				} else {
					t.Cleanup(func() { f.Close() })
				}
			}
			var tries atomic.Int32
			cmd, err := start(t.Context(), func() *exec.Cmd {
				tries.Add(1)
				return exec.Command(bin)
			}, p)
			if err == nil {
				if werr := cmd.Wait(); werr != nil {
					t.Errorf("the started terraform: %v", werr)
				}
			}
			switch {
			case tt.wantErr == nil && err != nil:
				t.Errorf("start: %v, want it started", err)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("start: %v, want %v", err, tt.wantErr)
			}
			n := int(tries.Load())
			if tt.wantTries != 0 && n != tt.wantTries || tt.wantTries == 0 && (n < 2 || n >= p.Attempts) {
				t.Errorf("tried %d times, want %d (0: between 2 and %d)", n, tt.wantTries, p.Attempts-1)
			}
		})
	}
}

// terraform's own start goes through start: a terraform busy for a moment
// runs, and its stderr is still reported when the start fails for good.
func TestRunStartsABusyTerraform(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("ETXTBSY is Linux's")
	}
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "terraform")
	if err := execfile.Write(bin, []byte("#!/bin/sh\necho ran \"$@\"\n")); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(bin, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(30*time.Millisecond, func() { f.Close() })
	var out strings.Builder
	c := command{bin: bin, dir: t.TempDir(), grace: time.Second}
	if err := c.run(t.Context(), &out, "version"); err != nil {
		t.Fatalf("run: %v", err)
	}
	if out.String() != "ran version\n" {
		t.Errorf("terraform printed %q, want %q", out.String(), "ran version\n")
	}
}
