package app

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/myorg/drift-action/internal/actions"
	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/gitops"
	"github.com/myorg/drift-action/internal/report"
)

// The Slack sink posts what changed, and its failure is a warning in the
// log and the job summary: the run's verdict stands.
func TestSlackSink(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		status      int
		wantPosts   int
		wantWarning bool
	}{
		{"posts the new drift", http.StatusOK, 1, false},
		{"a revoked webhook is a warning, not a failure", http.StatusGone, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var bodies []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				bodies = append(bodies, string(b))
				mu.Unlock()
				w.WriteHeader(tt.status)
			}))
			defer srv.Close()
			ws := t.TempDir()
			files := t.TempDir()
			summary, output := filepath.Join(files, "summary.md"), filepath.Join(files, "output")
			os.WriteFile(summary, nil, 0o644)
			os.WriteFile(output, nil, 0o644)
			var out bytes.Buffer
			log := actions.New(&out, func(k string) string {
				return map[string]string{"GITHUB_STEP_SUMMARY": summary, "GITHUB_OUTPUT": output}[k]
			})
			hook := srv.URL + "/services/T0/B0/hooksecret"
			a := config.Action{Mode: "detect", Workspace: ws, ReportPath: "drift/drift-report.yaml", RunID: "42",
				Slack: config.Slack{WebhookURL: hook}}
			doc := report.New([]drift.Result{{Dir: "infra/app", Target: "default", Status: drift.StatusDrifted,
				Drift: []drift.Resource{{Address: "aws_s3_bucket.a", Type: "aws_s3_bucket", Actions: []string{"update"}}}}})
			err := publish(context.Background(), a, config.Event{Name: "schedule"}, doc, log, gitops.Result{}, nil, time.Now())
			if err != nil {
				t.Errorf("publish = %v, want the run to pass (fail-on-drift is off)\n%s", err, out.String())
			}
			mu.Lock()
			if len(bodies) != tt.wantPosts || !strings.Contains(bodies[0], "Drift detected: infra/app") {
				t.Errorf("Slack got %d posts %q, want %d drift detected", len(bodies), bodies, tt.wantPosts)
			}
			mu.Unlock()
			sum, _ := os.ReadFile(summary)
			gotWarning := annotated(out.String(), "warning", "revoked") && strings.Contains(string(sum), "**slack failed**; the run's verdict, record and heal stand")
			if gotWarning != tt.wantWarning {
				t.Errorf("warned = %v, want %v\nlog:\n%s\nsummary:\n%s", gotWarning, tt.wantWarning, out.String(), sum)
			}
			if strings.Contains(out.String()+string(sum), "hooksecret") {
				t.Errorf("the webhook URL was printed")
			}
		})
	}
}

// A thread file on the branch that this version cannot read (written by a
// newer one meanwhile) is left as it is in the record's commit, and the
// Slack sink's warning names the file and line, never its content: the
// threads of every other target in it are not reset.
func TestSlackThreadFileUnreadableOnBranchIsKept(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }))
	defer srv.Close()
	const statePath = "drift/slack-threads.yaml"
	newer := "version: 2\nthreads:\n- root: infra/other\n  target: default\n  ts: \"1.2\"\n  note: CANARY-thread-content\n"
	a := config.Action{Mode: "record", Workspace: t.TempDir(), ReportPath: "drift/drift-report.yaml", RunID: "42",
		Slack: config.Slack{WebhookURL: srv.URL + "/services/T0/B0/x"}}
	doc := report.New([]drift.Result{{Dir: "infra/app", Target: "default", Status: drift.StatusDrifted,
		Drift: []drift.Resource{{Address: "aws_s3_bucket.a", Type: "aws_s3_bucket", Actions: []string{"update"}}}}})
	sent := &slackSent{}
	files := slackBeside(a, doc, sent)(t.Context(), gitops.Result{})
	if len(files) != 1 || files[0].Path != statePath {
		t.Fatalf("files beside the record = %+v, want the thread file %s", files, statePath)
	}
	// What the record's commit does with it on the branch's tip.
	if got := string(files[0].Regenerate([]byte(newer))); got != newer {
		t.Errorf("the thread file on the branch was replaced:\n%s", got)
	}
	err := sent.err()
	if err == nil || !strings.Contains(err.Error(), statePath+":1:") {
		t.Errorf("slack error = %v, want one naming %s:1", err, statePath)
	}
	if err != nil && strings.Contains(err.Error(), "CANARY") {
		t.Errorf("the error quotes the file: %v", err)
	}
	// A later attempt on a tip it can read keeps the threads, and the
	// warning goes with the failed attempt.
	if out := files[0].Regenerate(nil); !strings.Contains(string(out), "aws_s3_bucket.a") {
		t.Errorf("the threads were not kept on a readable tip:\n%s", out)
	}
	if err := sent.err(); err != nil {
		t.Errorf("slack error after a kept attempt = %v, want none", err)
	}
}
