package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/myorg/drift-action/internal/discover"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/notify"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/record"
	"github.com/myorg/drift-action/internal/remedypr"
	"github.com/myorg/drift-action/internal/report"
	"github.com/myorg/drift-action/internal/tftest"
)

// The canaries: a variable terraform marks sensitive and a value drift.yaml
// masks (a literal, as a target's secret from the environment is), both
// multi-line and holding what JSON escapes, and a value a mask pattern
// matches. pieces are their parts: every form of a canary (escaped, quoted,
// one line of it) still holds one of them.
const (
	sensCanary  = "sEns-cAnary \"q\" <b> & co\nsens-line-two 7e1f"
	maskCanary  = "m4sk-cAnary <i> \"x\"\nm4sk-line-two 3c2d"
	tokenCanary = "tok-1a2b3c4d"
)

var canaryPieces = []string{"sEns-cAnary", "sens-line-two", "m4sk-cAnary", "m4sk-line-two", tokenCanary}

const (
	// leakyRoot shows the canaries in a check's problem, as is and
	// JSON-encoded; the instance is then edited by hand to hold them, so
	// they are in drifted attributes too.
	leakyRoot = `
variable "secret" {
  type      = string
  sensitive = true
}

variable "masked" {
  type = string
}

resource "fakecloud_instance" "web" {
  name = "web"
  tags = { owner = "team" }
}

check "leak" {
  assert {
    condition     = fakecloud_instance.web.name == "db"
    error_message = "as is: ${nonsensitive(var.secret)} json: ${jsonencode(nonsensitive(var.secret))} masked: ${var.masked} ${jsonencode(var.masked)} tok-1a2b3c4d"
  }
}
`
	// brokenRoot fails to plan with the masked canaries in terraform's
	// error, as is, JSON-encoded and across lines.
	brokenRoot = `
variable "masked" {
  type = string
}

resource "terraform_data" "x" {
  input = 1
  lifecycle {
    precondition {
      condition     = var.masked == ""
      error_message = "as is: ${var.masked} json: ${jsonencode(var.masked)} tok-1a2b3c4d"
    }
  }
}
`
	// canaryPolicy prints the canaries in several forms, from the input and
	// spelled out.
	canaryPolicy = `package leak

pw := input.raw.variables.secret.value

warn contains sprintf("as is: %s", [pw])
warn contains json.marshal({"pw": pw})
warn contains concat(" / ", split(pw, "\n"))
warn contains sprintf("tags: %v", [input.resource_drift["fakecloud_instance.web"].change.after.tags])
warn contains {"msg": "spelled: m4sk-cAnary <i> \"x\" tok-1a2b3c4d", "resource": "tok-1a2b3c4d"}
`
)

// TestVerdictRedactedOnceEverywhere plans real roots that put the canaries
// in terraform's error text, a check's problem, drifted attributes and
// policy messages, in every form, and renders every projection of the
// verdicts as the run does (the report's text, JSON, markdown and job
// summary; the record; the remediation pull request; Slack; policy
// check's output): no canary reaches any of them. Only the builder
// redacts; the projections are given the verdicts as they are.
func TestVerdictRedactedOnceEverywhere(t *testing.T) {
	t.Parallel()
	tftest.Long(t)
	env := tftest.Setup(t)
	dir := t.TempDir()
	cloud := tftest.Cloud{Path: filepath.Join(dir, "cloud.json")}
	vars := func(v map[string]string) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	leaky := tftest.WriteRoot(t, dir, "infra/leaky", map[string]string{
		"main.tf":               tftest.FakeCloudProvider(cloud.Path) + leakyRoot,
		"terraform.tfvars.json": vars(map[string]string{"secret": sensCanary, "masked": maskCanary}),
	})
	env.Apply(t, leaky)
	cloud.EditInstance(t, "web", func(i map[string]any) {
		doc, _ := json.Marshal(map[string]string{"k": sensCanary})
		i["tags"] = map[string]any{"owner": sensCanary, "doc": string(doc), "m": maskCanary, "t": "id " + tokenCanary}
	})
	tftest.WriteRoot(t, dir, "infra/broken", map[string]string{
		"main.tf":               brokenRoot,
		"terraform.tfvars.json": vars(map[string]string{"masked": maskCanary}),
	})
	pol := tftest.WriteRoot(t, dir, "policies", map[string]string{"leak.rego": canaryPolicy})
	c := detectConfig(env, dir, []string{pol}, "infra/leaky", "infra/broken")
	c.Rules.Masks.Values = []*regexp.Regexp{regexp.MustCompile(regexp.QuoteMeta(maskCanary)), regexp.MustCompile(`tok-[0-9a-f]{8}`)}

	var progress bytes.Buffer
	run, err := Detect(context.Background(), c, &progress, nil)
	defer run.Close()
	if err != nil {
		t.Fatalf("Detect: %v\n%s", err, progress.String())
	}
	// The canaries must have been where the test puts them, or it proves
	// nothing: the leaky root drifted with a failing check and five
	// policy results, the broken one failed on its precondition.
	leakyV, brokenV := run.Verdicts[1], run.Verdicts[0]
	if leakyV.Result.Dir != "infra/leaky" {
		leakyV, brokenV = brokenV, leakyV
	}
	if leakyV.Result.Status != drift.StatusDrifted || len(leakyV.Result.Checks) != 1 || len(leakyV.Policy) != 5 {
		t.Fatalf("leaky root: status %s, checks %+v, %d policy results (error %q); want drifted, one check, 5 results",
			leakyV.Result.Status, leakyV.Result.Checks, len(leakyV.Policy), leakyV.Result.Error)
	}
	if brokenV.Result.Status != drift.StatusError || !strings.Contains(brokenV.Result.Error, "as is: ") {
		t.Fatalf("broken root: status %s, error %q; want its precondition's error", brokenV.Result.Status, brokenV.Result.Error)
	}
	if !strings.Contains(fmt.Sprint(leakyV.Result.Drift), "tags.owner") {
		t.Fatalf("the drift does not show tags.owner: %+v", leakyV.Result.Drift)
	}

	now := time.Now()
	outputs := map[string]string{"verdicts": fmt.Sprintf("%#v", run.Verdicts)}
	pols := &report.Policies{ByTarget: map[report.Key][]policy.Result{}, Manifests: run.Manifests}
	for _, v := range run.Verdicts {
		pols.ByTarget[report.Key{Dir: v.Result.Dir, Target: v.Result.Target}] = v.Policy
	}
	doc := report.WithPolicies(run.Results(), pols)
	render := func(name string, f func(*bytes.Buffer) error) {
		t.Helper()
		var b bytes.Buffer
		if err := f(&b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		outputs[name] = b.String()
	}
	render("text", func(b *bytes.Buffer) error { return report.Text(b, doc, false) })
	render("json", func(b *bytes.Buffer) error { return report.JSON(b, doc) })
	render("markdown", func(b *bytes.Buffer) error { return report.Markdown(b, doc) })
	render("job summary", func(b *bytes.Buffer) error { return report.JobSummary(b, doc, report.Links{}, 1<<20) })

	// The record, as the run narrows a verdict to it.
	var targets []record.Target
	for _, r := range doc.Roots {
		rt := record.Target{Root: r.Dir, Target: r.Target, Status: string(r.Status), Error: r.Error, PlannedAt: r.PlannedAt}
		for _, d := range r.Drift {
			rt.Drift = append(rt.Drift, record.Resource{Address: d.Address, Type: d.Type, Actions: d.Actions})
		}
		for _, p := range r.Policy {
			rt.Policy = append(rt.Policy, record.PolicyResult{Policy: p.Policy, Rule: p.Rule, Level: string(p.Level), Severity: p.Severity, Resource: p.Resource, Msg: p.Msg})
		}
		targets = append(targets, rt)
	}
	rec, err := record.Record(record.Files{}, record.Run{Time: now, Repository: "acme/infra"}, targets)
	if err != nil {
		t.Fatal(err)
	}
	outputs["record"] = string(rec.Report) + string(rec.LogAppend)

	// The remediation pull request: title, body and record file.
	page := remedypr.Page{Target: remedypr.Target{Root: leakyV.Result.Dir, Name: leakyV.Result.Target, Result: leakyV.Result, Policy: leakyV.Policy},
		Resources: leakyV.Result.Drift, Strategy: remedypr.StrategyPR, Record: remedypr.RecordPath(leakyV.Result.Dir, leakyV.Result.Target)}
	render("remediation pull request", func(b *bytes.Buffer) error {
		b.WriteString(remedypr.Title(page) + "\n")
		if err := remedypr.WriteBody(b, page); err != nil {
			return err
		}
		return remedypr.WriteRecord(b, page)
	})

	// Slack: every event of the run, and of a later one whose snoozes ran
	// out, rendered as blocks.
	events, _ := notify.Derive(notify.Input{Doc: doc, Now: now})
	if len(events) == 0 {
		t.Fatal("no Slack events: the test proves nothing of Slack")
	}
	var msgs []notify.Message
	for _, threads := range []bool{true, false} {
		out := notify.Compose(events, threads, notify.Links{}, now)
		msgs = append(msgs, *out.Run)
		for _, r := range out.Replies {
			msgs = append(msgs, r.Message)
		}
	}
	for _, e := range events {
		msgs = append(msgs, notify.Render(e, notify.Links{}, now))
	}
	for i, m := range msgs {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		outputs[fmt.Sprintf("slack message %d", i)] = string(b)
	}

	// policy check on the leaky root's plan, read for its policies and
	// read whole: its text and JSON output.
	e, err := LoadPolicies(context.Background(), *c.Policies, c.Find.Cwd)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(leakyV.PlanJSONFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, reads := range []policy.RawReads{e.RawReads(), {All: true}} {
		plan, err := ReadPlanFor(data, reads)
		if err != nil {
			t.Fatal(err)
		}
		target := discover.Target{Dir: leakyV.Target.Dir, AbsDir: leakyV.Target.AbsDir, Name: leakyV.Target.Name}
		checked, err := Check(context.Background(), e, plan, NewJudge(cliRules(c.Rules), target), now)
		if err != nil {
			t.Fatal(err)
		}
		if len(checked.Policy) != 5 {
			t.Fatalf("policy check: %d results, want 5", len(checked.Policy))
		}
		name := fmt.Sprintf("policy check (all read: %v)", reads.All)
		render(name, func(b *bytes.Buffer) error {
			if err := report.PolicyText(b, checked.Policy); err != nil {
				return err
			}
			return json.NewEncoder(b).Encode(checked)
		})
	}

	for name, out := range outputs {
		for _, piece := range canaryPieces {
			if i := strings.Index(out, piece); i >= 0 {
				t.Errorf("%s shows %q: ...%s...", name, piece, out[max(0, i-120):min(len(out), i+120)])
			}
		}
	}
}
