package gitops

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/actions"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/pipeline"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/record"
	"github.com/myorg/drift-action/internal/remedypr"
	"github.com/myorg/drift-action/internal/report"
)

// fakeLog keeps what gitops tells the runner's log.
type fakeLog struct {
	mu          sync.Mutex
	lines       []string
	annotations []actions.Annotation
}

func (l *fakeLog) Printf(format string, args ...any) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
	return nil
}

func (l *fakeLog) Annotate(a actions.Annotation) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.annotations = append(l.annotations, a)
	return nil
}

// noEdges fail the test when gitops reaches an edge it must not.
func noEdges(t *testing.T, log Log) Edges {
	return Edges{
		GitHub: func(context.Context) (GitHub, error) {
			t.Error("gitops asked for a GitHub client")
			return nil, fmt.Errorf("no GitHub here")
		},
		Replan: func(context.Context, string) (pipeline.Run, error) {
			t.Error("gitops planned again")
			return pipeline.Run{}, fmt.Errorf("no pipeline here")
		},
		Roots: func(pipeline.Run) []report.Root {
			t.Error("gitops read the verdicts")
			return nil
		},
		Log: log,
	}
}

// A run that must not write (a fork's pull request, pull_request_target)
// heals nothing, records nothing and says why; it never reaches an edge.
func TestRunReadsOnlyWritesNothing(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"record", "remediate"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			log := &fakeLog{}
			// The workspace is no git repository: a write would fail loudly.
			o := Options{Mode: mode, Event: Event{Name: "pull_request_target", PR: 3, ReadsOnly: true}, Workspace: t.TempDir(),
				ReportPath: "drift/drift-report.yaml", LogPath: "drift/drift-log.yaml"}
			got := Run(context.Background(), o, noEdges(t, log), pipeline.Run{}, time.Now())
			want := Result{Activity: []string{"mode " + mode + " wrote nothing: runs for forks and pull_request_target never write to the repository or the infrastructure"}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			if len(log.annotations) != 1 || log.annotations[0].Level != "warning" || !strings.Contains(log.annotations[0].Msg, "wrote nothing") {
				t.Errorf("annotations %+v, want one warning saying nothing was written", log.annotations)
			}
		})
	}
}

// Mode aggregate records the shards that did not record themselves; what
// it leaves out and why is said, and it never writes when it must not.
func TestRecordShardsWithoutCommit(t *testing.T) {
	t.Parallel()
	shard := func(root string, recorded bool) report.Document {
		d := report.New([]drift.Result{{Dir: root, Target: "default", Status: drift.StatusClean}})
		d.Recorded = recorded
		return d
	}
	tests := []struct {
		name            string
		readsOnly       bool
		shards          []report.Document
		wantActivity    []string
		wantAnnotations int
	}{
		{
			name:         "every shard recorded itself",
			shards:       []report.Document{shard("a", true), shard("b", true)},
			wantActivity: []string{"2 shard(s) recorded their own targets (mode remediate or record); the record here holds the other 0"},
		},
		{
			name:            "a fork's run never writes",
			readsOnly:       true,
			shards:          []report.Document{shard("a", false)},
			wantAnnotations: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			log := &fakeLog{}
			o := Options{Mode: "aggregate", Event: Event{Name: "schedule", ReadsOnly: tt.readsOnly}, Workspace: t.TempDir(),
				ReportPath: "drift/drift-report.yaml", LogPath: "drift/drift-log.yaml"}
			got := RecordShards(context.Background(), o, noEdges(t, log), tt.shards)
			if diff := cmp.Diff(Result{Activity: tt.wantActivity}, got); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			if len(log.annotations) != tt.wantAnnotations {
				t.Errorf("annotations %+v, want %d", log.annotations, tt.wantAnnotations)
			}
		})
	}
}

// The record keeps addresses, actions, attribute paths and causes, never
// values, and the notes of what the run did.
func TestRecordTargets(t *testing.T) {
	t.Parallel()
	planned := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	roots := []report.Root{{
		Result: drift.Result{Dir: "infra/app", Target: "default", Workspace: "prod", Status: drift.StatusDrifted, PlannedAt: planned,
			Drift: []drift.Resource{{Address: "aws_db_instance.db", Type: "aws_db_instance", Actions: []string{"update"},
				Attributes: []drift.Attribute{{Path: "password", Before: "hunter2", After: "s3cret"}}}},
			Changes: []drift.Resource{{Address: "aws_db_instance.db", Type: "aws_db_instance", Actions: []string{"update"}, Cause: drift.CauseDrift,
				Attributes: []drift.Attribute{{Path: "password", Before: "s3cret", After: "hunter2"}}}},
		},
		Policy: []policy.Result{{Policy: "terraform.drift", Rule: "deny", Level: policy.HardMandatory, Severity: "high",
			Resource: "aws_db_instance.db", Failed: true, Msg: "drift on a database"}},
	}}
	notes := map[report.Key][]record.Note{{Dir: "infra/app", Target: "default"}: {{Kind: record.RemediationPROpened, PR: "https://example.test/pr/1"}}}
	want := []record.Target{{
		Root: "infra/app", Target: "default", Workspace: "prod", PlannedAt: planned, Status: "drifted",
		Drift:   []record.Resource{{Address: "aws_db_instance.db", Type: "aws_db_instance", Actions: []string{"update"}, Paths: []string{"password"}}},
		Changes: []record.Resource{{Address: "aws_db_instance.db", Type: "aws_db_instance", Actions: []string{"update"}, Cause: "drift", Paths: []string{"password"}}},
		Policy: []record.PolicyResult{{Policy: "terraform.drift", Rule: "deny", Level: "hard-mandatory", Severity: "high",
			Resource: "aws_db_instance.db", Failed: true, Msg: "drift on a database"}},
		Notes: []record.Note{{Kind: record.RemediationPROpened, PR: "https://example.test/pr/1"}},
	}}
	got := recordTargets(roots, notes)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("record targets (-want +got):\n%s", diff)
	}
	if s := fmt.Sprintf("%+v", got); strings.Contains(s, "hunter2") || strings.Contains(s, "s3cret") {
		t.Errorf("the record holds an attribute value: %s", s)
	}
}

// A snooze is noted once: a run whose log already says it adds nothing.
func TestWithSnoozeNotes(t *testing.T) {
	t.Parallel()
	until := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	expired := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	root := report.Root{Result: drift.Result{Dir: "infra/app", Target: "default",
		Snoozed: []drift.Resource{
			{Address: "a.x", Snooze: &drift.Snooze{Until: until, Reason: "load test"}},
			{Address: "a.y", Snooze: &drift.Snooze{Until: until, Reason: "load test"}},
		},
		ExpiredSnoozes: []drift.ExpiredSnooze{{Snooze: drift.Snooze{Until: expired, Reason: "old"}, Resources: []string{"a.z"}}},
	}}
	snoozed := record.Note{Kind: record.Snoozed, Resources: []string{"a.x", "a.y"}, Until: until, Reason: "load test"}
	ranOut := record.Note{Kind: record.SnoozeExpired, Resources: []string{"a.z"}, Until: expired, Reason: "old"}
	logged := func(kind record.EventKind, u time.Time, reason string) record.Event {
		rt := record.NewTime(u)
		return record.Event{Event: kind, Root: "infra/app", Target: "default", Until: &rt, Reason: reason}
	}
	tests := []struct {
		name string
		prev []record.Event
		want []record.Note
	}{
		{"first run notes both", nil, []record.Note{snoozed, ranOut}},
		{"logged already", []record.Event{logged(record.Snoozed, until, "load test"), logged(record.SnoozeExpired, expired, "old")}, []record.Note{}},
		{"a new reason is a new snooze", []record.Event{logged(record.Snoozed, until, "other")}, []record.Note{snoozed, ranOut}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			targets := recordTargets([]report.Root{root}, nil)
			got := withSnoozeNotes(targets, []report.Root{root}, record.Log{Events: tt.prev})
			if diff := cmp.Diff(tt.want, got[0].Notes); diff != "" {
				t.Errorf("notes (-want +got):\n%s", diff)
			}
			if targets[0].Notes != nil {
				t.Errorf("withSnoozeNotes changed its input: %+v", targets[0].Notes)
			}
		})
	}
}

// A run after a merge says it applies only what was reviewed, and names a
// record whose target it did not plan.
func TestApprovalNotes(t *testing.T) {
	t.Parallel()
	planned := []report.Root{{Result: drift.Result{Dir: "infra/app", Target: "default"}}}
	follows := "this run follows the merge of %s: it applies only the drift reviewed there, in the targets named there, and leaves other targets and remediation pull requests as they are"
	tests := []struct {
		name      string
		approvals remedypr.Approvals
		want      []string
	}{
		{"no merge", nil, nil},
		{"a planned target", remedypr.Approvals{{Path: "drift/remediation/app.md", Root: "infra/app"}},
			[]string{fmt.Sprintf(follows, "drift/remediation/app.md")}},
		{"a target not planned", remedypr.Approvals{{Path: "drift/remediation/db.md", Root: "infra/db", Target: "prod"}},
			[]string{fmt.Sprintf(follows, "drift/remediation/db.md"), "drift/remediation/db.md approves drift in infra/db prod, which this run did not plan: nothing was applied for it"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, approvalNotes(tt.approvals, planned)); diff != "" {
				t.Errorf("notes (-want +got):\n%s", diff)
			}
		})
	}
}

// Drift ages come from the log, at most maxAges of them.
func TestDriftAges(t *testing.T) {
	t.Parallel()
	since := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	var resources []record.Resource
	var addrs []string
	for i := range maxAges + 2 {
		addrs = append(addrs, fmt.Sprintf("a.r%02d", i))
		resources = append(resources, record.Resource{Address: addrs[i]})
	}
	logText := fmt.Sprintf("---\ntime: %s\nevent: detected\nroot: infra/app\ntarget: default\nresources: [%s]\n", since.Format(time.RFC3339), strings.Join(addrs, ", "))
	targets := []record.Target{{Root: "infra/app", Target: "default", Status: record.StatusDrifted, Drift: resources}}
	got := driftAges("drift/drift-log.yaml", []byte(logText), targets, since.Add(72*time.Hour))
	if len(got) != maxAges+1 {
		t.Fatalf("%d lines, want %d:\n%s", len(got), maxAges+1, strings.Join(got, "\n"))
	}
	if diff := cmp.Diff([]string{"a.r00 in infra/app (default) drifted for 3 days", "and 2 more drifted resource(s): their ages are in the report file"},
		[]string{got[0], got[maxAges]}); diff != "" {
		t.Errorf("first and last lines (-want +got):\n%s", diff)
	}
	if got := driftAges("drift/drift-log.yaml", nil, targets, since); got != nil {
		t.Errorf("no log: %q, want none", got)
	}
}
