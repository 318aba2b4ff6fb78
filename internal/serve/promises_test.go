package serve

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/myorg/drift-action/internal/github"
	"github.com/myorg/drift-action/internal/github/githubtest"
)

// logBuffer is a log sink safe for the receiver's goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newFixtureOn is newFixture on an existing fake GitHub, for a second
// process that finds the first one's queue file.
func newFixtureOn(t *testing.T, fake *githubtest.Server, tweak func(*Config)) *fixture {
	t.Helper()
	client, err := github.NewClient(t.Context(), fake.Token(), fake.URL(), fake.Client())
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Secrets: Secrets{TFE: tfeToken, ArgoCD: argoToken, Generic: hubSecret},
		Mapping: Mapping{Default: Target{Repo: defaultRep},
			Workspaces: map[string]Target{"slow": {Repo: "acme/slow"}, "fast": {Repo: "acme/fast"}},
			Apps:       map[string]Target{"guestbook": {Repo: "acme/k8s", Roots: []string{"apps/guestbook"}}}},
		Dispatcher:  client,
		BackoffBase: time.Millisecond,
		BackoffMax:  5 * time.Millisecond,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{gh: fake, srv: srv}
}

// post sends r and returns the status code and the answer's message.
func post(t *testing.T, url string, r request) (int, string, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(r.httpRequest(t, url+Path))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct{ Status, Message string }
	_ = json.NewDecoder(resp.Body).Decode(&got)
	return resp.StatusCode, got.Status, got.Message
}

// waitFor polls cond until it holds; the bound only keeps a broken
// receiver from hanging the test.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s after 20s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (f *fixture) hasMetric(sample string) bool {
	return strings.Contains(f.metrics(), sample+"\n")
}

// metric is the value of an unlabelled counter or gauge.
func (f *fixture) metric(name string) int {
	for _, l := range strings.Split(f.metrics(), "\n") {
		if v, ok := strings.CutPrefix(l, name+" "); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return -1
}

// TestReplayWithNewDeliveryHeaderIsNotDispatched re-sends one authentic
// delivery with other delivery id headers (which no signature covers) and,
// for Argo CD, whose body the bearer token does not sign, with its fields
// reordered, emptied or added to: one dispatch, and no header value in the
// client_payload.
func TestReplayWithNewDeliveryHeaderIsNotDispatched(t *testing.T) {
	t.Parallel()
	drifted := string(readTestdata(t, "tfe-assessment-drifted.json"))
	tests := []struct {
		name           string
		first          request
		replays        []request
		wantDeliveryID string
	}{
		{name: "hcp terraform", first: tfeRequest(drifted).with("X-Delivery-ID", "a"),
			replays: []request{tfeRequest(drifted).with("X-Delivery-ID", "b"), tfeRequest(drifted).with("X-GitHub-Delivery", "c")}},
		{name: "generic without an id", first: hubRequest(`{"source":"scan"}`).with("X-Delivery-ID", "d-1"),
			replays: []request{
				hubRequest(`{"source":"scan"}`).with("X-Delivery-ID", "d-2"),
				hubRequest(`{"source":"scan"}`).with("X-GitHub-Delivery", "g-3"),
				hubRequest(`{"source":"scan"}`),
			}},
		{name: "generic with an id", first: hubRequest(`{"id":"scan-1","source":"scan"}`).with("X-GitHub-Delivery", "g-1"),
			replays:        []request{hubRequest(`{"id":"scan-1","source":"scan"}`).with("X-GitHub-Delivery", "g-2").with("X-Delivery-ID", "d-2")},
			wantDeliveryID: "scan-1"},
		{name: "argo cd with other headers", first: argoRequest(`{"app":"guestbook","namespace":"argocd","sync_status":"OutOfSync","revision":"r1"}`),
			replays: []request{argoRequest(`{"app":"guestbook","namespace":"argocd","sync_status":"OutOfSync","revision":"r1"}`).with("X-Delivery-ID", "x")}},
		{name: "argo cd field order", first: argoRequest(`{"app":"guestbook","namespace":"argocd","sync_status":"OutOfSync"}`),
			replays: []request{argoRequest(`{"sync_status":"OutOfSync","namespace":"argocd","app":"guestbook"}`), argoRequest("{\n  \"namespace\": \"argocd\", \"app\": \"guestbook\", \"sync_status\": \"OutOfSync\"\n}")}},
		{name: "argo cd empty fields", first: argoRequest(`{"app":"guestbook","sync_status":"OutOfSync","revision":"r1"}`),
			replays: []request{argoRequest(`{"app":"guestbook","sync_status":"","revision":"r1","namespace":"","url":""}`), argoRequest(`{"app":"guestbook","revision":"r1"}`)}},
		{name: "argo cd extra fields", first: argoRequest(`{"app":"guestbook","sync_status":"OutOfSync","revision":"r1"}`),
			replays: []request{argoRequest(`{"app":"guestbook","sync_status":"OutOfSync","revision":"r1","url":"https://evil.example.com","project":"p","nonce":"1"}`),
				argoRequest(`{"app":"guestbook","sync_status":"OutOfSync","revision":"r1","nonce":"2","mode":"remediate"}`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			url, stop := f.start(t)
			var got []string
			code, status, _ := post(t, url, tt.first)
			got = append(got, strconv.Itoa(code)+" "+status)
			for _, r := range tt.replays {
				code, status, _ := post(t, url, r)
				got = append(got, strconv.Itoa(code)+" "+status)
			}
			want := []string{"202 accepted"}
			for range tt.replays {
				want = append(want, "200 duplicate")
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("answers (-want +got):\n%s", diff)
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			ds := f.gh.Dispatches()
			if len(ds) != 1 {
				t.Fatalf("dispatched %d times, want exactly 1", len(ds))
			}
			var p struct {
				DeliveryID string `json:"delivery_id"`
			}
			if err := json.Unmarshal(ds[0].ClientPayload, &p); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantDeliveryID, p.DeliveryID); diff != "" {
				t.Errorf("client_payload.delivery_id (-want +got):\n%s", diff)
			}
		})
	}
}

// TestOneRepositoryRateLimitDoesNotDelayAnother has GitHub rate-limit one
// repository for a minute: a report for another repository, sent after, is
// dispatched while the first still waits.
func TestOneRepositoryRateLimitDoesNotDelayAnother(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		failure githubtest.Failure
	}{
		{name: "secondary rate limit, retry-after", failure: githubtest.Failure{Status: 429, RetryAfter: "60", Repo: "acme/slow", Times: 1}},
		{name: "primary rate limit, reset", failure: githubtest.Failure{Status: 403, Repo: "acme/slow", Times: 1,
			RateLimitReset: strconv.FormatInt(time.Now().Add(time.Minute).Unix(), 10)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			queue := filepath.Join(t.TempDir(), "queue.json")
			f := newFixtureOn(t, githubtest.NewServer(t), func(c *Config) { c.QueueFile = queue })
			f.gh.Inject(githubtest.RouteDispatch, tt.failure)
			url, stop := f.start(t)
			if code, _, msg := post(t, url, hubRequest(`{"id":"1","workspace":"slow"}`)); code != 202 {
				t.Fatalf("slow: %d %s", code, msg)
			}
			waitFor(t, "the slow repository's first attempt", func() bool { return len(f.gh.Requests()) == 1 })
			if code, _, msg := post(t, url, hubRequest(`{"id":"2","workspace":"fast"}`)); code != 202 {
				t.Fatalf("fast: %d %s", code, msg)
			}
			repos := func() []string {
				var out []string
				for _, d := range f.gh.Dispatches() {
					out = append(out, d.Owner+"/"+d.Repo)
				}
				return out
			}
			waitFor(t, "acme/fast's dispatch", func() bool { return len(repos()) > 0 })
			// The slow repository waits a minute: only the fast one is done.
			if diff := cmp.Diff([]string{"acme/fast"}, repos()); diff != "" {
				t.Errorf("dispatched (-want +got):\n%s", diff)
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestAcceptedEventsSurviveShutdown stops the receiver (SIGTERM cancels
// Run's context) while GitHub rate-limits the repository: the accepted
// events are kept in the queue file, not dropped, and the next process
// dispatches each exactly once, a redelivery to it included.
func TestAcceptedEventsSurviveShutdown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		bodies []string
		repos  int
	}{
		{name: "in a rate-limit wait", bodies: []string{`{"id":"1"}`}, repos: 1},
		{name: "queued behind a rate-limited event", bodies: []string{`{"id":"1"}`, `{"id":"2","roots":["infra/b"]}`, `{"id":"3","workspace":"fast"}`}, repos: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			queue := filepath.Join(t.TempDir(), "queue.json")
			fake := githubtest.NewServer(t)
			// Every repository is rate-limited for a minute, once each.
			fake.Inject(githubtest.RouteDispatch, githubtest.Failure{Status: 429, RetryAfter: "60", Repo: defaultRep, Times: 1})
			fake.Inject(githubtest.RouteDispatch, githubtest.Failure{Status: 429, RetryAfter: "60", Repo: "acme/fast", Times: 1})
			var log1 logBuffer
			first := newFixtureOn(t, fake, func(c *Config) {
				c.QueueFile = queue
				c.Logger = slog.New(slog.NewTextHandler(&log1, nil))
			})
			url, stop := first.start(t)
			for _, b := range tt.bodies {
				if code, _, msg := post(t, url, hubRequest(b)); code != 202 {
					t.Fatalf("%s: %d %s", b, code, msg)
				}
			}
			waitFor(t, "a rate-limit wait in each repository", func() bool { return first.metric("drift_serve_retries_total") == tt.repos })
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			if n := len(fake.Dispatches()); n != 0 {
				t.Fatalf("dispatched %d before the rate limit ended", n)
			}
			kept, err := readQueueFile(queue)
			if err != nil {
				t.Fatal(err)
			}
			n := strconv.Itoa(len(tt.bodies))
			for _, m := range []string{"drift_serve_kept_total " + n, `drift_serve_dispatch_failures_total{reason="shutdown"} 0`} {
				if !first.hasMetric(m) {
					t.Errorf("first process: metrics lack %q", m)
				}
			}
			if strings.Contains(log1.String(), "dropped") {
				t.Errorf("log says an accepted event was dropped:\n%s", log1.String())
			}

			second := newFixtureOn(t, fake, func(c *Config) { c.QueueFile = queue })
			url2, stop2 := second.start(t)
			waitFor(t, "the kept events' dispatches", func() bool { return len(fake.Dispatches()) >= len(tt.bodies) })
			// The sender's redelivery to the new process is a duplicate.
			if code, status, _ := post(t, url2, hubRequest(tt.bodies[0])); code != 200 || status != "duplicate" {
				t.Errorf("redelivery to the next process: %d %s, want 200 duplicate", code, status)
			}
			if err := stop2(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(len(tt.bodies), len(kept)); diff != "" {
				t.Errorf("events in the queue file at exit (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(len(tt.bodies), len(fake.Dispatches())); diff != "" {
				t.Errorf("dispatches (-want +got):\n%s", diff)
			}
			if !second.hasMetric("drift_serve_restored_total " + n) {
				t.Errorf("second process: restored_total is not %s", n)
			}
			left, err := readQueueFile(queue)
			if err != nil || len(left) != 0 {
				t.Errorf("queue file after the dispatches: %d events, %v; want none", len(left), err)
			}
		})
	}
}

// TestFailedDispatchIsForgotten fails a dispatch for good: the sender's
// redelivery, once the cause is fixed, is accepted and dispatched, not
// answered "dispatched once".
func TestFailedDispatchIsForgotten(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		failure     githubtest.Failure
		maxAttempts int
		wantMetric  string
	}{
		{name: "404 repository not found", failure: githubtest.Failure{Status: 404, Times: 1}, wantMetric: `drift_serve_dispatch_failures_total{reason="permanent"} 1`},
		{name: "401 bad credentials", failure: githubtest.Failure{Status: 401, Message: "Bad credentials", Times: 1}, wantMetric: `drift_serve_dispatch_failures_total{reason="permanent"} 1`},
		{name: "422 validation failed", failure: githubtest.Failure{Status: 422, Message: "Validation Failed", Times: 1}, wantMetric: `drift_serve_dispatch_failures_total{reason="permanent"} 1`},
		{name: "403 without a rate limit", failure: githubtest.Failure{Status: 403, Times: 1}, wantMetric: `drift_serve_dispatch_failures_total{reason="permanent"} 1`},
		{name: "retries exhausted", failure: githubtest.Failure{Status: 503, Times: 2}, maxAttempts: 2, wantMetric: `drift_serve_dispatch_failures_total{reason="gave_up"} 1`},
		{name: "rate limit longer than max wait", failure: githubtest.Failure{Status: 429, RetryAfter: "7200", Times: 1}, wantMetric: `drift_serve_dispatch_failures_total{reason="gave_up"} 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			queue := filepath.Join(t.TempDir(), "queue.json")
			f := newFixture(t, func(c *Config) { c.MaxAttempts = tt.maxAttempts; c.QueueFile = queue })
			f.gh.Inject(githubtest.RouteDispatch, tt.failure)
			url, stop := f.start(t)
			body := `{"source":"scan","roots":["infra/app"]}`
			var got []string
			code, status, _ := post(t, url, hubRequest(body))
			got = append(got, strconv.Itoa(code)+" "+status)
			waitFor(t, tt.wantMetric, func() bool { return f.hasMetric(tt.wantMetric) })
			code, status, _ = post(t, url, hubRequest(body))
			got = append(got, strconv.Itoa(code)+" "+status)
			waitFor(t, "the redelivery's dispatch", func() bool { return f.hasMetric("drift_serve_dispatched_total 1") })
			code, status, msg := post(t, url, hubRequest(body))
			got = append(got, strconv.Itoa(code)+" "+status+": "+msg)
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			want := []string{"202 accepted", "202 accepted", "200 duplicate: already received; dispatched once"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("answers (-want +got):\n%s", diff)
			}
			if n := len(f.gh.Dispatches()); n != 1 {
				t.Errorf("dispatched %d times, want 1", n)
			}
			if left, err := readQueueFile(queue); err != nil || len(left) != 0 {
				t.Errorf("queue file: %d events, %v; want none", len(left), err)
			}
		})
	}
}

// TestDuplicateOfPendingEventIsNotCalledDispatched redelivers an event
// that waits out a rate limit: the answer does not claim a dispatch.
func TestDuplicateOfPendingEventIsNotCalledDispatched(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *Config) { c.QueueFile = filepath.Join(t.TempDir(), "queue.json") })
	f.gh.Inject(githubtest.RouteDispatch, githubtest.Failure{Status: 429, RetryAfter: "60", Times: 1})
	url, stop := f.start(t)
	post(t, url, hubRequest(`{"id":"1"}`))
	waitFor(t, "a rate-limit wait", func() bool { return f.hasMetric("drift_serve_retries_total 1") })
	code, status, msg := post(t, url, hubRequest(`{"id":"1"}`))
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("200 duplicate: already received; waiting to be dispatched", strconv.Itoa(code)+" "+status+": "+msg); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}
}

// TestRejectedDeliveriesLogged sends deliveries that are refused: each is
// logged with its reason and the peer's address, and the log holds no
// body, secret, token or signature.
func TestRejectedDeliveriesLogged(t *testing.T) {
	t.Parallel()
	const canary = "CANARY-7f3a"
	body := `{"source":"` + canary + `","roots":["infra/app"]}`
	tests := []struct {
		name       string
		tweak      func(*Config)
		req        request
		wantReason string
	}{
		{name: "bad signature", req: hubRequest(body).with(HeaderHubSignature, signHub("wrong-"+canary, []byte(body))), wantReason: ReasonBadSignature},
		{name: "bad bearer token", req: argoRequest(body).with("Authorization", "Bearer "+canary), wantReason: ReasonBadToken},
		{name: "unknown source", req: request{body: body}, wantReason: ReasonNoCredentials},
		{name: "sha-1 signature", req: request{body: body, headers: map[string]string{HeaderHubSHA1: "sha1=" + canary}}, wantReason: ReasonSHA1},
		{name: "source disabled", tweak: func(c *Config) { c.Secrets.TFE = "" }, req: tfeRequest(body), wantReason: ReasonDisabled},
		{name: "too large", tweak: func(c *Config) { c.MaxBodyBytes = 16 }, req: hubRequest(body), wantReason: ReasonTooLarge},
		{name: "payload quoting the body", req: hubRequest(`{"roots":["../` + canary + `"]}`), wantReason: ReasonBadPayload},
		{name: "unmapped", tweak: func(c *Config) { c.Mapping = Mapping{} }, req: hubRequest(`{"workspace":"` + canary + `"}`), wantReason: ReasonUnmapped},
		{name: "wrong method", req: request{method: "PUT", body: body}, wantReason: ReasonMethod},
	}
	secrets := []string{canary, hubSecret, argoToken, tfeToken}
	line := regexp.MustCompile(`(?m)^.*msg="delivery rejected".*$`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs logBuffer
			f := newFixture(t, func(c *Config) {
				c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
				if tt.tweak != nil {
					tt.tweak(c)
				}
			})
			url, stop := f.start(t)
			resp, err := http.DefaultClient.Do(tt.req.with("X-Forwarded-For", "203.0.113.7").httpRequest(t, url+Path))
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			out := logs.String()
			got := line.FindAllString(out, -1)
			if len(got) != 1 {
				t.Fatalf("%d rejection lines, want 1:\n%s", len(got), out)
			}
			for _, want := range []string{"reason=" + tt.wantReason + " ", "remote=127.0.0.1:", "forwarded_for=203.0.113.7", "status=" + strconv.Itoa(resp.StatusCode)} {
				if !strings.Contains(got[0], want) {
					t.Errorf("rejection line lacks %q:\n%s", want, got[0])
				}
			}
			for _, s := range append(secrets, tt.req.headers[HeaderHubSignature], tt.req.headers[HeaderTFESignature]) {
				if s != "" && strings.Contains(out, s) {
					t.Errorf("log holds %q:\n%s", s, out)
				}
			}
		})
	}
}

// TestQueueFile checks the file the accepted events are kept in: a file
// that does not parse stops the receiver with an error naming it (and is
// left as it is); one that cannot be written refuses to start, or, found
// later, answers deliveries with a retryable 503 and forgets them; writes
// leave no temporary file and only the owner may read it.
func TestQueueFile(t *testing.T) {
	t.Parallel()
	good := `{"version":1,"events":[{"key":"generic\u0000a","repo":"acme/infra","source":"generic","client_payload":{"source":"scan"},"accepted_at":"2025-01-02T03:04:05Z"}]}`
	tests := []struct {
		name    string
		content string // "" : no file
		dirFile bool   // the directory is a file: nothing can be written
		wantErr []string
		wantN   int
	}{
		{name: "no file yet"},
		{name: "empty file", content: "\n"},
		{name: "one event", content: good, wantN: 1},
		{name: "not json", content: `{"version":1,"events":[`, wantErr: []string{"does not parse", "move it aside"}},
		{name: "trailing data", content: good + "{}", wantErr: []string{"data after"}},
		{name: "unknown field", content: `{"version":1,"event":[]}`, wantErr: []string{`unknown field "event"`}},
		{name: "other version", content: `{"version":2,"events":[]}`, wantErr: []string{"version 2", "reads version 1"}},
		{name: "bad events", content: `{"version":1,"events":[{"repo":"acme/infra","client_payload":{}},{"key":"k","repo":"acme","client_payload":{}},{"key":"k2","repo":"a/b","client_payload":[]}]}`,
			wantErr: []string{"events[0] has no key", "events[1].repo", "events[2].client_payload is not a JSON object"}},
		{name: "directory is not writable", dirFile: true, wantErr: []string{"not a directory", "writable volume"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "queue.json")
			if tt.content != "" {
				writeTestFile(t, path, tt.content)
			}
			if tt.dirFile {
				writeTestFile(t, filepath.Join(dir, "file"), "")
				path = filepath.Join(dir, "file", "queue.json")
			}
			_, err := New(Config{Secrets: Secrets{Generic: hubSecret}, Dispatcher: nopDispatcher{}, QueueFile: path})
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatal("New succeeded")
				}
				for _, w := range append(tt.wantErr, path) {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error lacks %q: %v", w, err)
					}
				}
				if tt.content != "" {
					if got := readTestFile(t, path); got != tt.content {
						t.Errorf("an unreadable queue file was changed to %q", got)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			jobs, err := readQueueFile(path)
			if err != nil || len(jobs) != tt.wantN {
				t.Fatalf("after start: %d events, %v; want %d", len(jobs), err, tt.wantN)
			}
			checkQueueDir(t, dir)
		})
	}
}

// checkQueueDir: the queue file is the owner's only, and no temporary file
// is left beside it.
func checkQueueDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s has mode %v, want 0600", e.Name(), perm)
		}
	}
	if diff := cmp.Diff([]string{"queue.json"}, names); diff != "" {
		t.Errorf("files beside the queue (-want +got):\n%s", diff)
	}
}

// TestQueueFileUnwritableRefusesRetryably removes the queue's directory
// under a running receiver: deliveries get 503 with Retry-After, and are
// not remembered, so the sender's retry is taken once the volume is back.
func TestQueueFileUnwritableRefusesRetryably(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "volume")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	var logs logBuffer
	f := newFixture(t, func(c *Config) {
		c.QueueFile = filepath.Join(dir, "queue.json")
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	url, stop := f.start(t)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	req := hubRequest(`{"id":"1"}`)
	resp, err := http.DefaultClient.Do(req.httpRequest(t, url+Path))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := []string{strconv.Itoa(resp.StatusCode) + " " + resp.Header.Get("Retry-After")}
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	code, status, _ := post(t, url, req)
	got = append(got, strconv.Itoa(code)+" "+status)
	waitFor(t, "the dispatch", func() bool { return len(f.gh.Dispatches()) == 1 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"503 30", "202 accepted"}, got); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
	if !f.hasMetric(`drift_serve_rejected_total{reason="queue_file_unwritable"} 1`) || !strings.Contains(logs.String(), filepath.Join(dir, "queue.json")) {
		t.Errorf("the refusal is not counted, or the log does not name the file:\n%s", logs.String())
	}
	checkQueueDir(t, dir)
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func readTestFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
