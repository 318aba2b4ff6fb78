package record_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/myorg/drift-action/internal/record"
)

// recordSteps applies runs in order to empty files and returns the last
// result with the files after it.
func recordSteps(t *testing.T, runs []record.Run, targets [][]record.Target) (record.Result, record.Files) {
	t.Helper()
	var f record.Files
	var res record.Result
	for i, r := range runs {
		var err error
		res, err = record.Record(f, r, targets[i])
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		f.Report = res.Report
		f.Log = append(f.Log, res.LogAppend...)
	}
	return res, f
}

// A target's events carry the time of its plan, and ordering uses it: a
// target planned before the record's latest state is skipped even when the
// run recording it (an aggregate, a slow job) finishes later.
func TestRecordOrdersByPlanTime(t *testing.T) {
	t.Parallel()
	drifted := record.Target{Root: "infra/app", Target: "prod", Status: record.StatusDrifted, Drift: []record.Resource{web()}}
	clean := record.Target{Root: "infra/app", Target: "prod", Status: record.StatusClean}
	tests := []struct {
		name        string
		plannedAt   time.Time // of the second step's target
		wantSkipped bool
		wantState   string
		wantLast    time.Time // the report's lastRun time
	}{
		{name: "planned before the recorded recovery", plannedAt: t0.Add(90 * time.Minute), wantSkipped: true, wantState: "clean", wantLast: t0.Add(2 * time.Hour)},
		{name: "planned after it", plannedAt: t0.Add(3 * time.Hour), wantState: "drifted", wantLast: t0.Add(3 * time.Hour)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			first := run(0, "aaa111")
			recovered := run(0, "bbb222")
			recovered.Time = t0.Add(2 * time.Hour)
			// The late run finishes at t0+4h, whatever its targets' plan times.
			late := run(0, "ccc333")
			late.Time = t0.Add(4 * time.Hour)
			d := drifted
			d.PlannedAt = tc.plannedAt
			res, f := recordSteps(t,
				[]record.Run{first, recovered, late},
				[][]record.Target{{drifted}, {clean}, {d}})
			if got := len(res.Skipped) == 1; got != tc.wantSkipped {
				t.Fatalf("skipped = %+v, want skipped %v", res.Skipped, tc.wantSkipped)
			}
			for _, ev := range res.Events {
				if !ev.Time.Equal(tc.plannedAt) {
					t.Errorf("event %s at %s, want the plan's time %s", ev.Event, ev.Time, tc.plannedAt)
				}
			}
			rep := string(f.Report)
			if !strings.Contains(rep, "state: "+tc.wantState) {
				t.Errorf("report state is not %s:\n%s", tc.wantState, rep)
			}
			if !strings.Contains(rep, tc.wantLast.Format(time.RFC3339)) {
				t.Errorf("report's last run is not %s:\n%s", tc.wantLast.Format(time.RFC3339), rep)
			}
		})
	}
}

// A skipped target says which events recording it would have logged, so a
// caller never calls a lost heal "recorded".
func TestRecordSkipSaysWhatIsLost(t *testing.T) {
	t.Parallel()
	drifted := record.Target{Root: "infra/app", Target: "prod", Status: record.StatusDrifted, Drift: []record.Resource{web()}}
	healed := record.Target{Root: "infra/app", Target: "prod", Status: record.StatusClean,
		Notes: []record.Note{{Kind: record.SelfHealed, Resources: []string{"aws_instance.web"}, By: "run 9"}}}
	// The later plan finds more drift, so it is recorded: a plan that
	// finds what the record says already leaves no trace to order by.
	more := drifted
	more.Drift = []record.Resource{web(), sg()}
	later := run(2, "zzz999")
	res, _ := recordSteps(t,
		[]record.Run{run(0, "aaa111"), later, run(1, "bbb222")},
		[][]record.Target{{drifted}, {more}, {healed}})
	want := []record.Skip{{Root: "infra/app", Target: "prod",
		Reason: "recorded by a later plan (2026-07-03T06:00:00Z; this plan was made at 2026-07-02T06:00:00Z)",
		Lost:   []record.EventKind{record.Recovered, record.SelfHealed}}}
	if diff := cmp.Diff(want, res.Skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	if !res.Skipped[0].LosesHealOrRecovery() {
		t.Error("LosesHealOrRecovery = false for a skipped heal")
	}
}

// A record stamped in the future of this runner's clock came from a runner
// whose clock is ahead: it must not silence every later run.
func TestRecordClockAheadDoesNotSilenceLaterRuns(t *testing.T) {
	t.Parallel()
	drifted := record.Target{Root: "infra/app", Target: "prod", Status: record.StatusDrifted, Drift: []record.Resource{web()}}
	clean := record.Target{Root: "infra/app", Target: "prod", Status: record.StatusClean}
	ahead := run(30, "aaa111") // a runner 30 days ahead
	honest := run(1, "bbb222")
	honest.Now = honest.Time
	res, f := recordSteps(t, []record.Run{ahead, honest}, [][]record.Target{{drifted}, {clean}})
	if len(res.Skipped) != 0 {
		t.Fatalf("skipped %+v: a clock ahead silenced a later run", res.Skipped)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "clock is ahead") {
		t.Errorf("warnings = %q, want one naming the clock ahead", res.Warnings)
	}
	var kinds []record.EventKind
	for _, e := range res.Events {
		kinds = append(kinds, e.Event)
	}
	if !slices.Contains(kinds, record.Recovered) {
		t.Errorf("events %v lack recovered", kinds)
	}
	if !strings.Contains(string(f.Report), "state: clean") {
		t.Errorf("report is not clean:\n%s", f.Report)
	}
}
