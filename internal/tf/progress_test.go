package tf

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/tftest"
)

// TestProgressReducer folds hook messages into a Progress and reads its
// Status as a progress line shows it.
func TestProgressReducer(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	type msg struct {
		typ, addr, action string
		at                time.Duration // after t0
	}
	tests := []struct {
		name string
		msgs []msg
		now  time.Duration
		want string
	}{
		{name: "nothing yet", now: time.Minute, want: "no resource started yet"},
		{name: "one refresh hangs", now: 40 * time.Second, msgs: []msg{
			{"refresh_start", "a.x", "", 0}, {"refresh_complete", "a.x", "", time.Second},
			{"refresh_start", "aws_instance.web", "", 9 * time.Second},
		}, want: "refreshed 1 of 2 started, waiting on aws_instance.web (31s)"},
		{name: "the oldest of several is named", now: 20 * time.Second, msgs: []msg{
			{"refresh_start", "b.y", "", 5 * time.Second}, {"refresh_start", "a.x", "", 2 * time.Second}, {"refresh_start", "c.z", "", 7 * time.Second},
		}, want: "refreshed 0 of 3 started, waiting on a.x (18s) and 2 more"},
		{name: "a started resource keeps its first start", now: 10 * time.Second, msgs: []msg{
			{"refresh_start", "a.x", "", 0}, {"refresh_start", "a.x", "", 8 * time.Second},
		}, want: "refreshed 0 of 2 started, waiting on a.x (10s)"},
		{name: "all refreshed, a data source read pending", now: 5 * time.Second, msgs: []msg{
			{"refresh_start", "a.x", "", 0}, {"refresh_complete", "a.x", "", 0},
			{"apply_start", "data.http.d", "read", time.Second},
		}, want: "refreshed 1 of 1 started, read 0 of 1 data source(s) started, waiting on data.http.d (4s)"},
		{name: "apply, one errored", now: 5 * time.Second, msgs: []msg{
			{"apply_start", "a.x", "update", 0}, {"apply_start", "b.y", "create", 0},
			{"apply_complete", "a.x", "update", time.Second}, {"apply_errored", "b.y", "create", 2 * time.Second},
		}, want: "applied 2 of 2 started"},
		{name: "other types change nothing", now: time.Second, msgs: []msg{{"planned_change", "a.x", "update", 0}}, want: "no resource started yet"},
		{name: "a key with a newline stays on one line", now: 3 * time.Second, msgs: []msg{
			{"refresh_start", "a.x[\"k\n::error::x\"]", "", 0},
		}, want: `refreshed 0 of 1 started, waiting on a.x[\"k\n::error::x\"] (3s)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var p Progress
			for _, m := range tc.msgs {
				p.Observe(m.typ, m.addr, m.action, t0.Add(m.at))
			}
			if diff := cmp.Diff(tc.want, p.Status(t0.Add(tc.now)).String()); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
		})
	}
}

// TestStreamFeedsProgress: the parser hands each hook line's type, address
// and action to the watch, escaped addresses decoded, whatever the write
// sizes; the verdict's counts are unchanged.
func TestStreamFeedsProgress(t *testing.T) {
	t.Parallel()
	hooks := `{"@level":"info","@message":"x: Refreshing state...","hook":{"resource":{"addr":"fakecloud_instance.web[\"a\\\"b\"]","resource_type":"fakecloud_instance"},"id_key":"id","id_value":"1"},"type":"refresh_start"}
{"@level":"info","@message":"data.d: Refreshing...","hook":{"resource":{"addr":"data.d.x","resource_type":"d"},"action":"read"},"type":"apply_start"}
{"@level":"info","@message":"data.d: Refresh complete after 0s","hook":{"resource":{"addr":"data.d.x","resource_type":"d"},"action":"read","elapsed_seconds":0},"type":"apply_complete"}
`
	data := hooks + stream
	for _, chunk := range []int{1, 13, len(data)} {
		clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		w := &watch{now: func() time.Time { return clock }}
		sp := &streamParser{watch: w}
		for i := 0; i < len(data); i += chunk {
			sp.Write([]byte(data[i:min(i+chunk, len(data))]))
		}
		sp.Close()
		got := w.p.Status(clock.Add(2 * time.Second))
		want := Status{Refreshing: 2, Refreshed: 1, Reading: 1, Read: 1, Waiting: `fakecloud_instance.web["a\"b"]`, For: 2 * time.Second, Pending: 1}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("chunk %d: status (-want +got):\n%s", chunk, diff)
		}
		if sp.ev.Resources != 1 || sp.ev.Drifted != 1 || sp.ev.Summary == nil {
			t.Errorf("chunk %d: events %+v", chunk, sp.ev)
		}
	}
}

// TestProgressNamesHungResource plans a root whose provider hangs for good
// in a read: progress lines come at the set rate while terraform is silent,
// before the timeout, and name the resource it waits on.
func TestProgressNamesHungResource(t *testing.T) {
	tftest.Long(t)
	t.Parallel()
	env := tftest.Setup(t)
	dir := t.TempDir()
	root := appliedRoot(t, env, dir, "drifted")
	o := options(env, env.Terraform)
	o.Env = append(append([]string{}, env.Environ...), "FAKECLOUD_HANG_READ=1")
	o.Timeout, o.Grace = 30*time.Second, time.Second // generous: init must finish first on a loaded machine
	var mu sync.Mutex
	var lines []string
	var waiting []time.Duration // when a line named the hung resource, after the start
	// Three lines naming it are enough: the run is cancelled then, well
	// before the timeout, which would only make the test slower.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	o.ProgressEvery = 500 * time.Millisecond
	o.Progress = func(r Report) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, r.String())
		if r.Step == "plan" && r.Status.Waiting == "fakecloud_instance.web" {
			if waiting = append(waiting, time.Since(start)); len(waiting) == 3 {
				cancel()
			}
		}
	}
	_, err := Run(ctx, Target{Dir: root, PlanFile: filepath.Join(dir, "plan")}, o)
	if err == nil {
		t.Fatal("a plan whose provider hangs finished")
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("progress:\n%s", strings.Join(lines, "\n"))
	if len(waiting) < 3 {
		t.Fatalf("%d progress lines named fakecloud_instance.web as waited on, want one per interval while it hangs (error %v)", len(waiting), err)
	}
	if waiting[0] >= o.Timeout {
		t.Errorf("the first line naming it came %s after the start, not before the %s timeout", waiting[0], o.Timeout)
	}
	last := lines[len(lines)-1]
	if !strings.Contains(last, "plan running for") || !strings.Contains(last, "waiting on fakecloud_instance.web (") {
		t.Errorf("last progress line %q does not say the plan waits on fakecloud_instance.web", last)
	}
}

// TestRunWritesTerraformLog: with a LogFile every step of the target
// writes terraform's own log there at the level asked, the -json stream
// is still read (the plan is clean), and the clean plan is shown for the
// log's secrets alone, not as the verdict's plan.
func TestRunWritesTerraformLog(t *testing.T) {
	tftest.Long(t)
	t.Parallel()
	env := tftest.Setup(t)
	dir := t.TempDir()
	root := appliedRoot(t, env, dir, "clean")
	logFile := filepath.Join(dir, "logs", "root.log")
	if err := os.MkdirAll(filepath.Dir(logFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(logFile, []byte("an earlier run's log\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	o := options(env, env.Terraform)
	o.LogLevel = "DEBUG"
	out, err := Run(context.Background(), Target{Dir: root, PlanFile: filepath.Join(dir, "plan"), LogFile: logFile}, o)
	if err != nil {
		t.Fatal(err)
	}
	if out.PlanJSONFile != "" || out.LogPlanJSONFile != filepath.Join(dir, "plan")+".json" {
		t.Errorf("plan JSON files: verdict %q, log %q; want none for the verdict, the shown plan for the log", out.PlanJSONFile, out.LogPlanJSONFile)
	}
	data, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	log := string(data)
	for _, want := range []string{"[DEBUG]", `CLI command args: []string{"init"`, `CLI command args: []string{"plan"`, `CLI command args: []string{"show"`} {
		if !strings.Contains(log, want) {
			t.Errorf("terraform's log does not hold %q", want)
		}
	}
	if strings.Contains(log, "an earlier run's log") {
		t.Error("the log file kept an earlier run's lines")
	}
	if st, err := os.Stat(logFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("log file mode %v (%v), want 0600", st.Mode(), err)
	}
}
