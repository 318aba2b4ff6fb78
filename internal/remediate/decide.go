// Package remediate decides how each target's drift is healed and heals the
// targets that may be applied: it applies exactly the saved plan policies
// evaluated, only within the configured guardrails, and hands everything
// else to a pull request with the reason per resource. The decision (Decide)
// is pure; applying goes through an Applier, and planning again after a
// stale plan through a Replan the caller supplies.
package remediate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/glob"
	"github.com/myorg/drift-action/internal/policy"
)

// Strategy is how drift on a resource is to be healed.
type Strategy string

// Strategies, as drift.yaml and the action's remediation input name them.
const (
	StrategyPR    Strategy = "pr"    // a pull request for a person to review
	StrategyApply Strategy = "apply" // apply the saved plan, within guardrails
	StrategyAdopt Strategy = "adopt" // change the code to match the cloud (a pull request)
	StrategyAuto  Strategy = "auto"  // apply for safe types, a pull request for the rest
)

// DefaultMaxResources is the most changes one apply may have when the
// guardrails do not say; drift.yaml's default (config.DefaultMaxResources)
// is the same, and a test in app holds the two equal.
const DefaultMaxResources = 10

// DriftPolicy is the policy whose denies are the drift being healed; its
// failure never blocks an apply.
const DriftPolicy = "terraform.drift"

// Guardrails bound what one apply may do. A plan with any change outside
// them is not applied at all: a saved plan cannot be applied in part.
type Guardrails struct {
	AllowDelete  bool
	AllowReplace bool
	MaxResources int      // most changes one plan may have; 0 means DefaultMaxResources
	Types        []string // resource type globs an apply may touch; empty: any
	Causes       []string // causes allowed (drift, code); empty means drift only
}

// TypeRule is the strategy for resource types matching Type (a glob).
type TypeRule struct {
	Type     string
	Strategy Strategy
}

// RootRule is the strategy and guardrails for roots whose directory
// matches Dir (a glob relative to the repository).
type RootRule struct {
	Dir        string
	Strategy   Strategy   // "" keeps the default
	Types      []TypeRule // first match wins
	Guardrails Guardrails
}

// Rules are the remediation settings of a run.
type Rules struct {
	Default    Strategy
	SafeTypes  []string // types auto applies (globs)
	Guardrails Guardrails
	Roots      []RootRule // first match wins
}

// Target is what the decision needs from one planned target
// (pipeline.Verdict; see FromVerdict).
type Target struct {
	AbsDir string       // where terraform applies
	Result drift.Result // the verdict: Dir, Target, Workspace, Changes with causes
	// Policy are the target's policy results, already redacted.
	Policy []policy.Result
	// PoliciesEvaluated is false when policies did not run; nothing is
	// applied then.
	PoliciesEvaluated bool
	// PlanFile is the saved plan the verdict and Policy were made from.
	PlanFile string
	// Terraform is the executable the plan was made with; "" is the
	// configured one.
	Terraform string
	// DataDir and Env are the target's terraform data directory and extra
	// environment the plan was made with (pipeline.Verdict).
	DataDir string
	Env     []string
}

// Verdict is what happens to a target as a whole.
type Verdict string

// Verdicts.
const (
	VerdictApply Verdict = "apply" // apply the saved plan
	VerdictPR    Verdict = "pr"    // hand every resource to a pull request (pr or adopt)
	VerdictSkip  Verdict = "skip"  // nothing to do, or nothing that may be done
)

// Route is where one resource's change goes.
type Route string

// Routes.
const (
	RouteApply Route = "apply"
	RoutePR    Route = "pr"
	RouteAdopt Route = "adopt"
)

// Resource is the decision for one pending change of a plan.
type Resource struct {
	Address  string   `json:"address"`
	Type     string   `json:"type"`
	Actions  []string `json:"actions"`
	Cause    string   `json:"cause"`
	Strategy Strategy `json:"strategy"` // as configured (auto included)
	Route    Route    `json:"route"`
	Reason   string   `json:"reason"`
}

// Decision is what Decide says about one target.
type Decision struct {
	Verdict   Verdict
	Reason    string
	Resources []Resource // one per pending change, in plan order
}

// Decide says whether a target's saved plan may be applied, and otherwise
// where each change goes and why. It reads only its arguments.
func Decide(r Rules, t Target) Decision {
	res := t.Result
	switch {
	case res.Status == drift.StatusError:
		first, _, _ := strings.Cut(res.Error, "\n")
		return Decision{Verdict: VerdictSkip, Reason: "the target is in error (" + first + "); fix it and run again"}
	case t.PlanFile == "":
		return Decision{Verdict: VerdictSkip, Reason: "no saved plan: terraform did not finish planning this target"}
	case len(res.Changes) == 0 && len(res.Drift) > 0:
		return Decision{Verdict: VerdictSkip, Reason: "the drift needs no change to the infrastructure (terraform plans none); nothing to apply"}
	case len(res.Changes) == 0:
		return Decision{Verdict: VerdictSkip, Reason: "nothing to heal: the plan is empty"}
	case res.Count().UndoDrift == 0:
		return Decision{Verdict: VerdictSkip, Reason: "nothing to heal: no pending change undoes drift (code changes are left to your deploy)"}
	}

	root := r.root(res.Dir)
	g := root.Guardrails
	if root.Dir == "" {
		g = r.Guardrails
	}
	g = g.withDefaults()

	d := Decision{Resources: make([]Resource, len(res.Changes))}
	var wantApply, blocked []string // addresses
	for i, ch := range res.Changes {
		s, from := r.strategy(root, ch.Type)
		rd := Resource{Address: ch.Address, Type: ch.Type, Actions: ch.Actions, Cause: ch.Cause, Strategy: s}
		route, why := route(s, ch.Type, r.SafeTypes)
		switch route {
		case RouteApply:
			wantApply = append(wantApply, ch.Address)
			if v := g.violations(ch); len(v) > 0 {
				blocked = append(blocked, ch.Address)
				rd.Route, rd.Reason = RoutePR, strings.Join(v, "; ")
			} else {
				rd.Route, rd.Reason = RouteApply, joinReason(why, "within guardrails")
			}
		default:
			rd.Route, rd.Reason = route, joinReason(why, fmt.Sprintf("strategy %s (%s)", s, from))
		}
		d.Resources[i] = rd
	}

	// Target-wide reasons an apply cannot happen, in the order a reader
	// should fix them.
	var whole []string
	if !t.PoliciesEvaluated {
		whole = append(whole, "policies did not run for this target (policies: none), and only a plan policies evaluated is applied")
	}
	// Snoozes change the report, not terraform's plan: a saved plan that
	// still reverts snoozed drift would heal what was snoozed.
	if held := snoozedInPlan(res); len(held) > 0 {
		whole = append(whole, "the saved plan would also undo snoozed drift on "+strings.Join(held, ", ")+", which is not healed while its snooze lasts")
	}
	if failed := mandatoryFailures(t.Policy); len(failed) > 0 {
		whole = append(whole, "mandatory policy failed: "+strings.Join(failed, "; "))
	}
	// Output values are written by any apply of the saved plan, yet they are
	// no resource change: an output change is code, judged by causes too.
	if len(res.Outputs) > 0 && !slices.Contains(g.Causes, drift.CauseCode) {
		whole = append(whole, fmt.Sprintf("the saved plan also writes output(s) %s, a code change, and guardrails.causes allows only %s (add code to apply it)",
			strings.Join(res.Outputs, ", "), strings.Join(g.Causes, ", ")))
	}
	if n := len(res.Changes); n > g.MaxResources {
		whole = append(whole, fmt.Sprintf("the plan changes %d resources and guardrails.max-resources is %d", n, g.MaxResources))
	}
	notApplied := len(d.Resources) - len(wantApply) + len(blocked)

	switch {
	case len(wantApply) == 0:
		d.Verdict, d.Reason = VerdictPR, "no change is set to be applied: "+routeCounts(d.Resources)
		return d
	case len(whole) == 0 && notApplied == 0:
		d.Verdict, d.Reason = VerdictApply, fmt.Sprintf("all %d change(s) are within guardrails and no mandatory policy failed", len(d.Resources))
		return d
	}

	// The saved plan is applied whole or not at all.
	var held string
	if len(whole) > 0 {
		held = strings.Join(whole, "; ")
	} else {
		var others []string
		for _, rd := range d.Resources {
			if rd.Route != RouteApply {
				others = append(others, rd.Address)
			}
		}
		held = "the saved plan also changes " + strings.Join(others, ", ") + ", which may not be applied, and a saved plan is applied whole or not at all"
	}
	for i, rd := range d.Resources {
		if rd.Route == RouteApply {
			d.Resources[i].Route, d.Resources[i].Reason = RoutePR, "held back: "+held
		}
	}
	d.Verdict = VerdictPR
	switch {
	case len(whole) > 0:
		d.Reason = "not applied: " + held
	default:
		d.Reason = fmt.Sprintf("not applied: %d of %d change(s) are outside the guardrails or not set to be applied, and a saved plan is applied whole or not at all", notApplied, len(d.Resources))
	}
	return d
}

// root is the first root rule matching dir; the zero RootRule when none.
func (r Rules) root(dir string) RootRule {
	for _, rr := range r.Roots {
		if glob.MatchDir(rr.Dir, dir) {
			return rr
		}
	}
	return RootRule{}
}

// strategy is the configured strategy for a resource type in root, and
// where it comes from.
func (r Rules) strategy(root RootRule, typ string) (Strategy, string) {
	for _, tr := range root.Types {
		if glob.Wildcard(tr.Type, typ) {
			return tr.Strategy, fmt.Sprintf("remediation.roots %q, types %q", root.Dir, tr.Type)
		}
	}
	if root.Strategy != "" {
		return root.Strategy, fmt.Sprintf("remediation.roots %q", root.Dir)
	}
	if r.Default == "" {
		return StrategyPR, "the default"
	}
	return r.Default, "the default"
}

// route resolves auto and says why.
func route(s Strategy, typ string, safe []string) (Route, string) {
	switch s {
	case StrategyApply:
		return RouteApply, ""
	case StrategyAdopt:
		return RouteAdopt, ""
	case StrategyAuto:
		if anyMatch(safe, typ) {
			return RouteApply, "auto: " + typ + " is a safe type"
		}
		return RoutePR, "auto: " + typ + " is not in remediation.safe-types"
	}
	return RoutePR, ""
}

func joinReason(a, b string) string {
	if a == "" {
		return b
	}
	if b == "" {
		return a
	}
	return a + "; " + b
}

func (g Guardrails) withDefaults() Guardrails {
	if g.MaxResources <= 0 {
		g.MaxResources = DefaultMaxResources
	}
	if len(g.Causes) == 0 {
		g.Causes = []string{drift.CauseDrift}
	}
	return g
}

// violations are the guardrails one change breaks, each saying what to
// change in drift.yaml to allow it.
func (g Guardrails) violations(ch drift.Resource) []string {
	var out []string
	if len(g.Types) > 0 && !anyMatch(g.Types, ch.Type) {
		out = append(out, fmt.Sprintf("type %s is not in guardrails.types", ch.Type))
	}
	replace := slices.Contains(ch.Actions, "create") && slices.Contains(ch.Actions, "delete")
	switch {
	case replace && !g.AllowReplace:
		out = append(out, "replaces the resource and guardrails.allow-replace is false")
	case !replace && slices.Contains(ch.Actions, "delete") && !g.AllowDelete:
		out = append(out, "deletes the resource and guardrails.allow-delete is false")
	case slices.Contains(ch.Actions, "forget") && !g.AllowDelete:
		// Dropped from state: terraform stops managing the object.
		out = append(out, "removes the resource from terraform's state and guardrails.allow-delete is false")
	}
	var need []string
	if ch.Undoes() {
		need = append(need, drift.CauseDrift)
	}
	if ch.FromCode() {
		need = append(need, drift.CauseCode)
	}
	if len(need) == 0 { // an unknown cause is never assumed safe
		need = append(need, drift.CauseCode)
	}
	for _, c := range need {
		if !slices.Contains(g.Causes, c) {
			out = append(out, fmt.Sprintf("cause %s: the change %s and guardrails.causes allows only %s", ch.Cause, describeCause(c), strings.Join(g.Causes, ", ")))
			break
		}
	}
	return out
}

func describeCause(c string) string {
	if c == drift.CauseCode {
		return "applies the configuration"
	}
	return "undoes drift"
}

func anyMatch(globs []string, typ string) bool {
	for _, p := range globs {
		if glob.Wildcard(p, typ) {
			return true
		}
	}
	return false
}

// mandatoryFailures are the failed mandatory policies other than the drift
// policy, as "policy: message".
func mandatoryFailures(rs []policy.Result) []string {
	var out []string
	for _, r := range rs {
		if r.Failed && r.Policy != DriftPolicy {
			m := r.Policy + " (" + string(r.Level) + ")"
			if r.Resource != "" {
				m += " on " + r.Resource
			}
			out = append(out, m+": "+r.Msg)
		}
	}
	return out
}

func routeCounts(rs []Resource) string {
	n := map[Route]int{}
	for _, r := range rs {
		n[r.Route]++
	}
	var parts []string
	for _, rt := range []Route{RoutePR, RouteAdopt} {
		if n[rt] > 0 {
			parts = append(parts, fmt.Sprintf("%d to %s", n[rt], rt))
		}
	}
	return strings.Join(parts, ", ")
}

// snoozedInPlan lists the snoozed resources the saved plan would still
// change: reverts moved aside as snoozed, partly snoozed drift, and
// drift+code changes on a snoozed resource.
func snoozedInPlan(res drift.Result) []string {
	var out []string
	seen := map[string]bool{}
	add := func(a string) {
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	for _, c := range res.SnoozedChanges {
		add(c.Address)
	}
	for _, d := range res.Drift {
		if d.PartlySnoozed() {
			add(d.Address)
		}
	}
	snoozed := map[string]bool{}
	for _, s := range res.Snoozed {
		snoozed[s.Address] = true
	}
	for _, c := range res.Changes {
		if snoozed[c.Address] || (c.PreviousAddress != "" && snoozed[c.PreviousAddress]) {
			add(c.Address)
		}
	}
	return out
}
