package remediate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/discover"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/pipeline"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/tf"
	"github.com/myorg/drift-action/internal/tftest"
)

// scenario is a repository in a temporary directory with one fakecloud
// root, infra/app, applied.
type scenario struct {
	t     *testing.T
	env   *tftest.Env
	dir   string
	root  string
	cloud tftest.Cloud
	// policies are the policy directories detect evaluates (none: a
	// policy that never denies, so that policies did run).
	policies []string
	levels   []policy.SetEntry
}

const webAndDB = `
resource "fakecloud_instance" "web" {
  name          = "web"
  instance_type = "small"
  tags          = { team = "platform" }
}

resource "fakecloud_instance" "db" {
  name          = "db"
  instance_type = "small"
}
`

// quietPolicy never denies: policies run and pass.
const quietPolicy = `package quiet

deny contains "never" if false
`

func newScenario(t *testing.T, body string) *scenario {
	t.Helper()
	t.Parallel()
	s := &scenario{t: t, env: tftest.Setup(t), dir: t.TempDir()}
	s.cloud = tftest.Cloud{Path: filepath.Join(s.dir, "cloud.json")}
	s.root = tftest.WriteRoot(t, s.dir, "infra/app", map[string]string{"main.tf": tftest.FakeCloudProvider(s.cloud.Path) + body})
	s.policies = []string{tftest.WriteRoot(t, s.dir, "policies", map[string]string{"quiet.rego": quietPolicy})}
	s.env.Apply(t, s.root)
	return s
}

// edit rewrites the root's code, keeping the provider block.
func (s *scenario) edit(body string) {
	s.t.Helper()
	tftest.WriteRoot(s.t, s.dir, "infra/app", map[string]string{"main.tf": tftest.FakeCloudProvider(s.cloud.Path) + body})
}

func (s *scenario) options() tf.Options {
	return tf.Options{Binary: s.env.Terraform, Env: s.env.Environ, PluginCacheDir: s.env.CacheDir,
		Timeout: 5 * time.Minute, LockTimeout: 5 * time.Second, Grace: 5 * time.Second}
}

// detect plans infra/app through the pipeline, as the action does, and
// returns the target remediation gets. Its saved plan lives until the test ends.
func (s *scenario) detect(ctx context.Context) (Target, error) {
	c := pipeline.Options{
		Find:        discover.Request{Cwd: s.dir, RepoRoot: s.dir, Args: []string{"infra/app"}},
		Choose:      discover.Choice{Cwd: s.dir, RepoRoot: s.dir},
		Terraform:   s.options(),
		Parallelism: 1,
		Policies:    &pipeline.Policies{Dirs: s.policies, Levels: s.levels},
		Rules:       pipeline.Rules{Event: "schedule", PolicyTimeout: 30 * time.Second},
	}
	run, err := pipeline.Detect(ctx, c, io.Discard, nil)
	s.t.Cleanup(func() { run.Close() })
	if err != nil {
		return Target{}, err
	}
	if len(run.Verdicts) != 1 {
		return Target{}, fmt.Errorf("detect: %d outcomes, want 1", len(run.Verdicts))
	}
	t := FromVerdict(run.Verdicts[0], run.Policies)
	if t.Result.Error != "" {
		return t, fmt.Errorf("detect: %s", t.Result.Error)
	}
	return t, nil
}

func (s *scenario) mustDetect() Target {
	s.t.Helper()
	t, err := s.detect(context.Background())
	if err != nil {
		s.t.Fatal(err)
	}
	return t
}

// instanceType is what the cloud file says of the instance named name.
func (s *scenario) instanceType(name string) string {
	s.t.Helper()
	data, err := os.ReadFile(s.cloud.Path)
	if err != nil {
		s.t.Fatal(err)
	}
	var doc struct {
		Instances map[string]struct {
			Name         string `json:"name"`
			InstanceType string `json:"instance_type"`
		} `json:"instances"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		s.t.Fatal(err)
	}
	for _, i := range doc.Instances {
		if i.Name == name {
			return i.InstanceType
		}
	}
	s.t.Fatalf("the cloud has no instance %q", name)
	return ""
}

// recorder is an Applier that applies with terraform and records which
// plan files it was given and what terraform said.
type recorder struct {
	Terraform
	mu    sync.Mutex
	plans []string
	errs  []error
}

func (r *recorder) Apply(ctx context.Context, t Target) (tf.ApplyOutcome, error) {
	out, err := r.Terraform.Apply(ctx, t)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.plans = append(r.plans, t.PlanFile)
	r.errs = append(r.errs, err)
	return out, err
}

var fixedNow = func() time.Time { return time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC) }

func routes(rs []Resource) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.Address+" "+string(r.Route)+": "+r.Reason)
	}
	return out
}

// TestHealAppliesDrift heals in-place drift with the saved plan: the cloud
// file changes back and a second plan is clean.
func TestHealAppliesDrift(t *testing.T) {
	s := newScenario(t, webAndDB)
	s.cloud.EditInstance(t, "web", func(i map[string]any) { i["instance_type"] = "xlarge" })
	target := s.mustDetect()
	m := Remediator{Rules: Rules{Default: StrategyApply}, Applier: Terraform{s.options()}, RunID: "4242", Now: fixedNow}
	got := m.Target(context.Background(), target)
	want := Result{
		Dir: "infra/app", Target: "default", Status: StatusApplied,
		Reason:    "all 1 change(s) are within guardrails and no mandatory policy failed; applied: 0 added, 1 changed, 0 destroyed",
		Resources: []Resource{{Address: "fakecloud_instance.web", Type: "fakecloud_instance", Actions: []string{"update"}, Cause: "drift", Strategy: StrategyApply, Route: RouteApply, Reason: "within guardrails"}},
		Applied: &Applied{Method: MethodApply, RunID: "4242", At: fixedNow(),
			Resources: []tf.AppliedResource{{Address: "fakecloud_instance.web", Action: "update"}}, Summary: tf.ChangeSummary{Change: 1}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff("small", s.instanceType("web")); diff != "" {
		t.Errorf("the cloud after heal (-want +got):\n%s", diff)
	}
	if again := s.mustDetect(); again.Result.Status != drift.StatusClean {
		t.Errorf("a second plan is %s, want clean: drift %v changes %v", again.Result.Status, again.Result.Drift, again.Result.Changes)
	}
	if diff := cmp.Diff("infra/app (default): self-healed by apply in run 4242: 0 added, 1 changed, 0 destroyed", got.String()); diff != "" {
		t.Errorf("log line (-want +got):\n%s", diff)
	}
}

// TestHealGuardrailRefusals plans real drift outside the guardrails: each
// target is handed to a pull request with the reason per resource, and
// nothing in the cloud changes.
func TestHealGuardrailRefusals(t *testing.T) {
	t.Parallel()
	const heldBackWeb = "fakecloud_instance.web pr: held back: the saved plan also changes %s, which may not be applied, and a saved plan is applied whole or not at all"
	tests := []struct {
		name  string
		rules Rules
		// change drifts the cloud and may change the code.
		change func(s *scenario)
		want   []string
	}{
		{
			name:  "delete not allowed",
			rules: Rules{Default: StrategyApply, Guardrails: Guardrails{Causes: []string{"drift", "code"}}},
			change: func(s *scenario) {
				s.cloud.EditInstance(s.t, "web", func(i map[string]any) { i["instance_type"] = "xlarge" })
				s.edit(strings.SplitAfter(webAndDB, "}\n}\n")[0]) // db removed from the code
			},
			want: []string{
				"fakecloud_instance.db pr: deletes the resource and guardrails.allow-delete is false",
				fmt.Sprintf(heldBackWeb, "fakecloud_instance.db"),
			},
		},
		{
			name:   "replace not allowed",
			rules:  Rules{Default: StrategyApply},
			change: func(s *scenario) { s.cloud.EditInstance(s.t, "web", func(i map[string]any) { i["name"] = "renamed" }) },
			want:   []string{"fakecloud_instance.web pr: replaces the resource and guardrails.allow-replace is false"},
		},
		{
			name:  "too many resources",
			rules: Rules{Default: StrategyApply, Guardrails: Guardrails{MaxResources: 1}},
			change: func(s *scenario) {
				s.cloud.EditInstance(s.t, "web", func(i map[string]any) { i["instance_type"] = "xlarge" })
				s.cloud.EditInstance(s.t, "db", func(i map[string]any) { i["instance_type"] = "xlarge" })
			},
			want: []string{
				"fakecloud_instance.db pr: held back: the plan changes 2 resources and guardrails.max-resources is 1",
				"fakecloud_instance.web pr: held back: the plan changes 2 resources and guardrails.max-resources is 1",
			},
		},
		{
			name:  "type not allowed",
			rules: Rules{Default: StrategyApply, Guardrails: Guardrails{Types: []string{"aws_*"}}},
			change: func(s *scenario) {
				s.cloud.EditInstance(s.t, "web", func(i map[string]any) { i["instance_type"] = "xlarge" })
			},
			want: []string{"fakecloud_instance.web pr: type fakecloud_instance is not in guardrails.types"},
		},
		{
			name:  "code change when only drift is allowed",
			rules: Rules{Default: StrategyApply},
			change: func(s *scenario) {
				s.cloud.EditInstance(s.t, "web", func(i map[string]any) { i["instance_type"] = "xlarge" })
				s.edit(strings.Replace(webAndDB, `team = "platform"`, `team = "payments"`, 1))
			},
			want: []string{"fakecloud_instance.web pr: cause drift+code: the change applies the configuration and guardrails.causes allows only drift"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newScenario(t, webAndDB)
			tc.change(s)
			before, err := os.ReadFile(s.cloud.Path)
			if err != nil {
				t.Fatal(err)
			}
			target := s.mustDetect()
			ap := &recorder{Terraform: Terraform{s.options()}}
			got := Remediator{Rules: tc.rules, Applier: ap, RunID: "1"}.Target(context.Background(), target)
			if got.Status != StatusPR || got.Applied != nil {
				t.Errorf("status %s (%s), want pr and nothing applied", got.Status, got.Reason)
			}
			if diff := cmp.Diff(tc.want, routes(got.Resources)); diff != "" {
				t.Errorf("resources (-want +got):\n%s", diff)
			}
			if len(ap.plans) != 0 {
				t.Errorf("terraform apply ran for %v", ap.plans)
			}
			after, err := os.ReadFile(s.cloud.Path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(before), string(after)); diff != "" {
				t.Errorf("the cloud changed (-before +after):\n%s", diff)
			}
		})
	}
}

// denyInstances is a mandatory policy that denies every fakecloud instance
// change.
const denyInstances = `package terraform.security.instances

deny contains {"msg": sprintf("%s may not change unreviewed", [addr]), "resource": addr} if {
	some addr, rc in input.resource_changes
	rc.type == "fakecloud_instance"
	rc.change.actions != ["no-op"]
}
`

// TestHealMandatoryPolicyBlocks: a failed mandatory policy other than the
// drift policy keeps the saved plan from being applied.
func TestHealMandatoryPolicyBlocks(t *testing.T) {
	s := newScenario(t, webAndDB)
	s.policies = append(s.policies, tftest.WriteRoot(t, s.dir, "strict", map[string]string{"deny.rego": denyInstances}))
	s.levels = []policy.SetEntry{{Name: "terraform.security.*", Level: policy.HardMandatory}}
	s.cloud.EditInstance(t, "web", func(i map[string]any) { i["instance_type"] = "xlarge" })
	target := s.mustDetect()
	ap := &recorder{Terraform: Terraform{s.options()}}
	got := Remediator{Rules: Rules{Default: StrategyApply}, Applier: ap}.Target(context.Background(), target)
	const why = "mandatory policy failed: terraform.security.instances (hard-mandatory) on fakecloud_instance.web: fakecloud_instance.web may not change unreviewed"
	if diff := cmp.Diff("not applied: "+why, got.Reason); diff != "" || got.Status != StatusPR {
		t.Errorf("status %s, reason (-want +got):\n%s", got.Status, diff)
	}
	if diff := cmp.Diff([]string{"fakecloud_instance.web pr: held back: " + why}, routes(got.Resources)); diff != "" {
		t.Errorf("resources (-want +got):\n%s", diff)
	}
	if len(ap.plans) != 0 {
		t.Errorf("terraform apply ran for %v", ap.plans)
	}
	if diff := cmp.Diff("xlarge", s.instanceType("web")); diff != "" {
		t.Errorf("the cloud (-want +got):\n%s", diff)
	}
}

// TestHealStalePlan changes the state between plan and apply (another
// change applied in between): terraform refuses the stale file, the target
// is planned, evaluated and decided again through the callback, and the new
// plan is applied; the stale file is never applied.
func TestHealStalePlan(t *testing.T) {
	const marker = `
resource "terraform_data" "marker" {
  input = "%s"
}
`
	s := newScenario(t, webAndDB+fmt.Sprintf(marker, "v1"))
	s.cloud.EditInstance(t, "web", func(i map[string]any) { i["instance_type"] = "xlarge" })
	target := s.mustDetect()

	// Someone else applies another change to this state before the heal.
	s.edit(webAndDB + fmt.Sprintf(marker, "v2"))
	s.env.Run(t, s.root, "apply", "-auto-approve", "-input=false", "-target=terraform_data.marker")

	ap := &recorder{Terraform: Terraform{s.options()}}
	replans := 0
	m := Remediator{Rules: Rules{Default: StrategyApply}, Applier: ap, RunID: "7", Now: fixedNow,
		Replan: func(ctx context.Context, old Target) (Target, error) {
			replans++
			return s.detect(ctx)
		}}
	got := m.Target(context.Background(), target)
	if got.Status != StatusApplied || !got.Replanned {
		t.Fatalf("status %s replanned %v (%s, error %q), want applied after planning again", got.Status, got.Replanned, got.Reason, got.Error)
	}
	if diff := cmp.Diff(1, replans); diff != "" {
		t.Errorf("re-plans (-want +got):\n%s", diff)
	}
	if len(ap.plans) != 2 || ap.plans[0] != target.PlanFile || ap.plans[1] == target.PlanFile {
		t.Fatalf("plans given to apply %v: want the stale %s once, then the new plan", ap.plans, target.PlanFile)
	}
	if !errors.Is(ap.errs[0], tf.ErrStalePlan) || ap.errs[1] != nil {
		t.Errorf("apply errors %v: want stale, then none", ap.errs)
	}
	if diff := cmp.Diff([]tf.AppliedResource{{Address: "fakecloud_instance.web", Action: "update"}}, got.Applied.Resources); diff != "" {
		t.Errorf("applied (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff("small", s.instanceType("web")); diff != "" {
		t.Errorf("the cloud after heal (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(got.Reason, "the saved plan was stale") {
		t.Errorf("reason %q does not say the plan was stale", got.Reason)
	}
}

// TestHealStaleTwice: when the state changes again after planning anew,
// the target fails without a third attempt and nothing is applied.
func TestHealStaleTwice(t *testing.T) {
	s := newScenario(t, webAndDB)
	s.cloud.EditInstance(t, "web", func(i map[string]any) { i["instance_type"] = "xlarge" })
	target := s.mustDetect()
	// Someone else heals db (targeted, so web's drift stays): a new state
	// serial, and every earlier plan is stale.
	other := func(size string) {
		s.cloud.EditInstance(t, "db", func(i map[string]any) { i["instance_type"] = size })
		s.env.Run(t, s.root, "apply", "-auto-approve", "-input=false", "-target=fakecloud_instance.db")
	}
	other("large")
	ap := &recorder{Terraform: Terraform{s.options()}}
	replans := 0
	m := Remediator{Rules: Rules{Default: StrategyApply}, Applier: ap,
		Replan: func(ctx context.Context, old Target) (Target, error) {
			replans++
			nt, err := s.detect(ctx)
			other("huge")
			return nt, err
		}}
	got := m.Target(context.Background(), target)
	if got.Status != StatusFailed || !got.Replanned || got.Applied != nil {
		t.Fatalf("status %s replanned %v (%s): want failed after one re-plan", got.Status, got.Replanned, got.Reason)
	}
	if !strings.Contains(got.Reason, "went stale again") {
		t.Errorf("reason %q does not say the plan went stale again", got.Reason)
	}
	if replans != 1 || len(ap.plans) != 2 {
		t.Errorf("%d re-plan(s), %d apply attempt(s): want 1 and 2", replans, len(ap.plans))
	}
	for i, err := range ap.errs {
		if !errors.Is(err, tf.ErrStalePlan) {
			t.Errorf("apply %d: %v, want stale", i, err)
		}
	}
	if diff := cmp.Diff("xlarge", s.instanceType("web")); diff != "" {
		t.Errorf("the cloud (-want +got):\n%s", diff)
	}
}

// fakeApplier returns its errors in turn.
type fakeApplier struct {
	errs  []error
	calls int
}

func (f *fakeApplier) Apply(context.Context, Target) (tf.ApplyOutcome, error) {
	err := f.errs[f.calls]
	f.calls++
	return tf.ApplyOutcome{Applied: []tf.AppliedResource{{Address: "partial.one", Action: "create"}}}, err
}

func TestRemediatorFailures(t *testing.T) {
	t.Parallel()
	stale := &tf.StepError{Step: "apply", Msg: "Error: Saved plan is stale", Err: tf.ErrStalePlan}
	secret := fmt.Errorf("apply: Error: creating: token SECRET-123 refused")
	redact := func(s string) string { return strings.ReplaceAll(s, "SECRET-123", drift.Sensitive) }
	target := drifted(change("fakecloud_instance.web", "fakecloud_instance", drift.CauseDrift, "update"))
	tests := []struct {
		name      string
		errs      []error
		replan    Replan
		want      Result
		wantCalls int
	}{
		{
			name: "terraform's error is redacted", errs: []error{secret}, wantCalls: 1,
			want: Result{Status: StatusFailed, Reason: "terraform apply failed", Error: "apply: Error: creating: token (sensitive) refused"},
		},
		{
			name: "stale without a way to plan again", errs: []error{stale}, wantCalls: 1,
			want: Result{Status: StatusFailed, Reason: "the saved plan is stale (the state changed after it was planned) and this run cannot plan again; nothing was applied: run again"},
		},
		{
			name: "planning again fails", errs: []error{stale}, wantCalls: 1,
			replan: func(context.Context, Target) (Target, error) { return Target{}, secret },
			want: Result{Status: StatusFailed, Reason: "the saved plan is stale (the state changed after it was planned); planning again failed, so nothing was applied",
				Error: "apply: Error: creating: token (sensitive) refused"},
		},
		{
			name: "planned again: nothing left to heal", errs: []error{stale}, wantCalls: 1,
			replan: func(context.Context, Target) (Target, error) { return drifted(), nil },
			want: Result{Status: StatusSkipped, Replanned: true,
				Reason: "the saved plan was stale (the state changed after it was planned), so the target was planned and evaluated again: the drift needs no change to the infrastructure (terraform plans none); nothing to apply"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ap := &fakeApplier{errs: tc.errs}
			got := Remediator{Rules: applyAll, Applier: ap, Replan: tc.replan, Redact: redact}.Target(context.Background(), target)
			got.Dir, got.Target, got.Resources = "", "", nil
			if tc.want.Status == StatusFailed {
				tc.want.Partial = []tf.AppliedResource{{Address: "partial.one", Action: "create"}}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantCalls, ap.calls); diff != "" {
				t.Errorf("apply calls (-want +got):\n%s", diff)
			}
		})
	}
}

// TestHealDriftOnlyRefusesOutputChange plans real drift together with an
// output change in the code: with guardrails.causes at drift alone the
// saved plan is not applied (it would write the output too) and the reason
// names the output; with code allowed it is applied and the result says the
// output was written.
func TestHealDriftOnlyRefusesOutputChange(t *testing.T) {
	t.Parallel()
	const output = "\noutput \"web_type\" {\n  value = %q\n}\n"
	const refused = "not applied: the saved plan also writes output(s) web_type, a code change, and guardrails.causes allows only drift (add code to apply it)"
	tests := []struct {
		name       string
		before     string // the code applied first
		after      string // the code planned with the drift
		rules      Rules
		wantStatus Status
		wantReason string
		wantCloud  string
		wantOut    []string
	}{
		{
			name: "new output, drift only", before: webAndDB, after: webAndDB + fmt.Sprintf(output, "small"),
			rules: Rules{Default: StrategyApply}, wantStatus: StatusPR, wantReason: refused, wantCloud: "xlarge",
		},
		{
			name: "changed output, drift only", before: webAndDB + fmt.Sprintf(output, "small"), after: webAndDB + fmt.Sprintf(output, "large"),
			rules: Rules{Default: StrategyApply}, wantStatus: StatusPR, wantReason: refused, wantCloud: "xlarge",
		},
		{
			name: "new output, code allowed", before: webAndDB, after: webAndDB + fmt.Sprintf(output, "small"),
			rules:      Rules{Default: StrategyApply, Guardrails: Guardrails{Causes: []string{"drift", "code"}}},
			wantStatus: StatusApplied, wantCloud: "small", wantOut: []string{"web_type"},
			wantReason: "all 1 change(s) are within guardrails and no mandatory policy failed; applied: 0 added, 1 changed, 0 destroyed; wrote output(s) web_type",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newScenario(t, tc.before)
			s.cloud.EditInstance(t, "web", func(i map[string]any) { i["instance_type"] = "xlarge" })
			s.edit(tc.after)
			target := s.mustDetect()
			if diff := cmp.Diff([]string{"web_type"}, target.Result.Outputs); diff != "" {
				t.Fatalf("the plan's output changes (-want +got):\n%s", diff)
			}
			ap := &recorder{Terraform: Terraform{s.options()}}
			got := Remediator{Rules: tc.rules, Applier: ap, RunID: "5"}.Target(context.Background(), target)
			if diff := cmp.Diff(tc.wantStatus, got.Status); diff != "" {
				t.Errorf("status (-want +got):\n%s\nreason: %s", diff, got.Reason)
			}
			if diff := cmp.Diff(tc.wantReason, got.Reason); diff != "" {
				t.Errorf("reason (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantOut, got.Outputs); diff != "" {
				t.Errorf("outputs written (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantCloud, s.instanceType("web")); diff != "" {
				t.Errorf("the cloud (-want +got):\n%s", diff)
			}
			if tc.wantStatus != StatusApplied && len(ap.plans) != 0 {
				t.Errorf("terraform apply ran for %v", ap.plans)
			}
			if tc.wantOut != nil && !strings.Contains(got.String(), "wrote output(s) web_type") {
				t.Errorf("the log line does not say the output was written: %s", got.String())
			}
		})
	}
}

// TestRemediatorApproved: with Approved set, a target no approval covers is
// skipped whatever its plan, a covered target whose plan differs is
// refused, and a re-plan after a stale plan is checked again.
func TestRemediatorApproved(t *testing.T) {
	t.Parallel()
	stale := &tf.StepError{Step: "apply", Msg: "Error: Saved plan is stale", Err: tf.ErrStalePlan}
	web := change("fakecloud_instance.web", "fakecloud_instance", drift.CauseDrift, "update")
	db := change("fakecloud_instance.db", "fakecloud_instance", drift.CauseDrift, "update")
	// approved covers infra/app and approves exactly web's change.
	approved := func(t Target) (bool, error) {
		if t.Result.Dir != "infra/app" {
			return false, nil
		}
		if len(t.Result.Changes) != 1 || t.Result.Changes[0].Address != web.Address {
			return true, errors.New("r.md approved other drift: it also changes fakecloud_instance.db, which the review did not cover")
		}
		return true, nil
	}
	const refused = "not applied: the new plan is not what was approved: r.md approved other drift: it also changes fakecloud_instance.db, which the review did not cover"
	tests := []struct {
		name       string
		target     Target
		rules      Rules
		errs       []error
		replan     Replan
		wantStatus Status
		wantReason string
		wantCalls  int
	}{
		{name: "the approved plan is applied", target: drifted(web), rules: applyAll, errs: []error{nil},
			wantStatus: StatusApplied, wantCalls: 1,
			wantReason: "all 1 change(s) are within guardrails and no mandatory policy failed; applied: "},
		{name: "another root is skipped", target: with(drifted(web), func(t *Target) { t.Result.Dir = "infra/other" }), rules: applyAll,
			wantStatus: StatusSkipped,
			wantReason: "not reviewed: this run applies only drift approved by a merged remediation pull request, and none names this target; it is left as it is"},
		{name: "a plan that differs is refused", target: drifted(web, db), rules: applyAll, wantStatus: StatusRefused, wantReason: refused},
		{name: "refused and outside the guardrails says both", target: drifted(web, db), rules: Rules{}, wantStatus: StatusRefused,
			wantReason: refused + "; and no change is set to be applied: 2 to pr"},
		{name: "a re-plan that differs is refused", target: drifted(web), rules: applyAll, errs: []error{stale}, wantCalls: 1,
			replan:     func(context.Context, Target) (Target, error) { return drifted(web, db), nil },
			wantStatus: StatusRefused, wantReason: "the saved plan was stale (the state changed after it was planned), so the target was planned and evaluated again: " + refused},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ap := &fakeApplier{errs: tc.errs}
			got := Remediator{Rules: tc.rules, Applier: ap, Replan: tc.replan, Approved: approved}.Target(context.Background(), tc.target)
			if diff := cmp.Diff(tc.wantStatus, got.Status); diff != "" {
				t.Errorf("status (-want +got):\n%s\nreason: %s", diff, got.Reason)
			}
			if !strings.HasPrefix(got.Reason, tc.wantReason) {
				t.Errorf("reason %q, want it to start %q", got.Reason, tc.wantReason)
			}
			if diff := cmp.Diff(tc.wantCalls, ap.calls); diff != "" {
				t.Errorf("apply calls (-want +got):\n%s", diff)
			}
		})
	}
}
