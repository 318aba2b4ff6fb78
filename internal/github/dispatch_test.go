package github

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/myorg/drift-action/internal/github/githubtest"
)

func TestDispatch(t *testing.T) {
	t.Parallel()
	now := time.Now()
	reset := strconv.FormatInt(now.Add(90*time.Second).Unix(), 10)
	tests := []struct {
		name       string
		failure    *githubtest.Failure
		eventType  string
		payload    string
		wantStatus int // 0: success
		wantErr    string
		wantWait   time.Duration // approximate, ±2s
		wantRetry  bool
		wantStored int
		wantSleeps int
	}{
		{name: "sent", eventType: "drift-detected", payload: `{"source":"tfe","roots":["infra/app"]}`, wantStored: 1},
		{name: "no payload", eventType: "drift-detected", wantStored: 1},
		{name: "server error is not retried inside", eventType: "drift-detected",
			failure: &githubtest.Failure{Status: 502, Times: 1}, wantStatus: 502, wantErr: "failed (502)"},
		{name: "secondary rate limit with retry-after", eventType: "drift-detected",
			failure: &githubtest.Failure{Status: 429, RetryAfter: "7", Times: 1}, wantStatus: 429, wantWait: 7 * time.Second, wantRetry: true, wantErr: "rate limited"},
		{name: "primary rate limit with reset", eventType: "drift-detected",
			failure: &githubtest.Failure{Status: 403, RateLimitReset: reset, Times: 1}, wantStatus: 403, wantWait: 90 * time.Second, wantRetry: true, wantErr: "rate limited"},
		{name: "forbidden without a limit", eventType: "drift-detected",
			failure: &githubtest.Failure{Status: 403, Times: 1}, wantStatus: 403, wantErr: "contents: write"},
		{name: "not found", eventType: "drift-detected",
			failure: &githubtest.Failure{Status: 404, Times: 1}, wantStatus: 404, wantErr: "refused (404)"},
		{name: "event type too long", eventType: strings.Repeat("x", 101), wantErr: "1 to 100 characters"},
		{name: "payload not an object", eventType: "drift-detected", payload: `[1]`, wantErr: "must be a JSON object"},
		{name: "payload with eleven keys", eventType: "drift-detected",
			payload: `{"a":1,"b":1,"c":1,"d":1,"e":1,"f":1,"g":1,"h":1,"i":1,"j":1,"k":1}`, wantErr: "at most 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := githubtest.NewServer(t)
			if tt.failure != nil {
				srv.Inject(githubtest.RouteDispatch, *tt.failure)
			}
			c, sl := newTestClient(t, srv, "")
			var payload json.RawMessage
			if tt.payload != "" {
				payload = json.RawMessage(tt.payload)
			}
			err := c.Dispatch(t.Context(), owner, repo, tt.eventType, payload)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("Dispatch: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Dispatch error = %v, want it to contain %q", err, tt.wantErr)
			}
			if got := StatusOf(err); got != tt.wantStatus {
				t.Errorf("StatusOf = %d, want %d", got, tt.wantStatus)
			}
			wait, retry := RetryAfter(err, now)
			if retry != tt.wantRetry || (retry && (wait < tt.wantWait-2*time.Second || wait > tt.wantWait+2*time.Second)) {
				t.Errorf("RetryAfter = %v, %v; want about %v, %v", wait, retry, tt.wantWait, tt.wantRetry)
			}
			if got := len(sl.got()); got != tt.wantSleeps {
				t.Errorf("built-in retry slept %d times, want %d", got, tt.wantSleeps)
			}
			got := srv.Dispatches()
			if len(got) != tt.wantStored {
				t.Fatalf("stored %d dispatches, want %d", len(got), tt.wantStored)
			}
			if tt.wantStored == 1 {
				want := githubtest.Dispatch{Owner: owner, Repo: repo, EventType: tt.eventType}
				if tt.payload != "" {
					want.ClientPayload = json.RawMessage(tt.payload)
				}
				if diff := cmp.Diff(want, got[0]); diff != "" {
					t.Errorf("dispatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestRetryAfterHeaders(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name   string
		header http.Header
		want   time.Duration
		wantOK bool
	}{
		{name: "none", header: http.Header{}},
		{name: "seconds", header: http.Header{"Retry-After": {"30"}}, want: 30 * time.Second, wantOK: true},
		{name: "date", header: http.Header{"Retry-After": {now.Add(time.Minute).Format(http.TimeFormat)}}, want: time.Minute, wantOK: true},
		{name: "date in the past", header: http.Header{"Retry-After": {now.Add(-time.Minute).Format(http.TimeFormat)}}, want: 0, wantOK: true},
		{name: "reset", header: http.Header{"X-Ratelimit-Reset": {strconv.FormatInt(now.Add(5*time.Minute).Unix(), 10)}}, want: 5 * time.Minute, wantOK: true},
		{name: "retry-after wins over reset", header: http.Header{"Retry-After": {"3"}, "X-Ratelimit-Reset": {strconv.FormatInt(now.Add(5*time.Minute).Unix(), 10)}}, want: 3 * time.Second, wantOK: true},
		{name: "garbage", header: http.Header{"Retry-After": {"soon"}, "X-Ratelimit-Reset": {"later"}}},
		{name: "negative", header: http.Header{"Retry-After": {"-4"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := retryAfterHeaders(tt.header, now)
			if diff := cmp.Diff([]any{tt.want, tt.wantOK}, []any{got, ok}); diff != "" {
				t.Errorf("retryAfterHeaders (-want +got):\n%s", diff)
			}
		})
	}
}
