package notify

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/report"
	"github.com/slack-go/slack"
)

// events is one event of every kind, derived from reports as a run would.
func events(t *testing.T) map[string]Event {
	t.Helper()
	drifted := root(app, []drift.Resource{res("aws_s3_bucket.logs"), res("aws_iam_role.ci", "delete"), res("aws_s3_bucket.data")},
		deny("aws_s3_bucket.data", "critical", true), deny("aws_s3_bucket.logs", "medium", false))
	drifted.Workspace = "prod"
	drifted.Changes = append(drifted.Changes, change("aws_lambda_function.api", drift.CauseCode), change("aws_s3_bucket.data", drift.CauseDriftAndCode))
	drifted.Snoozed = []drift.Resource{res("aws_sqs_queue.q")}
	in := Input{Doc: doc(drifted), Now: now}
	first, _ := Derive(in)
	out := map[string]Event{}
	for _, e := range first {
		out[string(e.Kind)] = e
	}
	prev := State{Threads: []*Thread{{Root: app.Dir, Target: app.Target, Since: since, Resources: []string{"aws_s3_bucket.logs", "aws_s3_bucket.old"},
		Policies: []string{"s3.no_public@aws_s3_bucket.data"}}}}
	in.Prev = prev
	changed, _ := Derive(in)
	out[string(changed[0].Kind)] = changed[0]
	ex := drifted
	ex.ExpiredSnoozes = []drift.ExpiredSnooze{{Snooze: drift.Snooze{Root: "infra/*", Address: "aws_s3_bucket.logs", Until: since.Time, Reason: redactCanary("bucket migration, ticket OPS-1 " + canary)}, Resources: []string{"aws_s3_bucket.logs"}}}
	in.Doc = doc(ex)
	in.Prev = State{Threads: []*Thread{{Root: app.Dir, Target: app.Target, Since: since, Resources: []string{"aws_iam_role.ci", "aws_s3_bucket.data", "aws_s3_bucket.logs"}, Policies: []string{"s3.no_public@aws_s3_bucket.data"}}}}
	in.Activity = map[report.Key]Activity{app: {PROpened: "https://github.example/acme/infra/pull/7"}}
	later, _ := Derive(in)
	for _, e := range later {
		out[string(e.Kind)] = e
	}
	in.Activity = map[report.Key]Activity{app: {Healed: []string{"aws_s3_bucket.logs", "aws_iam_role.ci"}, HealedBy: "run 42", PRClosed: "https://github.example/acme/infra/pull/7"}}
	healed, _ := Derive(in)
	for _, e := range healed {
		out[string(e.Kind)] = e
	}
	// Fewer drifted and fewer failing: improvements.
	fewer := root(app, []drift.Resource{res("aws_s3_bucket.data")}, deny("aws_s3_bucket.data", "critical", true), deny("aws_s3_bucket.logs", "medium", false))
	in.Doc, in.Activity = doc(fewer), nil
	in.Prev = State{Threads: []*Thread{{Root: app.Dir, Target: app.Target, Since: since, Resources: []string{"aws_s3_bucket.data", "aws_s3_bucket.logs"},
		Policies: []string{"s3.no_public@aws_s3_bucket.data", "s3.no_public@aws_s3_bucket.logs"}}}}
	better, _ := Derive(in)
	for _, e := range better {
		out[string(e.Kind)] = e
	}
	in.Prev = State{Threads: []*Thread{{Root: app.Dir, Target: app.Target, Since: since, Resources: []string{"aws_iam_role.ci", "aws_s3_bucket.data", "aws_s3_bucket.logs"}, Policies: []string{"s3.no_public@aws_s3_bucket.data"}}}}
	in.Doc, in.Activity = doc(root(app, nil)), nil
	rec, _ := Derive(in)
	out[string(rec[0].Kind)] = rec[0]
	in.Prev, in.Heartbeat = State{}, true
	hb, _ := Derive(in)
	out[string(hb[0].Kind)] = hb[0]
	for _, k := range kindOrder {
		if _, ok := out[string(k)]; !ok {
			t.Fatalf("no %s event derived for the golden files", k)
		}
	}
	return out
}

func TestRenderGolden(t *testing.T) {
	t.Parallel()
	evs := events(t)
	for _, k := range kindOrder {
		e := evs[string(k)]
		t.Run(string(k), func(t *testing.T) {
			t.Parallel()
			golden(t, string(k), Render(e, links, now))
		})
	}
}

// The messages of a run with news on three targets, as a bot token and a
// webhook get them.
func TestComposeGolden(t *testing.T) {
	t.Parallel()
	evs := events(t)
	other := evs[string(DriftDetected)]
	other.Key = net
	third := evs[string(Recovered)]
	third.Key = report.Key{Dir: "infra/dns", Target: "default"}
	run := []Event{evs[string(DriftChanged)], evs[string(PolicyResolved)], evs[string(PROpened)], other, third}
	for _, threads := range []bool{true, false} {
		name := "compose-webhook"
		if threads {
			name = "compose-bot"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			golden(t, name, Compose(run, threads, links, now))
		})
	}
}

// composed is every message a run of the event would post, both ways.
func composed(e Event) []Message {
	var out []Message
	for _, threads := range []bool{true, false} {
		m := Compose([]Event{e}, threads, links, now)
		out = append(out, *m.Run)
		for _, r := range m.Replies {
			out = append(out, r.Message)
		}
	}
	return out
}

// No message ever carries a sensitive or masked value, whatever the kind.
func TestRenderCanary(t *testing.T) {
	t.Parallel()
	for name, e := range events(t) {
		for _, m := range append(composed(e), Render(e, links, now)) {
			b, _ := json.Marshal(m)
			if strings.Contains(string(b), canary) {
				t.Errorf("%s: the message carries the canary value:\n%s", name, b)
			}
		}
	}
}

func TestRenderLimits(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("module.very_long_module_name_", 20)
	var many []drift.Resource
	var addrs []string
	for i := range 400 {
		a := fmt.Sprintf("%s.aws_s3_bucket.b[%d]", long, i)
		many = append(many, res(a))
		addrs = append(addrs, a)
	}
	var pols []Policy
	for i := range 200 {
		pols = append(pols, Policy{Policy: "p", Rule: fmt.Sprint(i), Level: "hard-mandatory", Msg: strings.Repeat("x", 5000), New: true})
	}
	k := report.Key{Dir: strings.Repeat("infra/deeply/nested/", 20), Target: strings.Repeat("t", 200)}
	big := Event{Key: k, Counts: Counts{Drifted: 400}, Added: addrs, Removed: addrs, Resolved: addrs, Applied: addrs, Policies: pols, Snoozes: []Snooze{{Reason: strings.Repeat("r", 4000), Resources: addrs}}}
	for _, d := range many {
		big.Resources = append(big.Resources, Resource{Address: d.Address, Action: "changed", Severity: "high"})
	}
	for _, kind := range kindOrder {
		e := big
		e.Kind = kind
		msgs := append(composed(e), Render(e, links, now))
		for i, m := range msgs {
			if len(m.Blocks) > MaxBlocks {
				t.Errorf("%s: %d blocks, Slack takes %d", kind, len(m.Blocks), MaxBlocks)
			}
			for _, b := range m.Blocks {
				switch b := b.(type) {
				case *slack.HeaderBlock:
					if n := utf8.RuneCountInString(b.Text.Text); n > MaxHeaderText {
						t.Errorf("%s: header of %d characters, Slack takes %d", kind, n, MaxHeaderText)
					}
				case *slack.SectionBlock:
					if n := utf8.RuneCountInString(b.Text.Text); n > MaxSectionText {
						t.Errorf("%s: section of %d characters, Slack takes %d", kind, n, MaxSectionText)
					}
				}
			}
			if i == len(msgs)-1 && kind != Heartbeat && kind != PROpened && kind != PRClosed && kind != Recovered && !strings.Contains(mustJSON(m), "see the job summary") && kind != SelfHealed {
				t.Errorf("%s: a long list is cut without pointing at the job summary", kind)
			}
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestRenderEscapesEveryTextField: root, target and every other outside
// text reach no text field of a message (fallback text, header, section,
// context) as a Slack control sequence: no ping, no disguised link. The
// only '<' left open the message's own links.
func TestRenderEscapesEveryTextField(t *testing.T) {
	t.Parallel()
	const hostile = "<!channel> <https://evil.example|docs> <@U123> & <#C1>"
	k := report.Key{Dir: "infra/" + hostile, Target: hostile}
	pr := "https://github.example/acme/infra/pull/7"
	base := Event{Key: k, Workspace: hostile, Counts: Counts{Drifted: 1, FailedPolicy: 1},
		Added: []string{hostile}, Removed: []string{hostile}, Resolved: []string{hostile}, Applied: []string{hostile}, By: hostile, PR: pr,
		Resources: []Resource{{Address: hostile, Action: "changed", Severity: hostile}},
		Policies:  []Policy{{Policy: hostile, Rule: hostile, Level: hostile, Severity: hostile, Resource: hostile, Msg: hostile, New: true}},
		Snoozes:   []Snooze{{Reason: hostile, Resources: []string{hostile}}}, Since: since.Time}
	ours := []string{links.Run, links.Commit, pr}
	for _, kind := range kindOrder {
		e := base
		e.Kind = kind
		for i, m := range append(composed(e), Render(e, links, now)) {
			name := fmt.Sprintf("message %d", i)
			for _, text := range messageTexts(m) {
				rest := text
				for _, u := range ours {
					rest = strings.ReplaceAll(rest, "<"+u+"|", "")
				}
				if i := strings.IndexAny(rest, "<"); i >= 0 {
					t.Errorf("%s %s: a '<' that is not one of our links, at %q in %q", kind, name, rest[i:min(len(rest), i+20)], text)
				}
				for _, bad := range []string{"<!channel>", "<https://evil", "<@U123>", "<#C1>"} {
					if strings.Contains(text, bad) {
						t.Errorf("%s %s: %q is live in %q", kind, name, bad, text)
					}
				}
				if stray := strings.NewReplacer("&amp;", "", "&lt;", "", "&gt;", "").Replace(text); strings.Contains(stray, "&") {
					t.Errorf("%s %s: an unescaped & in %q", kind, name, text)
				}
			}
		}
	}
}

// messageTexts are every text field of a message.
func messageTexts(m Message) []string {
	out := []string{m.Text}
	for _, b := range m.Blocks {
		switch b := b.(type) {
		case *slack.HeaderBlock:
			out = append(out, b.Text.Text)
		case *slack.SectionBlock:
			if b.Text != nil {
				out = append(out, b.Text.Text)
			}
			for _, f := range b.Fields {
				out = append(out, f.Text)
			}
		case *slack.ContextBlock:
			for _, el := range b.ContextElements.Elements {
				if to, ok := el.(*slack.TextBlockObject); ok {
					out = append(out, to.Text)
				}
			}
		}
	}
	return out
}

func TestEscCut(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"abcde", 5, "abcde"},
		{"abcdef", 5, "abcd…"},
		{"a<b", 10, "a&lt;b"},
		{"ab<cd", 5, "ab…"},
		{"<<<", 9, "&lt;&lt;…"},
		{"<<<", 12, "&lt;&lt;&lt;"},
	}
	for _, tt := range tests {
		if got := escCut(tt.in, tt.n); got != tt.want || utf8.RuneCountInString(got) > tt.n {
			t.Errorf("escCut(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

// Told before the record's commit, a message links to the record file on
// the branch; a known commit wins.
func TestRenderRecordLink(t *testing.T) {
	t.Parallel()
	const file = "https://github.example/acme/infra/blob/main/drift/drift-report.yaml"
	tests := []struct {
		name  string
		links Links
		want  string
		not   string
	}{
		{name: "record file before the commit", links: Links{Run: links.Run, Record: file}, want: "<" + file + "|Record>"},
		{name: "the commit when known", links: Links{Run: links.Run, Commit: links.Commit, Record: file}, want: "<" + links.Commit + "|Record commit>", not: file},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := Event{Kind: DriftDetected, Key: report.Key{Dir: "infra/app", Target: "prod"}, Counts: Counts{Drifted: 1}}
			text := strings.Join(messageTexts(Render(e, tt.links, now)), "\n")
			if !strings.Contains(text, tt.want) {
				t.Errorf("message lacks %q:\n%s", tt.want, text)
			}
			if tt.not != "" && strings.Contains(text, tt.not) {
				t.Errorf("message links %q too:\n%s", tt.not, text)
			}
		})
	}
}
