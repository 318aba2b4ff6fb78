package app

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/record"
	"github.com/myorg/drift-action/internal/tftest"
)

// An hourly schedule that finds the same drift commits once: the second
// run leaves the remote's head where it was and says so in the log and
// the job summary.
func TestActionRecordQuietWhenNothingChanged(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	ws := driftedWorkspace(t, env, "pw-quiet-1")
	remote := gitWorkspace(t, ws)
	head := func() string {
		out, err := exec.Command("git", "--git-dir", remote, "rev-parse", "main").Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(out))
	}
	run := runnerRun{t: t, env: env, workspace: ws, event: "schedule", inputs: map[string]string{"mode": "record"}}
	var heads []string
	var second runnerResult
	for _, id := range []string{"61", "62"} {
		run.vars = map[string]string{"GITHUB_RUN_ID": id, "GITHUB_REF_NAME": "main", "GITHUB_SHA": gitopsVars["GITHUB_SHA"]}
		res := run.run()
		if res.code != 0 {
			t.Fatalf("run %s: exit %d\n%s", id, res.code, res.stdout)
		}
		heads = append(heads, head())
		second = res
	}
	if heads[0] != heads[1] {
		t.Errorf("the second run moved main from %s to %s, though it found the same drift", heads[0], heads[1])
	}
	if !strings.Contains(remoteFile(t, remote, "drift/drift-report.yaml"), "fakecloud_instance.web") {
		t.Errorf("the first run did not record the drift")
	}
	const says = "already say what this run found: nothing committed"
	if !strings.Contains(second.summary, says) {
		t.Errorf("the summary does not say nothing was committed:\n%s", second.summary)
	}
	if !strings.Contains(second.stdout, says) {
		t.Errorf("the log does not say nothing was committed:\n%s", second.stdout)
	}
}

// whyPolicy denies every drifted resource, hard-mandatory, and waives that
// deny by an exception of its own package.
const whyPolicy = `package myorg.guard

deny_drifted contains {"msg": sprintf("%s drifted", [d.address]), "resource": d.address} if {
	some d in input.resource_drift
}

exception contains "drifted" if input.context.root == "infra/app"
`

// The record says why, from a real plan: a waived hard-mandatory deny
// names its exception, the snoozed instance its paths, reason and end,
// and an instance deleted by hand is deleted, not every attribute it had.
func TestActionRecordSaysWhy(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	ws := t.TempDir()
	cloud := tftest.Cloud{Path: filepath.Join(ws, "cloud.json")}
	body := webInstance + `
resource "fakecloud_instance" "gone" {
  name = "gone"
}

resource "fakecloud_instance" "batch" {
  name = "batch"
  tags = { team = "data" }
}
`
	root := tftest.WriteRoot(t, ws, "infra/app", map[string]string{"main.tf": tftest.FakeCloudProvider(cloud.Path) + body})
	env.Apply(t, root)
	tftest.WriteRoot(t, ws, "custom", map[string]string{"guard.rego": whyPolicy})
	tftest.WriteRoot(t, ws, ".github", map[string]string{"drift.yaml": `policy:
  dirs: [custom]
  levels:
    - {name: myorg.guard, level: hard-mandatory}
snooze:
  - root: infra/app
    address: fakecloud_instance.batch
    paths: [tags.team]
    until: 2099-01-01
    reason: load test INC-42
`})
	cloud.EditInstance(t, "web", func(i map[string]any) { i["tags"].(map[string]any)["team"] = "ops" })
	cloud.EditInstance(t, "batch", func(i map[string]any) { i["tags"].(map[string]any)["team"] = "ml" })
	cloud.DeleteInstance(t, "gone")
	remote := gitWorkspace(t, ws)
	res := runnerRun{t: t, env: env, workspace: ws, event: "schedule", vars: gitopsVars,
		inputs: map[string]string{"mode": "record", "record-group": "drift.mycompany.io"}}.run()
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stdout)
	}
	reps, err := record.ParseReports("drift/drift-report.yaml", []byte(remoteFile(t, remote, "drift/drift-report.yaml")), "drift.mycompany.io")
	if err != nil || len(reps) != 1 {
		t.Fatalf("the committed report (%v):\n%s", err, remoteFile(t, remote, "drift/drift-report.yaml"))
	}
	spec := reps[0].Spec
	drifted := map[string]record.Drifted{}
	for _, d := range spec.Drift {
		d.DetectedAt = nil
		drifted[d.Address] = d
	}
	wantGone := record.Drifted{Resource: record.Resource{Address: "fakecloud_instance.gone", Type: "fakecloud_instance", Actions: []string{"delete"}}, Deleted: true}
	if diff := cmp.Diff(wantGone, drifted["fakecloud_instance.gone"]); diff != "" {
		t.Errorf("the instance deleted by hand (-want +got):\n%s", diff)
	}
	if web := drifted["fakecloud_instance.web"]; web.Deleted || !cmp.Equal([]string{"tags.team"}, web.Paths) {
		t.Errorf("the edited instance is %+v, want tags.team drifted, not deleted", web)
	}
	var waived []record.PolicyResult
	for _, p := range spec.Policy {
		if p.Waived {
			waived = append(waived, p)
		}
	}
	if len(waived) == 0 {
		t.Fatalf("no waived deny in the report: %+v", spec.Policy)
	}
	for _, p := range waived {
		if p.Failed || p.Level != "hard-mandatory" || p.WaivedBy != `exception "drifted" of package myorg.guard` {
			t.Errorf("waived deny %+v, want hard-mandatory, not failed, waived by exception \"drifted\" of package myorg.guard", p)
		}
	}
	wantSnoozed := []record.SnoozedResource{{Address: "fakecloud_instance.batch", Paths: []string{"tags.team"}, Until: record.NewTime(time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)), Reason: "load test INC-42"}}
	if diff := cmp.Diff(wantSnoozed, spec.Snoozed); diff != "" {
		t.Errorf("snoozed (-want +got):\n%s", diff)
	}
	if got := strings.Join(spec.Resources, ","); strings.Contains(got, "batch") {
		t.Errorf("the snoozed instance is counted as drift: %v", spec.Resources)
	}
}
