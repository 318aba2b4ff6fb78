package githubtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// recorder is a testing.TB that records Errorf calls instead of failing,
// to test that the server fails tests when it should.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) Helper() {}

func (r *recorder) errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errs...)
}

type response struct {
	Status int
	Body   string
	Link   string
}

// do sends a request with the server's token unless header says otherwise.
func do(t *testing.T, s *Server, method, path, body string, header map[string]string) response {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL()+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", "githubtest-test")
	req.Header.Set("Authorization", "Bearer "+s.Token())
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v) // "" sends no such header (and no default User-Agent)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Body: strings.TrimSpace(string(data)), Link: resp.Header.Get("Link")}
}

func TestServerChecks(t *testing.T) {
	t.Parallel()
	long := `{"body":"` + strings.Repeat("é", MaxCommentLength+1) + `"}`
	atLimit := `{"body":"` + strings.Repeat("é", MaxCommentLength) + `"}`
	tests := []struct {
		name       string
		opts       []Option
		method     string
		path       string
		body       string
		header     map[string]string
		wantStatus int
		wantBody   string // substring
		wantErrors int    // test failures the server reports
	}{
		{name: "list", method: "GET", path: "/repos/o/r/issues/1/comments", wantStatus: 200, wantBody: "[]"},
		{name: "list under /api/v3", method: "GET", path: "/api/v3/repos/o/r/issues/1/comments", wantStatus: 200, wantBody: "[]"},
		{name: "token scheme", method: "GET", path: "/repos/o/r/issues/1/comments", header: map[string]string{"Authorization": "token " + DefaultToken}, wantStatus: 200},
		{name: "unknown route", method: "GET", path: "/repos/o/r/issues", wantStatus: 500, wantErrors: 1},
		{name: "wrong method", method: "PUT", path: "/repos/o/r/issues/1/comments", body: `{"body":"x"}`, wantStatus: 500, wantErrors: 1},
		{name: "unknown query parameter", method: "GET", path: "/repos/o/r/issues/1/comments?state=all", wantStatus: 400, wantErrors: 1},
		{name: "no Authorization", method: "GET", path: "/repos/o/r/issues/1/comments", header: map[string]string{"Authorization": ""}, wantStatus: 401, wantBody: "Requires authentication", wantErrors: 1},
		{name: "wrong token", method: "GET", path: "/repos/o/r/issues/1/comments", header: map[string]string{"Authorization": "Bearer nope"}, wantStatus: 401, wantBody: "Bad credentials", wantErrors: 1},
		{name: "wrong token accepted", opts: []Option{AcceptBadCredentials()}, method: "GET", path: "/repos/o/r/issues/1/comments", header: map[string]string{"Authorization": "Bearer nope"}, wantStatus: 401, wantBody: "Bad credentials"},
		{name: "Basic auth", method: "GET", path: "/repos/o/r/issues/1/comments", header: map[string]string{"Authorization": "Basic " + DefaultToken}, wantStatus: 401, wantErrors: 1},
		{name: "no User-Agent", method: "GET", path: "/repos/o/r/issues/1/comments", header: map[string]string{"User-Agent": ""}, wantStatus: 403, wantErrors: 1},
		{name: "custom token", opts: []Option{WithToken("other")}, method: "GET", path: "/repos/o/r/issues/1/comments", header: map[string]string{"Authorization": "Bearer other"}, wantStatus: 200},
		{name: "create", method: "POST", path: "/repos/o/r/issues/1/comments", body: `{"body":"hi"}`, wantStatus: 201, wantBody: `"html_url":"`},
		{name: "create at the limit", method: "POST", path: "/repos/o/r/issues/1/comments", body: atLimit, wantStatus: 201},
		{name: "create too long", method: "POST", path: "/repos/o/r/issues/1/comments", body: long, wantStatus: 422, wantBody: "body is too long (maximum is 65536 characters)"},
		{name: "create empty", method: "POST", path: "/repos/o/r/issues/1/comments", body: `{"body":""}`, wantStatus: 422, wantBody: "missing_field"},
		{name: "create without body field", method: "POST", path: "/repos/o/r/issues/1/comments", body: `{}`, wantStatus: 422, wantBody: "missing_field"},
		{name: "create with unknown field", method: "POST", path: "/repos/o/r/issues/1/comments", body: `{"body":"x","title":"y"}`, wantStatus: 400, wantErrors: 1},
		{name: "create with bad JSON", method: "POST", path: "/repos/o/r/issues/1/comments", body: `{"body":`, wantStatus: 400, wantErrors: 1},
		{name: "create without Content-Type", method: "POST", path: "/repos/o/r/issues/1/comments", body: `{"body":"x"}`, header: map[string]string{"Content-Type": ""}, wantStatus: 415, wantErrors: 1},
		{name: "create on PR 0", method: "POST", path: "/repos/o/r/issues/0/comments", body: `{"body":"x"}`, wantStatus: 404, wantErrors: 1},
		{name: "update missing comment", method: "PATCH", path: "/repos/o/r/issues/comments/5", body: `{"body":"x"}`, wantStatus: 404, wantBody: "Not Found"},
		{name: "delete missing comment", method: "DELETE", path: "/repos/o/r/issues/comments/5", wantStatus: 404},
		{name: "get missing pull request", method: "GET", path: "/repos/o/r/pulls/3", wantStatus: 404},
		{name: "dispatch", method: "POST", path: "/repos/o/r/dispatches", body: `{"event_type":"drift","client_payload":{"a":1}}`, wantStatus: 204},
		{name: "dispatch without event_type", method: "POST", path: "/repos/o/r/dispatches", body: `{"client_payload":{}}`, wantStatus: 422},
		{name: "dispatch with a list payload", method: "POST", path: "/repos/o/r/dispatches", body: `{"event_type":"x","client_payload":[1]}`, wantStatus: 422},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{TB: t}
			s := NewServer(rec, tt.opts...)
			got := do(t, s, tt.method, tt.path, tt.body, tt.header)
			if got.Status != tt.wantStatus {
				t.Errorf("status = %d, want %d (body %.200s)", got.Status, tt.wantStatus, got.Body)
			}
			if !strings.Contains(got.Body, tt.wantBody) {
				t.Errorf("body %.200s does not contain %q", got.Body, tt.wantBody)
			}
			if errs := rec.errors(); len(errs) != tt.wantErrors {
				t.Errorf("server reported %d test failures, want %d: %q", len(errs), tt.wantErrors, errs)
			}
			for _, e := range rec.errors() {
				if strings.Contains(e, s.Token()) {
					t.Errorf("failure message shows the token: %s", e)
				}
			}
		})
	}
}

func TestServerCommentState(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithUser("drift-bot[bot]"))
	seeded := s.AddComment("o", "r", 1, "alice", "hello")
	s.AddComment("o", "other", 1, "bob", "elsewhere")

	created := do(t, s, "POST", "/repos/o/r/issues/1/comments", `{"body":"mine"}`, nil)
	var c struct {
		ID      int64  `json:"id"`
		HTMLURL string `json:"html_url"`
		User    struct {
			Login string `json:"login"`
			Type  string `json:"type"`
		} `json:"user"`
	}
	if err := json.Unmarshal([]byte(created.Body), &c); err != nil {
		t.Fatal(err)
	}
	if c.User.Login != "drift-bot[bot]" || c.User.Type != "Bot" {
		t.Errorf("user = %+v", c.User)
	}
	if got := do(t, s, "PATCH", fmt.Sprintf("/repos/o/r/issues/comments/%d", c.ID), `{"body":"edited"}`, nil); got.Status != 200 {
		t.Errorf("PATCH status %d", got.Status)
	}
	// A comment id of another repository is not found.
	if got := do(t, s, "DELETE", fmt.Sprintf("/repos/o/other/issues/comments/%d", c.ID), "", nil); got.Status != 404 {
		t.Errorf("DELETE through another repository: status %d, want 404", got.Status)
	}
	want := []Comment{
		seeded,
		{ID: c.ID, Body: "edited", HTMLURL: c.HTMLURL, User: "drift-bot[bot]"},
	}
	if diff := cmp.Diff(want, s.Comments("o", "r", 1)); diff != "" {
		t.Errorf("comments (-want +got):\n%s", diff)
	}
	if got := do(t, s, "DELETE", fmt.Sprintf("/repos/o/r/issues/comments/%d", seeded.ID), "", nil); got.Status != 204 {
		t.Errorf("DELETE status %d", got.Status)
	}
	if diff := cmp.Diff(want[1:], s.Comments("o", "r", 1)); diff != "" {
		t.Errorf("comments after delete (-want +got):\n%s", diff)
	}
	wantRequests := []string{
		"POST /repos/o/r/issues/1/comments",
		fmt.Sprintf("PATCH /repos/o/r/issues/comments/%d", c.ID),
		fmt.Sprintf("DELETE /repos/o/other/issues/comments/%d", c.ID),
		fmt.Sprintf("DELETE /repos/o/r/issues/comments/%d", seeded.ID),
	}
	if diff := cmp.Diff(wantRequests, s.Requests()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestServerPagination(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		opts      []Option
		path      string
		wantIDs   []int64
		wantLinks string
	}{
		{
			name:      "first page capped by WithMaxPerPage",
			opts:      []Option{WithMaxPerPage(2)},
			path:      "/repos/o/r/issues/1/comments?per_page=100",
			wantIDs:   []int64{1001, 1002},
			wantLinks: `<URL/repos/o/r/issues/1/comments?page=2&per_page=2>; rel="next", <URL/repos/o/r/issues/1/comments?page=3&per_page=2>; rel="last"`,
		},
		{
			name:      "middle page under /api/v3",
			opts:      []Option{WithMaxPerPage(2)},
			path:      "/api/v3/repos/o/r/issues/1/comments?per_page=100&page=2",
			wantIDs:   []int64{1003, 1004},
			wantLinks: `<URL/api/v3/repos/o/r/issues/1/comments?page=1&per_page=2>; rel="prev", <URL/api/v3/repos/o/r/issues/1/comments?page=1&per_page=2>; rel="first", <URL/api/v3/repos/o/r/issues/1/comments?page=3&per_page=2>; rel="next", <URL/api/v3/repos/o/r/issues/1/comments?page=3&per_page=2>; rel="last"`,
		},
		{
			name:      "last page",
			path:      "/repos/o/r/issues/1/comments?per_page=2&page=3",
			wantIDs:   []int64{1005},
			wantLinks: `<URL/repos/o/r/issues/1/comments?page=2&per_page=2>; rel="prev", <URL/repos/o/r/issues/1/comments?page=1&per_page=2>; rel="first"`,
		},
		{
			name:    "default page size holds everything",
			path:    "/repos/o/r/issues/1/comments",
			wantIDs: []int64{1001, 1002, 1003, 1004, 1005},
		},
		{
			name:      "past the end",
			path:      "/repos/o/r/issues/1/comments?page=9",
			wantIDs:   []int64{},
			wantLinks: `<URL/repos/o/r/issues/1/comments?page=8&per_page=30>; rel="prev", <URL/repos/o/r/issues/1/comments?page=1&per_page=30>; rel="first"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := NewServer(t, tt.opts...)
			for i := range 5 {
				s.AddComment("o", "r", 1, "alice", fmt.Sprint("c", i))
			}
			got := do(t, s, "GET", tt.path, "", nil)
			var page []struct {
				ID int64 `json:"id"`
			}
			if err := json.Unmarshal([]byte(got.Body), &page); err != nil {
				t.Fatalf("%v: %s", err, got.Body)
			}
			ids := []int64{}
			for _, c := range page {
				ids = append(ids, c.ID)
			}
			if diff := cmp.Diff(tt.wantIDs, ids); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantLinks, strings.ReplaceAll(got.Link, s.URL(), "URL")); diff != "" {
				t.Errorf("Link (-want +got):\n%s", diff)
			}
		})
	}
}

func TestServerInject(t *testing.T) {
	t.Parallel()
	const list = "/repos/o/r/issues/1/comments"
	tests := []struct {
		name       string
		inject     func(s *Server)
		wantStatus []int
		wantBody   string // of the first answer
		wantRetry  string // Retry-After of the first answer
		wantCount  int    // comments after two POSTs
	}{
		{
			name:       "FailWith answers every time",
			inject:     func(s *Server) { s.FailWith(RouteCreateComment, 403, "Resource not accessible by integration") },
			wantStatus: []int{403, 403},
			wantBody:   `"message":"Resource not accessible by integration"`,
		},
		{
			name:       "FailOnce answers once",
			inject:     func(s *Server) { s.FailOnce(RouteCreateComment, 502) },
			wantStatus: []int{502, 201},
			wantBody:   "502 Bad Gateway",
			wantCount:  1,
		},
		{
			name:       "RateLimitOnce sends Retry-After",
			inject:     func(s *Server) { s.RateLimitOnce(RouteCreateComment, 429, "7") },
			wantStatus: []int{429, 201},
			wantBody:   "secondary rate limit",
			wantRetry:  "7",
			wantCount:  1,
		},
		{
			name: "AfterHandling changes state, then fails",
			inject: func(s *Server) {
				s.Inject(RouteCreateComment, Failure{Status: 504, Times: 1, AfterHandling: true})
			},
			wantStatus: []int{504, 201},
			wantCount:  2,
		},
		{
			name: "failures are used in order",
			inject: func(s *Server) {
				s.FailOnce(RouteCreateComment, 503)
				s.FailOnce(RouteCreateComment, 404)
			},
			wantStatus: []int{503, 404},
		},
		{
			name: "a failure for another repository is passed over",
			inject: func(s *Server) {
				s.Inject(RouteCreateComment, Failure{Status: 429, RetryAfter: "60", Repo: "o/other"})
				s.Inject(RouteCreateComment, Failure{Status: 502, Repo: "o/r", Times: 1})
			},
			wantStatus: []int{502, 201},
			wantBody:   "502 Bad Gateway",
			wantCount:  1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := NewServer(t)
			tt.inject(s)
			var statuses []int
			var first *http.Response
			for range 2 {
				req, _ := http.NewRequestWithContext(t.Context(), "POST", s.URL()+list, strings.NewReader(`{"body":"x"}`))
				req.Header.Set("User-Agent", "t")
				req.Header.Set("Authorization", "token "+s.Token())
				req.Header.Set("Content-Type", "application/json")
				resp, err := s.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				data, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if first == nil {
					first = resp
					if !strings.Contains(string(data), tt.wantBody) {
						t.Errorf("first body %s does not contain %q", data, tt.wantBody)
					}
				}
				statuses = append(statuses, resp.StatusCode)
			}
			if diff := cmp.Diff(tt.wantStatus, statuses); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
			if got := first.Header.Get("Retry-After"); got != tt.wantRetry {
				t.Errorf("Retry-After = %q, want %q", got, tt.wantRetry)
			}
			if got := len(s.Comments("o", "r", 1)); got != tt.wantCount {
				t.Errorf("%d comments, want %d", got, tt.wantCount)
			}
		})
	}
}

func TestServerPullRequestsAndDispatches(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	s.SetPullRequest("o", "r", PullRequest{Number: 4, Title: "Fix drift", HeadRef: "fix", HeadSHA: "abc123", BaseRef: "main"})

	got := do(t, s, "GET", "/api/v3/repos/o/r/pulls/4", "", nil)
	var pr struct {
		Number int    `json:"number"`
		State  string `json:"state"`
		Title  string `json:"title"`
		Head   struct {
			Ref string `json:"ref"`
			SHA string `json:"sha"`
		} `json:"head"`
		Base struct {
			Ref string `json:"ref"`
		} `json:"base"`
	}
	if err := json.Unmarshal([]byte(got.Body), &pr); err != nil {
		t.Fatal(err)
	}
	wantPR := pr
	wantPR.Number, wantPR.State, wantPR.Title = 4, "open", "Fix drift"
	wantPR.Head.Ref, wantPR.Head.SHA, wantPR.Base.Ref = "fix", "abc123", "main"
	if diff := cmp.Diff(wantPR, pr); diff != "" {
		t.Errorf("pull request (-want +got):\n%s", diff)
	}

	do(t, s, "POST", "/repos/o/r/dispatches", `{"event_type":"drift-detected","client_payload":{"stacks":["app"]}}`, nil)
	do(t, s, "POST", "/repos/o/r/dispatches", `{"event_type":"ping"}`, nil)
	want := []Dispatch{
		{Owner: "o", Repo: "r", EventType: "drift-detected", ClientPayload: json.RawMessage(`{"stacks":["app"]}`)},
		{Owner: "o", Repo: "r", EventType: "ping"},
	}
	if diff := cmp.Diff(want, s.Dispatches()); diff != "" {
		t.Errorf("dispatches (-want +got):\n%s", diff)
	}
}

func TestServerTokensActAsUsers(t *testing.T) {
	t.Parallel()
	const pat = "ghp_alice0123456789"
	tests := []struct {
		name       string
		opts       []Option
		token      string // "" is the server's token
		wantUser   response
		wantAuthor string
	}{
		{
			name:       "GITHUB_TOKEN may not read /user",
			wantUser:   response{Status: 403, Body: `{"documentation_url":"https://docs.github.com/rest/users/users#get-the-authenticated-user","message":"Resource not accessible by integration","status":"403"}`},
			wantAuthor: DefaultUser,
		},
		{
			name:       "an App installation token may not either",
			opts:       []Option{WithUser("drift-app[bot]")},
			wantUser:   response{Status: 403, Body: `{"documentation_url":"https://docs.github.com/rest/users/users#get-the-authenticated-user","message":"Resource not accessible by integration","status":"403"}`},
			wantAuthor: "drift-app[bot]",
		},
		{
			name:       "a personal token reads its user",
			opts:       []Option{WithTokenFor("alice", pat)},
			token:      pat,
			wantUser:   response{Status: 200, Body: `{"login":"alice","type":"User"}`},
			wantAuthor: "alice",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := NewServer(t, tt.opts...)
			var header map[string]string
			if tt.token != "" {
				header = map[string]string{"Authorization": "Bearer " + tt.token}
			}
			if diff := cmp.Diff(tt.wantUser, do(t, s, "GET", "/user", "", header)); diff != "" {
				t.Errorf("GET /user (-want +got):\n%s", diff)
			}
			if got := do(t, s, "POST", "/repos/o/r/issues/1/comments", `{"body":"hi"}`, header); got.Status != 201 {
				t.Fatalf("POST status %d: %s", got.Status, got.Body)
			}
			var authors []string
			for _, c := range s.Comments("o", "r", 1) {
				authors = append(authors, c.User)
			}
			if diff := cmp.Diff([]string{tt.wantAuthor}, authors); diff != "" {
				t.Errorf("comment authors (-want +got):\n%s", diff)
			}
		})
	}
}
