package notify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/report"
)

func TestDerive(t *testing.T) {
	t.Parallel()
	thread := func(k report.Key, resources ...string) *Thread {
		return &Thread{Root: k.Dir, Target: k.Target, Channel: "C1", TS: "1.000100", Since: since, Resources: resources}
	}
	state := func(ts ...*Thread) State { return State{Version: 1, Threads: ts} }
	errRoot := report.Root{Result: drift.Result{Dir: app.Dir, Target: app.Target, Error: "plan failed"}}
	errRoot.SetStatus()
	expired := root(app, []drift.Resource{res("aws_s3_bucket.a")})
	expired.ExpiredSnoozes = []drift.ExpiredSnooze{{Snooze: drift.Snooze{Root: "infra/app", Address: "aws_s3_bucket.a", Until: since.Time, Reason: "migration"}, Resources: []string{"aws_s3_bucket.a"}}}
	tests := []struct {
		name      string
		in        Input
		want      []Kind
		wantNext  map[report.Key]*Thread
		wantFirst Event // compared on the fields set, when Kind is set
	}{
		{
			name:     "new drift starts an episode",
			in:       Input{Doc: doc(root(app, []drift.Resource{res("aws_s3_bucket.b"), res("aws_s3_bucket.a")}))},
			want:     []Kind{DriftDetected},
			wantNext: map[report.Key]*Thread{app: {Root: app.Dir, Target: app.Target, Since: Time{now}, Resources: []string{"aws_s3_bucket.a", "aws_s3_bucket.b"}}},
		},
		{
			name: "the same drift again says nothing",
			in:   Input{Doc: doc(root(app, []drift.Resource{res("aws_s3_bucket.a")})), Prev: state(thread(app, "aws_s3_bucket.a"))},
		},
		{
			name: "the same drift with heartbeat says it is unchanged",
			in:   Input{Doc: doc(root(app, []drift.Resource{res("aws_s3_bucket.a")}), root(net, nil)), Prev: state(thread(app, "aws_s3_bucket.a")), Heartbeat: true},
			want: []Kind{Heartbeat}, wantFirst: Event{Kind: Heartbeat, Targets: 2, Drifting: 1},
		},
		{
			name:      "a different drifted set keeps the thread",
			in:        Input{Doc: doc(root(app, []drift.Resource{res("aws_s3_bucket.b")})), Prev: state(thread(app, "aws_s3_bucket.a"))},
			want:      []Kind{DriftChanged},
			wantNext:  map[report.Key]*Thread{app: {Root: app.Dir, Target: app.Target, Channel: "C1", TS: "1.000100", Since: since, Resources: []string{"aws_s3_bucket.b"}}},
			wantFirst: Event{Kind: DriftChanged, Added: []string{"aws_s3_bucket.b"}, Removed: []string{"aws_s3_bucket.a"}, Since: since.Time},
		},
		{
			name:      "fewer drifted resources are a reduction, not a change",
			in:        Input{Doc: doc(root(app, []drift.Resource{res("aws_s3_bucket.a")})), Prev: state(thread(app, "aws_s3_bucket.a", "aws_s3_bucket.b"))},
			want:      []Kind{DriftReduced},
			wantNext:  map[report.Key]*Thread{app: {Root: app.Dir, Target: app.Target, Channel: "C1", TS: "1.000100", Since: since, Resources: []string{"aws_s3_bucket.a"}}},
			wantFirst: Event{Kind: DriftReduced, Removed: []string{"aws_s3_bucket.b"}, Since: since.Time},
		},
		{
			name: "fewer mandatory denies failing are resolved, not a violation",
			in: Input{Doc: doc(root(app, []drift.Resource{res("aws_s3_bucket.a")}, deny("aws_s3_bucket.a", "high", true))),
				Prev: state(&Thread{Root: app.Dir, Target: app.Target, Since: since, Resources: []string{"aws_s3_bucket.a"},
					Policies: []string{"s3.no_public@aws_s3_bucket.a", "s3.no_public@aws_s3_bucket.b"}})},
			want: []Kind{PolicyResolved},
			wantNext: map[report.Key]*Thread{app: {Root: app.Dir, Target: app.Target, Since: since, Resources: []string{"aws_s3_bucket.a"},
				Policies: []string{"s3.no_public@aws_s3_bucket.a"}}},
		},
		{
			name: "advisory denies alone are no news",
			in:   Input{Doc: doc(root(app, nil, deny("aws_s3_bucket.a", "high", false), deny("aws_s3_bucket.b", "low", false)))},
		},
		{
			name:      "no drift any more is a recovery that ends the thread",
			in:        Input{Doc: doc(root(app, nil)), Prev: state(thread(app, "aws_s3_bucket.a"))},
			want:      []Kind{Recovered},
			wantNext:  map[report.Key]*Thread{app: nil},
			wantFirst: Event{Kind: Recovered, Removed: []string{"aws_s3_bucket.a"}, Since: since.Time},
		},
		{
			name: "a heal ends the thread, with its pull request closed",
			in: Input{Doc: doc(root(app, []drift.Resource{res("aws_s3_bucket.a")})), Prev: state(thread(app, "aws_s3_bucket.a")),
				Activity: map[report.Key]Activity{app: {Healed: []string{"aws_s3_bucket.a"}, HealedBy: "run 42", PRClosed: "https://github.example/pr/3"}}},
			want:     []Kind{PRClosed, SelfHealed},
			wantNext: map[report.Key]*Thread{app: nil},
		},
		{
			name: "a mandatory deny is told once, mandatory first",
			in:   Input{Doc: doc(root(app, []drift.Resource{res("aws_s3_bucket.a")}, deny("aws_s3_bucket.a", "low", false), deny("aws_s3_bucket.a", "high", true)))},
			want: []Kind{DriftDetected, PolicyViolation},
			wantNext: map[report.Key]*Thread{app: {Root: app.Dir, Target: app.Target, Since: Time{now}, Resources: []string{"aws_s3_bucket.a"},
				Policies: []string{"s3.no_public@aws_s3_bucket.a"}}},
		},
		{
			name: "a remediation pull request opened",
			in: Input{Doc: doc(root(app, []drift.Resource{res("aws_s3_bucket.a")})), Prev: state(thread(app, "aws_s3_bucket.a")),
				Activity: map[report.Key]Activity{app: {PROpened: "https://github.example/pr/3"}}},
			want: []Kind{PROpened}, wantFirst: Event{Kind: PROpened, PR: "https://github.example/pr/3", Since: since.Time},
		},
		{
			name: "an expired snooze is told once",
			in:   Input{Doc: doc(expired), Prev: state(thread(app, "aws_s3_bucket.a"))},
			want: []Kind{SnoozeExpired},
			wantNext: map[report.Key]*Thread{app: {Root: app.Dir, Target: app.Target, Channel: "C1", TS: "1.000100", Since: since, Resources: []string{"aws_s3_bucket.a"},
				Expired: []string{"infra/app aws_s3_bucket.a 2026-03-01T09:00:00Z"}}},
		},
		{
			name: "a failed plan is not a recovery and keeps the thread",
			in:   Input{Doc: doc(errRoot), Prev: state(thread(app, "aws_s3_bucket.a"))},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.in.Now = now
			events, next := Derive(tt.in)
			var kinds []Kind
			for _, e := range events {
				kinds = append(kinds, e.Kind)
			}
			if diff := cmp.Diff(tt.want, kinds); diff != "" {
				t.Errorf("event kinds (-want +got):\n%s", diff)
			}
			if tt.wantNext == nil {
				tt.wantNext = map[report.Key]*Thread{}
			}
			if diff := cmp.Diff(tt.wantNext, next); diff != "" {
				t.Errorf("thread changes (-want +got):\n%s", diff)
			}
			if tt.wantFirst.Kind != "" && len(events) > 0 {
				got := events[0]
				want := tt.wantFirst
				got = Event{Kind: got.Kind, Added: got.Added, Removed: got.Removed, Since: got.Since, PR: got.PR, Targets: got.Targets, Drifting: got.Drifting}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("first event (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestStateRoundTripAndApply(t *testing.T) {
	t.Parallel()
	a := &Thread{Root: "infra/app", Target: "prod", Channel: "C1", TS: "1.1", Since: since, Resources: []string{"x.a"}}
	b := &Thread{Root: "infra/b", Target: "default", Resources: []string{"x.b"}}
	tests := []struct {
		name    string
		start   State
		changes map[report.Key]*Thread
		want    []*Thread
	}{
		{"adds a thread", State{}, map[report.Key]*Thread{app: a}, []*Thread{a}},
		{"keeps other jobs' threads", State{Threads: []*Thread{b}}, map[report.Key]*Thread{app: a}, []*Thread{a, b}},
		{"removes an ended thread", State{Threads: []*Thread{a, b}}, map[report.Key]*Thread{app: nil}, []*Thread{b}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data, err := tt.start.Apply(tt.changes).Marshal()
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseState("slack-threads.yaml", data)
			if err != nil {
				t.Fatalf("%v\n%s", err, data)
			}
			if diff := cmp.Diff(tt.want, got.Threads, cmp.Comparer(func(x, y Time) bool { return x.Equal(y.Time) })); diff != "" {
				t.Errorf("threads after a round trip (-want +got):\n%s\n%s", diff, data)
			}
		})
	}
}

// TestParseStateErrors: a thread file this version cannot read is an
// error naming the file and the line, never quoting the file (it is
// committed, anyone with a branch writes it).
func TestParseStateErrors(t *testing.T) {
	t.Parallel()
	const secret = "CANARY-state-9d2"
	tests := []struct{ name, data, want string }{
		{"newer version", "# kept by drift-action\nversion: 2\nthreads: []\n", "drift/slack-threads.yaml:2: version is not 1"},
		{"version not a number", "version: " + secret + "\nthreads: []\n", "drift/slack-threads.yaml:1: version is not 1"},
		{"no version", "threads: []\n", "drift/slack-threads.yaml: no version 1"},
		{"unknown field", "version: 1\nthreads: []\n" + secret + ": 1\n", "drift/slack-threads.yaml:3: a field this version does not know"},
		{"wrong type", "version: 1\nthreads:\n- root: [" + secret + "]\n", "drift/slack-threads.yaml:3: a field this version does not know, or a value of the wrong type"},
		{"bad time", "version: 1\nthreads:\n- root: a\n  target: b\n  since: " + secret + "\n", "drift/slack-threads.yaml:5:"},
		{"not yaml", "version: 1\nthreads: [\n  " + secret + ": {\n", "drift/slack-threads.yaml:"},
		{"tabs", "version: 1\n\tthreads: " + secret + "\n", "drift/slack-threads.yaml:2: not valid YAML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseState("drift/slack-threads.yaml", []byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseState error = %v, want one saying %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "CANARY") {
				t.Errorf("ParseState error quotes the file: %v", err)
			}
			if err != nil && !strings.Contains(err.Error(), "kept as they are") {
				t.Errorf("ParseState error %v does not say the threads are kept", err)
			}
		})
	}
	if s, err := ParseState("x", nil); err != nil || len(s.Threads) != 0 {
		t.Errorf("empty file: %v %v, want an empty state", s, err)
	}
}

// TestReadStateRefusesSymlinks: the thread file is committed; a symlink
// at it, or at a directory on its path, is not followed.
func TestReadStateRefusesSymlinks(t *testing.T) {
	t.Parallel()
	good := "version: 1\nthreads:\n- root: a\n  target: b\n"
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir, outside string)
		wantErr string
		threads int
	}{
		{name: "regular file", setup: func(t *testing.T, dir, _ string) {
			writeFile(t, filepath.Join(dir, "drift", "slack-threads.yaml"), good)
		}, threads: 1},
		{name: "missing", setup: func(t *testing.T, dir, _ string) {}},
		{name: "file is a symlink", setup: func(t *testing.T, dir, outside string) {
			os.MkdirAll(filepath.Join(dir, "drift"), 0o755)
			symlink(t, filepath.Join(outside, "secret.yaml"), filepath.Join(dir, "drift", "slack-threads.yaml"))
		}, wantErr: "drift/slack-threads.yaml is a symlink"},
		{name: "directory is a symlink", setup: func(t *testing.T, dir, outside string) {
			symlink(t, outside, filepath.Join(dir, "drift"))
		}, wantErr: "drift is a symlink"},
		{name: "dangling symlink", setup: func(t *testing.T, dir, outside string) {
			os.MkdirAll(filepath.Join(dir, "drift"), 0o755)
			symlink(t, filepath.Join(outside, "nothing"), filepath.Join(dir, "drift", "slack-threads.yaml"))
		}, wantErr: "is a symlink"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, outside := t.TempDir(), t.TempDir()
			writeFile(t, filepath.Join(outside, "secret.yaml"), good)
			writeFile(t, filepath.Join(outside, "slack-threads.yaml"), good)
			tt.setup(t, dir, outside)
			st, err := ReadState(dir, "drift/slack-threads.yaml")
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("ReadState: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("ReadState = %v, want an error saying %q", err, tt.wantErr)
			}
			if len(st.Threads) != tt.threads {
				t.Errorf("%d threads read, want %d", len(st.Threads), tt.threads)
			}
		})
	}
}

// TestMergeStateKeepsUnreadable: an unreadable file on the branch is never
// replaced by this run's threads alone.
func TestMergeStateKeepsUnreadable(t *testing.T) {
	t.Parallel()
	changes := map[report.Key]*Thread{app: {Root: app.Dir, Target: app.Target, TS: "1.1"}}
	if out, err := MergeState("drift/slack-threads.yaml", []byte("version: 2\nthreads: []\n"), changes); err == nil {
		t.Errorf("MergeState = %s, want an error", out)
	}
	out, err := MergeState("drift/slack-threads.yaml", []byte("version: 1\nthreads:\n- root: infra/b\n  target: default\n"), changes)
	if err != nil {
		t.Fatal(err)
	}
	st, err := ParseState("x", out)
	if err != nil || len(st.Threads) != 2 {
		t.Errorf("merged state = %+v, %v; want both threads", st, err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
}
