package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/report"
)

const testToken = "xoxb-test-token-0000"

// call is one request the fake Slack received.
type call struct {
	Method   string // chat.postMessage, chat.update or webhook
	Channel  string
	TS       string // chat.update: the message rewritten
	ThreadTS string
	Header   string // the first block's header text
}

// fakeSlack is a stateful Slack: it numbers the messages it is posted,
// answers with their ts, and can be told to rate-limit or refuse.
type fakeSlack struct {
	t          *testing.T
	srv        *httptest.Server
	mu         sync.Mutex
	calls      []call
	texts      []string // per call: the fallback text and the blocks, as sent
	bodies     []string
	next       int
	limited    int    // answer this many requests 429 first
	retryAfter string // the Retry-After of a 429
	apiError   string // chat.* answers ok:false with this error
	hookStatus int    // the webhook answers this status (0: 200)
	posted     map[string]bool
}

func newFakeSlack(t *testing.T) *fakeSlack {
	f := &fakeSlack{t: t, retryAfter: "1", posted: map[string]bool{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSlack) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	f.bodies = append(f.bodies, string(body)+r.URL.String()+fmt.Sprint(r.Header))
	if f.limited > 0 {
		f.limited--
		w.Header().Set("Retry-After", f.retryAfter)
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	method := strings.TrimPrefix(r.URL.Path, "/")
	var c call
	var blocks string
	switch method {
	case "hook":
		if f.hookStatus != 0 {
			w.WriteHeader(f.hookStatus)
			io.WriteString(w, "no_service")
			return
		}
		var m struct {
			ThreadTS string            `json:"thread_ts"`
			Blocks   []json.RawMessage `json:"blocks"`
		}
		if err := json.Unmarshal(body, &m); err != nil {
			f.t.Errorf("webhook body is not JSON: %v", err)
		}
		c = call{Method: "webhook", ThreadTS: m.ThreadTS}
		if len(m.Blocks) > 0 {
			blocks = "[" + string(m.Blocks[0]) + "]"
		}
		f.texts = append(f.texts, string(body))
	case "chat.postMessage", "chat.update":
		form, _ := url.ParseQuery(string(body))
		if r.Header.Get("Authorization") != "Bearer "+testToken && form.Get("token") != testToken {
			w.Write([]byte(`{"ok":false,"error":"not_authed"}`))
			return
		}
		if f.apiError != "" {
			fmt.Fprintf(w, `{"ok":false,"error":%q}`, f.apiError)
			return
		}
		c = call{Method: method, Channel: form.Get("channel"), TS: form.Get("ts"), ThreadTS: form.Get("thread_ts")}
		blocks = form.Get("blocks")
		f.texts = append(f.texts, form.Get("text")+"\n"+blocks)
	default:
		http.NotFound(w, r)
		return
	}
	var bs []struct {
		Type string `json:"type"`
		Text struct {
			Text string `json:"text"`
		} `json:"text"`
	}
	if err := json.Unmarshal([]byte(blocks), &bs); err != nil || len(bs) == 0 || bs[0].Type != "header" {
		f.t.Errorf("%s: blocks %q do not start with a header (%v)", method, blocks, err)
	} else {
		c.Header = bs[0].Text.Text
	}
	switch method {
	case "chat.postMessage":
		if c.ThreadTS != "" && !f.posted[c.ThreadTS] {
			f.t.Errorf("reply in thread %s, which is no message of ours", c.ThreadTS)
		}
		f.next++
		ts := fmt.Sprintf("1700000000.%06d", f.next)
		f.posted[ts] = true
		fmt.Fprintf(w, `{"ok":true,"channel":"C0CHAN","ts":%q}`, ts)
	case "chat.update":
		if !f.posted[c.TS] {
			f.t.Errorf("chat.update of %s, which is no message of ours", c.TS)
		}
		fmt.Fprintf(w, `{"ok":true,"channel":"C0CHAN","ts":%q,"text":""}`, c.TS)
	default:
		w.Write([]byte("ok"))
	}
	f.calls = append(f.calls, c)
}

func (f *fakeSlack) take() []call {
	out, _ := f.takeTexts()
	return out
}

// takeTexts is take, with each call's text.
func (f *fakeSlack) takeTexts() ([]call, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out, texts := f.calls, f.texts
	f.calls, f.texts = nil, nil
	return out, texts
}

func noSleep(slept *[]time.Duration) func(context.Context, time.Duration) error {
	var mu sync.Mutex
	return func(_ context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		*slept = append(*slept, d)
		return nil
	}
}

// run derives a run's events against prev, sends them and returns the
// next state, as the action does between runs.
func run(t *testing.T, p Poster, d report.Document, prev State, act map[report.Key]Activity) (State, error) {
	t.Helper()
	events, changes := Derive(Input{Doc: d, Prev: prev, Activity: act, Now: now})
	err := Notifier{Poster: p, Links: links, Now: now}.Send(context.Background(), events, prev, changes)
	data, merr := prev.Apply(changes).Marshal()
	if merr != nil {
		t.Fatal(merr)
	}
	next, perr := ParseState("slack-threads.yaml", data) // as the next runner reads it from the commit
	if perr != nil {
		t.Fatal(perr)
	}
	return next, err
}

// A bot token posts one message per run and each target's details as a
// reply in its thread; the next run's news is a new run message.
func TestBotOneMessagePerRunRepliesPerTarget(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	bot := NewBot(testToken, "#drift", Options{APIURL: f.srv.URL + "/"})
	var st State
	steps := []struct {
		name string
		doc  report.Document
		act  map[report.Key]Activity
		want []call
	}{
		{"new drift: the run's message, the target's reply in its thread", doc(root(app, []drift.Resource{res("aws_s3_bucket.a")})), nil,
			[]call{
				{Method: "chat.postMessage", Channel: "#drift", Header: ":warning: Drift check: 1 new drift"},
				{Method: "chat.postMessage", Channel: "#drift", ThreadTS: "1700000000.000001", Header: ":warning: Drift detected: infra/app (prod)"},
			}},
		{"the same drift says nothing", doc(root(app, []drift.Resource{res("aws_s3_bucket.a")})), nil, nil},
		{"more drift on two targets: one message, two replies", doc(root(app, []drift.Resource{res("aws_s3_bucket.a"), res("aws_s3_bucket.b")}), root(net, []drift.Resource{res("aws_vpc.main")})), nil,
			[]call{
				{Method: "chat.postMessage", Channel: "#drift", Header: ":warning: Drift check: 1 new drift · 1 drift changed"},
				{Method: "chat.postMessage", Channel: "#drift", ThreadTS: "1700000000.000003", Header: ":warning: Drift changed: infra/app (prod)"},
				{Method: "chat.postMessage", Channel: "#drift", ThreadTS: "1700000000.000003", Header: ":warning: Drift detected: infra/network"},
			}},
		{"a pull request opened", doc(root(app, []drift.Resource{res("aws_s3_bucket.a"), res("aws_s3_bucket.b")}), root(net, []drift.Resource{res("aws_vpc.main")})),
			map[report.Key]Activity{app: {PROpened: "https://github.example/pr/1"}},
			[]call{
				{Method: "chat.postMessage", Channel: "#drift", Header: ":information_source: Drift check: 1 PR opened"},
				{Method: "chat.postMessage", Channel: "#drift", ThreadTS: "1700000000.000006", Header: ":arrow_heading_up: Remediation PR opened: infra/app (prod)"},
			}},
		{"recovery is told as such", doc(root(app, nil), root(net, []drift.Resource{res("aws_vpc.main")})), nil,
			[]call{
				{Method: "chat.postMessage", Channel: "#drift", Header: ":white_check_mark: Drift check: 1 recovered"},
				{Method: "chat.postMessage", Channel: "#drift", ThreadTS: "1700000000.000008", Header: ":white_check_mark: Recovered: infra/app (prod)"},
			}},
	}
	for _, s := range steps { // in order: each run reads the state the last one left
		next, err := run(t, bot, s.doc, st, s.act)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if diff := cmp.Diff(s.want, f.take()); diff != "" {
			t.Errorf("%s: Slack calls (-want +got):\n%s", s.name, diff)
		}
		st = next
	}
	if th := st.Get(net); th == nil || th.TS != "1700000000.000003" || th.Channel != "C0CHAN" {
		t.Errorf("infra/network's thread is %+v, want the run message 1700000000.000003 in C0CHAN that told it", th)
	}
	if th := st.Get(app); th != nil {
		t.Errorf("infra/app recovered, but its thread %+v is kept", th)
	}
	for _, b := range f.bodies {
		if strings.Contains(b, canary) {
			t.Errorf("Slack was sent the canary value: %s", b)
		}
	}
}

// A webhook cannot thread: one message per run, the details in it.
func TestWebhookOneMessagePerRun(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	hook := NewWebhook(f.srv.URL+"/hook", Options{})
	st, err := run(t, hook, doc(root(app, []drift.Resource{res("aws_s3_bucket.a")}, deny("aws_s3_bucket.a", "high", true))), State{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, hook, doc(root(app, nil)), st, nil); err != nil {
		t.Fatal(err)
	}
	want := []call{
		{Method: "webhook", Header: ":no_entry: Drift check: 1 policy failed · 1 new drift"},
		{Method: "webhook", Header: ":white_check_mark: Drift check: 1 recovered"},
	}
	calls, texts := f.takeTexts()
	if diff := cmp.Diff(want, calls); diff != "" {
		t.Errorf("webhook calls (-want +got):\n%s", diff)
	}
	for _, w := range []string{"Drift detected: infra/app (prod)", "Policy failed: infra/app (prod)"} {
		if len(texts) == 0 || !strings.Contains(texts[0], w) {
			t.Errorf("the run's one message lacks the details %q", w)
		}
	}
	for _, b := range f.bodies {
		if strings.Contains(b, canary) {
			t.Errorf("Slack was sent the canary value: %s", b)
		}
	}
}

// advisory is the bundled drift policy's advisory deny of a drifted
// resource, as every drifted target has one.
func advisory(resource string) policy.Result {
	return policy.Result{Policy: "terraform.drift", Rule: "deny_drift", Kind: "deny", Level: policy.Advisory, Severity: "medium",
		Resource: resource, Msg: resource + " changed outside terraform (ADVISORY-LINE)"}
}

// The first run of four drifted targets, each with advisory results and
// one with a mandatory failure, posts one top-level message, whatever the
// way in; advisory results are listed in no message (a reply counts them)
// and never in the top-level one.
func TestOneMessagePerRunOfFourTargets(t *testing.T) {
	t.Parallel()
	var roots []report.Root
	for i, dir := range []string{"infra/a", "infra/b", "infra/c", "infra/d"} {
		k := report.Key{Dir: dir, Target: "default"}
		pol := []policy.Result{advisory("aws_s3_bucket.x"), advisory("aws_s3_bucket.y")}
		if i == 0 {
			pol = append(pol, deny("aws_s3_bucket.x", "high", true))
		}
		roots = append(roots, root(k, []drift.Resource{res("aws_s3_bucket.x"), res("aws_s3_bucket.y")}, pol...))
	}
	for _, way := range []string{"bot", "webhook"} {
		t.Run(way, func(t *testing.T) {
			t.Parallel()
			f := newFakeSlack(t)
			var p Poster = NewBot(testToken, "#drift", Options{APIURL: f.srv.URL + "/"})
			if way == "webhook" {
				p = NewWebhook(f.srv.URL+"/hook", Options{})
			}
			if _, err := run(t, p, doc(roots...), State{}, nil); err != nil {
				t.Fatal(err)
			}
			calls, texts := f.takeTexts()
			var top []string
			replies := 0
			for i, c := range calls {
				if strings.Contains(texts[i], "ADVISORY-LINE") {
					t.Errorf("a message lists an advisory result:\n%s", texts[i])
				}
				if c.ThreadTS == "" {
					top = append(top, c.Header)
					if strings.Contains(texts[i], "advisory") {
						t.Errorf("a top-level message tells advisory results:\n%s", texts[i])
					}
					continue
				}
				replies++
			}
			if diff := cmp.Diff([]string{":no_entry: Drift check: 1 policy failed · 4 new drift"}, top); diff != "" {
				t.Errorf("top-level messages (-want +got):\n%s", diff)
			}
			wantReplies := map[string]int{"bot": 4, "webhook": 0}[way]
			if replies != wantReplies {
				t.Errorf("%d thread replies, want %d (one per target with a bot token)", replies, wantReplies)
			}
		})
	}
}

// A run whose only news would be advisory results posts nothing: neither a
// target with advisory denies and no drift, nor new advisory results on
// drift already told.
func TestAdvisoryOnlyRunDoesNotPing(t *testing.T) {
	t.Parallel()
	told := State{Version: 1, Threads: []*Thread{{Root: app.Dir, Target: app.Target, Since: since, Resources: []string{"aws_s3_bucket.a"}}}}
	changed := root(net, nil, advisory("aws_vpc.main"), policy.Result{Policy: "custom", Rule: "warn", Kind: "warn", Level: policy.HardMandatory, Severity: "high", Msg: "a warning"})
	changed.Changes = []drift.Resource{change("aws_vpc.main", drift.CauseCode)}
	changed.SetStatus()
	d := doc(root(app, []drift.Resource{res("aws_s3_bucket.a")}, advisory("aws_s3_bucket.a"), advisory("aws_s3_bucket.a")), changed)
	if d.Roots[1].Status != drift.StatusChanged {
		t.Fatalf("fixture: %s is %s, want changed", net.Dir, d.Roots[1].Status)
	}
	for _, way := range []string{"bot", "webhook"} {
		t.Run(way, func(t *testing.T) {
			t.Parallel()
			f := newFakeSlack(t)
			var p Poster = NewBot(testToken, "#drift", Options{APIURL: f.srv.URL + "/"})
			if way == "webhook" {
				p = NewWebhook(f.srv.URL+"/hook", Options{})
			}
			if _, err := run(t, p, d, told, nil); err != nil {
				t.Fatal(err)
			}
			if calls := f.take(); len(calls) != 0 {
				t.Errorf("an advisory-only run posted %d messages: %+v", len(calls), calls)
			}
		})
	}
}

// Fewer failures, or fewer drifted resources, are told as improvements:
// never again as a policy violation or a drift warning.
func TestImprovementNotRepostedAsViolation(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	bot := NewBot(testToken, "#drift", Options{APIURL: f.srv.URL + "/"})
	a, b := res("aws_s3_bucket.a"), res("aws_s3_bucket.b")
	steps := []struct {
		name     string
		doc      report.Document
		wantTop  string
		wantNews []string // reply headers
	}{
		{"two failures", doc(root(app, []drift.Resource{a, b}, deny("aws_s3_bucket.a", "high", true), deny("aws_s3_bucket.b", "high", true))),
			":no_entry: Drift check: 1 policy failed · 1 new drift", []string{":warning: Drift detected: infra/app (prod)", ":no_entry: Policy failed: infra/app (prod)"}},
		{"one fixed", doc(root(app, []drift.Resource{a, b}, deny("aws_s3_bucket.a", "high", true))),
			":white_check_mark: Drift check: 1 improved", []string{":arrow_down: Fewer policy failures: infra/app (prod)"}},
		{"fewer drifted, and the other fixed", doc(root(app, []drift.Resource{a})),
			":white_check_mark: Drift check: 1 improved", []string{":arrow_down: Drift reduced: infra/app (prod)", ":arrow_down: Fewer policy failures: infra/app (prod)"}},
	}
	var st State
	for _, s := range steps {
		next, err := run(t, bot, s.doc, st, nil)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		st = next
		calls, texts := f.takeTexts()
		if len(calls) != 2 || calls[0].ThreadTS != "" || calls[0].Header != s.wantTop {
			t.Fatalf("%s: calls %+v, want the run message %q and one reply", s.name, calls, s.wantTop)
		}
		var got []string
		for _, h := range regexp.MustCompile(`"type":"header","text":\{"type":"plain_text","text":"([^"]*)"`).FindAllStringSubmatch(texts[1], -1) {
			got = append(got, h[1])
		}
		if diff := cmp.Diff(s.wantNews, got); diff != "" {
			t.Errorf("%s: the reply's news (-want +got):\n%s", s.name, diff)
		}
		if s.name != "two failures" && (strings.Contains(texts[0], "Policy failed") || strings.Contains(texts[0], "policy failed")) {
			t.Errorf("%s: an improvement re-posted as a violation:\n%s", s.name, texts[0])
		}
	}
}

func TestRateLimitRetry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		limited    int
		retryAfter string
		wantSlept  []time.Duration
		wantErr    string
	}{
		{"retried after Retry-After", 2, "2", []time.Duration{2 * time.Second, 2 * time.Second}, ""},
		{"bounded retries", MaxRetries + 1, "1", []time.Duration{time.Second, time.Second, time.Second}, "rate limited by Slack 4 times in a row"},
		{"a wait too long is not waited", 1, "3600", nil, "longer than the 1m0s drift-action waits"},
	}
	for _, tt := range tests {
		for _, way := range []string{"bot", "webhook"} {
			t.Run(tt.name+" "+way, func(t *testing.T) {
				t.Parallel()
				f := newFakeSlack(t)
				f.limited, f.retryAfter = tt.limited, tt.retryAfter
				var slept []time.Duration
				o := Options{APIURL: f.srv.URL + "/", Sleep: noSleep(&slept)}
				var p Poster = NewBot(testToken, "C1", o)
				if way == "webhook" {
					p = NewWebhook(f.srv.URL+"/hook", o)
				}
				_, _, err := p.Post(context.Background(), "", Render(Event{Kind: Heartbeat, Targets: 1}, Links{}, now))
				if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
					t.Errorf("Post error = %v, want %q", err, tt.wantErr)
				}
				if diff := cmp.Diff(tt.wantSlept, slept); diff != "" {
					t.Errorf("waits (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		way        string
		apiError   string
		hookStatus int
		token      string
		want       string
		is         error
	}{
		{"channel not found", "bot", "channel_not_found", 0, testToken, "channel_not_found: check slack-channel", nil},
		{"not in channel", "bot", "not_in_channel", 0, testToken, "chat:write.public", nil},
		{"invalid auth", "bot", "invalid_auth", 0, testToken, "invalid_auth: Slack rejected slack-token", nil},
		{"wrong token", "bot", "", 0, "xoxb-other-token", "not_authed: Slack rejected slack-token", nil},
		{"webhook revoked 404", "webhook", "", http.StatusNotFound, "", "HTTP 404: the Slack webhook was revoked or deleted: create a new incoming webhook", ErrRevoked},
		{"webhook revoked 410", "webhook", "", http.StatusGone, "", "HTTP 410", ErrRevoked},
		{"webhook unreachable", "unreachable", "", 0, "", "webhook: ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeSlack(t)
			f.apiError, f.hookStatus = tt.apiError, tt.hookStatus
			hookURL := f.srv.URL + "/hook/T000/B000/secretpart"
			if tt.hookStatus != 0 {
				hookURL = f.srv.URL + "/hook"
			}
			var p Poster
			switch tt.way {
			case "bot":
				p = NewBot(tt.token, "C1", Options{APIURL: f.srv.URL + "/"})
			case "webhook":
				p = NewWebhook(hookURL, Options{})
			default:
				hookURL = "https://127.0.0.1:1/services/T000/B000/secretpart"
				p = NewWebhook(hookURL, Options{HTTPClient: &http.Client{Timeout: time.Second}})
			}
			_, _, err := p.Post(context.Background(), "", Render(Event{Kind: Heartbeat, Targets: 1}, Links{}, now))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one saying %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			for _, secret := range []string{testToken, "secretpart"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the error shows a secret: %v", err)
				}
			}
		})
	}
}

// A failed post leaves the state as it was, so the next run tells it again.
func TestSendFailureKeepsState(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	f.apiError = "channel_not_found"
	bot := NewBot(testToken, "C1", Options{APIURL: f.srv.URL + "/"})
	st, err := run(t, bot, doc(root(app, []drift.Resource{res("aws_s3_bucket.a")})), State{}, nil)
	if err == nil || !strings.Contains(err.Error(), "drift-detected infra/app (prod)") {
		t.Errorf("error = %v, want one naming the event and target", err)
	}
	if th := st.Get(app); th != nil {
		t.Errorf("state after a failed post holds %+v, want nothing", th)
	}
}
