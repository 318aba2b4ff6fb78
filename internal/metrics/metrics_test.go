package metrics_test

import (
	"bytes"
	"context"
	"flag"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/metrics"
	"github.com/myorg/drift-action/internal/metrics/metricstest"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/record"
	"github.com/myorg/drift-action/internal/report"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var (
	planned = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	since   = record.NewTime(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	earlier = record.NewTime(time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC))
)

// fixture is a run of every kind of target: drifted with failing policies
// and a snooze, clean, changed, failed to plan, and a root whose name
// needs escaping in the text format.
func fixture() metrics.Input {
	app := drift.Result{Dir: "infra/app", Target: "prod", Status: drift.StatusDrifted, PlannedAt: planned, Duration: 1500 * time.Millisecond,
		Drift:   []drift.Resource{{Address: "aws_instance.web"}, {Address: "aws_s3_bucket.logs"}},
		Changes: []drift.Resource{{Address: "aws_instance.web", Cause: drift.CauseDrift}},
		Snoozed: []drift.Resource{{Address: "aws_iam_role.ci"}},
	}
	net := drift.Result{Dir: "infra/network", Target: "default", Status: drift.StatusClean, PlannedAt: planned, Duration: 250 * time.Millisecond}
	code := drift.Result{Dir: "infra/code", Target: "default", Status: drift.StatusChanged, PlannedAt: planned, Duration: time.Second,
		Changes: []drift.Resource{{Address: "local_file.a", Cause: drift.CauseCode}}}
	broken := drift.Result{Dir: "infra/broken", Target: "default", Status: drift.StatusError, Error: "Error: no backend", PlannedAt: planned, Duration: 2 * time.Second}
	odd := drift.Result{Dir: `infra/"odd"\dir` + "\nx", Target: "eu-west", Status: drift.StatusClean, PlannedAt: planned, Duration: 100 * time.Millisecond}
	doc := report.WithPolicies([]drift.Result{app, net, code, broken, odd}, &report.Policies{ByTarget: map[report.Key][]policy.Result{
		{Dir: "infra/app", Target: "prod"}: {
			{Policy: "no_public", Severity: "critical", Level: policy.HardMandatory, Failed: true},
			{Policy: "tags", Severity: "high", Level: policy.SoftMandatory, Failed: true},
			{Policy: "tags2", Severity: "high", Level: policy.SoftMandatory, Failed: true},
			{Policy: "size", Severity: "high", Level: policy.SoftMandatory, Overridden: true},
			{Policy: "advice", Severity: "low", Level: policy.Advisory},
		},
	}})
	return metrics.Input{
		Doc: doc, Started: planned.Add(-time.Minute), Duration: 90 * time.Second,
		Reports: []record.Report{
			{Spec: record.ReportSpec{Root: "infra/app", Target: "prod", State: record.StatusDrifted, DetectedAt: &since, LastCheckedAt: &record.Time{Time: planned}}},
			{Spec: record.ReportSpec{Root: "infra/broken", Target: "default", State: record.StatusError, LastCheckedAt: &earlier}},
		},
		Heals:        map[report.Key]string{{Dir: "infra/app", Target: "prod"}: "pr", {Dir: "infra/network", Target: "default"}: "skipped"},
		PullRequests: map[report.Key]string{{Dir: "infra/app", Target: "prod"}: "opened"},
	}
}

func exposition(t *testing.T, in metrics.Input) []byte {
	t.Helper()
	reg, err := metrics.Registry(in)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := metrics.Text(&b, reg); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

// TestExpositionGolden holds the text a run of every kind of target
// exports: names, help, labels, values and escaping.
func TestExpositionGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   metrics.Input
	}{
		{"run.prom", fixture()},
		// mode detect: no record, no heal: no drift start, the failed
		// target has no last success.
		{"detect.prom", func() metrics.Input {
			in := fixture()
			in.Reports, in.Heals, in.PullRequests = nil, nil, nil
			return in
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			golden(t, tc.name, exposition(t, tc.in))
		})
	}
}

// TestRegistryProjectsTheRun reads the exposition back and checks each
// value against the run it came from.
func TestRegistryProjectsTheRun(t *testing.T) {
	t.Parallel()
	mfs := metricstest.Parse(t, exposition(t, fixture()))
	app := map[string]string{"root": "infra/app", "target": "prod"}
	with := func(m map[string]string, k, v string) map[string]string {
		out := map[string]string{k: v}
		for a, b := range m {
			out[a] = b
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		metric string
		labels map[string]string
		want   float64
		absent bool
	}{
		{"drifted", "drift_action_drifted_resources", app, 2, false},
		{"pending", "drift_action_pending_changes", app, 1, false},
		{"snoozed", "drift_action_snoozed_resources", app, 1, false},
		{"status current", "drift_action_target_status", with(app, "status", "drifted"), 1, false},
		{"status other", "drift_action_target_status", with(app, "status", "clean"), 0, false},
		{"duration", "drift_action_check_duration_seconds", app, 1.5, false},
		{"critical failures", "drift_action_policy_failures", with(app, "severity", "critical"), 1, false},
		{"high failures, overridden not counted", "drift_action_policy_failures", with(app, "severity", "high"), 2, false},
		{"low: advisory is no failure", "drift_action_policy_failures", with(app, "severity", "low"), 0, false},
		{"drift start from the record", "drift_action_drift_open_since_timestamp_seconds", app, float64(since.Unix()), false},
		{"last success this run", "drift_action_last_success_timestamp_seconds", app, float64(planned.Unix()), false},
		{"last success of a failed target from the record", "drift_action_last_success_timestamp_seconds", map[string]string{"root": "infra/broken"}, float64(earlier.Unix()), false},
		{"no drift start when clean", "drift_action_drift_open_since_timestamp_seconds", map[string]string{"root": "infra/network"}, 0, true},
		{"heal", "drift_action_heal_outcome", with(app, "outcome", "pr"), 1, false},
		{"pull request", "drift_action_remediation_pull_request_outcome", with(app, "action", "opened"), 1, false},
		{"escaped root read back", "drift_action_target_status", map[string]string{"root": `infra/"odd"\dir` + "\nx", "status": "clean"}, 1, false},
		{"run duration", "drift_action_run_duration_seconds", nil, 90, false},
		{"run start", "drift_action_run_timestamp_seconds", nil, float64(planned.Add(-time.Minute).Unix()), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := metricstest.Value(mfs, tc.metric, tc.labels)
			if ok == tc.absent {
				t.Fatalf("%s%v present = %v, want %v", tc.metric, tc.labels, ok, !tc.absent)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s%v (-want +got):\n%s", tc.metric, tc.labels, diff)
			}
		})
	}
}

// TestNamesAreTheRegistrysFamilies holds Names (what the dashboard test
// checks queries against) equal to what a full run exports, so neither can
// name a metric the other lacks.
func TestNamesAreTheRegistrysFamilies(t *testing.T) {
	t.Parallel()
	var got []string
	for name := range metricstest.Parse(t, exposition(t, fixture())) {
		got = append(got, name)
	}
	want := metrics.Names()
	less := func(a, b string) bool { return a < b }
	if diff := cmp.Diff(want, got, cmpopts.SortSlices(less)); diff != "" {
		t.Errorf("exported families (-want +got):\n%s", diff)
	}
	for _, n := range want {
		if !strings.HasPrefix(n, metrics.Namespace+"_") || strings.HasSuffix(n, "_total") {
			t.Errorf("%s: want the %s_ prefix and no _total (every metric is a gauge)", n, metrics.Namespace)
		}
	}
}

// TestPromtoolChecksTheOutput runs Prometheus's own linter over the file
// WriteFile writes: names, units, help and the text format's syntax.
func TestPromtoolChecksTheOutput(t *testing.T) {
	t.Parallel()
	promtool := metricstest.Tool(t, "promtool", "prometheus")
	for _, tc := range []struct {
		name string
		in   metrics.Input
	}{
		{"full run", fixture()},
		{"empty run", metrics.Input{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			reg, err := metrics.Registry(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "drift.prom")
			if err := metrics.WriteFile(path, reg); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			cmd := exec.Command(promtool, "check", "metrics")
			cmd.Stdin = f
			out, err := cmd.CombinedOutput()
			if err != nil || len(bytes.TrimSpace(out)) > 0 {
				t.Errorf("promtool check metrics: %v\n%s", err, out)
			}
		})
	}
}

// TestPromtoolCatchesBadNames proves the check above can fail: promtool
// objects to a counter without _total, the mistake the names avoid.
func TestPromtoolCatchesBadNames(t *testing.T) {
	t.Parallel()
	promtool := metricstest.Tool(t, "promtool", "prometheus")
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader("# HELP drift_action_runs Runs.\n# TYPE drift_action_runs counter\ndrift_action_runs 1\n")
	out, err := cmd.CombinedOutput()
	if err == nil && len(bytes.TrimSpace(out)) == 0 {
		t.Fatalf("promtool accepted a counter without _total: the check would pass anything")
	}
}

// TestWriteFileReplacesAtomically writes twice over one path and leaves
// nothing else in the directory (the collector reads every *.prom there).
func TestWriteFileReplacesAtomically(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "drift.prom")
	for _, in := range []metrics.Input{fixture(), {}} {
		reg, err := metrics.Registry(in)
		if err != nil {
			t.Fatal(err)
		}
		if err := metrics.WriteFile(path, reg); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "drift.prom" {
		t.Errorf("directory holds %v, want only drift.prom", entries)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(exposition(t, metrics.Input{})), string(got)); diff != "" {
		t.Errorf("second write (-want +got):\n%s", diff)
	}
	if err := metrics.WriteFile(filepath.Join(dir, "missing", "drift.prom"), nil); err == nil {
		t.Errorf("WriteFile into a missing directory succeeded")
	}
}

// TestPushToARealPushgateway pushes two shards of one repository, then one
// shard again with fewer targets, and reads the gateway back: each shard's
// group holds its own series, and a push replaces only its own group.
func TestPushToARealPushgateway(t *testing.T) {
	t.Parallel()
	url := metricstest.Pushgateway(t)
	ctx := context.Background()
	shard := func(i int, dirs ...string) error {
		var rs []drift.Result
		for _, d := range dirs {
			rs = append(rs, drift.Result{Dir: d, Target: "default", Status: drift.StatusDrifted, Drift: make([]drift.Resource, i)})
		}
		reg, err := metrics.Registry(metrics.Input{Doc: report.New(rs), Started: planned})
		if err != nil {
			return err
		}
		return metrics.Gateway{URL: url, Job: metrics.DefaultJob, Grouping: metrics.Grouping("myorg/infra", i, 2)}.Push(ctx, reg)
	}
	if err := shard(1, "infra/a", "infra/old"); err != nil {
		t.Fatal(err)
	}
	if err := shard(2, "infra/b"); err != nil {
		t.Fatal(err)
	}
	if err := shard(1, "infra/a"); err != nil {
		t.Fatal(err)
	}
	mfs := metricstest.Scrape(t, url)
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
		absent bool
	}{
		{"shard 1's target", map[string]string{"root": "infra/a", "shard": "1-of-2", "repository": "myorg/infra", "job": "drift-action"}, 1, false},
		{"shard 2 kept by shard 1's push", map[string]string{"root": "infra/b", "shard": "2-of-2", "repository": "myorg/infra"}, 2, false},
		{"shard 1's group replaced", map[string]string{"root": "infra/old"}, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := metricstest.Value(mfs, "drift_action_drifted_resources", tc.labels)
			if ok == tc.absent {
				t.Fatalf("series %v present = %v, want %v", tc.labels, ok, !tc.absent)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("drift_action_drifted_resources%v (-want +got):\n%s", tc.labels, diff)
			}
		})
	}
}

// TestPushFailureKeepsCredentialsOut: credentials in the URL are sent as
// basic auth, and a refused push is an error with the status that never
// quotes them (errors reach the job summary, which the runner does not mask).
func TestPushFailureKeepsCredentialsOut(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	auth := make(chan string, 1)
	srv := http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, _ := r.BasicAuth()
		auth <- u + ":" + p
		http.Error(w, "nope", http.StatusBadRequest)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	reg, err := metrics.Registry(fixture())
	if err != nil {
		t.Fatal(err)
	}
	err = metrics.Gateway{URL: "http://ci:pwsecret@" + l.Addr().String(), Job: metrics.DefaultJob}.Push(context.Background(), reg)
	if err == nil || !strings.Contains(err.Error(), "push to pushgateway") || !strings.Contains(err.Error(), "400") {
		t.Errorf("err = %v, want a push error with the status", err)
	}
	if err != nil && strings.Contains(err.Error(), "pwsecret") {
		t.Errorf("the error shows the password: %v", err)
	}
	if diff := cmp.Diff("ci:pwsecret", <-auth); diff != "" {
		t.Errorf("basic auth (-want +got):\n%s", diff)
	}
}
