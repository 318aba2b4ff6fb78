package report

import (
	"fmt"
	"strings"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/policy"
)

// causeLabel says in words what applying a change does.
func causeLabel(cause string) string {
	switch cause {
	case drift.CauseDrift:
		return "undoes drift"
	case drift.CauseDriftAndCode:
		return "undoes drift + code"
	case drift.CauseCode:
		return "code"
	}
	return cause
}

// actionLabel is terraform's actions, with a pending move or import named:
// a move alone is a no-op to terraform but not to the state.
func actionLabel(r drift.Resource) string {
	acts := strings.Join(r.Actions, ", ")
	var extra []string
	if r.PreviousAddress != "" {
		extra = append(extra, "move")
	}
	if r.Importing {
		extra = append(extra, "import")
	}
	if len(extra) == 0 {
		return acts
	}
	if acts == "no-op" || acts == "" {
		return strings.Join(extra, ", ")
	}
	return acts + ", " + strings.Join(extra, ", ")
}

// changeNotes are the facts a reviewer needs beside a change's actions:
// where a move comes from, what an import reads, what forces a replacement.
func changeNotes(r drift.Resource) []string {
	var out []string
	if r.PreviousAddress != "" {
		out = append(out, "moved from "+r.PreviousAddress)
	}
	if r.Importing {
		if r.ImportID != "" {
			out = append(out, "imports ID "+r.ImportID)
		} else {
			out = append(out, "imported")
		}
	}
	if len(r.ReplacePaths) > 0 || r.ActionReason != "" {
		s := "replaced"
		if len(r.Actions) == 1 {
			s = r.Actions[0]
		}
		if len(r.ReplacePaths) > 0 {
			s += ": forced by " + strings.Join(r.ReplacePaths, ", ")
		}
		if r.ActionReason != "" {
			s += " (" + r.ActionReason + ")"
		}
		out = append(out, s)
	}
	return out
}

// changeAttributes are the attribute diffs shown for a pending change:
// updates and replacements (creates would list the whole new object).
func changeAttributes(r drift.Resource) []drift.Attribute {
	switch strings.Join(r.Actions, ",") {
	case "update", "delete,create", "create,delete":
		return r.Attributes
	}
	return nil
}

// statusLabel is the target's status, naming code changes beside drift so
// a target with both does not read as drift alone.
func statusLabel(r drift.Result) string {
	if r.Status == drift.StatusDrifted && r.Count().Code > 0 {
		return "drifted + code changes"
	}
	return string(r.Status)
}

// counts is the short tally of one target: drift, changes by cause, checks.
func counts(r drift.Result) []string {
	n := r.Count()
	var parts []string
	if n.Drifted > 0 {
		parts = append(parts, fmt.Sprintf("%d drifted", n.Drifted))
	}
	if n.UndoDrift > 0 {
		parts = append(parts, fmt.Sprintf("%d change(s) undo drift", n.UndoDrift))
	}
	if n.Code > 0 {
		parts = append(parts, fmt.Sprintf("%d code change(s)", n.Code))
	}
	if n.FailChecks > 0 {
		parts = append(parts, fmt.Sprintf("%d check(s) failing", n.FailChecks))
	}
	if n.Snoozed > 0 {
		parts = append(parts, fmt.Sprintf("%d snoozed", n.Snoozed))
	}
	if len(r.ExpiredSnoozes) > 0 {
		parts = append(parts, fmt.Sprintf("%d snooze(s) expired", len(r.ExpiredSnoozes)))
	}
	return parts
}

// advice is the advisory results of one policy rule on one target, told as
// one line: an advisory policy that denies every drifted resource would
// otherwise drown the results that matter.
type advice struct {
	Policy, Rule, Kind, Severity string
	Results                      []policy.Result
}

func (a advice) name() string { return a.Policy + "." + a.Rule }

// resources names the resources the advice is about, at most n of them.
func (a advice) resources(n int) string {
	var names []string
	for _, r := range a.Results {
		if r.Resource != "" {
			names = append(names, r.Resource)
		}
	}
	if len(names) > n {
		return strings.Join(names[:n], ", ") + fmt.Sprintf(" and %d more", len(names)-n)
	}
	return strings.Join(names, ", ")
}

// splitAdvice separates advisory results that stand (grouped by rule, in
// first-seen order) from the rest (mandatory, waived, overridden, warn at
// other levels), which are reported one by one.
func splitAdvice(rs []policy.Result) (each []policy.Result, grouped []advice) {
	at := map[string]int{}
	for _, r := range rs {
		if r.Level != policy.Advisory || r.Failed || r.Waived || r.Overridden {
			each = append(each, r)
			continue
		}
		k := r.Policy + "\x00" + r.Rule + "\x00" + r.Kind
		i, ok := at[k]
		if !ok {
			i = len(grouped)
			at[k] = i
			grouped = append(grouped, advice{Policy: r.Policy, Rule: r.Rule, Kind: r.Kind, Severity: r.Severity})
		}
		g := &grouped[i]
		g.Results = append(g.Results, r)
		if severityRank(r.Severity) > severityRank(g.Severity) {
			g.Severity = r.Severity
		}
	}
	return each, grouped
}

func severityRank(s string) int {
	for i, x := range policy.Severities {
		if x == s {
			return i
		}
	}
	return -1
}
