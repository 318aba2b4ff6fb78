package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/myorg/drift-action/internal/github/githubtest"
	"github.com/myorg/drift-action/internal/report"
)

const (
	bot   = githubtest.DefaultUser
	human = "alice"
	list  = "GET /repos/octo/infra/issues/7/comments"
	post  = "POST /repos/octo/infra/issues/7/comments"
	// whoami is asked once there are marked comments, to tell ours apart.
	whoami = "GET /user"
)

func patch(id int64) string { return fmt.Sprintf("PATCH /repos/octo/infra/issues/comments/%d", id) }
func del(id int64) string   { return fmt.Sprintf("DELETE /repos/octo/infra/issues/comments/%d", id) }

// sticky is the body of part i of the "plan" sticky comment.
func sticky(text string, i int) string { return withMarker(text, "plan", i) }

func TestUpsertStickyComment(t *testing.T) {
	t.Parallel()
	// Seeded comments get ids 1001, 1002, …; created ones continue from there.
	tests := []struct {
		name         string
		opts         []githubtest.Option
		apiPath      string
		seeds        []seed
		bodies       []string
		wantComments []commentView
		wantRequests []string
		wantURLs     []int64 // ids of the comments whose URLs are returned
	}{
		{
			name:         "first run creates one comment",
			bodies:       []string{"No drift."},
			wantComments: []commentView{{1001, bot, sticky("No drift.", 0)}},
			wantRequests: []string{list, post},
			wantURLs:     []int64{1001},
		},
		{
			name: "second run updates in place and leaves other comments alone",
			seeds: []seed{
				{human, "LGTM"},
				{bot, sticky("Drift in 1 stack.", 0)},
				{bot, withMarker("Cost estimate", "cost", 0)},
				{human, "Please fix the drift"},
			},
			bodies: []string{"No drift."},
			wantComments: []commentView{
				{1001, human, "LGTM"},
				{1002, bot, sticky("No drift.", 0)},
				{1003, bot, withMarker("Cost estimate", "cost", 0)},
				{1004, human, "Please fix the drift"},
			},
			wantRequests: []string{list, whoami, patch(1002)},
			wantURLs:     []int64{1002},
		},
		{
			name:         "unchanged body is not rewritten",
			seeds:        []seed{{bot, sticky("No drift.", 0)}},
			bodies:       []string{"No drift."},
			wantComments: []commentView{{1001, bot, sticky("No drift.", 0)}},
			wantRequests: []string{list, whoami},
			wantURLs:     []int64{1001},
		},
		{
			name:   "a body in three parts creates three comments",
			bodies: []string{"part one", "part two", "part three"},
			wantComments: []commentView{
				{1001, bot, sticky("part one", 0)},
				{1002, bot, sticky("part two", 1)},
				{1003, bot, sticky("part three", 2)},
			},
			wantRequests: []string{list, post, post, post},
			wantURLs:     []int64{1001, 1002, 1003},
		},
		{
			name: "a shorter run deletes the leftover parts",
			seeds: []seed{
				{bot, sticky("old one", 0)},
				{human, "in between"},
				{bot, sticky("old two", 1)},
				{bot, sticky("old three", 2)},
			},
			bodies: []string{"new one"},
			wantComments: []commentView{
				{1001, bot, sticky("new one", 0)},
				{1002, human, "in between"},
			},
			wantRequests: []string{list, whoami, patch(1001), del(1003), del(1004)},
			wantURLs:     []int64{1001},
		},
		{
			name:   "a longer run updates and adds parts",
			seeds:  []seed{{bot, sticky("old one", 0)}},
			bodies: []string{"one", "two", "three"},
			wantComments: []commentView{
				{1001, bot, sticky("one", 0)},
				{1002, bot, sticky("two", 1)},
				{1003, bot, sticky("three", 2)},
			},
			wantRequests: []string{list, whoami, patch(1001), post, post},
			wantURLs:     []int64{1001, 1002, 1003},
		},
		{
			name: "parts are reassigned in posting order",
			seeds: []seed{
				{bot, sticky("was part two", 1)},
				{bot, sticky("was part one", 0)},
			},
			bodies: []string{"one", "two"},
			wantComments: []commentView{
				{1001, bot, sticky("one", 0)},
				{1002, bot, sticky("two", 1)},
			},
			wantRequests: []string{list, whoami, patch(1001), patch(1002)},
			wantURLs:     []int64{1001, 1002},
		},
		{
			name: "duplicate parts from an earlier race are removed",
			seeds: []seed{
				{bot, sticky("dup", 0)},
				{bot, sticky("dup", 0)},
			},
			bodies:       []string{"dup"},
			wantComments: []commentView{{1001, bot, sticky("dup", 0)}},
			wantRequests: []string{list, whoami, del(1002)},
			wantURLs:     []int64{1001},
		},
		{
			name: "markers that are not ours are ignored",
			seeds: []seed{
				{human, "I copied this: " + Marker("plan", 0) + " and wrote on"},
				{human, "quoted\n" + Marker("plan", 0) + "\nbut not last"},
				{bot, withMarker("other key", "plan-b", 0)},
				{bot, withMarker("prefix key", "pla", 0)},
			},
			bodies: []string{"mine"},
			wantComments: []commentView{
				{1001, human, "I copied this: " + Marker("plan", 0) + " and wrote on"},
				{1002, human, "quoted\n" + Marker("plan", 0) + "\nbut not last"},
				{1003, bot, withMarker("other key", "plan-b", 0)},
				{1004, bot, withMarker("prefix key", "pla", 0)},
				{1005, bot, sticky("mine", 0)},
			},
			wantRequests: []string{list, post},
			wantURLs:     []int64{1005},
		},
		{
			name:         "no bodies removes the sticky comment",
			seeds:        []seed{{bot, sticky("a", 0)}, {human, "hi"}, {bot, sticky("b", 1)}},
			bodies:       nil,
			wantComments: []commentView{{1002, human, "hi"}},
			wantRequests: []string{list, whoami, del(1001), del(1003)},
			wantURLs:     []int64{},
		},
		{
			name: "pagination finds parts on every page",
			opts: []githubtest.Option{githubtest.WithMaxPerPage(2)},
			seeds: []seed{
				{human, "c1"}, {human, "c2"}, {human, "c3"}, {human, "c4"},
				{bot, sticky("old one", 0)},
				{human, "c6"}, {human, "c7"}, {human, "c8"},
				{bot, sticky("old two", 1)},
			},
			bodies: []string{"one", "two"},
			wantComments: []commentView{
				{1001, human, "c1"}, {1002, human, "c2"}, {1003, human, "c3"}, {1004, human, "c4"},
				{1005, bot, sticky("one", 0)},
				{1006, human, "c6"}, {1007, human, "c7"}, {1008, human, "c8"},
				{1009, bot, sticky("two", 1)},
			},
			wantRequests: []string{list, list, list, list, list, whoami, patch(1005), patch(1009)},
			wantURLs:     []int64{1005, 1009},
		},
		{
			name:    "GitHub Enterprise Server base URL",
			apiPath: githubtest.EnterprisePrefix,
			seeds:   []seed{{bot, sticky("old", 0)}, {bot, sticky("old", 1)}},
			bodies:  []string{"new"},
			wantComments: []commentView{
				{1001, bot, sticky("new", 0)},
			},
			wantRequests: []string{
				"GET /api/v3/repos/octo/infra/issues/7/comments",
				"GET /api/v3/user",
				"PATCH /api/v3/repos/octo/infra/issues/comments/1001",
				"DELETE /api/v3/repos/octo/infra/issues/comments/1002",
			},
			wantURLs: []int64{1001},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := githubtest.NewServer(t, tt.opts...)
			addSeeds(srv, tt.seeds)
			c, slept := newTestClient(t, srv, tt.apiPath)

			urls, err := c.UpsertStickyComment(t.Context(), owner, repo, prNum, "plan", tt.bodies)
			if err != nil {
				t.Fatalf("UpsertStickyComment: %v", err)
			}

			if diff := cmp.Diff(tt.wantComments, viewComments(srv.Comments(owner, repo, prNum))); diff != "" {
				t.Errorf("comments (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantRequests, srv.Requests()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			wantURLs := []string{}
			for _, id := range tt.wantURLs {
				wantURLs = append(wantURLs, fmt.Sprintf("%s/octo/infra/pull/7#issuecomment-%d", srv.URL(), id))
			}
			if diff := cmp.Diff(wantURLs, urls); diff != "" {
				t.Errorf("URLs (-want +got):\n%s", diff)
			}
			if got := slept.got(); len(got) != 0 {
				t.Errorf("slept %v, want no retries", got)
			}
		})
	}
}

// TestUpsertStickyCommentRerun runs the same sticky comment several times,
// the way successive workflow runs would, with report.SplitMarkdown in between.
func TestUpsertStickyCommentRerun(t *testing.T) {
	t.Parallel()
	srv := githubtest.NewServer(t)
	srv.AddComment(owner, repo, prNum, human, "first!")
	c, _ := newTestClient(t, srv, "")

	long := strings.Repeat("| `aws_s3_bucket.logs` | update | tags |\n", 4000) // ~168,000 characters
	runs := []struct {
		name      string
		markdown  string
		wantParts int
	}{
		{"short", "No drift.", 1},
		{"long", "| resource | action | attribute |\n|---|---|---|\n" + long, 3},
		{"short again", "Drift fixed.", 1},
		{"short, unchanged", "Drift fixed.", 1},
	}
	for _, run := range runs {
		parts := report.SplitMarkdown(run.markdown, CommentPartLimit)
		if len(parts) != run.wantParts {
			t.Fatalf("%s: SplitMarkdown gave %d parts, want %d", run.name, len(parts), run.wantParts)
		}
		urls, err := c.UpsertStickyComment(t.Context(), owner, repo, prNum, "plan", parts)
		if err != nil {
			t.Fatalf("%s: UpsertStickyComment: %v", run.name, err)
		}
		var got []string
		var gotURLs []string
		for _, cm := range srv.Comments(owner, repo, prNum) {
			if cm.User == human {
				continue
			}
			if n := len([]rune(cm.Body)); n > MaxCommentLength {
				t.Errorf("%s: comment %d has %d characters", run.name, cm.ID, n)
			}
			got = append(got, cm.Body)
			gotURLs = append(gotURLs, cm.HTMLURL)
		}
		want := make([]string, len(parts))
		for i, p := range parts {
			want[i] = sticky(p, i)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: sticky comments (-want +got):\n%s", run.name, diff)
		}
		if diff := cmp.Diff(gotURLs, urls); diff != "" {
			t.Errorf("%s: URLs (-want +got):\n%s", run.name, diff)
		}
	}
	if got := srv.Comments(owner, repo, prNum)[0]; got.Body != "first!" {
		t.Errorf("the human comment changed to %q", got.Body)
	}
}

func TestUpsertStickyCommentInvalidArguments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		owner   string
		pr      int
		marker  string
		bodies  []string
		wantErr string
	}{
		{"empty marker", owner, prNum, "", []string{"x"}, "empty sticky comment marker"},
		{"marker with comment end", owner, prNum, "a-->b", []string{"x"}, "invalid sticky comment marker"},
		{"marker with spaces", owner, prNum, "my plan", []string{"x"}, "invalid sticky comment marker"},
		{"marker too long", owner, prNum, strings.Repeat("m", MaxMarkerLength+1), []string{"x"}, "longer than 100"},
		{"no pull request", owner, 0, "plan", []string{"x"}, "invalid pull request number 0"},
		{"no owner", "", prNum, "plan", []string{"x"}, "invalid repository"},
		{"body too long", owner, prNum, "plan", []string{"ok", strings.Repeat("é", MaxCommentLength)}, "part 2 is 65566 characters with its marker"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := githubtest.NewServer(t)
			c, _ := newTestClient(t, srv, "")
			_, err := c.UpsertStickyComment(t.Context(), tt.owner, repo, tt.pr, tt.marker, tt.bodies)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want it to contain %q", err, tt.wantErr)
			}
			if got := srv.Requests(); len(got) != 0 {
				t.Errorf("requests %v, want none", got)
			}
		})
	}
}

func TestUpsertStickyCommentErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     []githubtest.Option
		token    string // overrides the right token
		route    string
		failure  githubtest.Failure
		seeds    []seed
		wantErr  *APIError
		wantText []string
	}{
		{
			name:    "403 on create says which permission is needed",
			route:   githubtest.RouteCreateComment,
			failure: githubtest.Failure{Status: http.StatusForbidden, Message: "Resource not accessible by integration"},
			wantErr: &APIError{Op: OpCreateComment, Status: 403, Permission: "pull-requests: write", Message: "Resource not accessible by integration"},
			wantText: []string{
				"github: creating a pull request comment was refused (403): the workflow needs `permissions: pull-requests: write` (and `issues: write` for issue comments)",
				`GitHub said: "Resource not accessible by integration"`,
			},
		},
		{
			name:     "403 on update",
			seeds:    []seed{{bot, sticky("old", 0)}},
			route:    githubtest.RouteUpdateComment,
			failure:  githubtest.Failure{Status: http.StatusForbidden},
			wantErr:  &APIError{Op: OpUpdateComment, Status: 403, Permission: "pull-requests: write", Message: "Resource not accessible by integration"},
			wantText: []string{"updating a pull request comment was refused (403)", "`permissions: pull-requests: write`"},
		},
		{
			name:     "a failing GET /user is an error, not a guess",
			seeds:    []seed{{bot, sticky("old", 0)}},
			route:    githubtest.RouteGetUser,
			failure:  githubtest.Failure{Status: http.StatusInternalServerError},
			wantErr:  &APIError{Op: OpGetUser, Status: 500, Message: "Internal Server Error"},
			wantText: []string{"github: reading the token's user failed (500)"},
		},
		{
			name:     "404 on list: not found or not visible",
			route:    githubtest.RouteListComments,
			failure:  githubtest.Failure{Status: http.StatusNotFound},
			wantErr:  &APIError{Op: OpListComments, Status: 404, Permission: "pull-requests: write", Message: "Not Found"},
			wantText: []string{"listing pull request comments was refused (404): not found, or the token cannot see it"},
		},
		{
			name:     "403 on delete",
			seeds:    []seed{{bot, sticky("one", 0)}, {bot, sticky("two", 1)}},
			route:    githubtest.RouteDeleteComment,
			failure:  githubtest.Failure{Status: http.StatusForbidden},
			wantErr:  &APIError{Op: OpDeleteComment, Status: 403, Permission: "pull-requests: write", Message: "Resource not accessible by integration"},
			wantText: []string{"deleting a pull request comment was refused (403)"},
		},
		{
			name:     "401 says the token is invalid or expired",
			opts:     []githubtest.Option{githubtest.AcceptBadCredentials()},
			token:    "ghp_wrongtoken0123456789",
			wantErr:  &APIError{Op: OpListComments, Status: 401, Message: "Bad credentials"},
			wantText: []string{"listing pull request comments was refused (401): the token is invalid or expired"},
		},
		{
			name:     "422 from GitHub carries its validation details",
			route:    githubtest.RouteCreateComment,
			failure:  githubtest.Failure{Status: http.StatusUnprocessableEntity, Message: "Validation Failed"},
			wantErr:  &APIError{Op: OpCreateComment, Status: 422, Message: "Validation Failed"},
			wantText: []string{"creating a pull request comment failed (422)"},
		},
		{
			name:     "a secondary rate limit longer than a minute is not waited for",
			route:    githubtest.RouteCreateComment,
			failure:  githubtest.Failure{Status: http.StatusForbidden, RetryAfter: "120", Times: 1},
			wantErr:  &APIError{Op: OpCreateComment, Status: 403, Message: "secondary rate limit (retry after 2m0s): You have exceeded a secondary rate limit. Please wait a few minutes before you try again."},
			wantText: []string{"creating a pull request comment was rate limited (403); GitHub said: \"secondary rate limit"},
		},
		{
			name:     "a second 429 is not retried again",
			route:    githubtest.RouteCreateComment,
			failure:  githubtest.Failure{Status: http.StatusTooManyRequests, RetryAfter: "1", Times: 2},
			wantErr:  &APIError{Op: OpCreateComment, Status: 429, Message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."},
			wantText: []string{"creating a pull request comment was rate limited (429)"},
		},
		{
			name:     "a second 504 is not retried again",
			route:    githubtest.RouteListComments,
			failure:  githubtest.Failure{Status: http.StatusGatewayTimeout, Times: 2},
			wantErr:  &APIError{Op: OpListComments, Status: 504, Message: "Gateway Timeout"},
			wantText: []string{"listing pull request comments failed (504)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := githubtest.NewServer(t, tt.opts...)
			addSeeds(srv, tt.seeds)
			if tt.route != "" {
				srv.Inject(tt.route, tt.failure)
			}
			token := srv.Token()
			if tt.token != "" {
				token = tt.token
			}
			c, err := NewClient(t.Context(), token, srv.URL(), srv.Client())
			if err != nil {
				t.Fatal(err)
			}
			c.retry.policy.Sleep = (&sleeps{}).sleep

			_, err = c.UpsertStickyComment(t.Context(), owner, repo, prNum, "plan", []string{"new"})
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error = %v (%T), want *APIError", err, err)
			}
			if diff := cmp.Diff(tt.wantErr, apiErr, cmp.Comparer(func(a, b *APIError) bool {
				return a.Op == b.Op && a.Status == b.Status && a.Permission == b.Permission && a.Message == b.Message
			})); diff != "" {
				t.Errorf("APIError (-want +got):\n%s\n%#v", diff, apiErr)
			}
			text := err.Error()
			for _, want := range tt.wantText {
				if !strings.Contains(text, want) {
					t.Errorf("error %q does not contain %q", text, want)
				}
			}
			for _, shown := range []string{text, fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", c), fmt.Sprintf("%+v", c), c.String()} {
				if strings.Contains(shown, token) || strings.Contains(shown, srv.Token()) {
					t.Errorf("the token leaked: %s", shown)
				}
			}
		})
	}
}

func TestUpsertStickyCommentRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		seeds        []seed
		route        string
		failure      githubtest.Failure
		wantSleeps   []string
		wantRequests []string
		wantComments []commentView
	}{
		{
			name:         "502 on create is retried once and checked for a duplicate",
			route:        githubtest.RouteCreateComment,
			failure:      githubtest.Failure{Status: http.StatusBadGateway, Times: 1},
			wantSleeps:   []string{"2s"},
			wantRequests: []string{list, post, post, list},
			wantComments: []commentView{{1001, bot, sticky("new", 0)}},
		},
		{
			name:  "a create that happened before its 502 is not duplicated",
			route: githubtest.RouteCreateComment,
			failure: githubtest.Failure{
				Status: http.StatusBadGateway, Times: 1, AfterHandling: true,
			},
			wantSleeps:   []string{"2s"},
			wantRequests: []string{list, post, post, list, del(1001)},
			wantComments: []commentView{{1002, bot, sticky("new", 0)}},
		},
		{
			name:         "503 on list is retried once",
			route:        githubtest.RouteListComments,
			failure:      githubtest.Failure{Status: http.StatusServiceUnavailable, Times: 1},
			wantSleeps:   []string{"2s"},
			wantRequests: []string{list, list, post},
			wantComments: []commentView{{1001, bot, sticky("new", 0)}},
		},
		{
			name:         "504 on update is retried once",
			seeds:        []seed{{bot, sticky("old", 0)}},
			route:        githubtest.RouteUpdateComment,
			failure:      githubtest.Failure{Status: http.StatusGatewayTimeout, Times: 1},
			wantSleeps:   []string{"2s"},
			wantRequests: []string{list, whoami, patch(1001), patch(1001)},
			wantComments: []commentView{{1001, bot, sticky("new", 0)}},
		},
		{
			name:         "429 with Retry-After waits as told and retries",
			route:        githubtest.RouteCreateComment,
			failure:      githubtest.Failure{Status: http.StatusTooManyRequests, RetryAfter: "7", Times: 1},
			wantSleeps:   []string{"7s"},
			wantRequests: []string{list, post, post},
			wantComments: []commentView{{1001, bot, sticky("new", 0)}},
		},
		{
			name:         "403 secondary rate limit with Retry-After is retried",
			seeds:        []seed{{bot, sticky("old", 0)}},
			route:        githubtest.RouteUpdateComment,
			failure:      githubtest.Failure{Status: http.StatusForbidden, RetryAfter: "60", Times: 1},
			wantSleeps:   []string{"1m0s"},
			wantRequests: []string{list, whoami, patch(1001), patch(1001)},
			wantComments: []commentView{{1001, bot, sticky("new", 0)}},
		},
		{
			name:         "502 with Retry-After waits as told",
			seeds:        []seed{{bot, sticky("a", 0)}, {bot, sticky("b", 1)}},
			route:        githubtest.RouteDeleteComment,
			failure:      githubtest.Failure{Status: http.StatusBadGateway, RetryAfter: "3", Message: "Server Error", Times: 1},
			wantSleeps:   []string{"3s"},
			wantRequests: []string{list, whoami, patch(1001), del(1002), del(1002)},
			wantComments: []commentView{{1001, bot, sticky("new", 0)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := githubtest.NewServer(t)
			addSeeds(srv, tt.seeds)
			srv.Inject(tt.route, tt.failure)
			c, slept := newTestClient(t, srv, "")

			urls, err := c.UpsertStickyComment(t.Context(), owner, repo, prNum, "plan", []string{"new"})
			if err != nil {
				t.Fatalf("UpsertStickyComment: %v", err)
			}
			var gotSleeps []string
			for _, d := range slept.got() {
				gotSleeps = append(gotSleeps, d.String())
			}
			if diff := cmp.Diff(tt.wantSleeps, gotSleeps); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantRequests, srv.Requests()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantComments, viewComments(srv.Comments(owner, repo, prNum))); diff != "" {
				t.Errorf("comments (-want +got):\n%s", diff)
			}
			if len(urls) != 1 {
				t.Errorf("URLs = %v, want one", urls)
			}
		})
	}
}

func TestParseMarker(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		body      string
		wantKey   string
		wantIndex int
		wantOK    bool
	}{
		{"ours", withMarker("text", "plan", 3), "plan", 3, true},
		{"trailing newline", withMarker("text", "plan", 0) + "\r\n", "plan", 0, true},
		{"key with colon and slash", withMarker("t", "infra/app:prod", 12), "infra/app:prod", 12, true},
		{"marker alone", Marker("plan", 1), "plan", 1, true},
		{"not at the end", Marker("plan", 0) + "\nmore", "", 0, false},
		{"not on its own line", "text " + Marker("plan", 0), "", 0, false},
		{"no index", "x\n<!-- drift-action:plan -->", "", 0, false},
		{"index not a number", "x\n<!-- drift-action:plan:x1 -->", "", 0, false},
		{"other tool", "x\n<!-- other:plan:0 -->", "", 0, false},
		{"no marker", "LGTM", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			key, index, ok := parseMarker(tt.body)
			if diff := cmp.Diff([]any{tt.wantKey, tt.wantIndex, tt.wantOK}, []any{key, index, ok}); diff != "" {
				t.Errorf("parseMarker(%q) (-want +got):\n%s", tt.body, diff)
			}
		})
	}
}

func TestUpsertStickyCommentCanceled(t *testing.T) {
	t.Parallel()
	srv := githubtest.NewServer(t)
	c, _ := newTestClient(t, srv, "")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.UpsertStickyComment(ctx, owner, repo, prNum, "plan", []string{"x"})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		t.Errorf("a canceled request is not an *APIError: %v", err)
	}
}

// TestUpsertStickyCommentAuthors checks that a comment is ours only if the
// token wrote it: anyone can write the marker.
func TestUpsertStickyCommentAuthors(t *testing.T) {
	t.Parallel()
	const (
		mallory = "mallory"
		app     = "drift-app[bot]"
		pat     = "ghp_octocat0123456789"
	)
	tests := []struct {
		name         string
		opts         []githubtest.Option
		clientOpts   []Option
		seeds        []seed
		bodies       []string
		wantComments []commentView
		wantRequests []string
		wantURLs     []int64
	}{
		{
			name:   "a marker planted by someone else is left alone and ours is created",
			seeds:  []seed{{mallory, sticky("planted", 0)}},
			bodies: []string{"mine"},
			wantComments: []commentView{
				{1001, mallory, sticky("planted", 0)},
				{1002, bot, sticky("mine", 0)},
			},
			wantRequests: []string{list, whoami, post},
			wantURLs:     []int64{1002},
		},
		{
			name:   "the next run updates ours, not the planted ones",
			seeds:  []seed{{mallory, sticky("planted", 0)}, {bot, sticky("old", 0)}, {mallory, sticky("planted", 1)}},
			bodies: []string{"new"},
			wantComments: []commentView{
				{1001, mallory, sticky("planted", 0)},
				{1002, bot, sticky("new", 0)},
				{1003, mallory, sticky("planted", 1)},
			},
			wantRequests: []string{list, whoami, patch(1002)},
			wantURLs:     []int64{1002},
		},
		{
			name:   "removing the sticky comment deletes only ours",
			seeds:  []seed{{bot, sticky("a", 0)}, {mallory, sticky("planted", 1)}, {"renovate[bot]", sticky("other bot", 0)}},
			bodies: nil,
			wantComments: []commentView{
				{1002, mallory, sticky("planted", 1)},
				{1003, "renovate[bot]", sticky("other bot", 0)},
			},
			wantRequests: []string{list, whoami, del(1001)},
			wantURLs:     []int64{},
		},
		{
			name:   "a personal access token's comments are its user's",
			opts:   []githubtest.Option{githubtest.WithToken(pat), githubtest.WithUser("octocat")},
			seeds:  []seed{{bot, sticky("from GITHUB_TOKEN", 0)}, {"OctoCat", sticky("old", 0)}},
			bodies: []string{"new"},
			wantComments: []commentView{
				{1001, bot, sticky("from GITHUB_TOKEN", 0)},
				{1002, "OctoCat", sticky("new", 0)},
			},
			wantRequests: []string{list, whoami, patch(1002)},
			wantURLs:     []int64{1002},
		},
		{
			name:       "an App token named with WithCommentAuthor edits its own comment",
			opts:       []githubtest.Option{githubtest.WithUser(app)},
			clientOpts: []Option{WithCommentAuthor(app)},
			seeds:      []seed{{bot, sticky("from GITHUB_TOKEN", 0)}, {app, sticky("old", 0)}},
			bodies:     []string{"new"},
			wantComments: []commentView{
				{1001, bot, sticky("from GITHUB_TOKEN", 0)},
				{1002, app, sticky("new", 0)},
			},
			wantRequests: []string{list, patch(1002)},
			wantURLs:     []int64{1002},
		},
		{
			name:   "an unnamed App token replaces its earlier parts once it learns who it is",
			opts:   []githubtest.Option{githubtest.WithUser(app)},
			seeds:  []seed{{app, sticky("old one", 0)}, {mallory, sticky("planted", 0)}, {app, sticky("old two", 1)}},
			bodies: []string{"new"},
			wantComments: []commentView{
				{1002, mallory, sticky("planted", 0)},
				{1004, app, sticky("new", 0)},
			},
			wantRequests: []string{list, whoami, post, list, del(1001), del(1003)},
			wantURLs:     []int64{1004},
		},
		{
			name:         "an empty WithCommentAuthor is ignored",
			clientOpts:   []Option{WithCommentAuthor(" ")},
			seeds:        []seed{{bot, sticky("old", 0)}},
			bodies:       []string{"new"},
			wantComments: []commentView{{1001, bot, sticky("new", 0)}},
			wantRequests: []string{list, whoami, patch(1001)},
			wantURLs:     []int64{1001},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := githubtest.NewServer(t, tt.opts...)
			addSeeds(srv, tt.seeds)
			c, err := NewClient(t.Context(), srv.Token(), srv.URL(), srv.Client(), tt.clientOpts...)
			if err != nil {
				t.Fatal(err)
			}
			urls, err := c.UpsertStickyComment(t.Context(), owner, repo, prNum, "plan", tt.bodies)
			if err != nil {
				t.Fatalf("UpsertStickyComment: %v", err)
			}
			if diff := cmp.Diff(tt.wantComments, viewComments(srv.Comments(owner, repo, prNum))); diff != "" {
				t.Errorf("comments (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantRequests, srv.Requests()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			wantURLs := []string{}
			for _, id := range tt.wantURLs {
				wantURLs = append(wantURLs, fmt.Sprintf("%s/octo/infra/pull/7#issuecomment-%d", srv.URL(), id))
			}
			if diff := cmp.Diff(wantURLs, urls); diff != "" {
				t.Errorf("URLs (-want +got):\n%s", diff)
			}
		})
	}
}

// TestUpsertStickyCommentTwoTokens runs the same sticky comment with two
// tokens on one pull request, the way two workflows would: each keeps its
// own comment, updated in place, and never touches the other's.
func TestUpsertStickyCommentTwoTokens(t *testing.T) {
	t.Parallel()
	const pat = "ghp_alice0123456789"
	srv := githubtest.NewServer(t, githubtest.WithTokenFor(human, pat))
	workflow, err := NewClient(t.Context(), srv.Token(), srv.URL(), srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	personal, err := NewClient(t.Context(), pat, srv.URL(), srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	runs := []struct {
		name         string
		client       *Client
		body         string
		wantRequests []string
	}{
		{"workflow token creates", workflow, "bot 1", []string{list, post}},
		// The workflow's comment carries the marker: GET /user says it is
		// not alice's.
		{"personal token creates its own", personal, "alice 1", []string{list, whoami, post}},
		// Both now know who they are from the comment they created.
		{"workflow token updates its own", workflow, "bot 2", []string{list, patch(1001)}},
		{"personal token updates its own", personal, "alice 2", []string{list, patch(1002)}},
	}
	var requests int
	for _, run := range runs {
		if _, err := run.client.UpsertStickyComment(t.Context(), owner, repo, prNum, "plan", []string{run.body}); err != nil {
			t.Fatalf("%s: %v", run.name, err)
		}
		all := srv.Requests()
		if diff := cmp.Diff(run.wantRequests, all[requests:]); diff != "" {
			t.Errorf("%s: requests (-want +got):\n%s", run.name, diff)
		}
		requests = len(all)
	}
	want := []commentView{{1001, bot, sticky("bot 2", 0)}, {1002, human, sticky("alice 2", 0)}}
	if diff := cmp.Diff(want, viewComments(srv.Comments(owner, repo, prNum))); diff != "" {
		t.Errorf("comments (-want +got):\n%s", diff)
	}
}
