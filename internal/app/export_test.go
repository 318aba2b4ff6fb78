package app

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/report"
	"github.com/myorg/drift-action/internal/report/sariftest"
	"github.com/myorg/drift-action/internal/tftest"
)

// sarifPolicy fails every drifted resource, hard-mandatory by drift.yaml.
const sarifPolicy = `package myorg.guard

deny_drifted contains {"msg": sprintf("%s drifted", [d.address]), "resource": d.address} if {
	some d in input.resource_drift
}
`

// declaredAt is the 1-based line of the first line of text holding s.
func declaredAt(t *testing.T, text, s string) int {
	t.Helper()
	for i, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	t.Fatalf("no line holds %q", s)
	return 0
}

type sarifAlert struct{ Rule, Level, At, Fingerprint string }

// sarifAlerts validates a SARIF log against the schema and lists its
// results and category.
func sarifAlerts(t *testing.T, data []byte) ([]sarifAlert, string) {
	t.Helper()
	if err := sariftest.Validate(data); err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	var log struct {
		Runs []struct {
			AutomationDetails struct {
				ID string `json:"id"`
			} `json:"automationDetails"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
				PartialFingerprints map[string]string `json:"partialFingerprints"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &log); err != nil || len(log.Runs) != 1 {
		t.Fatalf("not one SARIF run (%v)", err)
	}
	var out []sarifAlert
	for _, r := range log.Runs[0].Results {
		l := r.Locations[0].PhysicalLocation
		out = append(out, sarifAlert{r.RuleID, r.Level, l.ArtifactLocation.URI + ":" + strconv.Itoa(l.Region.StartLine), r.PartialFingerprints[report.SARIFFingerprint]})
	}
	return out, log.Runs[0].AutomationDetails.ID
}

// The done-criterion of SARIF and ECS export, from real terraform and a
// real git remote: a recorded run whose root drifted (a secret among the
// drifted values), has code not applied and fails a mandatory policy
// writes a SARIF log (sarif-file) that the schema accepts, with each alert
// on the line declaring its resource; detect --format sarif, started in
// a subdirectory, says the same alerts with the same fingerprints from a
// new plan; and the log the run committed exports as ECS NDJSON.
func TestSARIFAndLogExportFromARecordedRun(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	ws := t.TempDir()
	cloud := tftest.Cloud{Path: filepath.Join(ws, "cloud.json")}
	main := tftest.FakeCloudProvider(cloud.Path) + strings.Replace(webInstance, "initial-canary-0000", "pw-sarif-1", 1)
	root := tftest.WriteRoot(t, ws, "infra/app", map[string]string{"main.tf": main})
	env.Apply(t, root)
	main += "\n# Merged, not applied yet.\nresource \"terraform_data\" \"release\" {\n  input = \"v2\"\n}\n"
	tftest.WriteRoot(t, ws, "infra/app", map[string]string{"main.tf": main})
	tftest.WriteRoot(t, ws, "custom", map[string]string{"guard.rego": sarifPolicy})
	tftest.WriteRoot(t, ws, ".github", map[string]string{"drift.yaml": "policy:\n  dirs: [custom]\n  levels:\n    - {name: myorg.guard, level: hard-mandatory}\n"})
	cloud.EditInstance(t, "web", func(i map[string]any) {
		i["tags"].(map[string]any)["team"] = "ops"
		i["password"] = canary
	})
	remote := gitWorkspace(t, ws)

	res := runnerRun{t: t, env: env, workspace: ws, event: "schedule", vars: gitopsVars,
		inputs: map[string]string{"mode": "record", "sarif-file": "reports/drift.sarif"}}.run()
	if res.code != ExitPolicy {
		t.Fatalf("exit %d, want %d (a mandatory policy failed)\n%s", res.code, ExitPolicy, res.stdout)
	}
	fromAction, err := os.ReadFile(filepath.Join(ws, "reports", "drift.sarif"))
	if err != nil {
		t.Fatalf("the sarif-file: %v\n%s", err, res.stdout)
	}
	web := "infra/app/main.tf:" + strconv.Itoa(declaredAt(t, main, `resource "fakecloud_instance" "web"`))
	release := "infra/app/main.tf:" + strconv.Itoa(declaredAt(t, main, `resource "terraform_data" "release"`))
	alerts, category := sarifAlerts(t, fromAction)
	noFingerprint := func(as []sarifAlert) []sarifAlert {
		var out []sarifAlert
		for _, a := range as {
			if a.Fingerprint == "" {
				t.Errorf("alert %+v has no %s fingerprint", a, report.SARIFFingerprint)
			}
			a.Fingerprint = ""
			out = append(out, a)
		}
		return out
	}
	want := []sarifAlert{
		{Rule: "policy/myorg.guard/deny_drifted", Level: "error", At: web},
		{Rule: report.RuleDrifted, Level: "warning", At: web},
		{Rule: report.RuleCodePending, Level: "note", At: release},
	}
	if diff := cmp.Diff(want, noFingerprint(alerts)); diff != "" {
		t.Errorf("alerts of the action's sarif-file (-want +got):\n%s", diff)
	}
	if category != "drift-action/all/" {
		t.Errorf("category %q, want drift-action/all/", category)
	}

	// The CLI, started in infra/: paths still from the repository root,
	// and the same fingerprints from a plan of its own. (--policy: the CLI
	// reads drift.yaml's policy.dirs from the directory it starts in.)
	var stdout, stderr bytes.Buffer
	home := t.TempDir()
	getenv := func(k string) string {
		switch k {
		case "HOME":
			return home
		case "TF_PLUGIN_CACHE_DIR":
			return env.CacheDir
		}
		return ""
	}
	cli := config.Env{Getenv: getenv, Environ: env.Environ, Cwd: filepath.Join(ws, "infra")}
	if code := Code(Run(context.Background(), []string{"detect", "--format", "sarif", "--bundled", "--policy", "../custom", "app"}, cli, &stdout, &stderr), &stderr); code != ExitPolicy {
		t.Fatalf("detect --format sarif: exit %d, want %d\n%s", code, ExitPolicy, stderr.String())
	}
	fromCLI, cliCategory := sarifAlerts(t, stdout.Bytes())
	if diff := cmp.Diff(alerts, fromCLI); diff != "" {
		t.Errorf("detect --format sarif from infra/ (-action +cli):\n%s", diff)
	}
	if cliCategory != "drift-action/infra-app/" {
		t.Errorf("category %q, want drift-action/infra-app/", cliCategory)
	}
	for name, text := range map[string]string{"sarif-file": string(fromAction), "detect --format sarif": stdout.String()} {
		if strings.Contains(text, canary) || strings.Contains(text, "pw-sarif-1") {
			t.Errorf("the %s leaks a sensitive value", name)
		}
	}

	// The log the run committed, exported.
	logFile := filepath.Join(t.TempDir(), "drift-log.yaml")
	if err := os.WriteFile(logFile, []byte(remoteFile(t, remote, "drift/drift-log.yaml")), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "drift.ndjson")
	stdout.Reset()
	stderr.Reset()
	if err := Run(context.Background(), []string{"log", "export", "--log", logFile, "--index", "logs-drift_action.log-default", "--out", out}, cli, &stdout, &stderr); err != nil {
		t.Fatalf("log export: %v\n%s", err, stderr.String())
	}
	body, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
	if len(lines) < 4 || len(lines)%2 != 0 {
		t.Fatalf("want create action and document pairs, got %d lines:\n%s", len(lines), body)
	}
	type ecsDoc struct {
		Timestamp string `json:"@timestamp"`
		Event     struct {
			Kind     string   `json:"kind"`
			Category []string `json:"category"`
			Type     []string `json:"type"`
			Action   string   `json:"action"`
			Outcome  string   `json:"outcome"`
			ID       string   `json:"id"`
		} `json:"event"`
		URL struct {
			Full string `json:"full"`
		} `json:"url"`
		DriftAction struct {
			Root      string   `json:"root"`
			Target    string   `json:"target"`
			Resources []string `json:"resources"`
		} `json:"drift_action"`
	}
	got := map[string]ecsDoc{}
	for i := 0; i < len(lines); i += 2 {
		var action struct {
			Create struct {
				Index string `json:"_index"`
				ID    string `json:"_id"`
			} `json:"create"`
		}
		var d ecsDoc
		if err := json.Unmarshal([]byte(lines[i]), &action); err != nil || action.Create.Index != "logs-drift_action.log-default" {
			t.Fatalf("line %d is not a create action (%v): %s", i+1, err, lines[i])
		}
		if err := json.Unmarshal([]byte(lines[i+1]), &d); err != nil || d.Event.ID != action.Create.ID {
			t.Fatalf("line %d is not the document of _id %s (%v): %s", i+2, action.Create.ID, err, lines[i+1])
		}
		if _, err := time.Parse(time.RFC3339, d.Timestamp); err != nil {
			t.Errorf("line %d: @timestamp: %v", i+2, err)
		}
		d.Timestamp, d.Event.ID = "", ""
		got[d.Event.Action] = d
	}
	runURL := "https://github.example/acme/infra/actions/runs/42"
	wantDocs := map[string]ecsDoc{}
	for _, w := range []struct{ action, kind, typ, outcome string }{
		{"detected", "alert", "change", "failure"},
		{"policy-violation", "alert", "info", "failure"},
	} {
		var d ecsDoc
		d.Event.Kind, d.Event.Category, d.Event.Type, d.Event.Action, d.Event.Outcome = w.kind, []string{"configuration"}, []string{w.typ}, w.action, w.outcome
		d.URL.Full = runURL
		d.DriftAction.Root, d.DriftAction.Target, d.DriftAction.Resources = "infra/app", "default", []string{"fakecloud_instance.web"}
		wantDocs[w.action] = d
	}
	if diff := cmp.Diff(wantDocs, got); diff != "" {
		t.Errorf("the exported log (-want +got):\n%s", diff)
	}
	if strings.Contains(string(body), canary) || strings.Contains(string(body), "pw-sarif-1") {
		t.Errorf("the export leaks a sensitive value")
	}
}

// A log that does not parse is an error naming its file and line, and
// --out is left as it was.
func TestLogExportBadLog(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "drift"), 0o755); err != nil {
		t.Fatal(err)
	}
	bad := "---\ntime: \"2026-07-01T06:00:00Z\"\nevent: detected\nroot: infra/app\ntarget: prod\ncounts: {}\n---\ntime: yesterday\nevent: detected\nroot: a\ntarget: b\n"
	if err := os.WriteFile(filepath.Join(dir, "drift", "drift-log.yaml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.ndjson")
	if err := os.WriteFile(out, []byte("kept\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	err := Run(context.Background(), []string{"log", "export", "--out", "out.ndjson"}, config.Env{Getenv: func(string) string { return "" }, Cwd: dir}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "drift/drift-log.yaml:8:") {
		t.Errorf("error %v, want the file and line 8 named", err)
	}
	if b, _ := os.ReadFile(out); string(b) != "kept\n" {
		t.Errorf("--out was rewritten: %q", b)
	}
}

// A log a newer drift-action wrote (a field and an event kind this
// version does not know) exports, as the dashboard reads it: the known
// fields of every event, the unknown kind categorized as a plain event.
func TestLogExportReadsANewerLog(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "drift"), 0o755); err != nil {
		t.Fatal(err)
	}
	newer := "---\ntime: \"2026-07-01T06:00:00Z\"\nevent: detected\nroot: infra/app\ntarget: prod\nresources: [aws_s3_bucket.logs]\nrisk: high\n" +
		"---\ntime: \"2026-07-02T06:00:00Z\"\nevent: quarantined\nroot: infra/app\ntarget: prod\n"
	if err := os.WriteFile(filepath.Join(dir, "drift", "drift-log.yaml"), []byte(newer), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	err := Run(context.Background(), []string{"log", "export"}, config.Env{Getenv: func(string) string { return "" }, Cwd: dir}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("log export: %v\n%s", err, stderr.String())
	}
	type got struct{ Action, Kind, Type, Outcome string }
	var docs []got
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var d struct {
			Event struct {
				Action, Kind, Outcome string
				Type                  []string
			} `json:"event"`
		}
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		docs = append(docs, got{d.Event.Action, d.Event.Kind, strings.Join(d.Event.Type, ","), d.Event.Outcome})
	}
	want := []got{{"detected", "alert", "change", "failure"}, {"quarantined", "event", "info", "unknown"}}
	if diff := cmp.Diff(want, docs); diff != "" {
		t.Errorf("exported events (-want +got):\n%s", diff)
	}
}

// An --out that cannot be written is an error naming the flag and the
// path as given, and what to do.
func TestLogExportUnwritableOut(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, out, want string }{
		{name: "missing directory", out: "missing/drift.ndjson", want: "log export: --out missing/drift.ndjson: "},
		{name: "a directory", out: "drift", want: "log export: --out drift: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, "drift"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "drift", "drift-log.yaml"), []byte("---\ntime: \"2026-07-01T06:00:00Z\"\nevent: detected\nroot: a\ntarget: b\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			err := Run(context.Background(), []string{"log", "export", "--out", tc.out}, config.Env{Getenv: func(string) string { return "" }, Cwd: dir}, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "(name a file in an existing directory)") {
				t.Errorf("error %v, want one with %q and what to do", err, tc.want)
			}
		})
	}
}
