package notify

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/record"
	"github.com/myorg/drift-action/internal/report"
)

// Run reads the threads from the checkout, posts what changed, and returns
// the threads it changed, merged by the caller into the file at the
// branch's tip (in the record's commit).
func TestRunKeepsThreads(t *testing.T) {
	t.Parallel()
	statePath := StatePath("drift/drift-report.yaml")
	drifted := doc(root(app, []drift.Resource{res("aws_s3_bucket.a")}))
	told := "version: 1\nthreads:\n  - root: infra/app\n    target: prod\n    channel: C0CHAN\n    ts: \"1699999999.000001\"\n    resources: [aws_s3_bucket.a]\n"
	tests := []struct {
		name      string
		checkout  string // the state file in the workspace; "" none
		tip       string // the state file at the branch's tip
		notes     map[report.Key][]record.Note
		wantCalls []call
		wantKept  bool   // the merged file differs from the tip's
		wantTS    string // the thread kept for infra/app (prod)
		wantErr   string // from Send
		mergeErr  string // from Merge
	}{
		{name: "new drift starts a thread and keeps it",
			wantCalls: []call{
				{Method: "chat.postMessage", Channel: "#drift", Header: ":warning: Drift check: 1 new drift"},
				{Method: "chat.postMessage", Channel: "#drift", ThreadTS: "1700000000.000001", Header: ":warning: Drift detected: infra/app (prod)"},
			},
			wantKept: true, wantTS: "1700000000.000001"},
		{name: "drift the checkout's threads told says nothing", checkout: told, tip: told},
		{name: "what gitops did is the run's message, detailed in its thread", checkout: told, tip: told,
			notes: map[report.Key][]record.Note{app: {{Kind: record.RemediationPROpened, PR: "https://github.example/pr/1"}}},
			wantCalls: []call{
				{Method: "chat.postMessage", Channel: "#drift", Header: ":information_source: Drift check: 1 PR opened"},
				{Method: "chat.postMessage", Channel: "#drift", ThreadTS: "1700000000.000001", Header: ":arrow_heading_up: Remediation PR opened: infra/app (prod)"},
			}},
		// A tip this version cannot read (a newer version's) is kept as it
		// is: the other targets' threads in it are not reset.
		{name: "an unreadable tip is kept, not overwritten", tip: "threads: [",
			wantCalls: []call{
				{Method: "chat.postMessage", Channel: "#drift", Header: ":warning: Drift check: 1 new drift"},
				{Method: "chat.postMessage", Channel: "#drift", ThreadTS: "1700000000.000001", Header: ":warning: Drift detected: infra/app (prod)"},
			},
			mergeErr: "drift/slack-threads.yaml:1: not valid YAML"},
		{name: "an unreadable checkout state posts nothing", checkout: "threads: [", wantErr: "drift/slack-threads.yaml:1: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeSlack(t)
			// The fake answers replies only in threads of its own messages.
			f.posted["1699999999.000001"] = true
			ws := t.TempDir()
			if tt.checkout != "" {
				if err := os.MkdirAll(filepath.Join(ws, "drift"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(ws, filepath.FromSlash(statePath)), []byte(tt.checkout), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			r := Run{Doc: drifted, Notes: tt.notes, Now: now, Poster: NewBot(testToken, "#drift", Options{APIURL: f.srv.URL + "/"}), Links: links,
				Workspace: ws, StatePath: statePath}
			threads, err := r.Send(context.Background())
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Send = %v, want no error", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Send = %v, want one containing %q", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.wantCalls, f.take()); diff != "" {
				t.Errorf("Slack calls (-want +got):\n%s", diff)
			}
			var tip []byte
			if tt.tip != "" {
				tip = []byte(tt.tip)
			}
			merged, err := threads.Merge(tip)
			if tt.mergeErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.mergeErr) {
					t.Errorf("Merge = %v, want one containing %q", err, tt.mergeErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Merge: %v", err)
			}
			if kept := string(merged) != tt.tip; kept != tt.wantKept {
				t.Fatalf("thread file changed = %v, want %v:\n%s", kept, tt.wantKept, merged)
			}
			if !tt.wantKept {
				return
			}
			st, err := ParseState("drift/slack-threads.yaml", merged)
			if err != nil {
				t.Fatalf("the kept state does not parse: %v\n%s", err, merged)
			}
			if th := st.Get(app); th == nil || th.TS != tt.wantTS || len(st.Threads) != 1 {
				t.Errorf("kept threads %+v, want one for infra/app (prod) at %s", st.Threads, tt.wantTS)
			}
		})
	}
}

// What the GitOps stage did is what Slack tells per target.
func TestActivityOf(t *testing.T) {
	t.Parallel()
	notes := map[report.Key][]record.Note{
		app: {
			{Kind: record.SelfHealed, Resources: []string{"aws_s3_bucket.a"}, By: "run 42"},
			{Kind: record.RemediationPRClosed, PR: "https://github.example/pr/1"},
			{Kind: record.Snoozed, Resources: []string{"aws_s3_bucket.b"}},
		},
		net: {{Kind: record.RemediationPROpened, PR: "https://github.example/pr/2"}},
	}
	want := map[report.Key]Activity{
		app: {Healed: []string{"aws_s3_bucket.a"}, HealedBy: "run 42", PRClosed: "https://github.example/pr/1"},
		net: {PROpened: "https://github.example/pr/2"},
	}
	if diff := cmp.Diff(want, activityOf(notes)); diff != "" {
		t.Errorf("activity (-want +got):\n%s", diff)
	}
}
