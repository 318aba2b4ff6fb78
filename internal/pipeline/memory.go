package pipeline

import (
	"os"
	"runtime"
	"runtime/debug"
	"sync"
)

// Reading a plan is the peak of detect's own memory: terraform's JSON, then
// its OPA value (about four times the JSON's size, as one piece) while the
// policies evaluate. With the collector's default target (GOGC=100) the heap
// may grow to twice what was live at the last collection before the next
// one, and a collection made mid-reading, with the plan live, lets the
// report that follows grow into the same room. So a big plan is read with a
// lower target and its leftovers are collected before the next stage.
// Measured on bench/run.sh benchmark c's plan (2,000 changes, 2.1 MB of
// JSON): with the plan read from its file but the default target, the
// process peaked at 57-63 MiB RSS; read lean, at 47-52 MiB (GOGC=50: 50-55).
// Reading it took 0.23 s of CPU instead of 0.16 s (GOGC=50: 0.18 s).
const (
	// leanAbove is the size of plan JSON from which it is read lean; below
	// it the plan is small next to the process (the policies alone are
	// ~4 MB), and lowering the target would only cost CPU.
	leanAbove = 1 << 20
	// leanGCPercent is the collector's target (as GOGC) while a big plan is
	// read: the heap grows at most a quarter above what is live.
	leanGCPercent = 25
)

// lean counts the targets reading a big plan right now. The collector's
// target is process-wide: the first reader lowers it, the last restores it.
var lean struct {
	sync.Mutex
	n    int
	prev int // the target before the first reader lowered it
}

// readLean runs read, which holds the plan at path (terraform's JSON) in
// memory. For a big plan it runs with the collector's target lowered to
// leanGCPercent (never raised: a lower GOGC or GOGC=off set by the user is
// kept), and collects twice when done: policy evaluation leaves pooled
// objects that still point into the plan's OPA value, and pools are
// emptied only by the second collection after their last use.
func readLean(path string, read func()) {
	if fi, err := os.Stat(path); path == "" || err != nil || fi.Size() < leanAbove {
		read()
		return
	}
	lean.Lock()
	if lean.n == 0 {
		lean.prev = debug.SetGCPercent(leanGCPercent)
		if lean.prev < 0 || lean.prev <= leanGCPercent {
			debug.SetGCPercent(lean.prev)
		}
	}
	lean.n++
	lean.Unlock()
	defer func() {
		lean.Lock()
		lean.n--
		if lean.n == 0 {
			debug.SetGCPercent(lean.prev)
		}
		lean.Unlock()
		runtime.GC()
		runtime.GC()
	}()
	read()
}
