package notify

import (
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
			got, err := ParseState(data)
			if err != nil {
				t.Fatalf("%v\n%s", err, data)
			}
			if diff := cmp.Diff(tt.want, got.Threads, cmp.Comparer(func(x, y Time) bool { return x.Equal(y.Time) })); diff != "" {
				t.Errorf("threads after a round trip (-want +got):\n%s\n%s", diff, data)
			}
		})
	}
}

func TestParseStateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, data, want string }{
		{"unknown version", "version: 9\nthreads: []\n", "version 9 is not 1"},
		{"unknown field", "version: 1\nthreads: []\nextra: 1\n", "delete the file to start new threads"},
		{"bad time", "version: 1\nthreads:\n- root: a\n  target: b\n  since: yesterday\n", "not an RFC 3339 time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseState([]byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseState error = %v, want one saying %q", err, tt.want)
			}
		})
	}
	if s, err := ParseState(nil); err != nil || len(s.Threads) != 0 {
		t.Errorf("empty file: %v %v, want an empty state", s, err)
	}
}
