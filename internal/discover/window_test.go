package discover

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// windowRoots are n roots under /repo/roots, one target each.
func windowRoots(n int, name string) []Target {
	out := make([]Target, n)
	for i := range out {
		d := fmt.Sprintf("roots/r%03d", i)
		out[i] = Target{Dir: d, AbsDir: "/repo/" + d, Name: name}
	}
	return out
}

// sixHours is drift.yaml's schedule-window: 6h, schedule-every: 1h.
func sixHours(at time.Time) Schedule {
	return Schedule{Length: 6 * time.Hour, Every: time.Hour, At: at}
}

// A target keeps its slot as roots and targets are added around it: the
// slot is a hash of its own identity, never its place in the list.
func TestWindowSlotsStableWhenRootsAdded(t *testing.T) {
	t.Parallel()
	before := windowRoots(40, DefaultTarget)
	// 200 roots more, sorting before and among the first ones, and a
	// second target of every existing root.
	after := append([]Target{}, windowRoots(240, DefaultTarget)...)
	for i := range 100 {
		d := fmt.Sprintf("aaa/new%03d", i)
		after = append([]Target{{Dir: d, AbsDir: "/repo/" + d, Name: DefaultTarget}}, after...)
	}
	after = append(after, windowRoots(40, "eu")...)
	slotOf := func(ts []Target) map[string]time.Time {
		at := time.Date(2026, 12, 1, 10, 20, 0, 0, time.UTC)
		_, w := Spread(ts, "/repo", sixHours(at))
		out := map[string]time.Time{}
		for _, s := range append(w.Planned, w.Later...) {
			out[s.Root+"@"+s.Target] = s.Due
		}
		return out
	}
	was, now := slotOf(before), slotOf(after)
	got := map[string]time.Time{}
	for k := range was {
		got[k] = now[k]
	}
	if diff := cmp.Diff(was, got); diff != "" {
		t.Errorf("due times of the first 40 roots after adding 340 targets (-want +got):\n%s", diff)
	}
	moved := 0
	for i := range 40 {
		r := fmt.Sprintf("roots/r%03d", i)
		if now[r+"@eu"] != now[r+"@"+DefaultTarget] {
			moved++
		}
	}
	if moved == 0 {
		t.Errorf("every root's second target has the first one's slot: the target's name is not part of its identity")
	}
}

// Over one window's consecutive runs, each planning its slot (late by
// up to most of the interval, as GitHub starts scheduled runs), every
// target is planned exactly once, and each run says truly when every
// target it skips is due.
func TestWindowPlansEveryTargetOncePerWindow(t *testing.T) {
	t.Parallel()
	all := append(windowRoots(300, DefaultTarget), windowRoots(20, "eu")...)
	start := time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC) // a window's first slot: 6h divides the epoch's days
	tests := []struct {
		name string
		late time.Duration // after the hour the cron fires at
	}{
		{name: "on time", late: 0},
		{name: "late", late: 47 * time.Minute},
		{name: "at the last second of the interval", late: time.Hour - time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			planned := map[string]int{}
			dueAt := map[string]time.Time{}     // when each run said the target is due
			plannedAt := map[string]time.Time{} // when it was
			for run := range 6 {
				slot := start.Add(time.Duration(run) * time.Hour)
				got, w := Spread(all, "/repo", sixHours(slot.Add(tt.late)))
				if w.Slot != run+1 || w.Slots != 6 || !w.Start.Equal(slot) {
					t.Errorf("run %d: slot %d of %d from %s, want %d of 6 from %s", run, w.Slot, w.Slots, w.Start, run+1, slot)
				}
				if len(got) != len(w.Planned) || len(w.Planned)+len(w.Later) != len(all) {
					t.Errorf("run %d: %d planned, %d listed planned, %d later, of %d", run, len(got), len(w.Planned), len(w.Later), len(all))
				}
				for _, tg := range got {
					planned[tg.Dir+"@"+tg.Name]++
					plannedAt[tg.Dir+"@"+tg.Name] = slot
				}
				for _, s := range w.Later {
					if !s.Due.After(slot) || s.Due.Sub(slot) >= 6*time.Hour {
						t.Errorf("run %d: %s@%s due %s, not within the window after %s", run, s.Root, s.Target, s.Due, slot)
					}
					if run == 0 {
						dueAt[s.Root+"@"+s.Target] = s.Due
					}
				}
			}
			for _, tg := range all {
				k := tg.Dir + "@" + tg.Name
				if planned[k] != 1 {
					t.Errorf("%s planned %d times in one window, want once", k, planned[k])
				}
				if due, ok := dueAt[k]; ok && !due.Equal(plannedAt[k]) {
					t.Errorf("%s: the first run said due %s, it was planned at %s", k, due, plannedAt[k])
				}
			}
		})
	}
}

// The load is flat: 300 roots over 6 slots put about 50 in each, give or
// take what a uniform hash gives (a binomial's standard deviation, 6.5;
// this hash gives 62 34 58 52 53 41), never the 300 of one cron tick.
// -v logs the counts for 300 and 1,000 roots (bench/README.md quotes them).
func TestWindowSpreadsLoad(t *testing.T) {
	t.Parallel()
	for _, n := range []int{300, 1000} {
		all := windowRoots(n, DefaultTarget)
		at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		mean := float64(n) / 6
		spread := 4 * math.Sqrt(mean*5/6) // four standard deviations
		var counts []int
		for run := range 6 {
			got, _ := Spread(all, "/repo", sixHours(at.Add(time.Duration(run)*time.Hour)))
			counts = append(counts, len(got))
			if math.Abs(float64(len(got))-mean) > spread {
				t.Errorf("%d roots: slot %d plans %d, want %.0f ± %.0f (four standard deviations)", n, run+1, len(got), mean, spread)
			}
		}
		t.Logf("%d roots over 6 slots: %v (peak %d, %.2f of the mean; without a window every run plans %d)", n, counts, slices.Max(counts), float64(slices.Max(counts))/mean, n)
	}
}

// Choose selects the targets due now, then this job's shard of them: the
// shards of one scheduled run together plan exactly the due targets, each
// once, whatever the job's own clock says within the slot.
func TestChooseWindowThenShard(t *testing.T) {
	t.Parallel()
	all := windowRoots(60, DefaultTarget)
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	listed, sel, err := Choose(all, Choice{RepoRoot: "/repo", Window: sixHours(at.Add(time.Minute))})
	if err != nil {
		t.Fatal(err)
	}
	if sel == nil || sel.Window == nil || sel.Mode != "" || len(sel.Window.Planned) != len(listed) {
		t.Fatalf("selection %+v: want the window's, listing the %d due targets", sel, len(listed))
	}
	if len(listed) == 0 || len(listed) == len(all) {
		t.Fatalf("%d of %d due: the fixture shows nothing", len(listed), len(all))
	}
	var union []string
	for i := 1; i <= 3; i++ {
		part, psel, err := Choose(all, Choice{RepoRoot: "/repo", Window: sixHours(at.Add(time.Duration(i*10) * time.Minute)), Shard: Part{Index: i, Count: 3}})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(sel, psel); diff != "" {
			t.Errorf("shard %d/3's selection differs from the whole run's (-want +got):\n%s", i, diff)
		}
		if diff := cmp.Diff(names(Shard(listed, i, 3)), names(part)); diff != "" {
			t.Errorf("shard %d/3 (-want +got):\n%s", i, diff)
		}
		union = append(union, names(part)...)
	}
	if diff := cmp.Diff(names(listed), union); diff != "" {
		t.Errorf("the shards together (-want +got):\n%s", diff)
	}
	// Without a window (every event but schedule), nothing is spread.
	every, sel, err := Choose(all, Choice{RepoRoot: "/repo"})
	if err != nil || sel != nil || len(every) != len(all) {
		t.Errorf("without a window: %d of %d targets, selection %+v, error %v", len(every), len(all), sel, err)
	}
}
