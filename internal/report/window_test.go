package report_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/report"
)

// windowDoc is a scheduled run in slot 5 of 6: two targets due and
// planned, five due later, at three different times.
func windowDoc() report.Document {
	slot := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	hour := func(n int) time.Time { return slot.Add(time.Duration(n) * time.Hour) }
	d := report.New([]drift.Result{
		{Dir: "infra/app", Target: "default", Status: drift.StatusClean},
		{Dir: "infra/db", Target: "eu", Status: drift.StatusClean},
	})
	d.Window = &report.Window{Length: "6h", Every: "1h", Slot: 5, Slots: 6, Start: slot,
		Planned: []report.WindowTarget{{Root: "infra/app", Target: "default", Due: slot}, {Root: "infra/db", Target: "eu", Due: slot}},
		Later: []report.WindowTarget{
			{Root: "infra/db", Target: "us", Due: hour(1)},
			{Root: "infra/dns", Target: "default", Due: hour(1)},
			{Root: "stacks/a|b`c", Target: "default", Due: hour(3)},
			{Root: "stacks/x", Target: "default", Due: hour(5)},
			{Root: "stacks/y", Target: "default", Due: hour(5)},
		}}
	return d
}

// The summary and the JSON say the window, the slot, what was planned and
// when each skipped target is next due; the skipped targets are folded
// away, one row per due time.
func TestWindowGolden(t *testing.T) {
	t.Parallel()
	for _, r := range []struct {
		name   string
		render func(*bytes.Buffer, report.Document) error
	}{
		{"window.md", func(b *bytes.Buffer, d report.Document) error { return report.Markdown(b, d) }},
		{"window-summary.md", func(b *bytes.Buffer, d report.Document) error {
			return report.JobSummary(b, d, report.Links{Shard: "1/2"}, report.StepSummaryLimit)
		}},
		{"window.json", func(b *bytes.Buffer, d report.Document) error { return report.JSON(b, d) }},
	} {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := r.render(&buf, windowDoc()); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, r.name, buf.Bytes())
		})
	}
}

// A summary too big for GitHub still says the window in one line, and the
// aggregate of a matrix keeps the window every shard recorded.
func TestWindowInCompactSummaryAndMerge(t *testing.T) {
	t.Parallel()
	d := windowDoc()
	for i := range 400 {
		d.Roots = append(d.Roots, report.Root{Result: drift.Result{Dir: strings.Repeat("r", 200) + string(rune('a'+i%26)) + strings.Repeat("x", i), Target: "default", Status: drift.StatusClean}})
	}
	var buf bytes.Buffer
	if err := report.JobSummary(&buf, d, report.Links{}, 20_000); err != nil {
		t.Fatal(err)
	}
	want := "**Schedule window:** every target once per 6h, a slot every 1h · slot 5 of 6, from 2026-12-01 10:00 UTC · 2 target(s) due now · 5 later"
	if !strings.Contains(buf.String(), "too large") && !strings.Contains(buf.String(), "larger than") {
		t.Fatalf("the summary was not compacted:\n%.400s", buf.String())
	}
	if !strings.Contains(buf.String(), want) {
		t.Errorf("the compact summary does not say the window:\n%.800s", buf.String())
	}

	one, two := windowDoc(), windowDoc()
	one.Roots, two.Roots = one.Roots[:1], two.Roots[1:]
	merged, err := report.Merge([]report.Document{one, two})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(windowDoc().Window, merged.Window); diff != "" {
		t.Errorf("merged window (-want +got):\n%s", diff)
	}
}
