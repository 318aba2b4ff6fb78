package serve

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/myorg/drift-action/internal/github"
	"github.com/myorg/drift-action/internal/github/githubtest"
)

const (
	tfeToken   = "tfe-notification-token"
	argoToken  = "argocd-webhook-token"
	hubSecret  = "It's a Secret to Everybody"
	defaultRep = "acme/infra"
)

// fixture is a receiver wired to the fake GitHub.
type fixture struct {
	gh  *githubtest.Server
	srv *Server
}

func newFixture(t *testing.T, tweak func(*Config)) *fixture {
	t.Helper()
	fake := githubtest.NewServer(t)
	client, err := github.NewClient(t.Context(), fake.Token(), fake.URL(), fake.Client())
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Secrets:     Secrets{TFE: tfeToken, ArgoCD: argoToken, Generic: hubSecret},
		Mapping:     Mapping{Default: Target{Repo: defaultRep}, Apps: map[string]Target{"guestbook": {Repo: "acme/k8s", Roots: []string{"apps/guestbook"}}}},
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

// start runs the receiver on a loopback port until the returned stop is
// called; stop waits for Run to return and returns its error.
func (f *fixture) start(t *testing.T) (string, func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.srv.Run(ctx, ln) }()
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(30 * time.Second):
				runErr = errors.New("Run did not return within 30s of cancel")
			}
		})
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return "http://" + ln.Addr().String(), stop
}

type request struct {
	method  string
	body    string
	headers map[string]string
}

func tfeRequest(body string) request {
	return request{body: body, headers: map[string]string{HeaderTFESignature: signTFE(tfeToken, []byte(body))}}
}

func hubRequest(body string) request {
	return request{body: body, headers: map[string]string{HeaderHubSignature: signHub(hubSecret, []byte(body))}}
}

func argoRequest(body string) request {
	return request{body: body, headers: map[string]string{"Authorization": "Bearer " + argoToken}}
}

func (r request) with(k, v string) request {
	h := map[string]string{}
	for a, b := range r.headers {
		h[a] = b
	}
	h[k] = v
	r.headers = h
	return r
}

func (r request) httpRequest(t testing.TB, url string) *http.Request {
	t.Helper()
	method := r.method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequest(method, url, strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range r.headers {
		req.Header.Set(k, v)
	}
	return req
}

func TestWebhook(t *testing.T) {
	t.Parallel()
	verification := string(readTestdata(t, "tfe-verification.json"))
	drifted := string(readTestdata(t, "tfe-assessment-drifted.json"))
	argo := `{"app":"guestbook","namespace":"argocd","sync_status":"OutOfSync","revision":"abc123","url":"https://argocd.example.com/applications/argocd/guestbook"}`
	tests := []struct {
		name       string
		tweak      func(*Config)
		req        request
		wantStatus int
		wantReason string // the answer's status field
		wantRepo   string // "" for no dispatch
		wantRoots  []string
	}{
		{name: "hcp verification", req: tfeRequest(verification), wantStatus: 200, wantReason: "ignored"},
		{name: "hcp drifted", req: tfeRequest(drifted), wantStatus: 202, wantReason: "accepted", wantRepo: defaultRep},
		{name: "hcp run errored", req: tfeRequest(string(readTestdata(t, "tfe-run-errored.json"))), wantStatus: 202, wantReason: "accepted", wantRepo: defaultRep},
		{name: "hcp run completed", req: tfeRequest(`{"payload_version":1,"notifications":[{"trigger":"run:completed"}]}`), wantStatus: 200, wantReason: "ignored"},
		{name: "hcp wrong token", req: tfeRequest(drifted).with(HeaderTFESignature, signTFE("other", []byte(drifted))), wantStatus: 401, wantReason: ReasonBadSignature},
		{name: "hcp disabled", tweak: func(c *Config) { c.Secrets.TFE = "" }, req: tfeRequest(drifted), wantStatus: 401, wantReason: ReasonDisabled},
		{name: "hcp bad payload", req: tfeRequest(`{"payload_version":7}`), wantStatus: 400, wantReason: ReasonBadPayload},
		{name: "argo cd out of sync", req: argoRequest(argo), wantStatus: 202, wantReason: "accepted", wantRepo: "acme/k8s", wantRoots: []string{"apps/guestbook"}},
		{name: "argo cd synced", req: argoRequest(`{"app":"guestbook","sync_status":"Synced"}`), wantStatus: 200, wantReason: "ignored"},
		{name: "argo cd wrong token", req: argoRequest(argo).with("Authorization", "Bearer nope"), wantStatus: 401, wantReason: ReasonBadToken},
		{name: "argo cd basic auth", req: argoRequest(argo).with("Authorization", "Basic YTpi"), wantStatus: 401, wantReason: ReasonBadToken},
		{name: "generic", req: hubRequest(`{"id":"1","source":"scan","roots":["infra/app"]}`), wantStatus: 202, wantReason: "accepted", wantRepo: defaultRep, wantRoots: []string{"infra/app"}},
		{name: "generic github test vector is authentic but not json", req: request{body: "Hello, World!",
			headers: map[string]string{HeaderHubSignature: "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"}},
			wantStatus: 400, wantReason: ReasonBadPayload},
		{name: "generic sha1 only", req: request{body: `{}`, headers: map[string]string{HeaderHubSHA1: "sha1=0123"}}, wantStatus: 401, wantReason: ReasonSHA1},
		{name: "generic bad signature", req: hubRequest(`{}`).with(HeaderHubSignature, signHub("x", []byte(`{}`))), wantStatus: 401, wantReason: ReasonBadSignature},
		{name: "unsigned", req: request{body: `{}`}, wantStatus: 401, wantReason: ReasonNoCredentials},
		{name: "unmapped", tweak: func(c *Config) { c.Mapping = Mapping{} }, req: hubRequest(`{}`), wantStatus: 422, wantReason: ReasonUnmapped},
		{name: "too large", tweak: func(c *Config) { c.MaxBodyBytes = 64 }, req: hubRequest(`{"source":"` + strings.Repeat("x", 100) + `"}`), wantStatus: 413, wantReason: ReasonTooLarge},
		{name: "get", req: request{method: "GET"}, wantStatus: 405, wantReason: ReasonMethod},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tt.tweak)
			url, stop := f.start(t)
			resp, err := http.DefaultClient.Do(tt.req.httpRequest(t, url+Path))
			if err != nil {
				t.Fatal(err)
			}
			var got struct{ Status, Message string }
			_ = json.NewDecoder(resp.Body).Decode(&got)
			resp.Body.Close()
			if diff := cmp.Diff([]any{tt.wantStatus, tt.wantReason}, []any{resp.StatusCode, got.Status}); diff != "" {
				t.Errorf("answer (-want +got):\n%s\nmessage: %s", diff, got.Message)
			}
			if err := stop(); err != nil {
				t.Fatalf("Run: %v", err)
			}
			ds := f.gh.Dispatches()
			if tt.wantRepo == "" {
				if len(ds) != 0 {
					t.Fatalf("dispatched %d events, want none", len(ds))
				}
				return
			}
			if len(ds) != 1 {
				t.Fatalf("dispatched %d events, want 1", len(ds))
			}
			var p struct {
				Roots []string `json:"roots"`
			}
			if err := json.Unmarshal(ds[0].ClientPayload, &p); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]any{tt.wantRepo, EventType, tt.wantRoots}, []any{ds[0].Owner + "/" + ds[0].Repo, ds[0].EventType, p.Roots}); diff != "" {
				t.Errorf("dispatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestConcurrentDuplicates sends the same delivery from many connections at
// once: exactly one dispatch.
func TestConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		req  request
	}{
		{name: "hcp assessment", req: tfeRequest(string(readTestdata(t, "tfe-assessment-drifted.json")))},
		{name: "generic delivery id", req: hubRequest(`{"id":"same","source":"scan"}`)},
		{name: "generic body digest", req: hubRequest(`{"source":"scan"}`)},
		{name: "argo cd same revision", req: argoRequest(`{"app":"guestbook","namespace":"argocd","sync_status":"OutOfSync","revision":"r1"}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			url, stop := f.start(t)
			const n = 32
			var wg sync.WaitGroup
			codes := make(chan int, n)
			for range n {
				wg.Go(func() {
					resp, err := http.DefaultClient.Do(tt.req.httpRequest(t, url+Path))
					if err != nil {
						t.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					codes <- resp.StatusCode
				})
			}
			wg.Wait()
			close(codes)
			count := map[int]int{}
			for c := range codes {
				count[c]++
			}
			if diff := cmp.Diff(map[int]int{202: 1, 200: n - 1}, count); diff != "" {
				t.Errorf("answers by status (-want +got):\n%s", diff)
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			if got := len(f.gh.Dispatches()); got != 1 {
				t.Errorf("dispatched %d times, want exactly 1", got)
			}
		})
	}
}

func TestDispatchRetries(t *testing.T) {
	t.Parallel()
	reset := strconv.FormatInt(time.Now().Add(time.Second).Unix(), 10)
	tests := []struct {
		name           string
		failures       []githubtest.Failure
		maxAttempts    int
		wantDispatches int
		wantRequests   int
		wantMetrics    []string
	}{
		{name: "502 then success", failures: []githubtest.Failure{{Status: 502, Times: 2}},
			wantDispatches: 1, wantRequests: 3, wantMetrics: []string{"drift_serve_retries_total 2", "drift_serve_dispatched_total 1"}},
		// A 5xx does not say whether GitHub did the work: delivery is at
		// least once, and the action's concurrency group absorbs a second run.
		{name: "500 after the work is sent again", failures: []githubtest.Failure{{Status: 500, Times: 1}},
			wantDispatches: 2, wantRequests: 2, wantMetrics: []string{"drift_serve_retries_total 1"}},
		{name: "secondary rate limit honours retry-after", failures: []githubtest.Failure{{Status: 429, RetryAfter: "0", Times: 1}},
			wantDispatches: 1, wantRequests: 2, wantMetrics: []string{"drift_serve_retries_total 1"}},
		{name: "403 rate limit honours x-ratelimit-reset", failures: []githubtest.Failure{{Status: 403, RateLimitReset: reset, Times: 1}},
			wantDispatches: 1, wantRequests: 2, wantMetrics: []string{"drift_serve_retries_total 1"}},
		{name: "401 is not retried", failures: []githubtest.Failure{{Status: 401, Message: "Bad credentials", Times: 1}},
			wantRequests: 1, wantMetrics: []string{"drift_serve_retries_total 0", `drift_serve_dispatch_failures_total{reason="permanent"} 1`}},
		{name: "404 is not retried", failures: []githubtest.Failure{{Status: 404, Times: 1}},
			wantRequests: 1, wantMetrics: []string{"drift_serve_retries_total 0", `drift_serve_dispatch_failures_total{reason="permanent"} 1`}},
		{name: "422 is not retried", failures: []githubtest.Failure{{Status: 422, Message: "Validation Failed", Times: 1}},
			wantRequests: 1, wantMetrics: []string{"drift_serve_retries_total 0", `drift_serve_dispatch_failures_total{reason="permanent"} 1`}},
		{name: "403 without a limit is not retried", failures: []githubtest.Failure{{Status: 403, Times: 1}},
			wantRequests: 1, wantMetrics: []string{`drift_serve_dispatch_failures_total{reason="permanent"} 1`}},
		{name: "gives up after max attempts", failures: []githubtest.Failure{{Status: 503}}, maxAttempts: 3,
			wantRequests: 3, wantMetrics: []string{"drift_serve_retries_total 2", `drift_serve_dispatch_failures_total{reason="gave_up"} 1`}},
		// A GitHub that keeps rate limiting is not asked forever.
		{name: "rate limits count toward max attempts", failures: []githubtest.Failure{{Status: 429, RetryAfter: "0"}}, maxAttempts: 3,
			wantRequests: 3, wantMetrics: []string{"drift_serve_retries_total 2", `drift_serve_dispatch_failures_total{reason="gave_up"} 1`}},
		{name: "a rate limit longer than max wait is not waited", failures: []githubtest.Failure{{Status: 429, RetryAfter: "7200", Times: 1}},
			wantRequests: 1, wantMetrics: []string{"drift_serve_retries_total 0", `drift_serve_dispatch_failures_total{reason="gave_up"} 1`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, func(c *Config) { c.MaxAttempts = tt.maxAttempts })
			for _, fl := range tt.failures {
				if fl.Status == 500 {
					fl.AfterHandling = true
				}
				f.gh.Inject(githubtest.RouteDispatch, fl)
			}
			url, stop := f.start(t)
			resp, err := http.DefaultClient.Do(hubRequest(`{"id":"1"}`).httpRequest(t, url+Path))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 202 {
				t.Fatalf("status %d, want 202", resp.StatusCode)
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			if got := len(f.gh.Dispatches()); got != tt.wantDispatches {
				t.Errorf("dispatches = %d, want %d", got, tt.wantDispatches)
			}
			if got := len(f.gh.Requests()); got != tt.wantRequests {
				t.Errorf("requests to GitHub = %d, want %d", got, tt.wantRequests)
			}
			metrics := f.metrics()
			for _, m := range tt.wantMetrics {
				if !strings.Contains(metrics, m+"\n") {
					t.Errorf("metrics lack %q:\n%s", m, metrics)
				}
			}
		})
	}
}

func (f *fixture) metrics() string {
	rec := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}

// TestShutdownDrainsQueue cancels Run (as SIGTERM does) with events queued
// behind a slow GitHub: every accepted event is still dispatched, and new
// deliveries are refused.
func TestShutdownDrainsQueue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		events   int
		failures []githubtest.Failure
	}{
		{name: "healthy github", events: 20},
		{name: "github failing at first", events: 10, failures: []githubtest.Failure{{Status: 502, Times: 3}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			release := make(chan struct{})
			f := newFixture(t, nil)
			inner := f.srv.cfg.Dispatcher
			f.srv.cfg.Dispatcher = dispatchFunc(func(ctx context.Context, owner, repo, et string, p json.RawMessage) error {
				<-release // hold the worker so the queue fills
				return inner.Dispatch(ctx, owner, repo, et, p)
			})
			for _, fl := range tt.failures {
				f.gh.Inject(githubtest.RouteDispatch, fl)
			}
			url, stop := f.start(t)
			for i := range tt.events {
				resp, err := http.DefaultClient.Do(hubRequest(`{"id":"`+strconv.Itoa(i)+`"}`).httpRequest(t, url+Path))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 202 {
					t.Fatalf("event %d: status %d, want 202", i, resp.StatusCode)
				}
			}
			stopped := make(chan error, 1)
			go func() { stopped <- stop() }()
			// The listener closes: new deliveries are not taken. One sent
			// before the server has seen the cancel is in flight, and is
			// accepted and dispatched like the others (all share an id, so
			// at most one is).
			accepted := tt.events
			deadline := time.Now().Add(30 * time.Second)
			for {
				resp, err := http.DefaultClient.Do(hubRequest(`{"id":"late"}`).httpRequest(t, url+Path))
				if err != nil {
					break
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusAccepted {
					accepted++
				}
				if time.Now().After(deadline) {
					t.Fatal("still accepting deliveries 30s after shutdown began")
				}
				time.Sleep(10 * time.Millisecond)
			}
			close(release)
			if err := <-stopped; err != nil {
				t.Fatal(err)
			}
			if got := len(f.gh.Dispatches()); got != accepted {
				t.Errorf("dispatched %d of %d accepted events", got, accepted)
			}
		})
	}
}

type dispatchFunc func(ctx context.Context, owner, repo, eventType string, payload json.RawMessage) error

func (f dispatchFunc) Dispatch(ctx context.Context, owner, repo, eventType string, payload json.RawMessage) error {
	return f(ctx, owner, repo, eventType, payload)
}

// TestSlowloris trickles a request's headers over a raw connection: the
// server closes it once ReadHeaderTimeout passes.
func TestSlowloris(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		prefix string
	}{
		{name: "trickled headers", prefix: "POST /drift-webhook HTTP/1.1\r\nHost: x\r\n"},
		{name: "trickled request line", prefix: "POST /drift-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, func(c *Config) { c.ReadHeaderTimeout = 300 * time.Millisecond; c.ReadTimeout = 500 * time.Millisecond })
			url, _ := f.start(t)
			conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, tt.prefix); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			closed := false
			for i := 0; time.Since(start) < 5*time.Second; i++ {
				time.Sleep(50 * time.Millisecond)
				if _, err := io.WriteString(conn, "X-Slow-"+strconv.Itoa(i)+": y\r\n"); err != nil {
					closed = true
					break
				}
				conn.SetReadDeadline(time.Now().Add(time.Millisecond))
				buf := make([]byte, 512)
				if _, err := conn.Read(buf); err != nil && !errors.Is(err, errTimeout(err)) {
					closed = true
					break
				}
			}
			if !closed {
				t.Fatalf("connection still open %v after it began trickling headers", time.Since(start))
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("closed after %v, want about ReadHeaderTimeout (300ms)", d)
			}
		})
	}
}

// errTimeout returns err when it is a read deadline timeout, so that
// errors.Is(err, errTimeout(err)) says "only a timeout".
func errTimeout(err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return err
	}
	return errNotTimeout
}

var errNotTimeout = errors.New("not a timeout")

func TestHealthzAndMetrics(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	url, stop := f.start(t)
	for _, r := range []request{hubRequest(`{"id":"a"}`), hubRequest(`{"id":"a"}`), {body: `{}`}, tfeRequest(string(readTestdata(t, "tfe-verification.json")))} {
		resp, err := http.DefaultClient.Do(r.httpRequest(t, url+Path))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		want []string
	}{
		{name: "healthz", path: "/healthz", want: []string{"ok\n"}},
		{name: "metrics", path: "/metrics", want: []string{
			"# TYPE drift_serve_received_total counter\n",
			`drift_serve_received_total{source="generic"} 2` + "\n",
			`drift_serve_received_total{source="hcp-terraform"} 1` + "\n",
			`drift_serve_received_total{source="unknown"} 1` + "\n",
			`drift_serve_rejected_total{reason="no_credentials"} 1` + "\n",
			"drift_serve_ignored_total 1\n",
			"drift_serve_duplicates_total 1\n",
			"drift_serve_accepted_total 1\n",
			"drift_serve_dispatched_total 1\n",
			"drift_serve_retries_total 0\n",
			"# TYPE drift_serve_queue_depth gauge\ndrift_serve_queue_depth 0\n",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			f.srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
			if rec.Code != 200 {
				t.Fatalf("status %d", rec.Code)
			}
			for _, w := range tt.want {
				if !strings.Contains(rec.Body.String(), w) {
					t.Errorf("%s lacks %q:\n%s", tt.path, w, rec.Body.String())
				}
			}
			// Every sample line is NAME[{labels}] VALUE.
			for _, line := range strings.Split(strings.TrimSpace(rec.Body.String()), "\n") {
				if tt.path == "/metrics" && !strings.HasPrefix(line, "#") && len(strings.Fields(line)) != 2 {
					t.Errorf("malformed sample %q", line)
				}
			}
		})
	}
}

func TestQueueFull(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	taken := make(chan struct{}, 4)
	f := newFixture(t, func(c *Config) { c.QueueSize = 2 }) // the event being sent counts
	f.srv.cfg.Dispatcher = dispatchFunc(func(ctx context.Context, _, _, _ string, _ json.RawMessage) error {
		taken <- struct{}{}
		<-release
		return nil
	})
	url, stop := f.start(t)
	// Registered after start's cleanup, so it runs first: a failed test
	// still lets the worker, and so Run, finish.
	unblock := sync.OnceFunc(func() { close(release) })
	t.Cleanup(unblock)
	var codes []int
	for i := range 4 {
		resp, err := http.DefaultClient.Do(hubRequest(`{"id":"`+strconv.Itoa(i)+`"}`).httpRequest(t, url+Path))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
		if i == 0 && resp.StatusCode == http.StatusAccepted {
			// The worker holds the first before the next is sent, so
			// exactly one more fits the queue.
			select {
			case <-taken:
			case <-time.After(30 * time.Second):
				t.Fatal("the worker did not take the first event within 30s")
			}
		}
	}
	unblock()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// One in the worker, one queued, the rest refused with 503 (and not
	// remembered, so a retry of them is accepted later).
	if diff := cmp.Diff([]int{202, 202, 503, 503}, codes); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if isNew, _ := f.srv.dedupe.add("generic\x003", time.Now()); !isNew {
		t.Error("a refused delivery stays remembered as a duplicate")
	}
}

func TestDedupeWindow(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		max  int
		ops  []struct {
			key string
			at  time.Duration
		}
		want []bool
	}{
		{name: "remembered for a day", max: 10, ops: []struct {
			key string
			at  time.Duration
		}{{"a", 0}, {"a", 23 * time.Hour}, {"a", 25 * time.Hour}, {"b", 25 * time.Hour}}, want: []bool{true, false, true, true}},
		{name: "bounded", max: 2, ops: []struct {
			key string
			at  time.Duration
		}{{"a", 0}, {"b", time.Second}, {"c", 2 * time.Second}, {"c", 3 * time.Second}}, want: []bool{true, true, true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := newDedupe(DefaultDedupeTTL-time.Hour, tt.max)
			var got []bool
			for _, op := range tt.ops {
				isNew, _ := d.add(op.key, t0.Add(op.at))
				d.dispatched(op.key)
				got = append(got, isNew)
				if d.len() > tt.max {
					t.Fatalf("holds %d keys, max %d", d.len(), tt.max)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("new? (-want +got):\n%s", diff)
			}
		})
	}
}
