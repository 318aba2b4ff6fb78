package app

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/actions"
	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/report"
)

func TestCapAnnotations(t *testing.T) {
	t.Parallel()
	mk := func(level string, n int) []actions.Annotation {
		var out []actions.Annotation
		for i := range n {
			out = append(out, actions.Annotation{Level: level, Title: fmt.Sprintf("%s %d", level, i)})
		}
		return out
	}
	titles := func(as []actions.Annotation) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.Title)
		}
		return out
	}
	tests := []struct {
		name string
		in   []actions.Annotation
		max  int
		want []string
	}{
		{"errors first, order kept", append(mk("warning", 2), mk("error", 1)...), 10,
			[]string{"error 0", "warning 0", "warning 1"}},
		{"exactly max is kept whole", mk("warning", 3), 3, []string{"warning 0", "warning 1", "warning 2"}},
		{"past max the rest is one annotation", append(mk("warning", 5), mk("error", 4)...), 3,
			[]string{"error 0", "error 1", "drift-action: 2 more errors", "warning 0", "warning 1", "drift-action: 3 more warnings"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, titles(capAnnotations(tt.in, tt.max))); diff != "" {
				t.Errorf("capAnnotations (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCommentHeader(t *testing.T) {
	t.Parallel()
	const head = "0123456789abcdef0123456789abcdef01234567"
	a := config.Action{ServerURL: "https://github.example", Repository: "acme/infra", RunID: "42", SHA: "ffffffffffffffffffffffffffffffffffffffff"}
	tests := []struct {
		name string
		a    config.Action
		ev   config.Event
		want string
	}{
		{"pull request head commit and run", a, config.Event{PR: 7, HeadSHA: head},
			"_Plan of commit [`0123456789ab`](https://github.example/acme/infra/commit/" + head + ") · [workflow run 42](https://github.example/acme/infra/actions/runs/42)._\n\n"},
		{"falls back to GITHUB_SHA", a, config.Event{PR: 7},
			"_Plan of commit [`ffffffffffff`](https://github.example/acme/infra/commit/ffffffffffffffffffffffffffffffffffffffff) · [workflow run 42](https://github.example/acme/infra/actions/runs/42)._\n\n"},
		{"nothing known, nothing said", config.Action{}, config.Event{PR: 7}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, commentHeader(tt.a, tt.ev)); diff != "" {
				t.Errorf("commentHeader (-want +got):\n%s", diff)
			}
		})
	}
}

// The run's summary is printed once, after the per-target groups.
func TestLogGroupsPrintSummaryOnce(t *testing.T) {
	t.Parallel()
	doc := report.New([]drift.Result{
		{Dir: "a", Target: "default", Status: drift.StatusClean},
		{Dir: "b", Target: "default", Status: drift.StatusClean},
	})
	var b bytes.Buffer
	p := &publication{doc: doc, log: actions.New(&b, func(string) string { return "" })}
	if err := p.logGroups(context.Background()); err != nil {
		t.Fatal(err)
	}
	log := b.String()
	if n := strings.Count(log, "Summary:"); n != 1 {
		t.Errorf("the summary is printed %d times, want once:\n%s", n, log)
	}
	if strings.Index(log, "Summary:") < strings.LastIndex(log, "::endgroup::") {
		t.Errorf("the summary is printed inside a group:\n%s", log)
	}
}
