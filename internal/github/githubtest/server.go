// Package githubtest is a fake GitHub REST API for tests, on httptest.
//
// The fake keeps state (issue comments per pull request, pull requests,
// repository_dispatch events, and git data: branches, commits, trees and
// blobs, see [Server.SetBranch]) and checks request shapes the way GitHub
// would: the Authorization header must carry a configured token, bodies
// must be the expected JSON, comment bodies must be non-empty and at most
// 65,536 characters (else 422), and list endpoints paginate with per_page,
// page and Link headers. Any request outside the known routes fails the test
// and gets a 500. Routes are served both at the root (/repos/...) and under
// the GitHub Enterprise Server prefix (/api/v3/repos/...).
//
// Each token acts as a user: comments created with it are written by that
// login, and GET /user answers as GitHub does, with the user for a personal
// token and 403 "Resource not accessible by integration" for a bot (a login
// ending in "[bot]": the workflow's GITHUB_TOKEN or an App installation).
// The server's token acts as [DefaultUser] unless [WithUser] says otherwise;
// [WithTokenFor] adds more tokens. Like a token with write access on GitHub,
// any token may edit or delete anyone's comments.
//
// [WithApp] adds a GitHub App: installation tokens are minted for a JWT its
// key signed, and refused once [Server.ExpireAppTokens] says they lapsed.
//
// Failures and redirects can be injected per route with [Server.Inject] and
// its shortcuts [Server.FailWith], [Server.FailOnce] and [Server.RateLimitOnce].
package githubtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

const (
	// DefaultToken is the token the server expects unless WithToken says otherwise.
	DefaultToken = "ghs_githubtest0123456789abcdefghij"
	// DefaultUser is the login the server's token acts as, that of the
	// workflow's GITHUB_TOKEN.
	DefaultUser = "github-actions[bot]"
	// MaxCommentLength is GitHub's limit on a comment body, in characters.
	MaxCommentLength = 65536
	// EnterprisePrefix is the path prefix of GitHub Enterprise Server's API.
	EnterprisePrefix = "/api/v3"
)

// Routes, as ServeMux patterns, for [Server.Inject].
const (
	RouteListComments  = "GET /repos/{owner}/{repo}/issues/{number}/comments"
	RouteCreateComment = "POST /repos/{owner}/{repo}/issues/{number}/comments"
	RouteUpdateComment = "PATCH /repos/{owner}/{repo}/issues/comments/{id}"
	RouteDeleteComment = "DELETE /repos/{owner}/{repo}/issues/comments/{id}"
	RouteGetPull       = "GET /repos/{owner}/{repo}/pulls/{number}"
	RouteDispatch      = "POST /repos/{owner}/{repo}/dispatches"
	RouteGetUser       = "GET /user"
)

// Comment is an issue comment as the fake stores it.
type Comment struct {
	ID      int64
	Body    string
	HTMLURL string
	User    string
}

// PullRequest is what GET /repos/{owner}/{repo}/pulls/{number} returns.
type PullRequest struct {
	Number  int
	Title   string
	Body    string
	State   string // "open" if empty
	Draft   bool
	HeadRef string
	HeadSHA string
	BaseRef string
	// HeadRepo is "owner/repo" of the head branch when it is another
	// repository's (a fork); empty for a branch of the repository itself.
	HeadRepo string
	// User is the author's login; the server's user if empty.
	User string
	// Files are the files it changes, listed by
	// GET /repos/{owner}/{repo}/pulls/{number}/files (at most
	// MaxPullFiles of them, as GitHub).
	Files []PullFile
	// ChangedFiles is the changed_files count GitHub reports; len(Files)
	// when 0.
	ChangedFiles int
}

// Dispatch is a recorded repository_dispatch event.
type Dispatch struct {
	Owner         string
	Repo          string
	EventType     string
	ClientPayload json.RawMessage // nil if none was sent
}

// Failure is an injected answer for a route.
type Failure struct {
	Status     int    // HTTP status, e.g. 403 or 502
	Message    string // GitHub's "message"; a sensible default if empty
	RetryAfter string // Retry-After header, if not empty
	// RateLimitReset, if not empty, makes the answer a primary rate limit:
	// X-RateLimit-Remaining: 0 and X-RateLimit-Reset: RateLimitReset (Unix
	// seconds), as GitHub sends with its 403 or 429.
	RateLimitReset string
	// Repo, "owner/repo", limits the failure to requests for that
	// repository (a rate limit on one repository); "" matches any.
	Repo string
	// Times is how many matching requests fail; 0 means all of them.
	Times int
	// AfterHandling carries the request out (state changes) before
	// answering with the failure, like a gateway that times out after
	// GitHub did the work.
	AfterHandling bool
	// DocumentationURL overrides the "documentation_url" of the answer.
	DocumentationURL string
	// Location, with a 3xx Status, makes the answer a redirect to Location
	// followed by the request's path (without the /api/v3 prefix) and
	// query, e.g. Location: other.URL() moves the request to another server.
	Location string
}

// Option configures a Server.
type Option func(*Server)

// WithToken sets the token the server expects (default DefaultToken).
func WithToken(token string) Option { return func(s *Server) { s.token = token } }

// WithUser sets the login the server's token acts as (default DefaultUser).
func WithUser(login string) Option { return func(s *Server) { s.user = login } }

// WithTokenFor makes the server also accept token, acting as login: comments
// created with it are written by login.
func WithTokenFor(login, token string) Option {
	return func(s *Server) { s.extraTokens[token] = login }
}

// WithMaxPerPage caps the page size of list endpoints below GitHub's 100,
// to exercise pagination with few items.
func WithMaxPerPage(n int) Option { return func(s *Server) { s.maxPerPage = max(1, min(n, 100)) } }

// AcceptBadCredentials makes a wrong token get GitHub's 401 without failing
// the test, for testing how clients report it. A missing Authorization
// header still fails the test.
func AcceptBadCredentials() Option { return func(s *Server) { s.acceptBadCredentials = true } }

// Server is the fake GitHub API. Its methods are safe for concurrent use.
type Server struct {
	t   testing.TB
	srv *httptest.Server
	mux *http.ServeMux

	token                string
	user                 string
	extraTokens          map[string]string // token → login
	maxPerPage           int
	acceptBadCredentials bool

	mu         sync.Mutex
	nextID     int64
	clock      time.Time
	comments   map[prKey][]*comment
	pulls      map[prKey]PullRequest
	dispatches []Dispatch
	repos      map[repoKey]*gitStore
	requests   []string
	failures   map[string][]*Failure
	app        *App
	appTokens  map[string]bool // installation token → still live
}

type prKey struct {
	owner, repo string
	number      int
}

type comment struct {
	Comment
	created, updated time.Time
}

// NewServer starts a fake GitHub API that is closed when the test ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{
		t:          t,
		token:      DefaultToken,
		user:       DefaultUser,
		maxPerPage: 100,
		nextID:     1000,
		clock:      time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		comments:   map[prKey][]*comment{},
		pulls:      map[prKey]PullRequest{},
		repos:      map[repoKey]*gitStore{},
		failures:   map[string][]*Failure{},
		appTokens:  map[string]bool{},
		mux:        http.NewServeMux(),

		extraTokens: map[string]string{},
	}
	for _, o := range opts {
		o(s)
	}
	s.handle(RouteListComments, s.listComments)
	s.handle(RouteCreateComment, s.createComment)
	s.handle(RouteUpdateComment, s.updateComment)
	s.handle(RouteDeleteComment, s.deleteComment)
	s.handle(RouteGetPull, s.getPull)
	s.handle(RouteListPullFiles, s.listPullFiles)
	s.handle(RouteListPulls, s.listPulls)
	s.handle(RouteCreatePull, s.createPull)
	s.handle(RouteUpdatePull, s.updatePull)
	s.handle(RouteGetRef, s.getRef)
	s.handle(RouteCreateRef, s.createRef)
	s.handle(RouteUpdateRef, s.updateRef)
	s.handle(RouteDeleteRef, s.deleteRef)
	s.handle(RouteCreateBlob, s.createBlob)
	s.handle(RouteCreateTree, s.createTree)
	s.handle(RouteGetCommit, s.getCommit)
	s.handle(RouteCreateCommit, s.createCommit)
	s.handle(RouteDispatch, s.dispatch)
	s.handle(RouteGetUser, s.getUser)
	s.mux.HandleFunc(RouteAppToken, s.mintAppToken) // authenticated by a JWT, not a token
	s.mux.HandleFunc("/", s.unexpected)
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the API root for github.com-style clients. GitHub Enterprise Server
// clients use URL() + EnterprisePrefix.
func (s *Server) URL() string { return s.srv.URL }

// Token is the token the server expects.
func (s *Server) Token() string { return s.token }

// Client is an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// AddComment stores an existing comment on a pull request, as if user had
// written it, and returns it.
func (s *Server) AddComment(owner, repo string, pr int, user, body string) Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addComment(prKey{owner, repo, pr}, user, body).Comment
}

// Comments returns a pull request's comments, oldest first.
func (s *Server) Comments(owner, repo string, pr int) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Comment
	for _, c := range s.comments[prKey{owner, repo, pr}] {
		out = append(out, c.Comment)
	}
	return out
}

// SetPullRequest stores a pull request for GET /repos/{owner}/{repo}/pulls/{number}.
func (s *Server) SetPullRequest(owner, repo string, pr PullRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pulls[prKey{owner, repo, pr.Number}] = pr
}

// Dispatches returns the repository_dispatch events received, in order.
func (s *Server) Dispatches() []Dispatch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.dispatches)
}

// Requests returns every request received as "METHOD /path" (without the
// query string, with the /api/v3 prefix if it was used), in order.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Inject makes requests to route (one of the Route constants) fail as f says.
// Failures for a route are used in the order they were injected; the first
// whose Repo matches the request is used.
func (s *Server) Inject(route string, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[route] = append(s.failures[route], &f)
}

// FailWith makes every request to route get status with GitHub's JSON error
// message (e.g. 403, "Resource not accessible by integration").
func (s *Server) FailWith(route string, status int, message string) {
	s.Inject(route, Failure{Status: status, Message: message})
}

// FailOnce makes the next request to route get status (e.g. 502).
func (s *Server) FailOnce(route string, status int) {
	s.Inject(route, Failure{Status: status, Times: 1})
}

// RateLimitOnce makes the next request to route hit a secondary rate limit:
// status (429 or 403) with Retry-After: retryAfter.
func (s *Server) RateLimitOnce(route string, status int, retryAfter string) {
	s.Inject(route, Failure{Status: status, RetryAfter: retryAfter, Times: 1})
}

// ---- serving ----

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.Method+" "+r.URL.Path)
	s.mu.Unlock()
	if p, ok := strings.CutPrefix(r.URL.Path, EnterprisePrefix+"/"); ok {
		r2 := r.Clone(context.WithValue(r.Context(), prefixKey{}, EnterprisePrefix))
		r2.URL.Path = "/" + p
		r2.URL.RawPath = ""
		r = r2
	}
	s.mux.ServeHTTP(w, r)
}

// prefixKey is the context key of the path prefix a request came with.
type prefixKey struct{}

// loginKey is the context key of the login the request's token acts as.
type loginKey struct{}

func loginOf(r *http.Request) string {
	login, _ := r.Context().Value(loginKey{}).(string)
	return login
}

func (s *Server) unexpected(w http.ResponseWriter, r *http.Request) {
	s.t.Errorf("githubtest: unexpected request %s %s", r.Method, r.URL.RequestURI())
	writeError(w, http.StatusInternalServerError, "githubtest: unexpected request "+r.Method+" "+r.URL.Path, "")
}

// handle registers h for route behind the checks every request goes through.
func (s *Server) handle(route string, h http.HandlerFunc) {
	s.mux.HandleFunc(route, func(w http.ResponseWriter, r *http.Request) {
		login, ok := s.checkHeaders(w, r)
		if !ok {
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), loginKey{}, login))
		f := s.takeFailure(route, r.PathValue("owner")+"/"+r.PathValue("repo"))
		if f == nil {
			h(w, r)
			return
		}
		if f.AfterHandling {
			h(httptest.NewRecorder(), r)
		}
		if f.Location != "" {
			target := f.Location + r.URL.Path
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			w.Header().Set("Location", target)
			w.WriteHeader(f.Status)
			return
		}
		s.writeFailure(w, f)
	})
}

// checkHeaders checks what GitHub requires of every request, and returns
// the login the request's token acts as.
func (s *Server) checkHeaders(w http.ResponseWriter, r *http.Request) (string, bool) {
	if r.Header.Get("User-Agent") == "" {
		s.t.Errorf("githubtest: %s %s: no User-Agent header (GitHub rejects these)", r.Method, r.URL.Path)
		writeError(w, http.StatusForbidden, "Request forbidden by administrative rules. Please make sure your request has a User-Agent header.", "")
		return "", false
	}
	auth := r.Header.Get("Authorization")
	if auth == "" {
		s.t.Errorf("githubtest: %s %s: no Authorization header", r.Method, r.URL.Path)
		writeError(w, http.StatusUnauthorized, "Requires authentication", "https://docs.github.com/rest")
		return "", false
	}
	scheme, tok, _ := strings.Cut(auth, " ")
	login, known := s.extraTokens[tok]
	if tok == s.token {
		login, known = s.user, true
	}
	if appLogin, minted, live := s.appLogin(tok); minted {
		if !live {
			// Expired or revoked: GitHub's answer, not a client's mistake.
			writeError(w, http.StatusUnauthorized, "Bad credentials", "https://docs.github.com/rest")
			return "", false
		}
		login, known = appLogin, true
	}
	if (scheme != "Bearer" && scheme != "token") || !known {
		if !s.acceptBadCredentials {
			// Never print the header: it holds a token.
			s.t.Errorf("githubtest: %s %s: Authorization header is not \"Bearer <token>\" or \"token <token>\" with a configured token", r.Method, r.URL.Path)
		}
		writeError(w, http.StatusUnauthorized, "Bad credentials", "https://docs.github.com/rest")
		return "", false
	}
	return login, true
}

func (s *Server) takeFailure(route, repo string) *Failure {
	s.mu.Lock()
	defer s.mu.Unlock()
	fs := s.failures[route]
	for i, f := range fs {
		if f.Repo != "" && f.Repo != repo {
			continue
		}
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.failures[route] = slices.Delete(slices.Clone(fs), i, i+1)
			}
		}
		return f
	}
	return nil
}

func (s *Server) writeFailure(w http.ResponseWriter, f *Failure) {
	msg, doc := f.Message, f.DocumentationURL
	if f.RateLimitReset != "" {
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", f.RateLimitReset)
		if msg == "" {
			msg = "API rate limit exceeded for installation."
		}
	}
	switch {
	case f.RetryAfter != "":
		w.Header().Set("Retry-After", f.RetryAfter)
		if msg == "" {
			msg = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
		}
		if doc == "" {
			doc = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
		}
	case f.Status == http.StatusForbidden && msg == "":
		msg = "Resource not accessible by integration"
	case f.Status == http.StatusNotFound && msg == "":
		msg = "Not Found"
	}
	if f.Status >= 500 && f.Status <= 599 && msg == "" {
		// Gateways answer with HTML, not GitHub's JSON.
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>", f.Status, http.StatusText(f.Status))
		return
	}
	if doc == "" {
		doc = "https://docs.github.com/rest"
	}
	writeError(w, f.Status, msg, doc)
}

// ---- handlers ----

func (s *Server) listComments(w http.ResponseWriter, r *http.Request) {
	key, ok := s.prKey(w, r)
	if !ok {
		return
	}
	if !s.checkQuery(r, "per_page", "page", "since", "sort", "direction") {
		writeError(w, http.StatusBadRequest, "githubtest: unexpected query parameter", "")
		return
	}
	s.mu.Lock()
	var all []map[string]any
	for _, c := range s.comments[key] {
		all = append(all, s.commentJSON(key, c))
	}
	s.mu.Unlock()
	s.paginate(w, r, all)
}

func (s *Server) createComment(w http.ResponseWriter, r *http.Request) {
	key, ok := s.prKey(w, r)
	if !ok {
		return
	}
	body, ok := s.commentBody(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	c := s.addComment(key, loginOf(r), body)
	out := s.commentJSON(key, c)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) updateComment(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/issues/comments#update-an-issue-comment")
		return
	}
	body, ok := s.commentBody(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key, c := s.findComment(r.PathValue("owner"), r.PathValue("repo"), id)
	if c == nil {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/issues/comments#update-an-issue-comment")
		return
	}
	c.Body = body
	c.updated = s.tick()
	writeJSON(w, http.StatusOK, s.commentJSON(key, c))
}

func (s *Server) deleteComment(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/issues/comments#delete-an-issue-comment")
		return
	}
	if !s.checkNoBody(w, r) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key, c := s.findComment(r.PathValue("owner"), r.PathValue("repo"), id)
	if c == nil {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/issues/comments#delete-an-issue-comment")
		return
	}
	s.comments[key] = slices.DeleteFunc(s.comments[key], func(x *comment) bool { return x == c })
	w.WriteHeader(http.StatusNoContent)
}

// getUser answers GET /user: the user for a personal token, and for a bot
// (an installation token such as GITHUB_TOKEN) GitHub's refusal.
func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	if !s.checkQuery(r) {
		writeError(w, http.StatusBadRequest, "githubtest: unexpected query parameter", "")
		return
	}
	login := loginOf(r)
	if isBot(login) {
		writeError(w, http.StatusForbidden, "Resource not accessible by integration", "https://docs.github.com/rest/users/users#get-the-authenticated-user")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"login": login, "type": "User"})
}

func isBot(login string) bool { return strings.HasSuffix(login, "[bot]") }

func (s *Server) getPull(w http.ResponseWriter, r *http.Request) {
	key, ok := s.prKey(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	pr, found := s.pulls[key]
	s.mu.Unlock()
	if !found {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/pulls/pulls#get-a-pull-request")
		return
	}
	writeJSON(w, http.StatusOK, s.pullJSON(key.owner, key.repo, pr))
}

func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	var in struct {
		EventType     *string         `json:"event_type"`
		ClientPayload json.RawMessage `json:"client_payload"`
	}
	if !s.decode(w, r, &in) {
		return
	}
	if in.EventType == nil || *in.EventType == "" || utf8.RuneCountInString(*in.EventType) > 100 {
		writeValidation(w, "RepositoryDispatch", "event_type", "invalid", "event_type must be 1 to 100 characters")
		return
	}
	var payload json.RawMessage
	if len(in.ClientPayload) > 0 && string(in.ClientPayload) != "null" {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(in.ClientPayload, &obj); err != nil {
			writeValidation(w, "RepositoryDispatch", "client_payload", "invalid", "client_payload must be an object")
			return
		}
		if len(obj) > 10 {
			writeValidation(w, "RepositoryDispatch", "client_payload", "invalid", "client_payload may have at most 10 top-level properties")
			return
		}
		payload = slices.Clone(in.ClientPayload)
	}
	s.mu.Lock()
	s.dispatches = append(s.dispatches, Dispatch{
		Owner: r.PathValue("owner"), Repo: r.PathValue("repo"),
		EventType: *in.EventType, ClientPayload: payload,
	})
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// ---- helpers ----

func (s *Server) prKey(w http.ResponseWriter, r *http.Request) (prKey, bool) {
	n, err := strconv.Atoi(r.PathValue("number"))
	if err != nil || n <= 0 {
		s.t.Errorf("githubtest: %s %s: bad pull request number %q", r.Method, r.URL.Path, r.PathValue("number"))
		writeError(w, http.StatusNotFound, "Not Found", "")
		return prKey{}, false
	}
	return prKey{r.PathValue("owner"), r.PathValue("repo"), n}, true
}

// commentBody decodes {"body": "..."} and validates it like GitHub.
func (s *Server) commentBody(w http.ResponseWriter, r *http.Request) (string, bool) {
	var in struct {
		Body *string `json:"body"`
	}
	if !s.decode(w, r, &in) {
		return "", false
	}
	if in.Body == nil || strings.TrimSpace(*in.Body) == "" {
		writeValidation(w, "IssueComment", "body", "missing_field", "")
		return "", false
	}
	if n := utf8.RuneCountInString(*in.Body); n > MaxCommentLength {
		writeValidation(w, "IssueComment", "body", "custom",
			fmt.Sprintf("body is too long (maximum is %d characters)", MaxCommentLength))
		return "", false
	}
	return *in.Body, true
}

// decode reads a JSON object body into v, failing the test on anything but
// exactly the expected fields.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		s.t.Errorf("githubtest: %s %s: Content-Type %q, want application/json", r.Method, r.URL.Path, ct)
		writeError(w, http.StatusUnsupportedMediaType, "Unsupported Media Type", "")
		return false
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "Problems reading the body", "")
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil || dec.More() {
		s.t.Errorf("githubtest: %s %s: body %.200q does not decode into the expected fields: %v", r.Method, r.URL.Path, data, err)
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", "https://docs.github.com/rest")
		return false
	}
	return true
}

func (s *Server) checkNoBody(w http.ResponseWriter, r *http.Request) bool {
	data, _ := io.ReadAll(r.Body)
	if len(bytes.TrimSpace(data)) > 0 {
		s.t.Errorf("githubtest: %s %s: unexpected body %.200q", r.Method, r.URL.Path, data)
		writeError(w, http.StatusBadRequest, "githubtest: unexpected body", "")
		return false
	}
	return true
}

func (s *Server) checkQuery(r *http.Request, allowed ...string) bool {
	for k := range r.URL.Query() {
		if !slices.Contains(allowed, k) {
			s.t.Errorf("githubtest: %s %s: unexpected query parameter %q", r.Method, r.URL.Path, k)
			return false
		}
	}
	return true
}

// paginate writes the page of items that per_page and page select, with a
// Link header like GitHub's.
func (s *Server) paginate(w http.ResponseWriter, r *http.Request, items []map[string]any) {
	q := r.URL.Query()
	perPage := 30
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil && n > 0 {
		perPage = min(n, 100)
	}
	perPage = min(perPage, s.maxPerPage)
	page := 1
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 {
		page = n
	}
	last := max(1, (len(items)+perPage-1)/perPage)
	start := min((page-1)*perPage, len(items))
	end := min(start+perPage, len(items))

	// Links use the path the client used, /api/v3 prefix included.
	prefix, _ := r.Context().Value(prefixKey{}).(string)
	link := func(p int, rel string) string {
		u, _ := url.Parse(s.srv.URL)
		u.Path = prefix + r.URL.Path
		lq := url.Values{}
		for k, v := range q {
			lq[k] = v
		}
		lq.Set("per_page", strconv.Itoa(perPage))
		lq.Set("page", strconv.Itoa(p))
		u.RawQuery = lq.Encode()
		return fmt.Sprintf("<%s>; rel=%q", u, rel)
	}
	var links []string
	if page > 1 {
		links = append(links, link(page-1, "prev"), link(1, "first"))
	}
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	out := items[start:end]
	if out == nil {
		out = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, out)
}

// addComment stores a comment; s.mu must be held.
func (s *Server) addComment(key prKey, user, body string) *comment {
	s.nextID++
	now := s.tick()
	c := &comment{
		Comment: Comment{
			ID:      s.nextID,
			Body:    body,
			HTMLURL: fmt.Sprintf("%s/%s/%s/pull/%d#issuecomment-%d", s.srv.URL, key.owner, key.repo, key.number, s.nextID),
			User:    user,
		},
		created: now,
		updated: now,
	}
	s.comments[key] = append(s.comments[key], c)
	return c
}

// findComment finds a comment of a repository by id; s.mu must be held.
func (s *Server) findComment(owner, repo string, id int64) (prKey, *comment) {
	for key, cs := range s.comments {
		if key.owner != owner || key.repo != repo {
			continue
		}
		for _, c := range cs {
			if c.ID == id {
				return key, c
			}
		}
	}
	return prKey{}, nil
}

// tick advances the fake clock; s.mu must be held.
func (s *Server) tick() time.Time {
	s.clock = s.clock.Add(time.Second)
	return s.clock
}

// commentJSON renders a comment like GitHub's API; s.mu must be held.
func (s *Server) commentJSON(key prKey, c *comment) map[string]any {
	userType := "User"
	if isBot(c.User) {
		userType = "Bot"
	}
	return map[string]any{
		"id":                 c.ID,
		"node_id":            fmt.Sprintf("IC_%d", c.ID),
		"url":                fmt.Sprintf("%s/repos/%s/%s/issues/comments/%d", s.srv.URL, key.owner, key.repo, c.ID),
		"html_url":           c.HTMLURL,
		"issue_url":          fmt.Sprintf("%s/repos/%s/%s/issues/%d", s.srv.URL, key.owner, key.repo, key.number),
		"body":               c.Body,
		"user":               map[string]any{"login": c.User, "type": userType},
		"created_at":         c.created.Format(time.RFC3339),
		"updated_at":         c.updated.Format(time.RFC3339),
		"author_association": "NONE",
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, message, doc string) {
	body := map[string]any{"message": message, "status": strconv.Itoa(status)}
	if doc != "" {
		body["documentation_url"] = doc
	}
	writeJSON(w, status, body)
}

func writeValidation(w http.ResponseWriter, resource, field, code, message string) {
	e := map[string]any{"resource": resource, "field": field, "code": code}
	if message != "" {
		e["message"] = message
	}
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"message":           "Validation Failed",
		"errors":            []any{e},
		"documentation_url": "https://docs.github.com/rest",
		"status":            "422",
	})
}
