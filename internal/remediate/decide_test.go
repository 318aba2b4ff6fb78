package remediate

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/policy"
)

func change(addr, typ, cause string, actions ...string) drift.Resource {
	return drift.Resource{Address: addr, Type: typ, Cause: cause, Actions: actions}
}

// drifted is a planned target whose changes are given.
func drifted(changes ...drift.Resource) Target {
	r := drift.Result{Dir: "infra/app", Target: "default", Changes: changes,
		Drift: []drift.Resource{{Address: "x.drifted", Type: "x", Actions: []string{"update"}}}}
	r.SetStatus()
	return Target{AbsDir: "/repo/infra/app", Result: r, PoliciesEvaluated: true, PlanFile: "/tmp/plans/0.tfplan"}
}

func with(t Target, fn func(*Target)) Target { fn(&t); return t }

// decided is a decision as a reader sees it: the verdict, the reason, and
// "address route: reason" per change.
type decided struct {
	Verdict   Verdict
	Reason    string
	Resources []string
}

func summarize(d Decision) decided {
	out := decided{Verdict: d.Verdict, Reason: d.Reason}
	for _, r := range d.Resources {
		out.Resources = append(out.Resources, r.Address+" "+string(r.Route)+": "+r.Reason)
	}
	return out
}

var applyAll = Rules{Default: StrategyApply}

func TestDecide(t *testing.T) {
	t.Parallel()
	web := change("fakecloud_instance.web", "fakecloud_instance", drift.CauseDrift, "update")
	db := change("fakecloud_instance.db", "fakecloud_instance", drift.CauseDrift, "update")
	heldBack := "held back: the saved plan also changes fakecloud_instance.web, which may not be applied, and a saved plan is applied whole or not at all"
	tests := []struct {
		name   string
		rules  Rules
		target Target
		want   decided
	}{
		{
			name: "drift within guardrails is applied", rules: applyAll, target: drifted(web),
			want: decided{Verdict: VerdictApply, Reason: "all 1 change(s) are within guardrails and no mandatory policy failed",
				Resources: []string{"fakecloud_instance.web apply: within guardrails"}},
		},
		{
			name: "a plan that would undo snoozed drift is not applied", rules: applyAll,
			target: with(drifted(web), func(t *Target) {
				t.Result.SnoozedChanges = []drift.Resource{db}
				t.Result.Snoozed = []drift.Resource{{Address: db.Address, Type: db.Type, Actions: []string{"update"}}}
			}),
			want: decided{Verdict: VerdictPR,
				Reason:    "not applied: the saved plan would also undo snoozed drift on fakecloud_instance.db, which is not healed while its snooze lasts",
				Resources: []string{"fakecloud_instance.web pr: held back: the saved plan would also undo snoozed drift on fakecloud_instance.db, which is not healed while its snooze lasts"}},
		},
		{
			name: "an output change is code: not applied when only drift is allowed", rules: applyAll,
			target: with(drifted(web), func(t *Target) { t.Result.Outputs = []string{"url"} }),
			want: decided{Verdict: VerdictPR,
				Reason:    "not applied: the saved plan also writes output(s) url, a code change, and guardrails.causes allows only drift (add code to apply it)",
				Resources: []string{"fakecloud_instance.web pr: held back: the saved plan also writes output(s) url, a code change, and guardrails.causes allows only drift (add code to apply it)"}},
		},
		{
			name: "an output change with code allowed", rules: Rules{Default: StrategyApply, Guardrails: Guardrails{Causes: []string{"drift", "code"}}},
			target: with(drifted(web), func(t *Target) { t.Result.Outputs = []string{"url"} }),
			want: decided{Verdict: VerdictApply, Reason: "all 1 change(s) are within guardrails and no mandatory policy failed",
				Resources: []string{"fakecloud_instance.web apply: within guardrails"}},
		},
		{
			name: "pr by default", rules: Rules{}, target: drifted(web),
			want: decided{Verdict: VerdictPR, Reason: "no change is set to be applied: 1 to pr",
				Resources: []string{"fakecloud_instance.web pr: strategy pr (the default)"}},
		},
		{
			name: "adopt", rules: Rules{Default: StrategyAdopt}, target: drifted(web),
			want: decided{Verdict: VerdictPR, Reason: "no change is set to be applied: 1 to adopt",
				Resources: []string{"fakecloud_instance.web adopt: strategy adopt (the default)"}},
		},
		{
			name: "delete not allowed", rules: applyAll,
			target: drifted(db, change("fakecloud_instance.web", "fakecloud_instance", drift.CauseCode, "delete")),
			want: decided{Verdict: VerdictPR, Reason: "not applied: 1 of 2 change(s) are outside the guardrails or not set to be applied, and a saved plan is applied whole or not at all",
				Resources: []string{
					"fakecloud_instance.db pr: " + heldBack,
					"fakecloud_instance.web pr: deletes the resource and guardrails.allow-delete is false; cause code: the change applies the configuration and guardrails.causes allows only drift",
				}},
		},
		{
			name: "delete allowed", rules: Rules{Default: StrategyApply, Guardrails: Guardrails{AllowDelete: true}},
			target: drifted(change("local_file.stale", "local_file", drift.CauseDrift, "delete")),
			want: decided{Verdict: VerdictApply, Reason: "all 1 change(s) are within guardrails and no mandatory policy failed",
				Resources: []string{"local_file.stale apply: within guardrails"}},
		},
		{
			name: "replace not allowed", rules: applyAll,
			target: drifted(db, change("fakecloud_instance.web", "fakecloud_instance", drift.CauseDrift, "delete", "create")),
			want: decided{Verdict: VerdictPR, Reason: "not applied: 1 of 2 change(s) are outside the guardrails or not set to be applied, and a saved plan is applied whole or not at all",
				Resources: []string{
					"fakecloud_instance.db pr: " + heldBack,
					"fakecloud_instance.web pr: replaces the resource and guardrails.allow-replace is false",
				}},
		},
		{
			name: "replace allowed does not allow delete", rules: Rules{Default: StrategyApply, Guardrails: Guardrails{AllowReplace: true}},
			target: drifted(change("fakecloud_instance.web", "fakecloud_instance", drift.CauseDrift, "create", "delete")),
			want: decided{Verdict: VerdictApply, Reason: "all 1 change(s) are within guardrails and no mandatory policy failed",
				Resources: []string{"fakecloud_instance.web apply: within guardrails"}},
		},
		{
			name: "forget counts as a delete", rules: applyAll,
			target: drifted(web, change("fakecloud_instance.old", "fakecloud_instance", drift.CauseCode, "forget")),
			want: decided{Verdict: VerdictPR, Reason: "not applied: 1 of 2 change(s) are outside the guardrails or not set to be applied, and a saved plan is applied whole or not at all",
				Resources: []string{
					"fakecloud_instance.web pr: held back: the saved plan also changes fakecloud_instance.old, which may not be applied, and a saved plan is applied whole or not at all",
					"fakecloud_instance.old pr: removes the resource from terraform's state and guardrails.allow-delete is false; cause code: the change applies the configuration and guardrails.causes allows only drift",
				}},
		},
		{
			name: "too many resources", rules: Rules{Default: StrategyApply, Guardrails: Guardrails{MaxResources: 1}},
			target: drifted(web, db),
			want: decided{Verdict: VerdictPR, Reason: "not applied: the plan changes 2 resources and guardrails.max-resources is 1",
				Resources: []string{
					"fakecloud_instance.web pr: held back: the plan changes 2 resources and guardrails.max-resources is 1",
					"fakecloud_instance.db pr: held back: the plan changes 2 resources and guardrails.max-resources is 1",
				}},
		},
		{
			name: "type not allowed", rules: Rules{Default: StrategyApply, Guardrails: Guardrails{Types: []string{"aws_*"}}},
			target: drifted(web),
			want: decided{Verdict: VerdictPR, Reason: "not applied: 1 of 1 change(s) are outside the guardrails or not set to be applied, and a saved plan is applied whole or not at all",
				Resources: []string{"fakecloud_instance.web pr: type fakecloud_instance is not in guardrails.types"}},
		},
		{
			name: "code change when only drift is allowed", rules: applyAll,
			target: drifted(change("fakecloud_instance.web", "fakecloud_instance", drift.CauseDriftAndCode, "update")),
			want: decided{Verdict: VerdictPR, Reason: "not applied: 1 of 1 change(s) are outside the guardrails or not set to be applied, and a saved plan is applied whole or not at all",
				Resources: []string{"fakecloud_instance.web pr: cause drift+code: the change applies the configuration and guardrails.causes allows only drift"}},
		},
		{
			name: "code changes allowed", rules: Rules{Default: StrategyApply, Guardrails: Guardrails{Causes: []string{"drift", "code"}}},
			target: drifted(change("fakecloud_instance.web", "fakecloud_instance", drift.CauseDriftAndCode, "update")),
			want: decided{Verdict: VerdictApply, Reason: "all 1 change(s) are within guardrails and no mandatory policy failed",
				Resources: []string{"fakecloud_instance.web apply: within guardrails"}},
		},
		{
			name: "mandatory policy failed", rules: applyAll,
			target: with(drifted(web), func(t *Target) {
				t.Policy = []policy.Result{{Policy: "terraform.security.open", Level: policy.HardMandatory, Kind: "deny", Msg: "port 22 open", Resource: "fakecloud_instance.web", Failed: true}}
			}),
			want: decided{Verdict: VerdictPR, Reason: "not applied: mandatory policy failed: terraform.security.open (hard-mandatory) on fakecloud_instance.web: port 22 open",
				Resources: []string{"fakecloud_instance.web pr: held back: mandatory policy failed: terraform.security.open (hard-mandatory) on fakecloud_instance.web: port 22 open"}},
		},
		{
			name: "the drift policy failing does not block", rules: applyAll,
			target: with(drifted(web), func(t *Target) {
				t.Policy = []policy.Result{
					{Policy: DriftPolicy, Level: policy.HardMandatory, Kind: "deny", Failed: true},
					{Policy: "terraform.cost", Level: policy.SoftMandatory, Kind: "deny", Overridden: true},
					{Policy: "terraform.tags", Level: policy.Advisory, Kind: "deny"},
				}
			}),
			want: decided{Verdict: VerdictApply, Reason: "all 1 change(s) are within guardrails and no mandatory policy failed",
				Resources: []string{"fakecloud_instance.web apply: within guardrails"}},
		},
		{
			name: "policies not evaluated", rules: applyAll,
			target: with(drifted(web), func(t *Target) { t.PoliciesEvaluated = false }),
			want: decided{Verdict: VerdictPR, Reason: "not applied: policies did not run for this target (policies: none), and only a plan policies evaluated is applied",
				Resources: []string{"fakecloud_instance.web pr: held back: policies did not run for this target (policies: none), and only a plan policies evaluated is applied"}},
		},
		{
			name: "auto applies safe types", rules: Rules{Default: StrategyAuto, SafeTypes: []string{"fakecloud_*"}},
			target: drifted(web),
			want: decided{Verdict: VerdictApply, Reason: "all 1 change(s) are within guardrails and no mandatory policy failed",
				Resources: []string{"fakecloud_instance.web apply: auto: fakecloud_instance is a safe type; within guardrails"}},
		},
		{
			name: "auto hands the rest to a pull request, holding back the safe ones", rules: Rules{Default: StrategyAuto, SafeTypes: []string{"fakecloud_*"}},
			target: drifted(web, change("aws_security_group.sg", "aws_security_group", drift.CauseDrift, "update")),
			want: decided{Verdict: VerdictPR, Reason: "not applied: 1 of 2 change(s) are outside the guardrails or not set to be applied, and a saved plan is applied whole or not at all",
				Resources: []string{
					"fakecloud_instance.web pr: held back: the saved plan also changes aws_security_group.sg, which may not be applied, and a saved plan is applied whole or not at all",
					"aws_security_group.sg pr: auto: aws_security_group is not in remediation.safe-types; strategy auto (the default)",
				}},
		},
		{
			name: "root and type rules", rules: Rules{Default: StrategyPR, Roots: []RootRule{
				{Dir: "infra/other", Strategy: StrategyPR},
				{Dir: "infra/*", Strategy: StrategyApply, Types: []TypeRule{{Type: "aws_security_group", Strategy: StrategyPR}}},
			}},
			target: drifted(web, change("aws_security_group.sg", "aws_security_group", drift.CauseDrift, "update")),
			want: decided{Verdict: VerdictPR, Reason: "not applied: 1 of 2 change(s) are outside the guardrails or not set to be applied, and a saved plan is applied whole or not at all",
				Resources: []string{
					"fakecloud_instance.web pr: held back: the saved plan also changes aws_security_group.sg, which may not be applied, and a saved plan is applied whole or not at all",
					`aws_security_group.sg pr: strategy pr (remediation.roots "infra/*", types "aws_security_group")`,
				}},
		},
		{
			name: "a root's guardrails replace the top level's", rules: Rules{Default: StrategyApply, Guardrails: Guardrails{MaxResources: 1},
				Roots: []RootRule{{Dir: "infra/app", Guardrails: Guardrails{MaxResources: 5}}}},
			target: drifted(web, db),
			want: decided{Verdict: VerdictApply, Reason: "all 2 change(s) are within guardrails and no mandatory policy failed",
				Resources: []string{"fakecloud_instance.web apply: within guardrails", "fakecloud_instance.db apply: within guardrails"}},
		},
		{
			name: "target in error", rules: applyAll,
			target: with(drifted(web), func(t *Target) { t.Result.Fail("plan: Error: boom\nmore") }),
			want:   decided{Verdict: VerdictSkip, Reason: "the target is in error (plan: Error: boom); fix it and run again"},
		},
		{
			name: "no saved plan", rules: applyAll,
			target: with(drifted(web), func(t *Target) { t.PlanFile = "" }),
			want:   decided{Verdict: VerdictSkip, Reason: "no saved plan: terraform did not finish planning this target"},
		},
		{
			name: "clean", rules: applyAll,
			target: with(drifted(), func(t *Target) { t.Result.Drift = nil }),
			want:   decided{Verdict: VerdictSkip, Reason: "nothing to heal: the plan is empty"},
		},
		{
			name: "drift without a change", rules: applyAll, target: drifted(),
			want: decided{Verdict: VerdictSkip, Reason: "the drift needs no change to the infrastructure (terraform plans none); nothing to apply"},
		},
		{
			name: "code changes only", rules: applyAll,
			target: drifted(change("fakecloud_instance.web", "fakecloud_instance", drift.CauseCode, "update")),
			want:   decided{Verdict: VerdictSkip, Reason: "nothing to heal: no pending change undoes drift (code changes are left to your deploy)"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, summarize(Decide(tc.rules, tc.target))); diff != "" {
				t.Errorf("decision (-want +got):\n%s", diff)
			}
		})
	}
}
