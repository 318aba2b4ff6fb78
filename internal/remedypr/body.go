package remedypr

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/github"
	"github.com/myorg/drift-action/internal/mdtext"
	"github.com/myorg/drift-action/internal/policy"
	"go.yaml.in/yaml/v3"
)

// Page is everything a pull request body and record file are rendered from.
// Where, if set, says where an address is declared ("file:line").
type Page struct {
	Target     Target
	Resources  []drift.Resource // the drift handed over
	Strategy   Strategy
	Adopted    []Adoption
	NotAdopted []Adoption
	Base       string
	Branch     string
	Record     string
	Run        Run

	Where   func(addr string) string // "file:line" or ""
	compact bool                     // leave out attribute values (for long bodies)
}

func (p Page) declaredAt(addr string) string {
	if p.Where == nil {
		return ""
	}
	return p.Where(addr)
}

// Title is the pull request's title.
func Title(p Page) string {
	verb := "Undo"
	if p.Strategy == StrategyAdopt && len(p.Adopted) > 0 {
		verb = "Adopt"
	}
	return fmt.Sprintf("drift: %s drift in %s (%d resource(s))", verb, oneLine(label(p.Target)), len(p.Resources))
}

// bodyLimit keeps a margin under GitHub's limit.
const bodyLimit = github.MaxPullRequestBody - 2000

// renderBody renders the body, leaving out attribute values and then
// cutting it when it would not fit GitHub's limit.
func renderBody(p Page) (string, error) {
	var b bytes.Buffer
	if err := WriteBody(&b, p); err != nil {
		return "", err
	}
	if utf8.RuneCount(b.Bytes()) <= bodyLimit {
		return b.String(), nil
	}
	p.compact = true
	b.Reset()
	if err := WriteBody(&b, p); err != nil {
		return "", err
	}
	s := b.String()
	if utf8.RuneCountInString(s) <= bodyLimit {
		return s, nil
	}
	cut := []rune(s)[:bodyLimit-200]
	s = string(cut)
	if i := strings.LastIndexByte(s, '\n'); i > 0 {
		s = s[:i+1]
	}
	return s + "\n\n</details>\n\n_The rest is cut to fit GitHub's limit: see the run, or " + code(p.Record) + " on the branch._\n", nil
}

// WriteBody renders a pull request body.
func WriteBody(w io.Writer, p Page) error {
	bw := bufio.NewWriter(w)
	t := p.Target
	fmt.Fprintf(bw, "## 🟠 Drift in %s\n\n", code(t.Root))
	fmt.Fprintf(bw, "drift-action found **%d resource(s) changed outside Terraform** in %s", len(p.Resources), code(t.Root))
	var ctx []string
	if t.Name != "" && t.Name != "default" {
		ctx = append(ctx, "target "+code(t.Name))
	}
	if t.Workspace != "" && t.Workspace != "default" {
		ctx = append(ctx, "workspace "+code(t.Workspace))
	}
	if len(ctx) > 0 {
		fmt.Fprintf(bw, " (%s)", strings.Join(ctx, ", "))
	}
	bw.WriteString(".\n\n")
	n := t.Result.Count()
	fmt.Fprintf(bw, "| Drifted | Changes that undo drift | Code changes | Failing checks | Policy |\n|---:|---:|---:|---:|---|\n| %d | %d | %d | %d | %s |\n\n",
		n.Drifted, n.UndoDrift, n.Code, n.FailChecks, policyCell(t.Policy))

	bw.WriteString("### What merging means\n\n")
	writeApproval(bw, p)

	bw.WriteString("\n### Drift\n")
	reasons := map[string]string{}
	for _, h := range t.Handover {
		reasons[h.Address] = h.Reason
	}
	for _, r := range p.Resources {
		fmt.Fprintf(bw, "\n<details open><summary>%s %s", code(r.Address), cell(strings.Join(r.Actions, ", ")))
		if at := p.declaredAt(r.Address); at != "" {
			fmt.Fprintf(bw, " — declared at %s", code(at))
		}
		bw.WriteString("</summary>\n\n")
		if why := reasons[r.Address]; why != "" {
			fmt.Fprintf(bw, "Sent to this pull request: %s\n\n", cell(oneLine(why)))
		}
		switch {
		case isDeletion(r):
			bw.WriteString("Deleted outside Terraform.\n")
		case p.compact:
			fmt.Fprintf(bw, "%d attribute(s) changed (values left out to fit; see %s).\n", len(r.Attributes), code(p.Record))
		case len(r.Attributes) > 0:
			bw.WriteString("| Attribute | Before (in state) | Now (outside Terraform) |\n|---|---|---|\n")
			for _, a := range r.Attributes {
				fmt.Fprintf(bw, "| %s | %s | %s |\n", code(a.Path), value(a.Before, a.Sensitive), value(a.After, a.Sensitive))
			}
		}
		bw.WriteString("\n</details>\n")
	}

	if p.Strategy == StrategyAdopt {
		if len(p.Adopted) > 0 {
			bw.WriteString("\n### Adopted into the code\n\n| Resource | Attribute | File |\n|---|---|---|\n")
			for _, a := range p.Adopted {
				fmt.Fprintf(bw, "| %s | %s | %s |\n", code(a.Address), code(a.Path), code(fmt.Sprintf("%s:%d", a.File, a.Line)))
			}
			writeShared(bw, p.Adopted)
		}
		if len(p.NotAdopted) > 0 {
			bw.WriteString("\n### Not adopted (undone on merge instead)\n\n| Resource | Attribute | Why |\n|---|---|---|\n")
			for _, a := range p.NotAdopted {
				fmt.Fprintf(bw, "| %s | %s | %s |\n", code(a.Address), optCode(a.Path), cell(a.Why()))
			}
		}
	}

	if len(t.Result.Changes) > 0 {
		bw.WriteString("\n<details><summary>Pending changes in the plan (" + fmt.Sprint(len(t.Result.Changes)) + ")</summary>\n\n| Resource | Actions | Cause |\n|---|---|---|\n")
		for _, c := range t.Result.Changes {
			fmt.Fprintf(bw, "| %s | %s | %s |\n", code(c.Address), cell(strings.Join(c.Actions, ", ")), causeLabel(c.Cause))
		}
		bw.WriteString("\n</details>\n")
	}
	var failing []drift.Check
	for _, c := range t.Result.Checks {
		if c.Failing() {
			failing = append(failing, c)
		}
	}
	if len(failing) > 0 {
		bw.WriteString("\n### Failing checks\n\n| Check | Status | Problems |\n|---|---|---|\n")
		for _, c := range failing {
			fmt.Fprintf(bw, "| %s | %s | %s |\n", code(c.Address), cell(c.Status), cell(oneLine(strings.Join(c.Problems, "; "))))
		}
	}
	if len(t.Policy) > 0 {
		bw.WriteString("\n### Policy results\n\n| Verdict | Policy | Level | Resource | Message |\n|---|---|---|---|---|\n")
		for _, r := range t.Policy {
			fmt.Fprintf(bw, "| %s | %s | %s | %s | %s |\n", verdict(r), code(r.Policy+"."+r.Rule), cell(string(r.Level)), optCode(r.Resource), cell(oneLine(r.Msg)))
		}
	}

	bw.WriteString("\n---\n")
	bw.WriteString("Opened and kept up to date by drift-action")
	if p.Run.URL != "" {
		fmt.Fprintf(bw, " ([run](%s)", safeURL(p.Run.URL))
		if p.Run.SHA != "" {
			fmt.Fprintf(bw, " at %s", code(shortSHA(p.Run.SHA)))
		}
		bw.WriteString(")")
	}
	fmt.Fprintf(bw, ". Each run rebuilds the branch %s from %s, so commits pushed to it are replaced; the pull request is closed when the drift is gone.\n", code(p.Branch), code(p.Base))
	fmt.Fprintf(bw, "\n<!-- drift-action:remediation:%s -->\n", strings.ReplaceAll(p.Branch, "--", "-"))
	return bw.Flush()
}

// writeShared names, per literal of a count or for_each block that was
// adopted, the instances it sets: all of them, each drifted to that value.
func writeShared(bw *bufio.Writer, adopted []Adoption) {
	done := map[string]bool{}
	for _, a := range adopted {
		if len(a.Shared) == 0 || done[a.Shared[0]+" "+a.Path] {
			continue
		}
		done[a.Shared[0]+" "+a.Path] = true
		names := make([]string, len(a.Shared))
		for i, s := range a.Shared {
			names[i] = code(s)
		}
		fmt.Fprintf(bw, "\nOne literal sets %s for every instance of the resource: the change is for %s, all of its instances, each of which drifted to the adopted value.\n",
			code(a.Path), strings.Join(names, ", "))
	}
}

func writeApproval(bw *bufio.Writer, p Page) {
	adopting := p.Strategy == StrategyAdopt && len(p.Adopted) > 0
	if adopting {
		fmt.Fprintf(bw, "Merging changes the code to what the infrastructure is now for the %d adopted attribute(s) below: "+
			"Terraform then plans no change for them, so nothing is applied for them (the next apply of %s records them in the state).\n\n",
			len(p.Adopted), code(p.Target.Root))
		if len(p.NotAdopted) == 0 {
			fmt.Fprintf(bw, "It also adds %s, the record of what was reviewed.\n", code(p.Record))
			return
		}
		bw.WriteString("The attributes that could not be adopted are handled as for the `pr` strategy: m")
	} else {
		bw.WriteString("M")
	}
	fmt.Fprintf(bw, "erging adds %s to %s, the record that the drift below was reviewed and should be undone. "+
		"The workflow that runs drift-action with `mode: remediate` on pushes to `drift/remediation/**` then plans %s again "+
		"and applies that plan, putting the resources back to what the code says. Nothing is applied before the merge. "+
		"Closing without merging leaves the infrastructure as it is; to stop being asked, snooze the drift in `.github/drift.yaml` or adopt it into the code.\n",
		code(p.Record), code(p.Base), code(p.Target.Root))
}

// WriteRecord renders the record file the branch commits: what was
// reviewed, with a fingerprint the apply can compare with its new plan. It
// holds nothing run-specific, so a run that finds the same drift writes
// the same file (and the branch is left alone).
func WriteRecord(w io.Writer, p Page) error {
	f := Record{Root: p.Target.Root, Target: p.Target.Name, Workspace: p.Target.Workspace, Strategy: p.Strategy,
		Fingerprint: Fingerprint(p.Target.Root, p.Target.Name, p.Target.Workspace, p.Resources)}
	for _, r := range p.Resources {
		f.Resources = append(f.Resources, r.Address)
	}
	for _, a := range p.Adopted {
		f.Adopted = append(f.Adopted, a.Address+" "+a.Path)
	}
	y, err := yaml.Marshal(f)
	if err != nil {
		return fmt.Errorf("remedypr: record: %w", err)
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "---\n%s---\n\n# Drift in %s\n\n", y, code(p.Target.Root))
	bw.WriteString("Written by drift-action. Merging the pull request that adds this file approves undoing the drift below " +
		"(see docs/remediation-prs.md); values adopted into the code are kept instead.\n\n")
	bw.WriteString("| Resource | Attribute | In state | Now |\n|---|---|---|---|\n")
	for _, r := range p.Resources {
		switch {
		case isDeletion(r):
			// A drifted delete is the object gone: the state still has it.
			fmt.Fprintf(bw, "| %s | <em>(the whole resource)</em> | <em>exists</em> | <em>deleted outside terraform</em> |\n", code(r.Address))
			continue
		case len(r.Attributes) == 0:
			fmt.Fprintf(bw, "| %s | <em>(the whole resource)</em> | | %s |\n", code(r.Address), cell(strings.Join(r.Actions, ", ")))
			continue
		}
		for _, a := range r.Attributes {
			fmt.Fprintf(bw, "| %s | %s | %s | %s |\n", code(r.Address), code(a.Path), value(a.Before, a.Sensitive), value(a.After, a.Sensitive))
		}
	}
	return bw.Flush()
}

// ---- escaping ----

// cell shows outside text as text, on one line, safe in a table cell.
func cell(s string) string { return mdtext.Text(s) }

// code shows outside text as inline code that cannot break out.
func code(s string) string { return mdtext.Code(s) }

func optCode(s string) string {
	if s == "" {
		return ""
	}
	return code(s)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// value shows an attribute value: JSON for anything but hidden values.
func value(v any, sensitive bool) string {
	switch {
	case sensitive || v == drift.Sensitive:
		return "<em>(sensitive)</em>"
	case v == drift.Unknown:
		return "<em>(known after apply)</em>"
	case v == nil:
		return "<em>(none)</em>"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return code(fmt.Sprint(v))
	}
	s := string(b)
	if len(s) > 200 {
		s = s[:197] + "..."
	}
	return code(s)
}

// safeURL keeps only http(s) URLs, escaped for a markdown link.
func safeURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return "#"
	}
	return strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E").Replace(u.String())
}

func shortSHA(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

func causeLabel(c string) string {
	switch c {
	case drift.CauseDrift:
		return "undoes drift"
	case drift.CauseCode:
		return "code"
	case drift.CauseDriftAndCode:
		return "undoes drift + code"
	}
	return cell(c)
}

// verdict is what the result did to the run, in the words of every other
// output (policy.Outcome).
func verdict(r policy.Result) string {
	if r.Failed {
		return "❌ failed"
	}
	return string(r.Outcome())
}

func policyCell(rs []policy.Result) string {
	if len(rs) == 0 {
		return "—"
	}
	s := policy.Summarize(rs)
	if s.Mandatory {
		return "❌ " + s.Words(" · ")
	}
	return s.Words(" · ")
}
