package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
)

// StepSummaryLimit is GitHub's limit for one step's job summary.
const StepSummaryLimit = 1024 * 1024

// Links are places the summary points to.
type Links struct {
	Run        string // this workflow run
	Comment    string // the sticky pull request comment
	ResultJSON string // the JSON result file (uploaded as an artifact)
	Source     string // who asked for the run (repository_dispatch source)
	Shard      string // "2/5" for a matrix job
}

// JobSummary writes the job summary: the markdown report plus where to find
// more. When it would pass limit bytes it drops attribute details, then
// rows, and says where the whole result is; it never cuts mid-table.
func JobSummary(w io.Writer, d Document, l Links, limit int) error {
	var head bytes.Buffer
	if l.Shard != "" {
		fmt.Fprintf(&head, "_Matrix shard %s._ ", l.Shard)
	}
	if l.Source != "" {
		fmt.Fprintf(&head, "_Requested by %s._ ", cell(l.Source))
	}
	var foot bytes.Buffer
	var links []string
	if l.Comment != "" {
		links = append(links, fmt.Sprintf("[pull request comment](%s)", l.Comment))
	}
	if l.Run != "" {
		links = append(links, fmt.Sprintf("[workflow run](%s)", l.Run))
	}
	if l.ResultJSON != "" {
		links = append(links, "full JSON result: "+code(l.ResultJSON))
	}
	if len(links) > 0 {
		fmt.Fprintf(&foot, "\n---\n%s\n", strings.Join(links, " · "))
	}
	var body bytes.Buffer
	if err := Markdown(&body, d); err != nil {
		return err
	}
	if head.Len()+body.Len()+foot.Len() > limit {
		body.Reset()
		compact(&body, d, limit-head.Len()-foot.Len()-512, l.ResultJSON)
	}
	if head.Len() > 0 {
		head.WriteString("\n\n")
	}
	_, err := io.WriteString(w, head.String()+body.String()+foot.String())
	return err
}

// compact is the summary without per-resource details: totals and one row
// per target, as many rows as fit.
func compact(b *bytes.Buffer, d Document, budget int, result string) {
	s := d.Summary
	fmt.Fprintf(b, "## Drift report\n\n**%d target(s):** %d drifted · %d changed · %d error · %d clean — %s\n\n",
		s.Targets, s.Drifted, s.Changed, s.Errors, s.Clean, totals(s))
	if len(d.Warnings) > 0 {
		bw := bufio.NewWriter(b)
		markdownWarnings(bw, d.Warnings)
		bw.Flush()
		b.WriteString("\n\n")
	}
	if p := d.Policy; p != nil {
		fmt.Fprintf(b, "**Policy:** %s\n\n", p.Words(" · "))
	}
	if sel := d.Selection; sel != nil {
		fmt.Fprintf(b, "**Roots planned for this pull request:** %d planned · %d skipped as unaffected\n\n", len(sel.Planned), len(sel.Skipped))
	}
	if w := d.Window; w != nil {
		fmt.Fprintf(b, "%s\n\n", windowLine(w))
	}
	note := fmt.Sprintf("\n> The full report is larger than GitHub's job summary allows; details are in the JSON result%s.\n", where(result))
	b.WriteString(tableHead)
	for i, r := range d.Roots {
		row := tableRow(r)
		if b.Len()+len(row)+len(note)+120 > budget {
			fmt.Fprintf(b, "\n_…and %d more target(s) not shown._\n", len(d.Roots)-i)
			break
		}
		b.WriteString(row)
	}
	b.WriteString(note)
}

func where(result string) string {
	if result == "" {
		return ""
	}
	return " (" + code(result) + ")"
}
