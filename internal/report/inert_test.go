package report

import (
	"bytes"
	"testing"
	"time"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/mdtext/mdtexttest"
	"github.com/myorg/drift-action/internal/policy"
)

// TestMarkdownOutsideTextIsInert puts hostile text in every field from
// outside the report renders (names, addresses, paths, values, check and
// policy messages and levels, snooze reasons, the selection, the schedule
// window's targets, the run's problems and activity, the summary's links)
// and renders the markdown,
// the job summary and its compact form as GitHub would: nothing becomes a
// mention, link, image, HTML or emphasis.
func TestMarkdownOutsideTextIsInert(t *testing.T) {
	t.Parallel()
	h := mdtexttest.Hostile
	sn := &drift.Snooze{Root: h, Address: h, Until: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), Reason: h, Source: h}
	res := drift.Resource{Address: "aws_s3_bucket.x[\"" + h + "\"]", Type: "aws_s3_bucket", Actions: []string{"update", h},
		Attributes: []drift.Attribute{{Path: "tags." + h, Before: h, After: h}, {Path: h, Before: "a", After: "b", Snooze: sn}}}
	change := res
	change.Cause, change.PreviousAddress, change.Importing, change.ImportID, change.ActionReason, change.ReplacePaths = drift.CauseDrift, h, true, h, h, []string{h}
	snoozed := res
	snoozed.Snooze = sn
	r := drift.Result{Dir: "infra/" + h, Target: h, Workspace: h, Drift: []drift.Resource{res}, Changes: []drift.Resource{change},
		Outputs: []string{h}, Checks: []drift.Check{{Address: h, Kind: h, Status: drift.CheckFail, Problems: []string{h, h}}},
		Snoozed: []drift.Resource{snoozed}, SnoozedChanges: []drift.Resource{change},
		ExpiredSnoozes: []drift.ExpiredSnooze{{Snooze: *sn, Resources: []string{h}}}}
	r.SetStatus()
	failed := drift.Result{Dir: h, Target: "default", Error: h}
	failed.SetStatus()
	pol := policy.Result{Policy: h, Rule: h, Kind: "deny", Level: policy.Level(h), Severity: h, Msg: h, Resource: h, Failed: true}
	advisory := policy.Result{Policy: "p", Rule: "r", Kind: "deny", Level: policy.Advisory, Severity: h, Msg: h, Resource: h}
	advisory2 := advisory
	advisory2.Resource = h + "2"
	d := WithPolicies([]drift.Result{r, failed}, &Policies{ByTarget: map[Key][]policy.Result{{r.Dir, r.Target}: {pol, advisory, advisory2}}, Manifests: []policy.Result{pol}})
	d.Problems, d.Activity = []string{h}, []string{h}
	d.Selection = &Selection{Mode: "affected", Source: h, Planned: []SelectedRoot{{Root: h, Reasons: []string{h}}}, Skipped: []string{h}, Note: h}
	d.Window = &Window{Length: h, Every: h, Slot: 1, Slots: 2, Later: []WindowTarget{{Root: h, Target: h}, {Root: h, Target: "default"}}}
	links := Links{Source: h, ResultJSON: h, Shard: "1/2"}

	var md, sum, small bytes.Buffer
	if err := Markdown(&md, d); err != nil {
		t.Fatal(err)
	}
	if err := JobSummary(&sum, d, links, StepSummaryLimit); err != nil {
		t.Fatal(err)
	}
	if err := JobSummary(&small, d, links, 3000); err != nil {
		t.Fatal(err)
	}
	shown := []string{"@acme/team [docs](https://evil.example/l) ![x](https://evil.example/i.png)", "*emx* _ulx_ ~~stx~~ `tick` a|b \\*x $y$"}
	mdtexttest.CheckInert(t, "markdown", md.String(), shown...)
	mdtexttest.CheckInert(t, "job summary", sum.String(), shown...)
	mdtexttest.CheckInert(t, "compact job summary", small.String(), shown...)
}
