package remedypr

import (
	"bytes"
	"strings"
	"testing"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/mdtext/mdtexttest"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/tfsource"
)

// TestBodyOutsideTextIsInert puts hostile text in every outside field of
// a pull request body, its record file and its closing comment, and
// renders them as GitHub would: nothing becomes a mention, link, image,
// HTML or emphasis, and the text is shown as it is.
func TestBodyOutsideTextIsInert(t *testing.T) {
	t.Parallel()
	h := mdtexttest.Hostile
	res := drift.Resource{Address: "aws_s3_bucket.x[\"" + h + "\"]", Type: "aws_s3_bucket", Actions: []string{"update", h},
		Attributes: []drift.Attribute{{Path: "tags." + h, Before: "ok", After: h}}}
	tg := drifted("envs/"+h, res)
	tg.Name, tg.Workspace = h, h
	tg.Result.Changes[0].Cause = h
	tg.Result.Checks = []drift.Check{{Address: h, Kind: "check", Status: drift.CheckFail, Problems: []string{h}}}
	tg.Policy = []policy.Result{{Policy: h, Rule: h, Kind: h, Level: policy.Level(h), Severity: h, Msg: h, Resource: h}}
	tg.Handover = []Handover{{Address: res.Address, Reason: h}}
	for _, strategy := range []Strategy{StrategyPR, StrategyAdopt} {
		p := Page{Target: tg, Resources: []drift.Resource{res}, Strategy: strategy, Base: "main", Branch: BranchName(tg.Root, tg.Name),
			Record: RecordPath(tg.Root, tg.Name), Run: Run{URL: "https://github.com/octo/infra/actions/runs/42", SHA: "0123456789abcdef"},
			Where: func(string) string { return h }}
		if strategy == StrategyAdopt {
			p.Adopted = []Adoption{{Address: h, Path: h, File: h, Line: 1, Shared: []string{h, h + "2"}}}
			p.NotAdopted = []Adoption{{Address: h, Path: h, Reason: tfsource.Reason(h), Detail: h}}
		}
		var body, rec bytes.Buffer
		if err := WriteBody(&body, p); err != nil {
			t.Fatal(err)
		}
		if err := WriteRecord(&rec, p); err != nil {
			t.Fatal(err)
		}
		shown := "@acme/team [docs](https://evil.example/l) ![x](https://evil.example/i.png)"
		mdtexttest.CheckInert(t, string(strategy)+" body", body.String(), shown)
		// GitHub shows a .md file's front matter as a table of its values,
		// as text; the record's front matter must hold them all, and end
		// where ParseRecord says.
		r, err := ParseRecord(p.Record, rec.Bytes())
		if err != nil || r.Root != tg.Root || r.Target != tg.Name || r.Workspace != tg.Workspace {
			t.Errorf("%s record front matter: %+v, %v; want root, target and workspace as given", strategy, r, err)
		}
		_, after, _ := strings.Cut(strings.TrimPrefix(rec.String(), "---\n"), "\n---\n")
		mdtexttest.CheckInert(t, string(strategy)+" record", after, shown)
	}
	mdtexttest.CheckInert(t, "closing comment", closeComment(tg, Run{URL: "https://github.com/octo/infra/actions/runs/42"}), "@acme/team [docs](https://evil.example/l)")
}
