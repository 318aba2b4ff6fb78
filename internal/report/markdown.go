package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/mdtext"
	"github.com/myorg/drift-action/internal/policy"
)

// Markdown writes the report as GitHub-flavoured markdown: the body reused by
// job summaries and pull request comments.
func Markdown(w io.Writer, d Document) error {
	bw := bufio.NewWriter(w)
	s := d.Summary
	fmt.Fprintf(bw, "## Drift report\n\n")
	fmt.Fprintf(bw, "**%d target(s):** %s %d drifted · %s %d changed · %s %d error · %s %d clean — %s",
		s.Targets, badge(drift.StatusDrifted), s.Drifted, badge(drift.StatusChanged), s.Changed,
		badge(drift.StatusError), s.Errors, badge(drift.StatusClean), s.Clean, totals(s))
	if s.IgnoredAttrs > 0 {
		fmt.Fprintf(bw, ", %d drifted attribute(s) ignored", s.IgnoredAttrs)
	}
	for _, p := range d.Problems {
		fmt.Fprintf(bw, "\n\n> [!CAUTION]\n> **The run is incomplete:** %s", cell(p))
	}
	markdownWarnings(bw, d.Warnings)
	if len(d.Activity) > 0 {
		fmt.Fprintf(bw, "\n\n**%s**\n", activityLead(d))
		for _, a := range d.Activity {
			fmt.Fprintf(bw, "\n- %s", cell(a))
		}
	}
	markdownSelection(bw, d.Selection)
	markdownWindow(bw, d.Window)
	if p := d.Policy; p != nil {
		fmt.Fprintf(bw, "\n\n**Policy:** %s", p.Words(" · "))
		if p.Mandatory {
			fmt.Fprint(bw, " — ❌ a mandatory policy failed")
		}
	}
	fmt.Fprintf(bw, "\n\n%s", tableHead)
	for _, r := range d.Roots {
		bw.WriteString(tableRow(r))
	}
	for _, r := range d.Roots {
		if r.Status == drift.StatusClean && len(r.Policy) == 0 && len(r.Checks) == 0 && len(r.Outputs) == 0 && len(r.Snoozed) == 0 && len(r.ExpiredSnoozes) == 0 {
			continue
		}
		fmt.Fprintf(bw, "\n### %s %s (%s) — %s\n", badge(r.Status), code(r.Dir), cell(r.Target), statusLabel(r.Result))
		if r.Error != "" {
			fence := "```"
			for strings.Contains(r.Error, fence) {
				fence += "`"
			}
			fmt.Fprintf(bw, "\n%stext\n%s\n%s\n", fence, strings.TrimSpace(r.Error), fence)
		}
		if len(r.Drift) > 0 {
			fmt.Fprintf(bw, "\n<details><summary>Drifted outside terraform (%d)</summary>\n\n", len(r.Drift))
			fmt.Fprintf(bw, "| Resource | Action | Attribute | Before | After |\n|---|---|---|---|---|\n")
			for _, res := range r.Drift {
				attrs := shownAttributes(res)
				if len(attrs) == 0 {
					fmt.Fprintf(bw, "| %s | %s | | | |\n", code(res.Address), cell(strings.Join(res.Actions, ", ")))
				}
				for i, a := range attrs {
					addr, act := code(res.Address), cell(strings.Join(res.Actions, ", "))
					if i > 0 {
						addr, act = "", ""
					}
					path := code(a.Path)
					if a.Snooze != nil {
						path += " 💤 " + cell(snoozeLabel(a.Snooze))
					}
					fmt.Fprintf(bw, "| %s | %s | %s | %s | %s |\n", addr, act, path, code(Value(a.Before, maxValue)), code(Value(a.After, maxValue)))
				}
			}
			fmt.Fprintf(bw, "\n</details>\n")
		}
		if len(r.ExpiredSnoozes) > 0 {
			fmt.Fprintf(bw, "\n**Snoozes expired (%d):** this drift is reported again; renew or remove the entry.\n\n", len(r.ExpiredSnoozes))
			for _, e := range r.ExpiredSnoozes {
				addrs := make([]string, len(e.Resources))
				for i, a := range e.Resources {
					addrs[i] = code(a)
				}
				fmt.Fprintf(bw, "- ⏰ %s: snoozed until %s (%s): %s\n", strings.Join(addrs, ", "), until(e.Until), optCode(e.Source), cell(oneLine(e.Reason)))
			}
		}
		if len(r.Snoozed) > 0 {
			fmt.Fprintf(bw, "\n<details><summary>💤 Snoozed drift (%d)</summary>\n\n", len(r.Snoozed))
			fmt.Fprintf(bw, "| Resource | Action | Until | Reason | Attributes | Snooze |\n|---|---|---|---|---|---|\n")
			for _, res := range r.Snoozed {
				var paths []string
				for _, a := range shownAttributes(res) {
					paths = append(paths, code(a.Path))
				}
				var u, reason, src string
				if s := res.Snooze; s != nil {
					u, reason, src = until(s.Until), cell(oneLine(s.Reason)), optCode(s.Source)
				}
				fmt.Fprintf(bw, "| %s | %s | %s | %s | %s | %s |\n", code(res.Address), cell(strings.Join(res.Actions, ", ")), u, reason, strings.Join(paths, ", "), src)
			}
			if len(r.SnoozedChanges) > 0 {
				fmt.Fprintf(bw, "\nHeld back while snoozed (they would undo snoozed drift): %s\n", cell(heldBack(r.Result)))
			}
			fmt.Fprintf(bw, "\n</details>\n")
		}
		if len(r.Changes) > 0 {
			n := r.Count()
			fmt.Fprintf(bw, "\n<details><summary>Pending changes (%d: %d undo drift, %d code)</summary>\n\n", len(r.Changes), n.UndoDrift, n.Code)
			fmt.Fprintf(bw, "| Resource | Action | Cause | Attribute | Before | After |\n|---|---|---|---|---|---|\n")
			for _, res := range r.Changes {
				act := cell(actionLabel(res))
				for _, note := range changeNotes(res) {
					act += "<br>" + cell(note)
				}
				attrs := changeAttributes(res)
				if len(attrs) == 0 {
					fmt.Fprintf(bw, "| %s | %s | %s | | | |\n", code(res.Address), act, cell(causeLabel(res.Cause)))
				}
				for i, a := range attrs {
					addr, ac, cause := code(res.Address), act, cell(causeLabel(res.Cause))
					if i > 0 {
						addr, ac, cause = "", "", ""
					}
					fmt.Fprintf(bw, "| %s | %s | %s | %s | %s | %s |\n", addr, ac, cause, code(a.Path), code(Value(a.Before, maxValue)), code(Value(a.After, maxValue)))
				}
			}
			fmt.Fprintf(bw, "\n</details>\n")
		}
		if len(r.Checks) > 0 {
			fmt.Fprintf(bw, "\n**Checks not passing (%d):**\n\n", len(r.Checks))
			for _, ck := range r.Checks {
				mark := "⚠️"
				if ck.Failing() {
					mark = "❌"
				}
				fmt.Fprintf(bw, "- %s %s %s (%s)", mark, code(ck.Address), cell(ck.Status), cell(ck.Kind))
				if len(ck.Problems) > 0 {
					fmt.Fprintf(bw, ": %s", cell(oneLine(strings.Join(ck.Problems, "; "))))
				}
				fmt.Fprintln(bw)
			}
		}
		if len(r.Outputs) > 0 {
			fmt.Fprintf(bw, "\nOutputs to change (not drift): %s\n", cell(strings.Join(r.Outputs, ", ")))
		}
		if len(r.Ignored) > 0 {
			fmt.Fprintf(bw, "\n%d drifted attribute(s) ignored by rules.\n", len(r.Ignored))
		}
		markdownPolicies(bw, "Policy results", r.Policy)
	}
	if len(d.Manifests) > 0 {
		fmt.Fprintf(bw, "\n### Kubernetes manifests (Gatekeeper)\n")
		markdownPolicies(bw, "Constraint violations", d.Manifests)
	}
	return bw.Flush()
}

func badge(s drift.Status) string {
	switch s {
	case drift.StatusClean:
		return "🟢"
	case drift.StatusDrifted:
		return "🟠"
	case drift.StatusChanged:
		return "🔵"
	}
	return "🔴"
}

// cell shows outside text as text, on one line, safe in a table cell.
func cell(s string) string { return mdtext.Text(s) }

// code shows outside text as inline code that cannot break the table.
func code(s string) string { return mdtext.Code(s) }

// policyCell is a target's outcomes, the ones it has, in the order and
// words of the run's Policy line.
func policyCell(rs []policy.Result) string {
	if len(rs) == 0 {
		return "—"
	}
	s := policy.Summarize(rs)
	var parts []string
	for _, c := range []struct {
		n    int
		word string
	}{{s.Failed, "❌ %d failed"}, {s.Advisory, "%d advisory"}, {s.Waived, "%d waived"}, {s.Overridden, "%d overridden"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf(c.word, c.n))
		}
	}
	return strings.Join(parts, " · ")
}

func markdownPolicies(bw *bufio.Writer, title string, rs []policy.Result) {
	if len(rs) == 0 {
		return
	}
	open := ""
	if policy.Summarize(rs).Mandatory {
		open = " open"
	}
	each, grouped := splitAdvice(rs)
	fmt.Fprintf(bw, "\n<details%s><summary>%s (%d)</summary>\n\n| Verdict | Policy | Level | Severity | Resource | Message |\n|---|---|---|---|---|---|\n", open, title, len(rs))
	for _, p := range each {
		v := cell(verdict(p))
		if p.Failed {
			v = "❌ " + v
		}
		fmt.Fprintf(bw, "| %s | %s | %s | %s | %s | %s |\n", v, code(p.Policy+"."+p.Rule), cell(string(p.Level)), cell(p.Severity), optCode(p.Resource), cell(oneLine(p.Msg)))
	}
	for _, g := range grouped {
		res, msg := optCode(g.Results[0].Resource), cell(oneLine(g.Results[0].Msg))
		if len(g.Results) > 1 {
			res, msg = "", fmt.Sprintf("%d results: %s (details below)", len(g.Results), cell(g.resources(3)))
		}
		fmt.Fprintf(bw, "| advisory | %s | advisory | %s | %s | %s |\n", code(g.name()), cell(g.Severity), res, msg)
	}
	fmt.Fprintf(bw, "\n</details>\n")
	for _, g := range grouped {
		if len(g.Results) < 2 {
			continue
		}
		fmt.Fprintf(bw, "\n<details><summary>Advisory %s: %d results</summary>\n\n| Resource | Message |\n|---|---|\n", code(g.name()), len(g.Results))
		for _, p := range g.Results {
			fmt.Fprintf(bw, "| %s | %s |\n", optCode(p.Resource), cell(oneLine(p.Msg)))
		}
		fmt.Fprintf(bw, "\n</details>\n")
	}
}

// tableHead and tableRow are the one-row-per-target overview, shared with
// the compact job summary.
const tableHead = "| Root | Target | Status | Drifted | Undo drift | Code | Checks | Policy |\n|---|---|---|---:|---:|---:|---:|---|\n"

func tableRow(r Root) string {
	n := r.Count()
	status := statusLabel(r.Result)
	if n.Snoozed > 0 {
		status += fmt.Sprintf(" · 💤 %d snoozed", n.Snoozed)
	}
	if len(r.ExpiredSnoozes) > 0 {
		status += fmt.Sprintf(" · ⏰ %d snooze(s) expired", len(r.ExpiredSnoozes))
	}
	return fmt.Sprintf("| %s | %s | %s %s | %d | %d | %d | %d | %s |\n", code(r.Dir), cell(r.Target), badge(r.Status), status,
		n.Drifted, n.UndoDrift, n.Code, n.FailChecks, policyCell(r.Policy))
}

// totals is the one-line tally of resources a reviewer acts on.
func totals(s Summary) string {
	t := fmt.Sprintf("%d resource(s) drifted, %d change(s) undo drift, %d code change(s)", s.DriftedResources, s.UndoDriftChanges, s.CodeChanges)
	if s.FailedChecks > 0 {
		t += fmt.Sprintf(", %d check(s) failing", s.FailedChecks)
	}
	if s.SnoozedResources > 0 {
		t += fmt.Sprintf(", %d snoozed", s.SnoozedResources)
	}
	if s.ExpiredSnoozes > 0 {
		t += fmt.Sprintf(", %d snooze(s) expired", s.ExpiredSnoozes)
	}
	return t
}

func optCode(s string) string {
	if s == "" {
		return ""
	}
	return code(s)
}

// markdownWarnings writes the configuration warnings as one callout.
func markdownWarnings(bw *bufio.Writer, ws []Warning) {
	if len(ws) == 0 {
		return
	}
	fmt.Fprintf(bw, "\n\n> [!WARNING]\n> **drift.yaml:**")
	for _, w := range ws {
		fmt.Fprintf(bw, "\n> - %s", cell(w.Message))
	}
}
