package record_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/myorg/drift-action/internal/record"
)

var update = flag.Bool("update", false, "rewrite golden files")

var t0 = time.Date(2026, 7, 1, 6, 0, 0, 0, time.UTC)

func run(days float64, commit string) record.Run {
	return record.Run{
		Time:       t0.Add(time.Duration(days * 24 * float64(time.Hour))),
		RunURL:     "https://github.com/myorg/infra/actions/runs/" + commit,
		Commit:     commit,
		Repository: "myorg/infra",
	}
}

func web() record.Resource {
	return record.Resource{
		Address: "aws_instance.web", Type: "aws_instance", Actions: []string{"update"},
		Paths: []string{"tags.Owner", "instance_type"}, Cause: record.CauseDrift,
	}
}

func bucket() record.Resource {
	return record.Resource{
		Address: `module.logs.aws_s3_bucket.this["audit"]`, Type: "aws_s3_bucket",
		Actions: []string{"delete", "create"}, Paths: []string{"bucket"}, Cause: record.CauseBoth,
	}
}

func sg() record.Resource {
	return record.Resource{
		Address: "aws_security_group.db", Type: "aws_security_group", Actions: []string{"update"},
		Paths: []string{"ingress[0].cidr_blocks"}, Cause: record.CauseDrift,
	}
}

func openIngress(failed bool) record.PolicyResult {
	return record.PolicyResult{
		Policy: "terraform.security.network", Rule: "deny_open_ingress", Level: "hard-mandatory",
		Severity: "critical", Resource: "aws_security_group.db", Failed: failed,
		Msg: "aws_security_group.db: ingress open to 0.0.0.0/0",
	}
}

func tagsPolicy() record.PolicyResult {
	return record.PolicyResult{
		Policy: "terraform.tags", Rule: "deny", Level: "soft-mandatory", Severity: "low",
		Resource: "aws_instance.web", Overridden: true,
		OverriddenBy: []string{`"terraform.tags" (label by "octocat")`},
		Msg:          "aws_instance.web has no CostCenter tag",
	}
}

type step struct {
	run     record.Run
	targets []record.Target
	skipped int // targets the step must skip
}

// scenarios are runs applied in order to the files in testdata/<name>/
// (report-before.yaml and log-before.yaml, when present); the files after
// them are the golden report.yaml and log.yaml.
var scenarios = []struct {
	name  string
	steps []step
}{
	{
		name: "first-run",
		steps: []step{{run: run(0, "aaa111"), targets: []record.Target{
			{Root: "infra/app", Target: "prod", Workspace: "prod", Status: record.StatusDrifted,
				Drift: []record.Resource{web(), bucket()}, Changes: []record.Resource{bucket()}},
			{Root: "infra/network", Target: "default", Status: record.StatusClean},
			{Root: "infra/app", Target: "staging", Workspace: "staging", Status: record.StatusChanged,
				Changes: []record.Resource{{Address: "aws_instance.web", Type: "aws_instance", Actions: []string{"create"}, Cause: record.CauseCode}}},
		}}},
	},
	{
		name: "lifecycle",
		steps: []step{
			{run: run(0, "aaa111"), targets: []record.Target{
				{Root: "infra/app", Target: "prod", Status: record.StatusDrifted, Drift: []record.Resource{web()}},
				{Root: "infra/db", Target: "prod", Status: record.StatusClean},
			}},
			// Three days on the drift grows, a policy fails and another is overridden.
			{run: run(3, "bbb222"), targets: []record.Target{
				{Root: "infra/app", Target: "prod", Status: record.StatusDrifted, Drift: []record.Resource{web(), sg()},
					Policy: []record.PolicyResult{openIngress(true), tagsPolicy()},
					Notes:  []record.Note{{Kind: record.RemediationPROpened, PR: "https://github.com/myorg/infra/pull/7", By: "drift-action"}}},
				{Root: "infra/db", Target: "prod", Status: record.StatusError, Error: "Error: reading RDS instance: timeout"},
			}},
			// Same verdicts a day later: nothing new to log, ages grow.
			{run: run(4, "bbb222"), targets: []record.Target{
				{Root: "infra/app", Target: "prod", Status: record.StatusDrifted, Drift: []record.Resource{web(), sg()},
					Policy: []record.PolicyResult{openIngress(true), tagsPolicy()}},
			}},
			// The security group is fixed by applying; the PR closes.
			{run: run(5, "ccc333"), targets: []record.Target{
				{Root: "infra/app", Target: "prod", Status: record.StatusDrifted, Drift: []record.Resource{web(), sg()},
					Policy: []record.PolicyResult{openIngress(true)},
					Notes: []record.Note{
						{Kind: record.SelfHealed, Resources: []string{"aws_security_group.db"}},
						{Kind: record.RemediationPRClosed, PR: "https://github.com/myorg/infra/pull/7"},
						{Kind: record.Snoozed, Until: run(12, "").Time, By: "octocat", Reason: "owner on leave"},
					}},
			}},
			// An older run arrives late: it must not overwrite anything.
			{run: run(4.5, "old000"), skipped: 1, targets: []record.Target{
				{Root: "infra/app", Target: "prod", Status: record.StatusClean},
				{Root: "infra/db", Target: "prod", Status: record.StatusDrifted, Drift: []record.Resource{web()}},
			}},
			// Everything recovers.
			{run: run(6, "ddd444"), targets: []record.Target{
				{Root: "infra/app", Target: "prod", Status: record.StatusClean},
				{Root: "infra/db", Target: "prod", Status: record.StatusClean},
			}},
			// The same run recorded twice changes nothing.
			{run: run(6, "ddd444"), skipped: 2, targets: []record.Target{
				{Root: "infra/app", Target: "prod", Status: record.StatusClean},
				{Root: "infra/db", Target: "prod", Status: record.StatusClean},
			}},
		},
	},
	{
		// Hand-kept files: other targets' documents stay byte for byte, labels
		// someone added survive, the log is only appended to.
		name: "existing-files",
		steps: []step{{run: run(10, "eee555"), targets: []record.Target{
			{Root: "infra/app", Target: "prod", Status: record.StatusDrifted, Drift: []record.Resource{web()}},
			{Root: "Infra/App", Target: "prod", Status: record.StatusClean}, // same base name
		}}, {run: run(11, "eee556"), targets: []record.Target{
			{Root: "infra/app", Target: "prod", Status: record.StatusDrifted, Drift: []record.Resource{web(), sg()}},
		}}},
	},
	{
		name: "long-names",
		steps: []step{{run: run(0, "fff666"), targets: []record.Target{
			{Root: strings.Repeat("very/long/path/", 20) + "root", Target: "prod", Status: record.StatusClean},
			{Root: "émoji 🚀/root", Target: "Prod_EU", Status: record.StatusClean},
		}}},
	},
}

func readOpt(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return b
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(name, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

func TestRecordGolden(t *testing.T) {
	t.Parallel()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join("testdata", sc.name)
			rep := readOpt(t, filepath.Join(dir, "report-before.yaml"))
			log := readOpt(t, filepath.Join(dir, "log-before.yaml"))
			for i, s := range sc.steps {
				res, err := record.Record(record.Files{Report: rep, Log: log}, s.run, s.targets)
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if len(res.Skipped) != s.skipped {
					t.Errorf("step %d: skipped %+v, want %d", i, res.Skipped, s.skipped)
				}
				if s.skipped == len(s.targets) {
					if !bytes.Equal(res.Report, rep) || len(res.LogAppend) != 0 {
						t.Errorf("step %d: skipped every target but changed the files", i)
					}
				}
				newLog := append(append([]byte(nil), log...), res.LogAppend...)
				parsed, err := record.ParseLog("log", newLog)
				if err != nil {
					t.Fatalf("step %d: the log written does not parse: %v", i, err)
				}
				if _, err := record.ParseReports("report", res.Report, ""); err != nil {
					t.Fatalf("step %d: the report written does not parse: %v", i, err)
				}
				old, _ := record.ParseLog("log", log)
				if got, want := len(parsed.Events), len(old.Events)+len(res.Events); got != want {
					t.Errorf("step %d: log has %d events, want %d", i, got, want)
				}
				rep, log = res.Report, newLog
			}
			golden(t, filepath.Join(dir, "report.yaml"), rep)
			golden(t, filepath.Join(dir, "log.yaml"), log)
		})
	}
}

// A run that finds what the record says leaves the report's bytes and the
// log as they are, so the caller commits nothing; anything a reader cares
// about (state, resources, policy verdicts, snoozes, events) rewrites it.
func TestRecordUnchangedKeepsBytes(t *testing.T) {
	t.Parallel()
	drifted := record.Target{Root: "infra/app", Target: "prod", Status: record.StatusDrifted, Drift: []record.Resource{web()},
		Policy: []record.PolicyResult{openIngress(true)}}
	waived := openIngress(false)
	waived.Waived, waived.WaivedBy = true, `exception "open_ingress" of package terraform.security.network`
	until := record.NewTime(t0.AddDate(0, 0, 7))
	tests := []struct {
		name          string
		next          func(record.Target) record.Target
		wantUnchanged bool
	}{
		{name: "same verdict a day later", next: func(t record.Target) record.Target { return t }, wantUnchanged: true},
		{name: "a policy now waived", next: func(t record.Target) record.Target {
			t.Policy = []record.PolicyResult{waived}
			return t
		}},
		{name: "more drift", next: func(t record.Target) record.Target {
			t.Drift = append(t.Drift, sg())
			return t
		}},
		{name: "another drifted path", next: func(t record.Target) record.Target {
			r := web()
			r.Paths = append(r.Paths, "ami")
			t.Drift = []record.Resource{r}
			return t
		}},
		{name: "a snooze's reason", next: func(t record.Target) record.Target {
			t.Snoozed = []record.SnoozedResource{{Address: "aws_s3_bucket.logs", Until: until, Reason: "migration"}}
			return t
		}},
		{name: "the plan failed", next: func(t record.Target) record.Target {
			return record.Target{Root: t.Root, Target: t.Target, Status: record.StatusError, Error: "Error: timeout"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			first, err := record.Record(record.Files{}, run(0, "aaa111"), []record.Target{drifted})
			if err != nil {
				t.Fatal(err)
			}
			prev := record.Files{Report: first.Report, Log: first.LogAppend}
			got, err := record.Record(prev, run(1, "bbb222"), []record.Target{tt.next(drifted)})
			if err != nil {
				t.Fatal(err)
			}
			unchanged := bytes.Equal(got.Report, first.Report) && got.LogAppend == nil
			if unchanged != tt.wantUnchanged {
				t.Fatalf("unchanged = %v, want %v\nreport:\n%s\nlog:\n%s", unchanged, tt.wantUnchanged, got.Report, got.LogAppend)
			}
			want := []record.Skip(nil)
			if tt.wantUnchanged {
				want = []record.Skip{{Root: "infra/app", Target: "prod", Reason: "nothing changed since 2026-07-01T06:00:00Z"}}
			}
			if diff := cmp.Diff(want, got.Unchanged); diff != "" {
				t.Errorf("unchanged targets (-want +got):\n%s", diff)
			}
		})
	}
}

// A report written before lastCheckedAt and driftAge were dropped is not
// rewritten for them alone: they changed on every run.
func TestRecordOldReportNotRewrittenForCheckTimes(t *testing.T) {
	t.Parallel()
	drifted := record.Target{Root: "infra/app", Target: "prod", Status: record.StatusDrifted, Drift: []record.Resource{web()}}
	first, err := record.Record(record.Files{}, run(0, "aaa111"), []record.Target{drifted})
	if err != nil {
		t.Fatal(err)
	}
	old := strings.Replace(string(first.Report), "  lastRun:\n", "  driftAge: less than a minute\n  lastCheckedAt: \"2026-07-01T06:00:00Z\"\n  lastRun:\n", 1)
	if old == string(first.Report) {
		t.Fatalf("no lastRun in the report:\n%s", first.Report)
	}
	got, err := record.Record(record.Files{Report: []byte(old), Log: first.LogAppend}, run(2, "bbb222"), []record.Target{drifted})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(old, string(got.Report)); diff != "" || got.LogAppend != nil {
		t.Errorf("an old report was rewritten for its check times (-want +got):\n%s\nlog:\n%s", diff, got.LogAppend)
	}
}

// The report says why: a waived deny by which exception, the drift a
// snooze holds (resources, paths, reason, until), and a resource deleted
// outside terraform as deleted, not as every attribute it had.
func TestRecordSaysWhy(t *testing.T) {
	t.Parallel()
	waived := openIngress(false)
	waived.Waived, waived.WaivedBy = true, `exception "open_ingress" of package terraform.security.network`
	gone := record.Resource{Address: "aws_instance.gone", Type: "aws_instance", Actions: []string{"delete"}, Paths: []string{"ami", "id", "tags"}, Cause: record.CauseDrift}
	until := record.NewTime(t0.AddDate(0, 0, 7))
	target := record.Target{Root: "infra/app", Target: "prod", Status: record.StatusDrifted,
		Drift: []record.Resource{gone, web()}, Policy: []record.PolicyResult{waived},
		Snoozed: []record.SnoozedResource{{Address: "aws_s3_bucket.logs", Paths: []string{"tags.team", "acl", "acl"}, Until: until, Reason: "migration INC-7"}}}
	res, err := record.Record(record.Files{}, run(0, "aaa111"), []record.Target{target})
	if err != nil {
		t.Fatal(err)
	}
	reps, err := record.ParseReports("r", res.Report, "")
	if err != nil {
		t.Fatal(err)
	}
	spec := reps[0].Spec
	detected := record.NewTime(t0)
	wantDrift := []record.Drifted{
		{Resource: record.Resource{Address: "aws_instance.gone", Type: "aws_instance", Actions: []string{"delete"}, Cause: record.CauseDrift}, Deleted: true, DetectedAt: &detected},
		{Resource: record.Resource{Address: "aws_instance.web", Type: "aws_instance", Actions: []string{"update"}, Paths: []string{"instance_type", "tags.Owner"}, Cause: record.CauseDrift}, DetectedAt: &detected},
	}
	if diff := cmp.Diff(wantDrift, spec.Drift); diff != "" {
		t.Errorf("drift (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]record.PolicyResult{waived}, spec.Policy); diff != "" {
		t.Errorf("policy (-want +got):\n%s", diff)
	}
	wantSnoozed := []record.SnoozedResource{{Address: "aws_s3_bucket.logs", Paths: []string{"acl", "tags.team"}, Until: until, Reason: "migration INC-7"}}
	if diff := cmp.Diff(wantSnoozed, spec.Snoozed); diff != "" {
		t.Errorf("snoozed (-want +got):\n%s", diff)
	}
}
