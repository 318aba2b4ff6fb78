package app

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	dto "github.com/prometheus/client_model/go"

	"github.com/myorg/drift-action/internal/actions"
	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/github/githubtest"
	"github.com/myorg/drift-action/internal/gitops"
	"github.com/myorg/drift-action/internal/metrics/metricstest"
	"github.com/myorg/drift-action/internal/record"
	"github.com/myorg/drift-action/internal/report"
	"github.com/myorg/drift-action/internal/tftest"
)

// TestActionMetricsFromRecordedHistory runs mode remediate (pr) twice on a
// real terraform drift recorded on a real git remote, with metrics-file and
// pushgateway-url set: the file and a real Pushgateway both hold the run's
// verdict, what it did, and the drift's start as the committed record says,
// the same on the second run (the age grows from the history, not the run).
func TestActionMetricsFromRecordedHistory(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	pg := metricstest.Pushgateway(t)
	ws := driftedWorkspace(t, env, "pw-metrics-1")
	remote := gitWorkspace(t, ws)
	gh := githubtest.NewServer(t, githubtest.WithToken("ghs_testtoken"))
	gh.SetBranch("acme", "infra", "main", map[string]string{"README.md": "infra\n"})
	run := runnerRun{t: t, env: env, workspace: ws, event: "schedule", vars: gitopsVars, apiURL: gh.URL(),
		inputs: map[string]string{"mode": "remediate", "remediation": "pr", "metrics-file": "out/drift.prom", "pushgateway-url": pg}}
	target := map[string]string{"root": "infra/app", "target": "default"}
	with := func(k, v string) map[string]string {
		m := map[string]string{k: v}
		for a, b := range target {
			m[a] = b
		}
		return m
	}
	var since float64
	for i, prAction := range []string{"opened", "unchanged"} {
		if i == 1 {
			// A later run: the record's drift start must not move.
			time.Sleep(1100 * time.Millisecond)
		}
		before := time.Now().Truncate(time.Second)
		res := run.run()
		after := time.Now()
		if res.code != 0 {
			t.Fatalf("run %d: exit %d\n%s", i+1, res.code, res.stdout)
		}
		text, err := os.ReadFile(filepath.Join(ws, "out", "drift.prom"))
		if err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
		if err := metricstest.Promtool(t, text); err != nil {
			t.Errorf("run %d: %v", i+1, err)
		}
		if bytes.Contains(text, []byte("pw-metrics-1")) || bytes.Contains(text, []byte(canary)) {
			t.Errorf("run %d: the metrics leak a sensitive value", i+1)
		}
		reports, err := record.ParseReports("drift-report.yaml", []byte(remoteFile(t, remote, "drift/drift-report.yaml")), "")
		if err != nil || len(reports) != 1 || reports[0].Spec.DetectedAt == nil {
			t.Fatalf("run %d: the committed record: %v %+v", i+1, err, reports)
		}
		detected := float64(reports[0].Spec.DetectedAt.Unix())
		if i == 0 {
			since = detected
		}
		for source, mfs := range map[string]map[string]*dto.MetricFamily{"file": metricstest.Parse(t, text), "pushgateway": metricstest.Scrape(t, pg)} {
			labels := func(m map[string]string) map[string]string {
				if source == "pushgateway" {
					m["job"], m["repository"], m["shard"] = "drift-action", "acme/infra", "all"
				}
				return m
			}
			for _, c := range []struct {
				metric string
				labels map[string]string
				want   float64
			}{
				{"drift_action_drifted_resources", labels(with("root", "infra/app")), 1},
				{"drift_action_target_status", labels(with("status", "drifted")), 1},
				{"drift_action_drift_open_since_timestamp_seconds", labels(with("root", "infra/app")), since},
				{"drift_action_heal_outcome", labels(with("outcome", "pr")), 1},
				{"drift_action_remediation_pull_request_outcome", labels(with("action", prAction)), 1},
			} {
				got, ok := metricstest.Value(mfs, c.metric, c.labels)
				if !ok {
					t.Errorf("run %d, %s: no %s%v", i+1, source, c.metric, c.labels)
					continue
				}
				if diff := cmp.Diff(c.want, got); diff != "" {
					t.Errorf("run %d, %s: %s%v (-want +got):\n%s", i+1, source, c.metric, c.labels, diff)
				}
			}
			// The last success is this run's plan, to the second: the record
			// keeps no check times, so the metrics are where it lives.
			got, ok := metricstest.Value(mfs, "drift_action_last_success_timestamp_seconds", labels(with("root", "infra/app")))
			if !ok || got < float64(before.Unix()) || got > float64(after.Unix()) || got != float64(int64(got)) {
				t.Errorf("run %d, %s: last success %v (found %v), want whole seconds within this run [%d, %d]", i+1, source, got, ok, before.Unix(), after.Unix())
			}
		}
		if detected != since {
			t.Errorf("run %d: the record's detectedAt moved from %v to %v", i+1, since, detected)
		}
	}
}

// TestMetricsSinks: a metrics file that cannot be written fails the run;
// a Pushgateway that cannot be reached warns and the verdict stands.
func TestMetricsSinks(t *testing.T) {
	t.Parallel()
	closed := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return "http://" + addr
	}()
	// out is a file: the metrics cannot go below it, the result file can
	// still be written.
	blocked := t.TempDir()
	if err := os.WriteFile(filepath.Join(blocked, "out"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	doc := report.New([]drift.Result{{Dir: "infra/app", Target: "default", Status: drift.StatusDrifted, Drift: []drift.Resource{{Address: "a.b"}}}})
	for _, tc := range []struct {
		name      string
		workspace string
		m         config.Metrics
		wantErr   bool
		wantLog   string
		wantFile  bool
	}{
		{"file written", "", config.Metrics{File: "out/drift.prom"}, false, "", true},
		{"file not writable fails the run", blocked, config.Metrics{File: "out/drift.prom"}, true, "::error title=drift-action%3A metrics file failed::", false},
		{"push refused warns", "", config.Metrics{PushURL: closed, Job: "drift-action"}, false, "::warning title=drift-action%3A pushgateway failed::push to pushgateway", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ws := tc.workspace
			if ws == "" {
				ws = t.TempDir()
			}
			var b bytes.Buffer
			outputs := filepath.Join(t.TempDir(), "output")
			if err := os.WriteFile(outputs, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			log := actions.New(&b, func(name string) string {
				if name == "GITHUB_OUTPUT" {
					return outputs
				}
				return ""
			})
			err := publish(context.Background(), config.Action{Workspace: ws, Repository: "acme/infra", Metrics: tc.m}, config.Event{Name: "schedule"}, doc, log, gitops.Result{}, nil, time.Now())
			var status ExitStatus
			if got := errors.As(err, &status) && status == ExitError; got != tc.wantErr {
				t.Errorf("publish = %v, want a failed run: %v", err, tc.wantErr)
			}
			if !tc.wantErr && strings.Contains(b.String(), "::error") {
				t.Errorf("an error annotation in a run that should pass:\n%s", b.String())
			}
			if tc.wantLog != "" && !strings.Contains(b.String(), tc.wantLog) {
				t.Errorf("the log lacks %q:\n%s", tc.wantLog, b.String())
			}
			text, err := os.ReadFile(filepath.Join(ws, "out", "drift.prom"))
			if tc.wantFile && (err != nil || !bytes.Contains(text, []byte(`drift_action_drifted_resources{root="infra/app",target="default"} 1`))) {
				t.Errorf("metrics file: %v\n%s", err, text)
			}
		})
	}
}

// TestDetectMetricsFile: `detect --metrics-file` on a real drifted root
// writes the run's metrics (checked by promtool), keeps the exit code of
// the verdict, and fails when the file cannot be written.
func TestDetectMetricsFile(t *testing.T) {
	s := newScenario(t)
	s.cloudRoot("app", webInstance)
	s.env.Apply(t, filepath.Join(s.dir, "app"))
	tftest.Cloud{Path: filepath.Join(s.dir, "app-cloud.json")}.EditInstance(t, "web", func(i map[string]any) {
		i["tags"].(map[string]any)["team"] = "changed-by-hand"
	})
	path := filepath.Join(t.TempDir(), "drift.prom")
	_, code, stderr := s.detect("--metrics-file", path, "app")
	if code != ExitDrift {
		t.Fatalf("exit %d, want %d\n%s", code, ExitDrift, stderr)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := metricstest.Promtool(t, text); err != nil {
		t.Error(err)
	}
	mfs := metricstest.Parse(t, text)
	for _, c := range []struct {
		metric string
		labels map[string]string
	}{
		{"drift_action_drifted_resources", map[string]string{"root": "app", "target": "default"}},
		{"drift_action_target_status", map[string]string{"root": "app", "status": "drifted"}},
	} {
		if got, ok := metricstest.Value(mfs, c.metric, c.labels); !ok || got != 1 {
			t.Errorf("%s%v = %v (present %v), want 1\n%s", c.metric, c.labels, got, ok, text)
		}
	}
	if got, ok := metricstest.Value(mfs, "drift_action_check_duration_seconds", map[string]string{"root": "app"}); !ok || got <= 0 {
		t.Errorf("check duration = %v (present %v), want > 0", got, ok)
	}
	var stdout, errOut bytes.Buffer
	err = Run(context.Background(), []string{"detect", "--metrics-file", filepath.Join(t.TempDir(), "missing", "drift.prom"), "app"}, s.cfgEnv(), &stdout, &errOut)
	if code := Code(err, &errOut); code != ExitError || !strings.Contains(errOut.String(), "--metrics-file") {
		t.Errorf("unwritable --metrics-file: exit %d, want %d naming the flag\n%s", code, ExitError, errOut.String())
	}
}
