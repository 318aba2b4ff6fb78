package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/myorg/drift-action/internal/discover"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/tf"
	"github.com/myorg/drift-action/internal/tfsource"
	"github.com/myorg/drift-action/internal/tftest"
)

// policyTimeout bounds one evaluation in these tests, as the default does.
const policyTimeout = 30 * time.Second

// detectConfig plans the roots given, offline, with the policies of dirs
// (none: policies off).
func detectConfig(env *tftest.Env, cwd string, policyDirs []string, roots ...string) Options {
	c := Options{
		Find:   discover.Request{Cwd: cwd, RepoRoot: cwd, Args: roots},
		Choose: discover.Choice{Cwd: cwd, RepoRoot: cwd},
		Terraform: tf.Options{Binary: env.Terraform, Env: env.Environ, PluginCacheDir: env.CacheDir,
			Timeout: 5 * time.Minute, LockTimeout: 5 * time.Second, Grace: 5 * time.Second},
		Parallelism: 2,
		Rules:       Rules{Event: "schedule", PolicyTimeout: policyTimeout},
	}
	if len(policyDirs) > 0 {
		c.Policies = &Policies{Dirs: policyDirs}
	}
	return c
}

// cliRules are the rules r as policy check judges with them.
func cliRules(r Rules) Rules {
	r.Event = "cli"
	return r
}

// changedRoot is an applied fakecloud root, then changed in every way a
// plan shows: an attribute edited out-of-band, an instance deleted
// out-of-band, and a resource removed from the code (a planned delete,
// whose "after" is null in terraform's JSON).
func changedRoot(t *testing.T, env *tftest.Env, dir string) string {
	t.Helper()
	cloud := tftest.Cloud{Path: filepath.Join(dir, "cloud.json")}
	body := `
resource "fakecloud_instance" "web" {
  name          = "web"
  instance_type = "small"
}

resource "fakecloud_instance" "gone" {
  name = "gone"
}
`
	root := tftest.WriteRoot(t, dir, "infra/app", map[string]string{"main.tf": tftest.FakeCloudProvider(cloud.Path) + body + "\nresource \"terraform_data\" \"old\" {\n  input = 1\n}\n"})
	env.Apply(t, root)
	if err := os.WriteFile(filepath.Join(root, "main.tf"), []byte(tftest.FakeCloudProvider(cloud.Path)+body), 0o644); err != nil {
		t.Fatal(err)
	}
	cloud.EditInstance(t, "web", func(i map[string]any) { i["instance_type"] = "huge" })
	cloud.DeleteInstance(t, "gone")
	return root
}

// inputPolicy reports the whole policy input but its context, which names
// where the plan came from and differs between detect and policy check.
const inputPolicy = `package seeinput

warn contains msg if {
	msg := json.marshal(object.remove(input, {"context"}))
}
`

func TestDetectOutcome(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	dir := t.TempDir()
	root := changedRoot(t, env, dir)
	pol := tftest.WriteRoot(t, dir, "policies", map[string]string{"see.rego": inputPolicy})
	var progress bytes.Buffer
	run, err := Detect(context.Background(), detectConfig(env, dir, []string{pol}, "infra/app"), &progress, nil)
	defer run.Close()
	if err != nil {
		t.Fatalf("Detect: %v\n%s", err, progress.String())
	}
	if len(run.Verdicts) != 1 {
		t.Fatalf("want 1 outcome, got %d", len(run.Verdicts))
	}
	o := run.Verdicts[0]
	if o.Result.Status != drift.StatusDrifted {
		t.Fatalf("status %s (error %q), want drifted", o.Result.Status, o.Result.Error)
	}
	got := map[string][]string{}
	for _, r := range o.Result.Drift {
		got["drift "+r.Address] = r.Actions
	}
	for _, r := range o.Result.Changes {
		got["change "+r.Address] = r.Actions
	}
	want := map[string][]string{
		"drift fakecloud_instance.web":   {"update"},
		"drift fakecloud_instance.gone":  {"delete"},
		"change fakecloud_instance.web":  {"update"},
		"change fakecloud_instance.gone": {"create"},
		"change terraform_data.old":      {"delete"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("drift and changes (-want +got):\n%s", diff)
	}
	wantSource := map[string]tfsource.Pos{
		"fakecloud_instance.web":  {File: filepath.Join(root, "main.tf"), Line: 11},
		"fakecloud_instance.gone": {File: filepath.Join(root, "main.tf"), Line: 16},
	}
	if diff := cmp.Diff(wantSource, o.Source); diff != "" {
		t.Errorf("source (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(o.PlanFile); err != nil || o.PlanFile != o.Result.PlanFile {
		t.Errorf("saved plan %q (result's %q) not kept for later stages: %v", o.PlanFile, o.Result.PlanFile, err)
	}
	planJSON, err := os.ReadFile(o.PlanJSONFile)
	if err != nil {
		t.Fatalf("plan JSON file: %v", err)
	}
	if !json.Valid(planJSON) || !bytes.Contains(planJSON, []byte(`"applyable"`)) {
		t.Errorf("plan JSON is not terraform's:\n%s", planJSON)
	}
	if len(o.Policy) != 1 || o.Policy[0].Policy != "seeinput" {
		t.Fatalf("policy results %+v, want the one seeinput warning", o.Policy)
	}
	if err := run.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{o.PlanFile, o.PlanJSONFile} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s outlived the run: %v", f, err)
		}
	}
}

// The same plan through detect and through policy check gives the same
// policy input, and its raw plan is terraform's JSON as printed (a planned
// delete keeps "after": null; applyable and errored are there).
func TestDetectAndCheckSeeSameInput(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	dir := t.TempDir()
	changedRoot(t, env, dir)
	pol := tftest.WriteRoot(t, dir, "policies", map[string]string{"see.rego": inputPolicy})
	c := detectConfig(env, dir, []string{pol}, "infra/app")
	run, err := Detect(context.Background(), c, &bytes.Buffer{}, nil)
	defer run.Close()
	if err != nil {
		t.Fatal(err)
	}
	o := run.Verdicts[0]
	if len(o.Policy) != 1 {
		t.Fatalf("detect: policy results %+v, want one", o.Policy)
	}
	fromDetect := o.Policy[0].Msg

	// policy check, as the command runs it, on the bytes detect planned.
	e, err := LoadPolicies(context.Background(), *c.Policies, c.Find.Cwd)
	if err != nil {
		t.Fatal(err)
	}
	planJSON, err := os.ReadFile(o.PlanJSONFile)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := ReadPlan(planJSON)
	if err != nil {
		t.Fatalf("ReadPlan: %v", err)
	}
	checked, err := Check(context.Background(), e, plan, NewJudge(c.Rules, o.Target), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(checked.Policy) != 1 {
		t.Fatalf("check: policy results %+v, want one", checked.Policy)
	}
	if diff := cmp.Diff(fromDetect, checked.Policy[0].Msg); diff != "" {
		t.Errorf("policy input (-detect +check):\n%s", diff)
	}

	var in struct{ Raw map[string]any }
	if err := decode([]byte(fromDetect), &in); err != nil {
		t.Fatal(err)
	}
	var printed map[string]any
	if err := decode(planJSON, &printed); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(printed, in.Raw); diff != "" {
		t.Errorf("input.raw is not terraform's JSON as printed (-printed +raw):\n%s", diff)
	}
	for _, k := range []string{"applyable", "errored"} {
		if _, ok := in.Raw[k]; !ok {
			t.Errorf("input.raw lacks %q", k)
		}
	}
	var deleteAfter []string
	for _, rc := range in.Raw["resource_changes"].([]any) {
		rc := rc.(map[string]any)
		ch := rc["change"].(map[string]any)
		if after, ok := ch["after"]; ok && after == nil && strings.Contains(strings.Join(strs(ch["actions"]), ","), "delete") {
			deleteAfter = append(deleteAfter, rc["address"].(string))
		}
	}
	if diff := cmp.Diff([]string{"terraform_data.old"}, deleteAfter); diff != "" {
		t.Errorf("planned deletes with \"after\": null (-want +got):\n%s", diff)
	}
}

func decode(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// A target can win its parallelism slot just as the run is cancelled (select
// picks at random among ready cases); it must still not start terraform.
func TestPlanTargetAfterCancel(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	dir := t.TempDir()
	root := tftest.WriteRoot(t, dir, "a", map[string]string{"main.tf": `resource "terraform_data" "x" { input = 1 }` + "\n"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := Options{Terraform: tf.Options{Binary: env.Terraform, Env: env.Environ}}
	o := planTarget(ctx, c, discover.Target{Dir: "a", AbsDir: root, Name: "default"}, 0, 0, dir, targetLocks{}, policyRun{}, nil, t.Logf)
	want := drift.Result{Dir: "a", Target: "default", Status: drift.StatusError, Error: "cancelled before terraform ran"}
	if diff := cmp.Diff(want, o.Result, cmpopts.IgnoreFields(drift.Result{}, "Duration")); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	if o.PlanFile != "" || o.PlanJSONFile != "" {
		t.Errorf("a target that never ran has plan %q / plan JSON %q", o.PlanFile, o.PlanJSONFile)
	}
}

// The pipeline builds a target's verdict whole, once: snoozes applied at
// the plan's time and the checks level applied, so every consumer (the
// report, heal, a re-plan before a heal, the record) sees the same verdict
// and none applies either again. A re-plan goes through Detect too, so a
// re-planned target can never pass `checks: error`.
func TestDetectBuildsTheWholeVerdict(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	dir := t.TempDir()
	root := changedRoot(t, env, dir)
	check := "\ncheck \"small\" {\n  assert {\n    condition     = fakecloud_instance.web.instance_type == \"tiny\"\n    error_message = \"web must be tiny\"\n  }\n}\n"
	f, err := os.OpenFile(filepath.Join(root, "main.tf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(check)
	f.Close()
	tests := []struct {
		name       string
		checks     drift.CheckLevel
		wantStatus drift.Status
	}{
		{name: "checks warn", checks: drift.CheckWarn, wantStatus: drift.StatusDrifted},
		{name: "checks error", checks: drift.CheckErrors, wantStatus: drift.StatusError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := detectConfig(env, dir, nil, "infra/app")
			c.Checks = tc.checks
			c.Rules.Snoozes = []drift.Snooze{{Root: "infra/app", Address: "fakecloud_instance.gone", Until: time.Now().Add(24 * time.Hour), Reason: "decommissioning"}}
			before := time.Now()
			var progress bytes.Buffer
			run, err := Detect(context.Background(), c, &progress, nil)
			defer run.Close()
			if err != nil {
				t.Fatalf("Detect: %v\n%s", err, progress.String())
			}
			r := run.Verdicts[0].Result
			if r.Status != tc.wantStatus {
				t.Errorf("status %s (error %q), want %s", r.Status, r.Error, tc.wantStatus)
			}
			if r.PlannedAt.Before(before) || r.PlannedAt.After(time.Now()) {
				t.Errorf("planned at %s, not within the run", r.PlannedAt)
			}
			var snoozed []string
			for _, s := range r.Snoozed {
				snoozed = append(snoozed, s.Address)
			}
			if diff := cmp.Diff([]string{"fakecloud_instance.gone"}, snoozed); diff != "" {
				t.Errorf("snoozed (-want +got):\n%s", diff)
			}
		})
	}
}
