package report

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/policy"
)

// Markdown writes the report as GitHub-flavoured markdown: the body reused by
// job summaries and pull request comments.
func Markdown(w io.Writer, d Document) error {
	bw := bufio.NewWriter(w)
	s := d.Summary
	fmt.Fprintf(bw, "## Drift report\n\n")
	fmt.Fprintf(bw, "**%d target(s):** %s %d drifted · %s %d changed · %s %d error · %s %d clean — %d resource(s) drifted, %d change(s) pending",
		s.Targets, badge(drift.StatusDrifted), s.Drifted, badge(drift.StatusChanged), s.Changed,
		badge(drift.StatusError), s.Errors, badge(drift.StatusClean), s.Clean, s.DriftedResources, s.ChangedResources)
	if s.IgnoredAttrs > 0 {
		fmt.Fprintf(bw, ", %d drifted attribute(s) ignored", s.IgnoredAttrs)
	}
	for _, p := range d.Problems {
		fmt.Fprintf(bw, "\n\n> [!CAUTION]\n> **The run is incomplete:** %s", cell(p))
	}
	if p := d.Policy; p != nil {
		fmt.Fprintf(bw, "\n\n**Policy:** %d deny · %d warn · %d failed · %d overridden · %d waived", p.Denies, p.Warnings, p.Failed, p.Overridden, p.Waived)
		if p.Mandatory {
			fmt.Fprint(bw, " — ❌ a mandatory policy failed")
		}
	}
	fmt.Fprintf(bw, "\n\n| Root | Target | Status | Drifted | Changed | Policy |\n|---|---|---|---:|---:|---|\n")
	for _, r := range d.Roots {
		fmt.Fprintf(bw, "| %s | %s | %s %s | %d | %d | %s |\n", code(r.Dir), cell(r.Target), badge(r.Status), r.Status, len(r.Drift), len(r.Changes), policyCell(r.Policy))
	}
	for _, r := range d.Roots {
		if r.Status == drift.StatusClean && len(r.Policy) == 0 {
			continue
		}
		fmt.Fprintf(bw, "\n### %s %s (%s) — %s\n", badge(r.Status), code(r.Dir), cell(r.Target), r.Status)
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
					fmt.Fprintf(bw, "| %s | %s | %s | %s | %s |\n", addr, act, code(a.Path), code(Value(a.Before, maxValue)), code(Value(a.After, maxValue)))
				}
			}
			fmt.Fprintf(bw, "\n</details>\n")
		}
		if len(r.Changes) > 0 {
			fmt.Fprintf(bw, "\n<details><summary>Pending changes (%d)</summary>\n\n| Resource | Actions |\n|---|---|\n", len(r.Changes))
			for _, res := range r.Changes {
				fmt.Fprintf(bw, "| %s | %s |\n", code(res.Address), cell(strings.Join(res.Actions, ", ")))
			}
			fmt.Fprintf(bw, "\n</details>\n")
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

// cell makes untrusted text safe inside a table cell: no HTML, no pipes, one line.
func cell(s string) string {
	s = html.EscapeString(s)
	s = strings.NewReplacer("|", "&#124;", "\r", "", "\n", "<br>", "`", "&#96;").Replace(s)
	return s
}

// code shows untrusted text as inline code that cannot break the table.
func code(s string) string {
	return "<code>" + cell(s) + "</code>"
}

func policyCell(rs []policy.Result) string {
	s := policy.Summarize(rs)
	switch {
	case len(rs) == 0:
		return "—"
	case s.Mandatory:
		return fmt.Sprintf("❌ %d failed", s.Failed)
	case s.Denies > 0:
		return fmt.Sprintf("⚠️ %d deny", s.Denies)
	}
	return fmt.Sprintf("⚠️ %d warn", s.Warnings)
}

func markdownPolicies(bw *bufio.Writer, title string, rs []policy.Result) {
	if len(rs) == 0 {
		return
	}
	open := ""
	if policy.Summarize(rs).Mandatory {
		open = " open"
	}
	fmt.Fprintf(bw, "\n<details%s><summary>%s (%d)</summary>\n\n| Verdict | Policy | Level | Severity | Resource | Message |\n|---|---|---|---|---|---|\n", open, title, len(rs))
	for _, p := range rs {
		fmt.Fprintf(bw, "| %s | %s | %s | %s | %s | %s |\n", verdict(p), code(p.Policy+"."+p.Rule), p.Level, p.Severity, optCode(p.Resource), cell(oneLine(p.Msg)))
	}
	fmt.Fprintf(bw, "\n</details>\n")
}

func optCode(s string) string {
	if s == "" {
		return ""
	}
	return code(s)
}
