package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/policy"
)

// maxValue bounds how much of one attribute value a person is shown; the JSON
// document always has the whole value.
const maxValue = 120

const (
	red    = "\x1b[31m"
	green  = "\x1b[32m"
	yellow = "\x1b[33m"
	cyan   = "\x1b[36m"
	bold   = "\x1b[1m"
	dim    = "\x1b[2m"
	reset  = "\x1b[0m"
)

// Text writes the report for a person at a terminal; color adds ANSI colours.
func Text(w io.Writer, d Document, color bool) error {
	bw := bufio.NewWriter(w)
	c := colorer(color)
	for _, r := range d.Roots {
		textRoot(bw, r, c)
	}
	if len(d.Manifests) > 0 {
		fmt.Fprintf(bw, "%s\n", c(bold, "Kubernetes manifests (Gatekeeper)"))
		textPolicies(bw, d.Manifests, c)
	}
	textSummary(bw, d, c)
	return bw.Flush()
}

// TextRoot writes one target's part of the report (a log group's body).
func TextRoot(w io.Writer, r Root, color bool) error {
	bw := bufio.NewWriter(w)
	textRoot(bw, r, colorer(color))
	return bw.Flush()
}

// TextSummary writes the run's totals, printed once after the targets.
func TextSummary(w io.Writer, d Document, color bool) error {
	bw := bufio.NewWriter(w)
	textSummary(bw, d, colorer(color))
	return bw.Flush()
}

func colorer(color bool) func(code, s string) string {
	return func(code, s string) string {
		if !color {
			return s
		}
		return code + s + reset
	}
}

func textRoot(bw *bufio.Writer, r Root, c func(code, s string) string) {
	mark, col := statusMark(r.Status)
	fmt.Fprintf(bw, "%s %s %s  %s\n", c(col, mark), c(bold, r.Dir), c(dim, "("+r.Target+")"), c(col, describe(r.Result)))
	if r.Error != "" {
		for _, l := range strings.Split(strings.TrimSpace(r.Error), "\n") {
			fmt.Fprintf(bw, "    %s\n", c(red, l))
		}
	}
	for _, res := range r.Drift {
		fmt.Fprintf(bw, "    %s %s %s\n", c(yellow, symbol(res.Actions)), res.Address, c(dim, driftVerb(res.Actions)))
		for _, a := range shownAttributes(res) {
			line := fmt.Sprintf("%s: %s → %s", a.Path, Value(a.Before, maxValue), Value(a.After, maxValue))
			if a.Snooze != nil {
				line = c(dim, line+"  ("+snoozeLabel(a.Snooze)+")")
			}
			fmt.Fprintf(bw, "        %s\n", line)
		}
	}
	for _, e := range r.ExpiredSnoozes {
		fmt.Fprintf(bw, "    %s %s\n", c(yellow, "!"), c(yellow, expiredLabel(e)))
	}
	for _, res := range r.Snoozed {
		fmt.Fprintf(bw, "    %s %s %s\n", c(dim, "z"), res.Address, c(dim, driftVerb(res.Actions)+", "+snoozeLabel(res.Snooze)))
		for _, a := range shownAttributes(res) {
			fmt.Fprintf(bw, "        %s\n", c(dim, fmt.Sprintf("%s: %s → %s", a.Path, Value(a.Before, maxValue), Value(a.After, maxValue))))
		}
	}
	if len(r.SnoozedChanges) > 0 {
		fmt.Fprintf(bw, "    %s\n", c(dim, "held back while snoozed (they would undo snoozed drift): "+heldBack(r.Result)))
	}
	if len(r.Changes) > 0 {
		fmt.Fprintf(bw, "    %s\n", c(dim, "pending changes:"))
		for _, res := range r.Changes {
			fmt.Fprintf(bw, "    %s %s %s\n", c(cyan, changeSymbol(res)), res.Address, c(dim, "("+actionLabel(res)+"; "+causeLabel(res.Cause)+")"))
			for _, n := range changeNotes(res) {
				fmt.Fprintf(bw, "        %s\n", c(dim, n))
			}
			for _, a := range changeAttributes(res) {
				fmt.Fprintf(bw, "        %s: %s → %s\n", a.Path, Value(a.Before, maxValue), Value(a.After, maxValue))
			}
		}
	}
	for _, ck := range r.Checks {
		fmt.Fprintf(bw, "    %s %s %s\n", c(checkColor(ck), "check "+ck.Status), ck.Address, c(dim, "("+ck.Kind+")"))
		for _, p := range ck.Problems {
			fmt.Fprintf(bw, "        %s\n", oneLine(p))
		}
	}
	if len(r.Outputs) > 0 {
		fmt.Fprintf(bw, "    %s\n", c(dim, "outputs to change (not drift): "+strings.Join(r.Outputs, ", ")))
	}
	if len(r.Ignored) > 0 {
		fmt.Fprintf(bw, "    %s\n", c(dim, fmt.Sprintf("%d drifted attribute(s) ignored by rules", len(r.Ignored))))
	}
	textPolicies(bw, r.Policy, c)
}

func textSummary(bw *bufio.Writer, d Document, c func(code, s string) string) {
	s := d.Summary
	fmt.Fprintf(bw, "\n%s %d target(s): %s, %s, %s, %s\n", c(bold, "Summary:"), s.Targets,
		c(yellow, fmt.Sprintf("%d drifted", s.Drifted)), c(cyan, fmt.Sprintf("%d changed", s.Changed)),
		c(red, fmt.Sprintf("%d error", s.Errors)), c(green, fmt.Sprintf("%d clean", s.Clean)))
	fmt.Fprintf(bw, "%d resource(s) drifted, %d change(s) pending (%d undo drift, %d code)", s.DriftedResources, s.ChangedResources, s.UndoDriftChanges, s.CodeChanges)
	if s.FailedChecks > 0 {
		fmt.Fprintf(bw, ", %d check(s) failing", s.FailedChecks)
	}
	if s.IgnoredAttrs > 0 {
		fmt.Fprintf(bw, ", %d drifted attribute(s) ignored", s.IgnoredAttrs)
	}
	if s.SnoozedResources > 0 {
		fmt.Fprintf(bw, ", %d snoozed", s.SnoozedResources)
	}
	if s.ExpiredSnoozes > 0 {
		fmt.Fprintf(bw, ", %s", c(yellow, fmt.Sprintf("%d snooze(s) expired", s.ExpiredSnoozes)))
	}
	fmt.Fprintln(bw)
	for _, p := range d.Problems {
		fmt.Fprintln(bw, c(red, "Incomplete run: "+p))
	}
	for _, w := range d.Warnings {
		fmt.Fprintln(bw, c(yellow, "Warning: "+w.Message))
	}
	for _, a := range d.Activity {
		fmt.Fprintln(bw, activityLead(d)+" "+a)
	}
	if p := d.Policy; p != nil {
		line := "Policy: " + p.Words(", ")
		if p.Mandatory {
			line = c(red, line+" — a mandatory policy failed")
		}
		fmt.Fprintln(bw, line)
	}
}

// activityLead opens what the run did, in every renderer; a dry run did
// none of it.
func activityLead(d Document) string {
	if d.DryRun {
		return "Dry run, not done (a real run would say):"
	}
	return "This run:"
}

func statusMark(s drift.Status) (string, string) {
	switch s {
	case drift.StatusClean:
		return "✓", green
	case drift.StatusDrifted:
		return "~", yellow
	case drift.StatusChanged:
		return "±", cyan
	default:
		return "✗", red
	}
}

func describe(r drift.Result) string {
	parts := counts(r)
	if r.Status == drift.StatusError || len(parts) == 0 {
		return string(r.Status)
	}
	return statusLabel(r) + ": " + strings.Join(parts, ", ")
}

// changeSymbol is symbol, with a move or import alone shown as such.
func changeSymbol(r drift.Resource) string {
	if strings.Join(r.Actions, ",") == "no-op" {
		if r.Importing {
			return "←"
		}
		return "→"
	}
	return symbol(r.Actions)
}

func checkColor(c drift.Check) string {
	if c.Failing() {
		return red
	}
	return yellow
}

func symbol(actions []string) string {
	switch strings.Join(actions, ",") {
	case "create":
		return "+"
	case "delete":
		return "-"
	case "update":
		return "~"
	case "delete,create", "create,delete":
		return "±"
	}
	return "•"
}

func driftVerb(actions []string) string {
	switch strings.Join(actions, ",") {
	case "delete":
		return "deleted outside terraform"
	case "update":
		return "changed outside terraform"
	case "create":
		return "created outside terraform"
	}
	return "changed outside terraform (" + strings.Join(actions, ", ") + ")"
}

// Value renders one attribute value compactly, cut to max runes.
func Value(v any, max int) string {
	var s string
	switch x := v.(type) {
	case nil:
		s = "null"
	case string:
		if x == drift.Sensitive || x == drift.Unknown {
			return x
		}
		s = compactJSON(x)
	default:
		s = compactJSON(x)
	}
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return s
}

func compactJSON(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// shownAttributes is what a person needs to see: for a resource deleted
// outside terraform the whole former object is noise (the JSON keeps it).
func shownAttributes(r drift.Resource) []drift.Attribute {
	if strings.Join(r.Actions, ",") == "delete" {
		return nil
	}
	return r.Attributes
}

func textPolicies(bw *bufio.Writer, rs []policy.Result, c func(code, s string) string) {
	each, grouped := splitAdvice(rs)
	for _, g := range grouped {
		what := fmt.Sprintf("%d result(s)", len(g.Results))
		if res := g.resources(3); res != "" {
			what += ": " + res
		}
		if len(g.Results) == 1 {
			what = oneLine(g.Results[0].Msg)
		}
		fmt.Fprintf(bw, "    %s %s [advisory, %s]: %s\n", c(dim, "policy advisory"), g.name(), g.Severity, what)
	}
	for _, p := range each {
		col := yellow
		if p.Failed {
			col = red
		}
		res := ""
		if p.Resource != "" && !strings.HasPrefix(p.Msg, p.Resource) {
			res = " " + p.Resource
		}
		fmt.Fprintf(bw, "    %s %s.%s [%s, %s]%s: %s\n", c(col, "policy "+verdict(p)), p.Policy, p.Rule, p.Level, p.Severity, res, oneLine(p.Msg))
	}
}
