package github

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	gh "github.com/google/go-github/v78/github"

	"github.com/myorg/drift-action/internal/retry"
)

// Limits GitHub puts on POST /repos/{owner}/{repo}/dispatches.
const (
	MaxEventTypeLength   = 100
	MaxClientPayloadKeys = 10
)

// noRetryKey marks a request whose caller retries by itself (with
// internal/retry, as the receiver does): the client's one built-in retry is
// skipped.
type noRetryKey struct{}

// Dispatch sends a repository_dispatch event of eventType to owner/repo
// with payload as its client_payload (a JSON object of at most
// [MaxClientPayloadKeys] top-level keys; nil for none). The token needs
// `contents: write` on the repository.
//
// It makes exactly one attempt: no built-in retry, and no waiting for a
// rate limit seen earlier, so that the caller's queue decides when to try
// again. A refusal is an *APIError; [RetryAfter] tells how long GitHub asked
// the caller to wait.
func (c *Client) Dispatch(ctx context.Context, owner, repo, eventType string, payload json.RawMessage) error {
	if owner == "" || repo == "" || strings.Contains(owner, "/") || strings.Contains(repo, "/") {
		return fmt.Errorf("github: dispatch: repository %q/%q must be OWNER/REPO", owner, repo)
	}
	if n := utf8.RuneCountInString(eventType); n == 0 || n > MaxEventTypeLength {
		return fmt.Errorf("github: dispatch: event_type must be 1 to %d characters, got %d", MaxEventTypeLength, n)
	}
	opts := gh.DispatchRequestOptions{EventType: eventType}
	if len(payload) > 0 {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(payload, &obj); err != nil || obj == nil {
			return errors.New("github: dispatch: client_payload must be a JSON object")
		}
		if len(obj) > MaxClientPayloadKeys {
			return fmt.Errorf("github: dispatch: client_payload has %d top-level keys; GitHub allows at most %d", len(obj), MaxClientPayloadKeys)
		}
		p := json.RawMessage(payload)
		opts.ClientPayload = &p
	}
	ctx = context.WithValue(ctx, noRetryKey{}, true)
	ctx = context.WithValue(ctx, gh.BypassRateLimitCheck, true)
	_, _, err := c.gh.Repositories.Dispatch(ctx, owner, repo, opts)
	return c.apiError(OpRepositoryDispatch, err)
}

// StatusOf is the HTTP status GitHub answered a failed call with, or 0 when
// err did not come from an answer (a network error, a cancellation).
func StatusOf(err error) int {
	var api *APIError
	if errors.As(err, &api) {
		return api.Status
	}
	return 0
}

// RetryAfter reports how long GitHub asked the caller of a failed call to
// wait before trying again, from the answer's Retry-After header (seconds or
// an HTTP date) or, for a rate limit, X-RateLimit-Reset (Unix seconds). It
// is false when the answer said neither.
func RetryAfter(err error, now time.Time) (time.Duration, bool) {
	var (
		rateErr  *gh.RateLimitError
		abuseErr *gh.AbuseRateLimitError
		respErr  *gh.ErrorResponse
		resp     *http.Response
	)
	switch {
	case errors.As(err, &abuseErr):
		if abuseErr.RetryAfter != nil {
			return max(*abuseErr.RetryAfter, 0), true
		}
		resp = abuseErr.Response
	case errors.As(err, &rateErr):
		resp = rateErr.Response
	case errors.As(err, &respErr):
		resp = respErr.Response
	}
	if resp == nil {
		return 0, false
	}
	return retryAfterHeaders(resp.Header, now)
}

func retryAfterHeaders(h http.Header, now time.Time) (time.Duration, bool) {
	if d, ok := retry.ParseRetryAfter(h.Get("Retry-After"), now); ok {
		return d, true
	}
	if v := strings.TrimSpace(h.Get("X-RateLimit-Reset")); v != "" {
		if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs > 0 {
			return max(time.Unix(secs, 0).Sub(now), 0), true
		}
	}
	return 0, false
}
