package github

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/myorg/drift-action/internal/github/githubtest"
)

const (
	owner = "octo"
	repo  = "infra"
	prNum = 7
)

// sleeps records the waits the retry transport asked for, without waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return ctx.Err()
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// newTestClient returns a client for srv (at apiPath under its URL, e.g.
// "/api/v3") whose retries do not really sleep.
func newTestClient(t *testing.T, srv *githubtest.Server, apiPath string) (*Client, *sleeps) {
	t.Helper()
	c, err := NewClient(t.Context(), srv.Token(), srv.URL()+apiPath, srv.Client())
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	s := &sleeps{}
	c.retry.policy.Sleep = s.sleep
	return c, s
}

// commentView is the part of a stored comment the tests compare.
type commentView struct {
	ID   int64
	User string
	Body string
}

func viewComments(cs []githubtest.Comment) []commentView {
	var out []commentView
	for _, c := range cs {
		out = append(out, commentView{ID: c.ID, User: c.User, Body: c.Body})
	}
	return out
}

// seed is a comment that exists before a test runs.
type seed struct {
	user string
	body string
}

func addSeeds(srv *githubtest.Server, seeds []seed) {
	for _, s := range seeds {
		srv.AddComment(owner, repo, prNum, s.user, s.body)
	}
}
