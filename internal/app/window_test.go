package app

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/matrix"
	"github.com/myorg/drift-action/internal/tftest"
)

// A scheduled matrix run with a schedule window: mode list builds the
// matrix of the targets due in its slot, each job plans its shard of those
// even when it starts in the next slot (the shard value carries the
// slot's time), the results and the summary say the slot and when each
// skipped root is due, and aggregate keeps that. A manual run of the same
// workflow ignores the window.
func TestActionScheduleWindowMatrix(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	ws := t.TempDir()
	var all []string
	for i := range 8 {
		d := fmt.Sprintf("stacks/s%d", i)
		tftest.WriteRoot(t, ws, d, map[string]string{"main.tf": "terraform {}\n"})
		all = append(all, d+"@default")
	}
	if err := os.MkdirAll(filepath.Join(ws, ".github"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ws, ".github", "drift.yaml"), []byte("schedule-window: 4h\nschedule-every: 1h\nshard-size: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	slot := time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC)
	clock := func(d time.Duration) func() time.Time { return func() time.Time { return slot.Add(d) } }
	inputs := map[string]string{"policies": "none"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range inputs {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}

	// Listed one minute before the slot ends.
	list := runnerRun{t: t, env: env, workspace: ws, event: "schedule", inputs: with("mode", "list"), now: clock(59 * time.Minute)}.run()
	if list.code != 0 {
		t.Fatalf("list: exit %d\n%s", list.code, list.stdout)
	}
	var m matrix.Matrix
	if err := json.Unmarshal([]byte(list.outputs["matrix"]), &m); err != nil {
		t.Fatal(err)
	}
	var due []string
	for _, j := range m.Include {
		if !strings.HasSuffix(j.Shard, "@2026-12-01T11:00:00Z") {
			t.Errorf("job shard %q does not carry the slot's time", j.Shard)
		}
		due = append(due, strings.Fields(j.Roots)...)
	}
	if len(due) < 2 || len(due) == len(all) {
		t.Fatalf("%d of %d targets due: the fixture shows no window\n%s", len(due), len(all), list.stdout)
	}
	if !strings.Contains(list.stdout, fmt.Sprintf("drift-action: schedule window 4h: slot 4 of 4 (from 2026-12-01T11:00:00Z), %d target(s) due now, %d later", len(due), len(all)-len(due))) {
		t.Errorf("the list log does not say the slot:\n%s", list.stdout)
	}

	// The jobs start two minutes into the next slot.
	var planned []string
	for i, j := range m.Include {
		res := runnerRun{t: t, env: env, workspace: ws, event: "schedule", inputs: with("shard", j.Shard), now: clock(62 * time.Minute)}.run()
		if res.code != 0 {
			t.Fatalf("shard %s: exit %d\n%s", j.Shard, res.code, res.stdout)
		}
		doc := resultDoc(t, ws, res)
		var got []string
		for _, r := range doc.Roots {
			got = append(got, r.Dir+"@"+r.Target)
		}
		if diff := cmp.Diff(strings.Fields(j.Roots), got); diff != "" {
			t.Errorf("shard %s planned (-listed +got):\n%s", j.Shard, diff)
		}
		planned = append(planned, got...)
		if w := doc.Window; w == nil || w.Slot != 4 || w.Slots != 4 || !w.Start.Equal(slot) || len(w.Planned) != len(due) || len(w.Later) != len(all)-len(due) {
			t.Errorf("shard %s window %+v: want slot 4 of 4 from %s, %d planned, %d later", j.Shard, w, slot, len(due), len(all)-len(due))
		}
		for _, w := range []string{"**Schedule window:** every target once per 4h, a slot every 1h · slot 4 of 4", "Not due now: " + fmt.Sprint(len(all)-len(due)) + " target(s)"} {
			if !strings.Contains(res.summary, w) {
				t.Errorf("shard %s summary lacks %q:\n%s", j.Shard, w, res.summary)
			}
		}
		// Hand the result to aggregate as the artifacts would.
		b, err := os.ReadFile(filepath.Join(ws, res.outputs["result-json"]))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(ws, "drift-results", fmt.Sprintf("job%d", i+1), "result.json")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(due, planned); diff != "" {
		t.Errorf("the jobs together (-listed +planned):\n%s", diff)
	}

	agg := runnerRun{t: t, workspace: ws, event: "schedule", inputs: with("mode", "aggregate"), now: clock(70 * time.Minute)}.run()
	if agg.code != 0 {
		t.Fatalf("aggregate: exit %d\n%s", agg.code, agg.stdout)
	}
	doc := resultDoc(t, ws, agg)
	if doc.Window == nil || doc.Window.Slot != 4 || len(doc.Window.Later) != len(all)-len(due) {
		t.Errorf("aggregate window %+v: want the run's slot 4 and its %d targets due later", doc.Window, len(all)-len(due))
	}
	for _, later := range doc.Window.Later {
		if !later.Due.After(slot) || later.Due.After(slot.Add(3*time.Hour)) {
			t.Errorf("%s due %s: not in the window's next three slots", later.Root, later.Due)
		}
		if slices.Contains(due, later.Root+"@"+later.Target) {
			t.Errorf("%s is both due now and later", later.Root)
		}
	}

	// A manual run of the same workflow at the same time plans everything.
	manual := runnerRun{t: t, env: env, workspace: ws, event: "workflow_dispatch", inputs: with("mode", "list"), now: clock(59 * time.Minute)}.run()
	var mm matrix.Matrix
	if err := json.Unmarshal([]byte(manual.outputs["matrix"]), &mm); err != nil {
		t.Fatalf("workflow_dispatch list: exit %d, %v\n%s", manual.code, err, manual.stdout)
	}
	var every []string
	for _, j := range mm.Include {
		if strings.Contains(j.Shard, "@") {
			t.Errorf("a dispatch's shard %q carries a slot", j.Shard)
		}
		every = append(every, strings.Fields(j.Roots)...)
	}
	if diff := cmp.Diff(all, every); diff != "" {
		t.Errorf("workflow_dispatch matrix (-all +got):\n%s", diff)
	}
	if strings.Contains(manual.stdout, "schedule window") {
		t.Errorf("a dispatch's log speaks of the window:\n%s", manual.stdout)
	}
}
