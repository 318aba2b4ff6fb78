package pipeline

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// gcPercent reads the collector's target without changing it.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// A big plan is read with the collector's target lowered, never raised, and
// the caller's target is back once the last reader is done.
func TestReadLean(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	big := filepath.Join(dir, "big.json")
	if err := os.WriteFile(big, make([]byte, leanAbove), 0o600); err != nil {
		t.Fatal(err)
	}
	small := filepath.Join(dir, "small.json")
	if err := os.WriteFile(small, make([]byte, leanAbove-1), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		path       string
		before     int
		wantDuring int
	}{
		{name: "big plan, default GOGC", path: big, before: 100, wantDuring: leanGCPercent},
		{name: "big plan, GOGC=400", path: big, before: 400, wantDuring: leanGCPercent},
		{name: "big plan, a lower GOGC is kept", path: big, before: 10, wantDuring: 10},
		{name: "big plan, GOGC=off is kept", path: big, before: -1, wantDuring: -1},
		{name: "small plan", path: small, before: 100, wantDuring: 100},
		{name: "nothing to detail", path: "", before: 100, wantDuring: 100},
	}
	orig := gcPercent()
	defer debug.SetGCPercent(orig)
	// Not parallel: the collector's target is one per process.
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			debug.SetGCPercent(tc.before)
			var during int
			readLean(tc.path, func() { during = gcPercent() })
			got := map[string]int{"during": during, "after": gcPercent()}
			want := map[string]int{"during": tc.wantDuring, "after": tc.before}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("GC percent (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("overlapping readers", func(t *testing.T) {
		debug.SetGCPercent(100)
		var wg sync.WaitGroup
		inside := make(chan struct{})
		release := make(chan struct{})
		var second int
		wg.Add(2)
		go func() {
			defer wg.Done()
			readLean(big, func() {
				close(inside)
				<-release
			})
		}()
		go func() {
			defer wg.Done()
			<-inside
			readLean(big, func() { second = gcPercent() })
			close(release)
		}()
		wg.Wait()
		got := map[string]int{"second reader": second, "after both": gcPercent()}
		want := map[string]int{"second reader": leanGCPercent, "after both": 100}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GC percent (-want +got):\n%s", diff)
		}
	})
}
