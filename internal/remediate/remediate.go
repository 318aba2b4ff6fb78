package remediate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/myorg/drift-action/internal/pipeline"
	"github.com/myorg/drift-action/internal/tf"
)

// Applier applies a target's saved plan, and nothing else. An error
// matching tf.ErrStalePlan means terraform refused the plan because the
// state changed after it was made, and applied nothing.
type Applier interface {
	Apply(ctx context.Context, t Target) (tf.ApplyOutcome, error)
}

// Terraform applies saved plans with terraform (tf.Apply).
type Terraform struct{ Options tf.Options }

// Apply runs `terraform apply PLANFILE` in the target's root and workspace.
func (a Terraform) Apply(ctx context.Context, t Target) (tf.ApplyOutcome, error) {
	opts := a.Options
	if t.Terraform != "" {
		opts.Binary = t.Terraform // a saved plan applies only with the terraform that made it
	}
	return tf.Apply(ctx, tf.ApplyTarget{Dir: t.AbsDir, Workspace: t.Result.Workspace, PlanFile: t.PlanFile, DataDir: t.DataDir, Env: t.Env}, opts)
}

// Replan plans and evaluates a target again, as the pipeline does, after
// its saved plan went stale. The returned target must carry the new plan
// file and the new verdict and policy results.
type Replan func(ctx context.Context, t Target) (Target, error)

// FromVerdict is what remediation needs from a pipeline verdict;
// policiesEvaluated is pipeline.Run.Policies.
func FromVerdict(o pipeline.Verdict, policiesEvaluated bool) Target {
	return Target{AbsDir: o.Target.AbsDir, Result: o.Result, Policy: o.Policy, PoliciesEvaluated: policiesEvaluated, PlanFile: o.PlanFile,
		Terraform: o.Terraform, DataDir: o.DataDir, Env: o.Target.Env}
}

// Status is what happened to a target.
type Status string

// Statuses.
const (
	StatusApplied Status = "applied" // the saved plan was applied
	StatusPR      Status = "pr"      // handed to a pull request (pr or adopt), with why
	StatusSkipped Status = "skipped" // nothing done, with why
	StatusFailed  Status = "failed"  // terraform failed; Error says how
	// StatusRefused: an approval covers the target, and its new plan is
	// not what was approved; nothing applied, Reason says how it differs.
	StatusRefused Status = "refused"
)

// MethodApply is Applied.Method for a saved plan applied with terraform.
const MethodApply = "apply"

// Applied is a heal that happened: what, by which run, when and how, for
// the record (recovered) and the log (self-healed).
type Applied struct {
	Method    string               `json:"method"`
	RunID     string               `json:"run_id"`
	At        time.Time            `json:"at"`
	Resources []tf.AppliedResource `json:"resources"`
	Summary   tf.ChangeSummary     `json:"summary"`
}

// Result is the remediation of one target.
type Result struct {
	Dir       string     `json:"dir"`
	Target    string     `json:"target"`
	Workspace string     `json:"workspace,omitempty"`
	Status    Status     `json:"status"`
	Reason    string     `json:"reason"`
	Resources []Resource `json:"resources,omitempty"` // per change: route and why
	Applied   *Applied   `json:"applied,omitempty"`   // StatusApplied only
	// Outputs (StatusApplied only) are the root's output values the apply
	// wrote: the plan changed them along with the resources.
	Outputs []string `json:"outputs,omitempty"`
	// Error is terraform's message, redacted (StatusFailed only).
	Error string `json:"error,omitempty"`
	// Partial are the resources terraform finished before a failed apply
	// stopped: the state has changed for them.
	Partial []tf.AppliedResource `json:"partial,omitempty"`
	// Replanned says the first saved plan went stale and the target was
	// planned, evaluated and decided again.
	Replanned bool `json:"replanned,omitempty"`
}

// Remediator heals targets one after another (targets of one root share
// its .terraform directory, so they never run side by side).
type Remediator struct {
	Rules   Rules
	Applier Applier
	Replan  Replan // nil: a stale plan fails the target
	RunID   string // the run that heals, recorded in Applied
	Now     func() time.Time
	// Redact hides user-masked values in terraform's messages; nil leaves
	// them (terraform hides values it knows are sensitive).
	Redact func(string) string
	// Approved, when set, limits the run to what people approved (the
	// apply after a merged remediation pull request). covered is false for
	// a target no approval names: it is skipped whatever its plan. err says
	// how a covered target's plan differs from what was approved: it is
	// refused. Asked again after a re-plan, of the new plan.
	Approved func(t Target) (covered bool, err error)
}

// All remediates every target, in order.
func (m Remediator) All(ctx context.Context, ts []Target) []Result {
	out := make([]Result, len(ts))
	for i, t := range ts {
		out[i] = m.Target(ctx, t)
	}
	return out
}

// Target decides one target and, when the decision is to apply, applies
// its saved plan. A stale plan is planned, evaluated and decided again
// through Replan, once; the stale file is never applied.
func (m Remediator) Target(ctx context.Context, t Target) Result {
	res, ok := m.decide(t)
	if !ok {
		return res
	}
	out, err := m.Applier.Apply(ctx, t)
	if errors.Is(err, tf.ErrStalePlan) {
		if m.Replan == nil {
			return m.failed(res, out, "the saved plan is stale (the state changed after it was planned) and this run cannot plan again; nothing was applied: run again", nil)
		}
		t2, rerr := m.Replan(ctx, t)
		if rerr != nil {
			return m.failed(res, out, "the saved plan is stale (the state changed after it was planned); planning again failed, so nothing was applied", rerr)
		}
		res, ok = m.decide(t2)
		res.Replanned = true
		res.Reason = "the saved plan was stale (the state changed after it was planned), so the target was planned and evaluated again: " + res.Reason
		if !ok {
			return res
		}
		t = t2
		out, err = m.Applier.Apply(ctx, t2)
		if errors.Is(err, tf.ErrStalePlan) {
			return m.failed(res, out, "the saved plan went stale again after planning anew (something else keeps changing this state); not retried a second time, nothing was applied: run again when the state is quiet", nil)
		}
	}
	if err != nil {
		return m.failed(res, out, "terraform apply failed", err)
	}
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	var sum tf.ChangeSummary
	if out.Summary != nil {
		sum = *out.Summary
	}
	res.Status = StatusApplied
	res.Applied = &Applied{Method: MethodApply, RunID: m.RunID, At: now().UTC(), Resources: out.Applied, Summary: sum}
	res.Reason = joinReason(res.Reason, "applied: "+out.String())
	if len(t.Result.Outputs) > 0 {
		res.Outputs = t.Result.Outputs
		res.Reason += "; wrote output(s) " + strings.Join(res.Outputs, ", ")
	}
	return res
}

// decide is Decide, limited by Approved; ok says the plan may be applied.
func (m Remediator) decide(t Target) (Result, bool) {
	d := Decide(m.Rules, t)
	res := result(t, d)
	if m.Approved != nil {
		covered, err := m.Approved(t)
		switch {
		case !covered:
			res.Status = StatusSkipped
			res.Reason = "not reviewed: this run applies only drift approved by a merged remediation pull request, and none names this target; it is left as it is"
			return res, false
		case err != nil && d.Verdict != VerdictSkip:
			res.Status = StatusRefused
			res.Reason = "not applied: the new plan is not what was approved: " + err.Error()
			if d.Verdict == VerdictPR {
				res.Reason += "; and " + d.Reason
			}
			return res, false
		}
	}
	return res, d.Verdict == VerdictApply
}

func (m Remediator) failed(res Result, out tf.ApplyOutcome, why string, err error) Result {
	res.Status = StatusFailed
	res.Reason = why
	if err != nil {
		res.Error = err.Error()
		if m.Redact != nil {
			res.Error = m.Redact(res.Error)
		}
	}
	res.Partial = out.Applied
	return res
}

func result(t Target, d Decision) Result {
	r := Result{Dir: t.Result.Dir, Target: t.Result.Target, Workspace: t.Result.Workspace, Reason: d.Reason, Resources: d.Resources}
	switch d.Verdict {
	case VerdictPR:
		r.Status = StatusPR
	case VerdictSkip:
		r.Status = StatusSkipped
	}
	return r
}

// String is one line for the log: the target, what happened and why.
// Messages are already redacted and never hold terraform's output.
func (r Result) String() string {
	name := r.Dir
	if r.Target != "" {
		name += " (" + r.Target + ")"
	}
	if r.Status == StatusApplied && r.Applied != nil {
		s := fmt.Sprintf("%s: self-healed by %s in run %s: %d added, %d changed, %d destroyed", name, r.Applied.Method, r.Applied.RunID, r.Applied.Summary.Add, r.Applied.Summary.Change, r.Applied.Summary.Remove)
		if len(r.Outputs) > 0 {
			s += "; wrote output(s) " + strings.Join(r.Outputs, ", ")
		}
		return s
	}
	return fmt.Sprintf("%s: %s: %s", name, r.Status, r.Reason)
}
