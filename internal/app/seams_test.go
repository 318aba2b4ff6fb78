package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/github/githubtest"
	"github.com/myorg/drift-action/internal/record"
	"github.com/myorg/drift-action/internal/report"
	"github.com/myorg/drift-action/internal/tftest"
)

// writeRecord writes a record of infra/app (default) drifted, made by a run
// at time at, into the workspace before it is committed.
func writeRecord(t *testing.T, ws string, at time.Time) {
	t.Helper()
	res, err := record.Record(record.Files{}, record.Run{Time: at, Commit: "ffffffffffffffffffffffffffffffffffffffff", Repository: "acme/infra"},
		[]record.Target{{Root: "infra/app", Target: "default", Status: record.StatusDrifted,
			Drift: []record.Resource{{Address: "fakecloud_instance.web", Type: "fakecloud_instance", Actions: []string{"update"}, Cause: record.CauseDrift}}}})
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(ws, "drift"), 0o755)
	if err := os.WriteFile(filepath.Join(ws, record.DefaultReportPath), res.Report, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ws, record.DefaultLogPath), res.LogAppend, 0o644); err != nil {
		t.Fatal(err)
	}
}

// A heal the record cannot log (a later plan is recorded already) is never
// called recorded: the run fails and says which events are missing. A
// record stamped in the future of the runner's clock (a runner's clock
// ahead) is recorded over, with a warning, instead of silencing every later
// run.
func TestActionHealLostFromRecordIsAnError(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	tests := []struct {
		name        string
		recordedAt  time.Duration // from the test's start
		wantCode    int
		wantInLog   bool   // self-healed is in the committed log
		wantSummary string // in the job summary
		wantAnnot   [2]string
	}{
		{name: "a later plan is recorded", recordedAt: 40 * time.Second, wantCode: 1,
			wantSummary: "infra/app (default) was not recorded: recorded by a later plan",
			wantAnnot:   [2]string{"error", "self-healed event(s) are not in the log"}},
		{name: "a runner clock ahead", recordedAt: 2 * time.Hour, wantCode: 0, wantInLog: true,
			wantSummary: "clock is ahead",
			wantAnnot:   [2]string{"warning", "a runner's clock is ahead"}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ws := driftedWorkspace(t, env, "pw-lost-"+string(rune('a'+i)))
			writeRecord(t, ws, time.Now().Add(tc.recordedAt))
			remote := gitWorkspace(t, ws)
			gh := githubtest.NewServer(t, githubtest.WithToken("ghs_testtoken"))
			res := runnerRun{t: t, env: env, workspace: ws, event: "schedule", vars: gitopsVars, apiURL: gh.URL(),
				inputs: map[string]string{"mode": "remediate", "remediation": "apply"}}.run()
			if res.code != tc.wantCode {
				t.Fatalf("exit %d, want %d\n%s", res.code, tc.wantCode, res.stdout)
			}
			if b, _ := os.ReadFile(filepath.Join(ws, "cloud.json")); strings.Contains(string(b), "pwned") {
				t.Fatalf("the drift was not healed, the case is not set up: %s", b)
			}
			kinds := strings.Join(logKinds(t, remoteFile(t, remote, record.DefaultLogPath)), ",")
			if got := strings.Contains(kinds, "self-healed"); got != tc.wantInLog {
				t.Errorf("self-healed in the log = %v, want %v (events %s)", got, tc.wantInLog, kinds)
			}
			if !strings.Contains(res.summary, tc.wantSummary) {
				t.Errorf("the summary lacks %q:\n%s", tc.wantSummary, res.summary)
			}
			if !tc.wantInLog && strings.Contains(res.summary, "recorded drift/drift-report.yaml and drift/drift-log.yaml\n") {
				t.Errorf("the summary calls a lost heal recorded:\n%s", res.summary)
			}
			if !annotated(res.stdout, tc.wantAnnot[0], tc.wantAnnot[1]) {
				t.Errorf("no %s annotation with %q:\n%s", tc.wantAnnot[0], tc.wantAnnot[1], res.stdout)
			}
		})
	}
}

// The aggregate records each target at the time its shard planned it: a
// shard's older plan never overwrites a newer recovery, however late the
// aggregate job runs.
func TestActionAggregateRecordsAtShardPlanTimes(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	remote := gitWorkspace(t, ws)
	now := time.Now().UTC().Truncate(time.Second)
	web := drift.Resource{Address: "fakecloud_instance.web", Type: "fakecloud_instance", Actions: []string{"update"}, Cause: drift.CauseDrift}
	shard := func(runID string, status drift.Status, plannedAt time.Time) report.Document {
		r := drift.Result{Dir: "stacks/a", Target: "default", Status: status, PlannedAt: plannedAt}
		if status == drift.StatusDrifted {
			r.Drift = []drift.Resource{web}
		}
		d := report.New([]drift.Result{r})
		d.Origin = &report.Origin{Repository: "acme/infra", RunID: runID, Shard: &report.Shard{Index: 1, Count: 1}}
		return d
	}
	steps := []struct {
		runID     string
		status    drift.Status
		plannedAt time.Time
	}{
		{"61", drift.StatusDrifted, now.Add(-3 * time.Hour)},
		{"62", drift.StatusClean, now.Add(-1 * time.Hour)},   // recovered
		{"63", drift.StatusDrifted, now.Add(-2 * time.Hour)}, // an older plan aggregated last
	}
	var last runnerResult
	for _, s := range steps {
		os.RemoveAll(filepath.Join(ws, "drift-results"))
		writeShard(t, ws, "job1", shard(s.runID, s.status, s.plannedAt))
		last = runnerRun{t: t, workspace: ws, event: "schedule",
			vars:   map[string]string{"GITHUB_RUN_ID": s.runID, "GITHUB_REF_NAME": "main", "GITHUB_SHA": gitopsVars["GITHUB_SHA"]},
			inputs: map[string]string{"mode": "aggregate", "record": "true"}}.run()
		if last.code != 0 {
			t.Fatalf("run %s: exit %d\n%s", s.runID, last.code, last.stdout)
		}
	}
	rep := remoteFile(t, remote, record.DefaultReportPath)
	if !strings.Contains(rep, "state: clean") || !strings.Contains(rep, now.Add(-1*time.Hour).Format(time.RFC3339)) {
		t.Errorf("an older shard plan overwrote the recovery:\n%s", rep)
	}
	if got := logKinds(t, remoteFile(t, remote, record.DefaultLogPath)); strings.Join(got, ",") != "detected,recovered" {
		t.Errorf("log events %v, want detected,recovered", got)
	}
	if !strings.Contains(last.summary, "stacks/a (default) was not recorded: recorded by a later plan") {
		t.Errorf("the summary does not say the older plan was left out:\n%s", last.summary)
	}
}
