package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/report"
)

// Every shard of a matrix run checks the whole drift.yaml: the merged
// document tells each warning once, and a summary too large to show whole
// still tells them.
func TestWarningsInMergeAndCompactSummary(t *testing.T) {
	t.Parallel()
	w1 := report.Warning{File: ".github/drift.yaml", Line: 7, Message: ".github/drift.yaml:7: snooze for root \"infra/ap\" matches no root"}
	w2 := report.Warning{File: ".github/drift.yaml", Line: 9, Message: ".github/drift.yaml:9: snooze for root \"infra/app\" target \"mars\" matches none of its targets"}
	one := report.New([]drift.Result{{Dir: "a", Target: "x", Status: drift.StatusClean}})
	one.Warnings = []report.Warning{w1, w2}
	two := report.New([]drift.Result{{Dir: "a", Target: "y", Status: drift.StatusClean}})
	two.Warnings = []report.Warning{w1, w2}
	merged, err := report.Merge([]report.Document{one, two})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]report.Warning{w1, w2}, merged.Warnings); diff != "" {
		t.Errorf("merged warnings (-want +got):\n%s", diff)
	}
	if merged.ExitCode() != 0 {
		t.Errorf("exit code %d: a warning changes no exit code", merged.ExitCode())
	}

	var results []drift.Result
	for i := range 400 {
		results = append(results, drift.Result{Dir: "a", Target: strings.Repeat("t", 200) + strings.Repeat("x", i), Status: drift.StatusClean})
	}
	d := report.New(results)
	d.Warnings = []report.Warning{w1}
	var buf bytes.Buffer
	if err := report.JobSummary(&buf, d, report.Links{}, 20_000); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "> - .github/drift.yaml:7: snooze for root &#34;infra/ap&#34; matches no root") || !strings.Contains(buf.String(), "details are in the JSON result") {
		t.Errorf("the compact summary does not tell the warning:\n%.800s", buf.String())
	}
}
