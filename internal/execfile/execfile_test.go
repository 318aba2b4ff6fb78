package execfile

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// stress writes n scripts with write and runs each at once, while other
// goroutines start processes without pause, as parallel tests and
// parallel targets do. It returns the runs that failed.
func stress(t *testing.T, n int, write func(path string, data []byte) error) []error {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				_ = exec.Command("true").Run()
			}
		}()
	}
	defer wg.Wait()
	defer stop()
	dir := t.TempDir()
	var failed []error
	for i := range n {
		p := filepath.Join(dir, fmt.Sprintf("s%d", i))
		if err := write(p, []byte(fmt.Sprintf("#!/bin/sh\necho %d\n", i))); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(p).Output()
		if err != nil {
			failed = append(failed, err)
		} else if got, want := strings.TrimSpace(string(out)), fmt.Sprint(i); got != want {
			failed = append(failed, fmt.Errorf("script %d printed %q", i, got))
		}
	}
	return failed
}

// A script written while other goroutines fork runs at once, every time.
// Written with os.WriteFile instead, about one run in thirty fails here (9 to 14 of 300) with
// "text file busy".
func TestWriteRunsAtOnce(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no fork on windows")
	}
	n := 300
	if testing.Short() {
		n = 50
	}
	if failed := stress(t, n, Write); len(failed) > 0 {
		t.Errorf("%d of %d runs failed, first: %v", len(failed), n, failed[0])
	}
}

func TestCopy(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.WriteFile(src, []byte("#!/bin/sh\necho copied\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "dst")
	if err := Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(dst).Output()
	if err != nil || string(out) != "copied\n" {
		t.Errorf("the copy ran: %q %v, want %q", out, err, "copied\n")
	}
	if err := Copy(filepath.Join(dir, "no", "dst"), src); err == nil || !strings.Contains(err.Error(), "copy executable") {
		t.Errorf("copy into a missing directory: %v, want an error naming the operation", err)
	}
	if err := Copy(dst, filepath.Join(dir, "missing")); err == nil {
		t.Error("copy of a missing file: no error")
	}
}
