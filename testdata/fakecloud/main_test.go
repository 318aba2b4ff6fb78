package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSnapshotSeesEveryChange reads the cloud through one handle, as one
// provider process does, while the state file changes between reads in
// each way it can: saved by the provider (a new file), edited in place by
// a test (same inode, new size or time), removed. Every read must see the
// file as it is then; only an unchanged file may be answered from the
// last parse.
func TestSnapshotSeesEveryChange(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "cloud.json")
	c := &cloud{path: path}
	typ := func(t *testing.T) string {
		t.Helper()
		st, err := c.snapshot()
		if err != nil {
			t.Fatal(err)
		}
		if st.Instances["i-1"] == nil {
			return "(none)"
		}
		return st.Instances["i-1"].InstanceType
	}
	steps := []struct {
		name string
		do   func(t *testing.T)
		want string
	}{
		{name: "no file: an empty cloud", do: func(t *testing.T) {}, want: "(none)"},
		{name: "saved by the provider", do: func(t *testing.T) {
			if err := c.update(func(st *cloudState) error {
				st.Instances["i-1"] = &instance{Name: "web", InstanceType: "small"}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}, want: "small"},
		{name: "unchanged: answered again", do: func(t *testing.T) {}, want: "small"},
		{name: "edited in place, same size, new time", do: func(t *testing.T) {
			editInPlace(t, path, "small", "large")
		}, want: "large"},
		{name: "edited in place, new size", do: func(t *testing.T) {
			editInPlace(t, path, "large", "enormous")
		}, want: "enormous"},
		{name: "removed", do: func(t *testing.T) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}, want: "(none)"},
	}
	for _, s := range steps {
		s.do(t)
		if got := typ(t); got != s.want {
			t.Fatalf("%s: instance_type %q, want %q", s.name, got, s.want)
		}
	}
}

// editInPlace replaces old with new in the file without replacing the file,
// and moves its modification time on, as a test's edit between reads does.
func editInPlace(t *testing.T, path, old, new string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(strings.Replace(string(b), old, new, 1)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	next := fi.ModTime().Add(time.Second)
	if err := os.Chtimes(path, next, next); err != nil {
		t.Fatal(err)
	}
}
