package notify

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/myorg/drift-action/internal/report"
)

// Messages are one run's Slack messages: at most one top-level message,
// and, when the way in threads (a bot token), one reply per target in its
// thread.
type Messages struct {
	Run     *Message // nil: the run has nothing to tell
	Replies []Reply
}

// Reply is one target's message in the run message's thread.
type Reply struct {
	Key     report.Key
	Message Message
}

// Compose turns a run's events into its messages; it is pure, so a dry
// run can print what a real one posts. The run message names every target
// with news, one line each; with threads the details of each target are
// its reply, without (a webhook) they follow in the run message as far as
// Slack's limits allow. Advisory policy results are never news (Derive
// makes no event of them); only a reply counts them.
func Compose(events []Event, threads bool, l Links, now time.Time) Messages {
	if len(events) == 0 {
		return Messages{}
	}
	if len(events) == 1 && events[0].Kind == Heartbeat {
		m := Render(events[0], l, now)
		return Messages{Run: &m}
	}
	var keys []report.Key
	byKey := map[report.Key][]Event{}
	for _, e := range events {
		if e.Kind == Heartbeat {
			continue
		}
		if _, ok := byKey[e.Key]; !ok {
			keys = append(keys, e.Key)
		}
		byKey[e.Key] = append(byKey[e.Key], e)
	}
	var b builder
	head, text := runHeadline(events)
	b.header(head)
	b.text = text
	var lines []string
	for _, k := range keys {
		lines = append(lines, "• "+targetLine(byKey[k]))
	}
	b.section(bullets("", lines))
	var out Messages
	if threads {
		b.context("Each target's details are in the thread.")
		for _, k := range keys {
			out.Replies = append(out.Replies, Reply{Key: k, Message: targetMessage(byKey[k], l, now)})
		}
	} else {
		// Details, target by target, while a whole target's fit.
		for i, k := range keys {
			var t builder
			for _, e := range byKey[k] {
				t.event(e, now)
			}
			if len(b.blocks)+len(t.blocks)+2 > MaxBlocks {
				b.section(fmt.Sprintf("…the details of %s more are in the job summary.", plural(len(keys)-i, "target")))
				break
			}
			b.blocks = append(b.blocks, t.blocks...)
		}
	}
	pr := l
	if pr.PR == "" {
		for _, e := range events {
			if e.PR != "" {
				pr.PR = e.PR
				break
			}
		}
	}
	b.links(pr)
	m := b.message()
	out.Run = &m
	return out
}

// runHeadline is the run message's header and notification text: what
// happened, worst first, counted in targets.
func runHeadline(events []Event) (header, text string) {
	labels := []struct {
		label string
		kinds []Kind
	}{
		{"policy failed", []Kind{PolicyViolation}},
		{"new drift", []Kind{DriftDetected}},
		{"drift changed", []Kind{DriftChanged}},
		{"snooze expired", []Kind{SnoozeExpired}},
		{"PR opened", []Kind{PROpened}},
		{"improved", []Kind{DriftReduced, PolicyResolved}},
		{"PR closed", []Kind{PRClosed}},
		{"healed", []Kind{SelfHealed}},
		{"recovered", []Kind{Recovered}},
	}
	var parts []string
	worse, alarm := false, false
	for _, l := range labels {
		targets := map[report.Key]bool{}
		for _, e := range events {
			if slices.Contains(l.kinds, e.Kind) {
				targets[e.Key] = true
				worse = worse || !e.Kind.Improves()
				alarm = alarm || e.Kind == DriftDetected || e.Kind == DriftChanged || e.Kind == SnoozeExpired
			}
		}
		if len(targets) > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", len(targets), l.label))
		}
	}
	emoji := ":information_source:"
	switch {
	case slices.ContainsFunc(events, func(e Event) bool { return e.Kind == PolicyViolation }):
		emoji = ":no_entry:"
	case alarm:
		emoji = ":warning:"
	case !worse:
		emoji = ":white_check_mark:"
	}
	text = "Drift check: " + strings.Join(parts, " · ")
	return emoji + " " + text, text
}

// targetLine is one target's news on one line, in mrkdwn.
func targetLine(evs []Event) string {
	e := evs[0]
	var parts []string
	for _, ev := range evs {
		switch ev.Kind {
		case DriftDetected:
			parts = append(parts, "drift detected: "+plural(ev.Counts.Drifted, "resource"))
		case DriftChanged:
			parts = append(parts, fmt.Sprintf("drift changed: %d new, %d gone, %s now", len(ev.Added), len(ev.Removed), plural(ev.Counts.Drifted, "resource")))
		case DriftReduced:
			parts = append(parts, fmt.Sprintf("drift reduced: %d gone, %s still drifted", len(ev.Removed), plural(ev.Counts.Drifted, "resource")))
		case PolicyViolation:
			parts = append(parts, fmt.Sprintf("%s failed", plural(ev.Counts.FailedPolicy, "mandatory policy deny")))
		case PolicyResolved:
			parts = append(parts, fmt.Sprintf("fewer policy failures: %d resolved, %d still failed", len(ev.Resolved), ev.Counts.FailedPolicy))
		case SnoozeExpired:
			parts = append(parts, "snooze expired")
		case PROpened:
			parts = append(parts, link(ev.PR, "remediation PR opened"))
		case PRClosed:
			parts = append(parts, link(ev.PR, "remediation PR closed"))
		case SelfHealed:
			parts = append(parts, "healed: "+plural(len(ev.Applied), "resource")+" applied")
		case Recovered:
			parts = append(parts, "recovered: no drift any more")
		}
	}
	return fmt.Sprintf("`%s` (`%s`): %s", esc(e.Key.Dir), esc(e.Key.Target), strings.Join(parts, "; "))
}

// targetMessage is one target's reply: each event's details, then the
// target's policy results counted in the words of every other output.
func targetMessage(evs []Event, l Links, now time.Time) Message {
	var b builder
	for _, e := range evs {
		b.event(e, now)
		if e.PR != "" && l.PR == "" {
			l.PR = e.PR
		}
	}
	var kinds []string
	for _, e := range evs {
		kinds = append(kinds, strings.ReplaceAll(string(e.Kind), "-", " "))
	}
	b.text = target(evs[0]) + ": " + strings.Join(kinds, ", ")
	last := evs[len(evs)-1]
	if p := last.Counts.Policy; p.Denies+p.Warnings > 0 {
		b.context("Policy: " + p.Words(" · "))
	}
	b.links(l)
	return b.message()
}
