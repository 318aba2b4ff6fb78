package report

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/myorg/drift-action/internal/drift"
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
	fmt.Fprintf(bw, "\n\n| Root | Target | Status | Drifted | Changed |\n|---|---|---|---:|---:|\n")
	for _, r := range d.Roots {
		fmt.Fprintf(bw, "| %s | %s | %s %s | %d | %d |\n", code(r.Dir), cell(r.Target), badge(r.Status), r.Status, len(r.Drift), len(r.Changes))
	}
	for _, r := range d.Roots {
		if r.Status == drift.StatusClean {
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
