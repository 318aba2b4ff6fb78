package github

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/myorg/drift-action/internal/github/githubtest"
	"github.com/myorg/drift-action/internal/retry"
)

func TestNewClientURLs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		apiURL     string
		wantBase   string
		wantUpload string
		wantErr    string
	}{
		{name: "empty means github.com", apiURL: "", wantBase: "https://api.github.com/", wantUpload: "https://uploads.github.com/"},
		{name: "github.com", apiURL: "https://api.github.com", wantBase: "https://api.github.com/", wantUpload: "https://uploads.github.com/"},
		{name: "github.com with slash", apiURL: "https://api.github.com/", wantBase: "https://api.github.com/", wantUpload: "https://uploads.github.com/"},
		{name: "GitHub Enterprise Server", apiURL: "https://ghe.example.com/api/v3", wantBase: "https://ghe.example.com/api/v3/", wantUpload: "https://ghe.example.com/api/uploads/"},
		{name: "GitHub Enterprise Server with slash", apiURL: "https://ghe.example.com/api/v3/", wantBase: "https://ghe.example.com/api/v3/", wantUpload: "https://ghe.example.com/api/uploads/"},
		{name: "GHE.com data residency", apiURL: "https://api.acme.ghe.com", wantBase: "https://api.acme.ghe.com/", wantUpload: "https://api.acme.ghe.com/"},
		{name: "no scheme", apiURL: "ghe.example.com/api/v3", wantErr: "want an absolute http(s) URL"},
		{name: "credentials in the URL", apiURL: "https://me:hunter2@ghe.example.com/api/v3", wantErr: "credentials belong in the token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient(t.Context(), "ghs_0123456789abcdef", tt.apiURL, nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error shows the URL's password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := []string{c.BaseURL(), c.gh.BaseURL.String(), c.gh.UploadURL.String()}
			if diff := cmp.Diff([]string{tt.wantBase, tt.wantBase, tt.wantUpload}, got); diff != "" {
				t.Errorf("URLs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewClientHTTPClient(t *testing.T) {
	t.Parallel()
	t.Run("nil gets a timeout", func(t *testing.T) {
		t.Parallel()
		c, err := NewClient(t.Context(), "ghs_0123456789abcdef", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.gh.Client().Timeout; got != DefaultTimeout {
			t.Errorf("timeout = %v, want %v", got, DefaultTimeout)
		}
	})
	t.Run("a given client is not modified", func(t *testing.T) {
		t.Parallel()
		hc := &http.Client{Timeout: 5 * time.Second}
		c, err := NewClient(t.Context(), "ghs_0123456789abcdef", "", hc)
		if err != nil {
			t.Fatal(err)
		}
		if hc.Transport != nil {
			t.Errorf("the caller's client got transport %T", hc.Transport)
		}
		if got := c.gh.Client().Timeout; got != 5*time.Second {
			t.Errorf("timeout = %v, want the given 5s", got)
		}
	})
	t.Run("no token", func(t *testing.T) {
		t.Parallel()
		for _, tok := range []string{"", "  "} {
			if _, err := NewClient(t.Context(), tok, "", nil); err == nil || !strings.Contains(err.Error(), "no token") {
				t.Errorf("NewClient(%q) error = %v, want no token", tok, err)
			}
		}
	})
}

func TestClientNeverPrintsToken(t *testing.T) {
	t.Parallel()
	const token = "ghs_SECRETsecretSECRET"
	c, err := NewClient(t.Context(), token, "https://ghe.example.com/api/v3", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if got := fmt.Sprintf(format, c); strings.Contains(got, token) {
			t.Errorf("%s shows the token: %s", format, got)
		}
	}
	// Errors that would somehow carry the token are redacted.
	err = c.apiError(OpCreateComment, fmt.Errorf("dial tcp: bad header Bearer %s", token))
	if strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), Redacted) {
		t.Errorf("error not redacted: %v", err)
	}
}

func TestAnswerRetry(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		status     int
		retryAfter string
		wantAfter  time.Duration
		wantAsked  bool
		wantRetry  bool
	}{
		{"200", 200, "", 0, false, false},
		{"500 is not retried", 500, "", 0, false, false},
		{"502", 502, "", 0, false, true},
		{"503", 503, "", 0, false, true},
		{"504", 504, "", 0, false, true},
		{"503 with Retry-After", 503, "5", 5 * time.Second, true, true},
		{"503 with a long Retry-After (the policy bounds it)", 503, "3600", time.Hour, true, true},
		{"403 without Retry-After is a permission problem", 403, "", 0, false, false},
		{"403 with Retry-After", 403, "30", 30 * time.Second, true, true},
		{"429 with Retry-After", 429, "1", time.Second, true, true},
		{"429 with Retry-After 0", 429, "0", 0, true, true},
		{"429 without Retry-After", 429, "", 0, false, false},
		{"429 with an HTTP date", 429, now.Add(20 * time.Second).Format(http.TimeFormat), 20 * time.Second, true, true},
		{"429 with a past HTTP date", 429, now.Add(-time.Hour).Format(http.TimeFormat), 0, true, true},
		{"429 with garbage", 429, "soon", 0, false, false},
		{"429 with a negative number", 429, "-5", 0, false, false},
		{"404", 404, "1", 0, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := &http.Response{StatusCode: tt.status, Header: http.Header{}}
			if tt.retryAfter != "" {
				resp.Header.Set("Retry-After", tt.retryAfter)
			}
			after, asked, again := answerRetry(resp, now)
			if diff := cmp.Diff([]any{tt.wantAfter, tt.wantAsked, tt.wantRetry}, []any{after, asked, again}); diff != "" {
				t.Errorf("answerRetry [after, asked, retry] (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPermissionHint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		op     string
		status int
		want   string
	}{
		{OpCreateComment, 403, "the workflow needs `permissions: pull-requests: write` (and `issues: write` for issue comments); pull requests from forks only get a read-only token"},
		{OpListComments, 404, "not found, or the token cannot see it: the workflow needs `permissions: pull-requests: write` (and `issues: write` for issue comments); pull requests from forks only get a read-only token"},
		{OpGetPullRequest, 403, "the workflow needs `permissions: pull-requests: read`"},
		{OpWriteContents, 403, "the workflow needs `permissions: contents: write`"},
		{OpRepositoryDispatch, 403, "the workflow needs `permissions: contents: write` (dispatching to another repository needs a token with access to it; GITHUB_TOKEN only covers its own repository)"},
		{OpCreatePullRequest, 403, "the workflow needs `permissions: pull-requests: write` and `contents: write`, and the repository setting \"Allow GitHub Actions to create and approve pull requests\" must be enabled (Settings > Actions > General), or use a GitHub App token"},
		{OpCreateComment, 401, "the token is invalid or expired (check the token input, or that GITHUB_TOKEN is passed)"},
		{"doing something new", 403, "the token is not allowed to do this; check the workflow's `permissions:`"},
		{OpCreateComment, 422, ""},
		{OpCreateComment, 500, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %d", tt.op, tt.status), func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, PermissionHint(tt.op, tt.status)); diff != "" {
				t.Errorf("PermissionHint (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAPIErrorText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  *APIError
		want string
	}{
		{
			name: "403",
			err:  &APIError{Op: OpCreateComment, Status: 403, Permission: "pull-requests: write", Message: "Resource not accessible by integration"},
			want: "github: creating a pull request comment was refused (403): the workflow needs `permissions: pull-requests: write` (and `issues: write` for issue comments); pull requests from forks only get a read-only token; GitHub said: \"Resource not accessible by integration\"",
		},
		{
			name: "401",
			err:  &APIError{Op: OpListComments, Status: 401, Message: "Bad credentials"},
			want: "github: listing pull request comments was refused (401): the token is invalid or expired (check the token input, or that GITHUB_TOKEN is passed); GitHub said: \"Bad credentials\"",
		},
		{
			name: "500 without a message",
			err:  &APIError{Op: OpRepositoryDispatch, Status: 500},
			want: "github: sending a repository_dispatch event failed (500)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, tt.err.Error()); diff != "" {
				t.Errorf("Error() (-want +got):\n%s", diff)
			}
			var target *APIError
			if !errors.As(fmt.Errorf("wrapped: %w", tt.err), &target) {
				t.Errorf("errors.As does not find the *APIError")
			}
		})
	}
}

// foreignServer is a host other than the API: it records what reaches it
// and answers 404, the way an unrelated server would.
type foreignServer struct {
	mu       sync.Mutex
	requests []string // "METHOD /path", plus " (with Authorization)" if sent
	url      string
}

func newForeignServer(t *testing.T) *foreignServer {
	t.Helper()
	f := &foreignServer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := r.Method + " " + r.URL.Path
		if r.Header.Get("Authorization") != "" {
			req += " (with Authorization)" // never the value: it may be a token
		}
		f.mu.Lock()
		f.requests = append(f.requests, req)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"message":"Not Found"}`)
	}))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

func (f *foreignServer) got() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}

func TestRedirectsKeepTheTokenOnTheAPIHost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// route is redirected once, with status, to the foreign server or
		// (sameHost) to the same server under /api/v3.
		route        string
		status       int
		sameHost     bool
		wantErr      *APIError // nil: the upsert succeeds
		wantForeign  []string
		wantRequests []string
	}{
		{
			name:         "a GET redirected to another port goes there without the token",
			route:        githubtest.RouteListComments,
			status:       http.StatusTemporaryRedirect,
			wantErr:      &APIError{Op: OpListComments, Status: 404},
			wantForeign:  []string{"GET /repos/octo/infra/issues/7/comments"},
			wantRequests: []string{list},
		},
		{
			name:         "a POST redirected to another port goes there without the token",
			route:        githubtest.RouteCreateComment,
			status:       http.StatusPermanentRedirect,
			wantErr:      &APIError{Op: OpCreateComment, Status: 404},
			wantForeign:  []string{"POST /repos/octo/infra/issues/7/comments"},
			wantRequests: []string{list, post},
		},
		{
			name:     "a redirect on the same host keeps the token",
			route:    githubtest.RouteListComments,
			status:   http.StatusMovedPermanently,
			sameHost: true,
			wantRequests: []string{
				list,
				"GET /api/v3/repos/octo/infra/issues/7/comments",
				post,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := githubtest.NewServer(t)
			foreign := newForeignServer(t)
			location := foreign.url
			if tt.sameHost {
				location = srv.URL() + githubtest.EnterprisePrefix
			}
			srv.Inject(tt.route, githubtest.Failure{Status: tt.status, Location: location, Times: 1})
			c, _ := newTestClient(t, srv, "")

			_, err := c.UpsertStickyComment(t.Context(), owner, repo, prNum, "plan", []string{"new"})
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("UpsertStickyComment: %v", err)
				}
			} else {
				var apiErr *APIError
				if !errors.As(err, &apiErr) {
					t.Fatalf("error = %v, want *APIError", err)
				}
				if diff := cmp.Diff([]any{tt.wantErr.Op, tt.wantErr.Status}, []any{apiErr.Op, apiErr.Status}); diff != "" {
					t.Errorf("APIError (-want +got):\n%s", diff)
				}
			}
			if diff := cmp.Diff(tt.wantForeign, foreign.got()); diff != "" {
				t.Errorf("requests on the other host (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantRequests, srv.Requests()); diff != "" {
				t.Errorf("API requests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOrigin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		url  string
		want string
	}{
		{"https default port", "https://api.github.com/repos", "https://api.github.com:443"},
		{"explicit default port", "https://api.github.com:443/", "https://api.github.com:443"},
		{"upper case", "HTTPS://API.GitHub.com/", "https://api.github.com:443"},
		{"http default port", "http://ghe.example.com/api/v3/", "http://ghe.example.com:80"},
		{"other port", "https://ghe.example.com:8443/api/v3/", "https://ghe.example.com:8443"},
		{"IPv6", "http://[::1]:8080/", "http://[::1]:8080"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, err := url.Parse(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, origin(u)); diff != "" {
				t.Errorf("origin(%q) (-want +got):\n%s", tt.url, diff)
			}
		})
	}
}

// TestRetryCutShortByCancel cancels the request while the transport waits
// to retry a 503: it returns the context's error, not the answer, and
// sends nothing more.
func TestRetryCutShortByCancel(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	p := clientRetry
	p.Sleep = func(ctx context.Context, d time.Duration) error {
		cancel()
		return retry.Sleep(ctx, d)
	}
	rt := &retryTransport{base: srv.Client().Transport, policy: p}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := rt.RoundTrip(req)
	if resp != nil {
		resp.Body.Close()
		t.Errorf("got an answer (%d), want none", resp.StatusCode)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
	if got := calls.Load(); got != 1 {
		t.Errorf("requests = %d, want 1", got)
	}
}
