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
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/drift"
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
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.calls
	f.calls = nil
	return out
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

// A bot token threads an episode: the first message starts it, later
// events reply in its thread and rewrite it to the current state.
func TestBotThreadsAnEpisode(t *testing.T) {
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
		{"new drift is the thread's first message", doc(root(app, []drift.Resource{res("aws_s3_bucket.a")})), nil,
			[]call{{Method: "chat.postMessage", Channel: "#drift", Header: ":warning: Drift detected: infra/app (prod)"}}},
		{"the same drift says nothing", doc(root(app, []drift.Resource{res("aws_s3_bucket.a")})), nil, nil},
		{"a changed set replies in the thread and updates its first message", doc(root(app, []drift.Resource{res("aws_s3_bucket.a"), res("aws_s3_bucket.b")})), nil,
			[]call{
				{Method: "chat.postMessage", Channel: "#drift", ThreadTS: "1700000000.000001", Header: ":warning: Drift changed: infra/app (prod)"},
				{Method: "chat.update", Channel: "C0CHAN", TS: "1700000000.000001", Header: ":warning: Drifting: infra/app (prod)"},
			}},
		{"a pull request opened replies in the thread", doc(root(app, []drift.Resource{res("aws_s3_bucket.a"), res("aws_s3_bucket.b")})),
			map[report.Key]Activity{app: {PROpened: "https://github.example/pr/1"}},
			[]call{
				{Method: "chat.postMessage", Channel: "#drift", ThreadTS: "1700000000.000001", Header: ":arrow_heading_up: Remediation PR opened: infra/app (prod)"},
				{Method: "chat.update", Channel: "C0CHAN", TS: "1700000000.000001", Header: ":warning: Drifting: infra/app (prod)"},
			}},
		{"recovery replies, marks the first message recovered and ends the thread", doc(root(app, nil)), nil,
			[]call{
				{Method: "chat.postMessage", Channel: "#drift", ThreadTS: "1700000000.000001", Header: ":white_check_mark: Recovered: infra/app (prod)"},
				{Method: "chat.update", Channel: "C0CHAN", TS: "1700000000.000001", Header: ":white_check_mark: Recovered: infra/app (prod)"},
			}},
		{"drift again starts a new thread", doc(root(app, []drift.Resource{res("aws_s3_bucket.c")})), nil,
			[]call{{Method: "chat.postMessage", Channel: "#drift", Header: ":warning: Drift detected: infra/app (prod)"}}},
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
	if th := st.Get(app); th == nil || th.TS != "1700000000.000005" || th.Channel != "C0CHAN" {
		t.Errorf("the new episode's thread is %+v, want ts 1700000000.000005 in C0CHAN", th)
	}
	for _, b := range f.bodies {
		if strings.Contains(b, canary) {
			t.Errorf("Slack was sent the canary value: %s", b)
		}
	}
}

// A webhook cannot thread: one message per event, never an update.
func TestWebhookOneMessagePerEvent(t *testing.T) {
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
		{Method: "webhook", Header: ":warning: Drift detected: infra/app (prod)"},
		{Method: "webhook", Header: ":no_entry: Policy violation: infra/app (prod)"},
		{Method: "webhook", Header: ":white_check_mark: Recovered: infra/app (prod)"},
	}
	if diff := cmp.Diff(want, f.take()); diff != "" {
		t.Errorf("webhook calls (-want +got):\n%s", diff)
	}
	for _, b := range f.bodies {
		if strings.Contains(b, canary) {
			t.Errorf("Slack was sent the canary value: %s", b)
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
