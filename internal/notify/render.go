package notify

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Slack's limits for one message.
const (
	MaxBlocks      = 50
	MaxSectionText = 3000
	MaxHeaderText  = 150
	// MaxListed is how many resources or policy results a message lists;
	// the rest are counted with a pointer to the job summary.
	MaxListed = 10
	maxMsg    = 300 // characters of one policy message
)

// Links are what a message points to; empty ones are left out.
type Links struct {
	Run    string // the workflow run; its page holds the job summary
	Commit string // the record commit, when Slack is told after it
	// Record is the report file on the branch: Slack is told before the
	// commit that keeps its threads, so the commit is not known yet.
	Record string
	PR     string // the remediation pull request
}

// Message is one Slack message: the notification text and the blocks.
type Message struct {
	Text   string        `json:"text"`
	Blocks []slack.Block `json:"blocks"`
}

// Render is the message for one event. now dates the drift's age.
func Render(e Event, l Links, now time.Time) Message {
	if e.PR != "" && l.PR == "" {
		l.PR = e.PR
	}
	var b builder
	b.event(e, now)
	b.links(l)
	return b.message()
}

// event adds one event's header and body, and sets the fallback text.
func (b *builder) event(e Event, now time.Time) {
	name := target(e)
	switch e.Kind {
	case DriftDetected:
		b.header(":warning: Drift detected: " + name)
		b.text = fmt.Sprintf("Drift detected in %s: %s", name, plural(e.Counts.Drifted, "resource"))
		b.driftBody(e, now)
	case DriftChanged:
		b.header(":warning: Drift changed: " + name)
		b.text = fmt.Sprintf("Drift changed in %s: %s now", name, plural(e.Counts.Drifted, "resource"))
		var s strings.Builder
		if len(e.Added) > 0 {
			fmt.Fprintf(&s, "*Newly drifted:* %s\n", addrList(e.Added))
		}
		if len(e.Removed) > 0 {
			fmt.Fprintf(&s, "*No longer drifted:* %s\n", addrList(e.Removed))
		}
		b.section(s.String())
		b.driftBody(e, now)
	case DriftReduced:
		b.header(":arrow_down: Drift reduced: " + name)
		b.text = fmt.Sprintf("Drift reduced in %s: %s still drifted", name, plural(e.Counts.Drifted, "resource"))
		b.section(fmt.Sprintf("*No longer drifted:* %s\n", addrList(e.Removed)))
		b.driftBody(e, now)
	case PolicyViolation:
		b.header(":no_entry: Policy failed: " + name)
		b.text = fmt.Sprintf("Policy failed in %s: %s", name, plural(e.Counts.FailedPolicy, "mandatory deny"))
		b.section(fmt.Sprintf("*%s* failed in `%s` (target `%s`): the run fails until fixed, waived or (soft-mandatory) overridden.", plural(e.Counts.FailedPolicy, "mandatory policy deny"), esc(e.Key.Dir), esc(e.Key.Target)))
		b.section(bullets("", policyItems(e.Policies)))
	case PolicyResolved:
		b.header(":arrow_down: Fewer policy failures: " + name)
		b.text = fmt.Sprintf("Fewer policy failures in %s: %d resolved, %d still failing", name, len(e.Resolved), e.Counts.FailedPolicy)
		b.section(fmt.Sprintf("*No longer failing:* %s", addrList(e.Resolved)))
		if len(e.Policies) > 0 {
			b.section(bullets(fmt.Sprintf("*Still failing (%d):*\n", e.Counts.FailedPolicy), policyItems(e.Policies)))
		} else {
			b.section("No mandatory policy fails any more.")
		}
	case SnoozeExpired:
		b.header(":alarm_clock: Snooze expired: " + name)
		b.text = fmt.Sprintf("Snooze expired in %s: the drift it held is reported again", name)
		var items []string
		for _, sn := range e.Snoozes {
			items = append(items, fmt.Sprintf("• Ended %s (%s): %s", sn.Until.UTC().Format("2006-01-02 15:04 UTC"), esc(cut(oneLine(sn.Reason), maxMsg)), addrList(sn.Resources)))
		}
		b.section(bullets("The drift these snoozes held is drift again; extend the snooze in drift.yaml or fix the drift.\n", items))
	case PROpened:
		b.header(":arrow_heading_up: Remediation PR opened: " + name)
		b.text = fmt.Sprintf("Remediation pull request opened for %s", name)
		b.section(fmt.Sprintf("A pull request proposes the changes that resolve the drift of `%s` (target `%s`): %s", esc(e.Key.Dir), esc(e.Key.Target), link(e.PR, "review it")))
	case PRClosed:
		b.header(":heavy_check_mark: Remediation PR closed: " + name)
		b.text = fmt.Sprintf("Remediation pull request closed for %s", name)
		b.section(fmt.Sprintf("The drift of `%s` (target `%s`) no longer needs %s; it was closed.", esc(e.Key.Dir), esc(e.Key.Target), link(e.PR, "its pull request")))
	case SelfHealed:
		b.header(":adhesive_bandage: Self-heal complete: " + name)
		b.text = fmt.Sprintf("Self-heal complete in %s: %s applied", name, plural(len(e.Applied), "resource"))
		by := ""
		if e.By != "" {
			by = " by " + esc(e.By)
		}
		b.section(fmt.Sprintf("Applied the plan%s to put back what drifted: %s", by, addrList(e.Applied)))
	case Recovered:
		b.header(":white_check_mark: Recovered: " + name)
		b.text = fmt.Sprintf("Recovered: %s has no drift any more", name)
		b.section(fmt.Sprintf("No drift in `%s` (target `%s`) any more; it was changed back outside this run. Was: %s", esc(e.Key.Dir), esc(e.Key.Target), addrList(e.Removed)))
		if age := ageOf(e.Since, now); age != "" {
			b.context("Drifted for " + age)
		}
	case Heartbeat:
		b.header(":large_green_circle: Drift check: nothing new")
		msg := fmt.Sprintf("Checked %s, no drift.", plural(e.Targets, "target"))
		if e.Drifting > 0 {
			msg = fmt.Sprintf("Checked %s: nothing changed; %s still drifted as already reported.", plural(e.Targets, "target"), plural(e.Drifting, "target"))
		}
		b.text = msg
		b.section(msg)
	}
}

// policyItems lists failed denies, the new ones marked.
func policyItems(ps []Policy) []string {
	var items []string
	for _, p := range ps {
		item := "• failed"
		if p.New {
			item = "• *new:* failed"
		}
		item += fmt.Sprintf(" `%s.%s` [%s, %s]", esc(p.Policy), esc(p.Rule), esc(p.Level), esc(p.Severity))
		if p.Resource != "" {
			item += fmt.Sprintf(" on `%s`", esc(p.Resource))
		}
		if p.Msg != "" {
			item += ": " + esc(cut(oneLine(p.Msg), maxMsg))
		}
		items = append(items, item)
	}
	return items
}

// builder collects blocks within Slack's limits.
type builder struct {
	text   string
	blocks []slack.Block
}

// header and the fallback text hold no control sequences of ours: all of
// their text is escaped, so a name such as <!channel> is shown, not obeyed.
func (b *builder) header(s string) {
	b.blocks = append(b.blocks, slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, escCut(oneLine(s), MaxHeaderText), true, false)))
}

func (b *builder) section(s string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return
	}
	b.blocks = append(b.blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, cut(s, MaxSectionText), false, false), nil, nil))
}

func (b *builder) context(s string) {
	b.blocks = append(b.blocks, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, cut(s, MaxSectionText), false, false)))
}

func (b *builder) driftBody(e Event, now time.Time) {
	c := e.Counts
	s := fmt.Sprintf("*%s* drifted outside Terraform in `%s` (target `%s`", plural(c.Drifted, "resource"), esc(e.Key.Dir), esc(e.Key.Target))
	if e.Workspace != "" && e.Workspace != "default" {
		s += fmt.Sprintf(", workspace `%s`", esc(e.Workspace))
	}
	s += ").\n"
	s += fmt.Sprintf("Pending changes by cause: *%d* undo drift · *%d* code · *%d* drift+code", c.CauseDrift, c.CauseCode, c.CauseBoth)
	if c.Snoozed > 0 {
		s += fmt.Sprintf(" · %d snoozed", c.Snoozed)
	}
	if c.FailedPolicy > 0 {
		s += fmt.Sprintf("\n:no_entry: %s failed", plural(c.FailedPolicy, "mandatory policy deny"))
	}
	b.section(s)
	if len(e.Resources) > 0 {
		var items []string
		for _, res := range e.Resources {
			item := fmt.Sprintf("• `%s` %s", esc(res.Address), res.Action)
			if res.Severity != "" {
				item += fmt.Sprintf(" · severity *%s*", esc(res.Severity))
			}
			items = append(items, item)
		}
		b.section(bullets("*Top resources*\n", items))
	}
	if age := ageOf(e.Since, now); age != "" {
		b.context(fmt.Sprintf("Drifting for %s (since %s)", age, e.Since.UTC().Format("2006-01-02 15:04 UTC")))
	}
}

func (b *builder) links(l Links) {
	var parts []string
	if l.Run != "" {
		parts = append(parts, link(l.Run, "Workflow run and job summary"))
	}
	if l.Commit != "" {
		parts = append(parts, link(l.Commit, "Record commit"))
	} else if l.Record != "" {
		parts = append(parts, link(l.Record, "Record"))
	}
	if l.PR != "" {
		parts = append(parts, link(l.PR, "Remediation PR"))
	}
	if len(parts) > 0 {
		b.context(strings.Join(parts, " · "))
	}
}

func (b *builder) message() Message {
	if len(b.blocks) > MaxBlocks {
		b.blocks = b.blocks[:MaxBlocks]
	}
	return Message{Text: escCut(oneLine(b.text), MaxSectionText), Blocks: b.blocks}
}

func target(e Event) string {
	if e.Key.Target == "" || e.Key.Target == "default" {
		return e.Key.Dir
	}
	return fmt.Sprintf("%s (%s)", e.Key.Dir, e.Key.Target)
}

// addrList names addresses inline, within a share of a section.
func addrList(as []string) string {
	var s strings.Builder
	for i, a := range as {
		item := "`" + esc(cut(a, 300)) + "`"
		if i == MaxListed || s.Len()+len(item) > MaxSectionText/4 {
			fmt.Fprintf(&s, " and %d more (see the job summary)", len(as)-i)
			break
		}
		if i > 0 {
			s.WriteString(", ")
		}
		s.WriteString(item)
	}
	if s.Len() == 0 {
		return "(none)"
	}
	return s.String()
}

// bullets lists items after head, one a line, as many as MaxListed and
// a section hold, and counts the rest with a pointer to the job summary.
func bullets(head string, items []string) string {
	var s strings.Builder
	s.WriteString(head)
	for i, item := range items {
		item = cut(item, MaxSectionText/2)
		if i == MaxListed || s.Len()+len(item)+80 > MaxSectionText {
			fmt.Fprintf(&s, "…and %d more: see the job summary\n", len(items)-i)
			break
		}
		s.WriteString(item + "\n")
	}
	return s.String()
}

func link(url, label string) string {
	if url == "" {
		return label
	}
	return "<" + strings.NewReplacer("|", "%7C", ">", "%3E", "<", "%3C").Replace(url) + "|" + esc(label) + ">"
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	switch {
	case strings.HasSuffix(word, "y"):
		word = strings.TrimSuffix(word, "y") + "ies"
	default:
		word += "s"
	}
	return fmt.Sprintf("%d %s", n, word)
}

// esc escapes what Slack's mrkdwn treats as control characters.
func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "`", "'").Replace(s)
}

// escText escapes the three characters Slack reads as control sequences
// in every text field, plain_text and the notification text included.
var escText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// escCut is s escaped with escText and cut to at most n characters, never
// inside an escape.
func escCut(s string, n int) string {
	var b strings.Builder
	count := 0
	for i, r := range s {
		e := escText.Replace(string(r))
		w := utf8.RuneCountInString(e)
		if count+w > n-1 && i+utf8.RuneLen(r) < len(s) || count+w > n {
			b.WriteString("…")
			return b.String()
		}
		b.WriteString(e)
		count += w
	}
	return b.String()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// cut shortens s to at most n characters, ending in an ellipsis.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// ageOf says how long ago since was, in days and hours; "" when unknown.
func ageOf(since, now time.Time) string {
	if since.IsZero() || now.Before(since) {
		return ""
	}
	d := now.Sub(since)
	days, hours := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	switch {
	case days > 0 && hours > 0:
		return fmt.Sprintf("%dd %dh", days, hours)
	case days > 0:
		return fmt.Sprintf("%dd", days)
	case hours > 0:
		return fmt.Sprintf("%dh", hours)
	}
	return fmt.Sprintf("%dm", int(d/time.Minute))
}
