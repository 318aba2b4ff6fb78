package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/report"
)

func TestSelectionGolden(t *testing.T) {
	t.Parallel()
	clean := func(dir string) drift.Result {
		return drift.Result{Dir: dir, Target: "default", Status: drift.StatusClean}
	}
	tests := []struct {
		name    string
		results []drift.Result
		sel     report.Selection
	}{
		{name: "selection-affected", results: []drift.Result{clean("infra/app")}, sel: report.Selection{
			Mode: "affected", Source: "git",
			Planned: []report.SelectedRoot{{Root: "infra/app", Reasons: []string{"changed: infra/app/main.tf", "module modules/net changed"}}},
			Skipped: []string{"infra/db", "infra/dns"},
		}},
		{name: "selection-none", sel: report.Selection{
			Mode: "affected", Source: "GitHub API", Planned: []report.SelectedRoot{}, Skipped: []string{"infra/app", "infra/db"},
			Note: "no root is affected by this pull request's changes: nothing to plan",
		}},
		{name: "selection-all", results: []drift.Result{clean("infra/app"), clean("infra/db")}, sel: report.Selection{
			Mode: "affected", Skipped: []string{},
			Planned: []report.SelectedRoot{{Root: "infra/app", Reasons: []string{"config changed: .github/drift.yaml"}}, {Root: "infra/db", Reasons: []string{"config changed: .github/drift.yaml"}}},
			Note:    "config changed (.github/drift.yaml): planned every root",
		}},
	}
	for _, tt := range tests {
		for _, r := range []struct {
			ext    string
			render func(*bytes.Buffer, report.Document) error
		}{
			{"md", func(b *bytes.Buffer, d report.Document) error { return report.Markdown(b, d) }},
			{"json", func(b *bytes.Buffer, d report.Document) error { return report.JSON(b, d) }},
		} {
			t.Run(tt.name+"."+r.ext, func(t *testing.T) {
				t.Parallel()
				d := report.New(tt.results)
				sel := tt.sel
				d.Selection = &sel
				var buf bytes.Buffer
				if err := r.render(&buf, d); err != nil {
					t.Fatal(err)
				}
				checkGolden(t, tt.name+"."+r.ext, buf.Bytes())
			})
		}
	}
}

func TestSelectionInCompactSummaryAndMerge(t *testing.T) {
	t.Parallel()
	sel := &report.Selection{Mode: "affected", Planned: []report.SelectedRoot{{Root: "a", Reasons: []string{"changed: a/main.tf"}}}, Skipped: []string{"b"}}
	var results []drift.Result
	for range 400 {
		results = append(results, drift.Result{Dir: "a", Target: strings.Repeat("t", 200) + string(rune('a'+len(results)%26)) + strings.Repeat("x", len(results)), Status: drift.StatusClean})
	}
	d := report.New(results)
	d.Selection = sel
	var buf bytes.Buffer
	if err := report.JobSummary(&buf, d, report.Links{}, 20_000); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "**Roots planned for this pull request:** 1 planned · 1 skipped as unaffected") {
		t.Errorf("the compact summary does not count the selection:\n%.600s", buf.String())
	}

	one := report.New([]drift.Result{{Dir: "a", Target: "x", Status: drift.StatusClean}})
	one.Selection = sel
	two := report.New([]drift.Result{{Dir: "a", Target: "y", Status: drift.StatusClean}})
	two.Selection = sel
	merged, err := report.Merge([]report.Document{one, two})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sel, merged.Selection); diff != "" {
		t.Errorf("merged selection (-want +got):\n%s", diff)
	}
}
