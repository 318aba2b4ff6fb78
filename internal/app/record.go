package app

import (
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/record"
	"github.com/myorg/drift-action/internal/report"
)

// recordTargets narrows a run's report to what the GitOps record keeps:
// addresses, actions, attribute paths and causes, never values. notes are
// what the run did for a target (self-healed, remediation PRs, snoozes).
func recordTargets(verdicts []report.Root, notes map[report.Key][]record.Note) []record.Target {
	out := make([]record.Target, 0, len(verdicts))
	for _, r := range verdicts {
		t := record.Target{
			Root: r.Dir, Target: r.Target, Workspace: r.Workspace, PlannedAt: r.PlannedAt,
			Status: string(r.Status), Error: r.Error,
			Drift:   recordResources(r.Drift),
			Changes: recordResources(r.Changes),
			Notes:   notes[report.Key{Dir: r.Dir, Target: r.Target}],
		}
		for _, p := range r.Policy {
			t.Policy = append(t.Policy, recordPolicy(p))
		}
		out = append(out, t)
	}
	return out
}

func recordResources(rs []drift.Resource) []record.Resource {
	var out []record.Resource
	for _, r := range rs {
		rr := record.Resource{Address: r.Address, Type: r.Type, Actions: r.Actions, Cause: string(r.Cause)}
		for _, a := range r.Attributes {
			rr.Paths = append(rr.Paths, a.Path)
		}
		out = append(out, rr)
	}
	return out
}

func recordPolicy(p policy.Result) record.PolicyResult {
	rp := record.PolicyResult{
		Policy: p.Policy, Rule: p.Rule, Level: string(p.Level), Severity: p.Severity,
		Resource: p.Resource, Failed: p.Failed, Overridden: p.Overridden, Msg: p.Msg,
	}
	for _, o := range p.OverriddenBy {
		rp.OverriddenBy = append(rp.OverriddenBy, o.String())
	}
	return rp
}
