package app

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/myorg/drift-action/internal/actions/actionstest"
	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/metrics/metricstest"
	"github.com/myorg/drift-action/internal/report"
	"github.com/myorg/drift-action/internal/report/sariftest"
	"github.com/myorg/drift-action/internal/tftest"
)

// localRun runs `drift-action ARGS` in ws with vars as the environment's
// variables (terraform's own from env).
func localRun(t *testing.T, env *tftest.Env, ws string, vars map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	environ := append([]string{}, env.Environ...)
	for k, v := range vars {
		environ = append(environ, k+"="+v)
	}
	err := Run(context.Background(), args, config.Env{
		Getenv:  func(k string) string { return vars[k] },
		Environ: environ,
		Cwd:     ws,
	}, &out, &errb)
	code = Code(err, &errb)
	return out.String(), errb.String(), code
}

// gitOut runs git in dir and returns its trimmed output.
func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// refusingServer fails the test on any request: GitHub's and Slack's
// stand-in where none may be made.
func refusingServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		t.Errorf("a request reached %s %s", r.Method, r.URL.Path)
		http.Error(w, "no request may be made", http.StatusTeapot)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// Under --dry-run nothing leaves the machine: GitHub and Slack (pointed
// at a server that fails the test on any request) are never called, the
// remote and the checkout are as they were, and yet every side effect is
// shown.
func TestDryRunMakesNoNetworkCall(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{name: "record", args: []string{"record", "--dry-run"},
			want: []string{"=== dry run: record", "diff --git a/drift/drift-log.yaml b/drift/drift-log.yaml", "+++ b/drift/drift-report.yaml",
				"=== dry run: slack", "text: Drift check: 1 new drift"}},
		{name: "remediate pr", args: []string{"remediate", "--dry-run", "--remediation", "pr"},
			want: []string{"=== dry run: remediation pull requests", "would be opened", "title: drift: Undo drift in infra/app",
				"+++ b/drift/remediation/", "diff --git a/drift/drift-log.yaml", "text: Drift check: 1 new drift"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, requests := refusingServer(t)
			ws := driftedWorkspace(t, env, "pw-dry-"+strings.ReplaceAll(tc.name, " ", "-"))
			remote := gitWorkspace(t, ws)
			head, remoteHead := gitOut(t, ws, "rev-parse", "HEAD"), gitOut(t, remote, "rev-parse", "main")
			vars := map[string]string{"GITHUB_TOKEN": "ghs_dryrun", "GITHUB_API_URL": srv.URL + "/", "GITHUB_REPOSITORY": "acme/infra",
				"DRIFT_ACTION_SLACK_WEBHOOK_URL": srv.URL + "/hook"}
			stdout, stderr, code := localRun(t, env, ws, vars, tc.args...)
			if code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			for _, w := range append(tc.want, "Dry run, not done (a real run would say): recorded drift/drift-report.yaml") {
				if !strings.Contains(stdout, w) {
					t.Errorf("the dry run does not show %q:\n%s", w, stdout)
				}
			}
			if strings.Contains(stdout, "This run: ") {
				t.Errorf("the dry run says it did something:\n%s", stdout)
			}
			if n := requests.Load(); n != 0 {
				t.Errorf("%d request(s) reached the network under --dry-run", n)
			}
			got := map[string]string{"HEAD": gitOut(t, ws, "rev-parse", "HEAD"), "remote main": gitOut(t, remote, "rev-parse", "main"),
				"status": gitOut(t, ws, "status", "--porcelain"), "record ref": gitOut(t, ws, "for-each-ref", "refs/drift-action")}
			want := map[string]string{"HEAD": head, "remote main": remoteHead, "status": "", "record ref": ""}
			for k := range want {
				if got[k] != want[k] {
					t.Errorf("%s = %q after a dry run, want %q", k, got[k], want[k])
				}
			}
			if strings.Contains(stdout+stderr, canary) {
				t.Errorf("the dry run shows a sensitive value")
			}
		})
	}
}

// A real post never goes to a plain http:// webhook; a dry run, which
// posts nothing, takes one. Neither reaches the URL.
func TestLocalSlackWebhookHTTP(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	for _, tc := range []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{name: "refused without --dry-run", args: []string{"record"}, wantCode: 1,
			wantErr: "DRIFT_ACTION_SLACK_WEBHOOK_URL is not an https:// URL"},
		{name: "shown under --dry-run", args: []string{"record", "--dry-run"}, wantCode: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, requests := refusingServer(t)
			ws := driftedWorkspace(t, env, "pw-http")
			remote := gitWorkspace(t, ws)
			remoteHead := gitOut(t, remote, "rev-parse", "main")
			hook := srv.URL + "/services/T000/B000/secret-part"
			stdout, stderr, code := localRun(t, env, ws, map[string]string{"DRIFT_ACTION_SLACK_WEBHOOK_URL": hook}, tc.args...)
			if code != tc.wantCode || !strings.Contains(stderr, tc.wantErr) {
				t.Fatalf("exit %d, want %d with %q\nstdout:\n%s\nstderr:\n%s", code, tc.wantCode, tc.wantErr, stdout, stderr)
			}
			if strings.Contains(stdout+stderr, "secret-part") {
				t.Errorf("the webhook URL, a secret, is shown")
			}
			if n := requests.Load(); n != 0 {
				t.Errorf("%d request(s) reached the webhook", n)
			}
			if got := gitOut(t, remote, "rev-parse", "main"); got != remoteHead {
				t.Errorf("the remote moved")
			}
		})
	}
}

// remediate --dry-run decides with real terraform's plan and shows the
// apply it would make, and terraform apply never runs: the cloud and the
// state are byte for byte as they were.
func TestHealDryRunNeverApplies(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	ws := driftedWorkspace(t, env, "pw-heal-dry")
	gitWorkspace(t, ws)
	files := []string{"cloud.json", "infra/app/terraform.tfstate"}
	before := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(ws, f))
		if err != nil {
			t.Fatal(err)
		}
		before[f] = b
	}
	stdout, stderr, code := localRun(t, env, ws, nil, "remediate", "--dry-run", "--remediation", "apply")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, w := range []string{
		"=== dry run: heal",
		"infra/app (default): would apply the saved plan this run evaluated: 0 to add, 1 to change, 0 to destroy",
		"fakecloud_instance.web: update (cause: drift)",
		// The record and Slack tell what the run would commit and post after that apply.
		"+event: self-healed",
	} {
		if !strings.Contains(stdout, w) {
			t.Errorf("the dry run does not show %q:\n%s", w, stdout)
		}
	}
	for _, f := range files {
		after, err := os.ReadFile(filepath.Join(ws, f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(before[f], after) {
			t.Errorf("%s changed under --dry-run: terraform applied", f)
		}
	}
}

// Without --dry-run, record commits to the checkout and pushes nothing;
// --push pushes as the action does.
func TestLocalRecordPushesOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	for _, tc := range []struct {
		name       string
		args       []string
		wantPushed bool
	}{
		{name: "local commit", args: []string{"record"}},
		{name: "push", args: []string{"record", "--push"}, wantPushed: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ws := driftedWorkspace(t, env, "pw-local")
			remote := gitWorkspace(t, ws)
			head, remoteHead := gitOut(t, ws, "rev-parse", "HEAD"), gitOut(t, remote, "rev-parse", "main")
			stdout, stderr, code := localRun(t, env, ws, nil, tc.args...)
			if code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			newHead := gitOut(t, ws, "rev-parse", "HEAD")
			if newHead == head {
				t.Fatalf("record committed nothing to the checkout\n%s", stderr)
			}
			if got := gitOut(t, ws, "show", "--name-only", "--format=%s", "HEAD"); got != "drift: 1 of 1 root drifted (run local)\n\ndrift/drift-log.yaml\ndrift/drift-report.yaml" {
				t.Errorf("the record commit:\n%s", got)
			}
			if got := gitOut(t, ws, "status", "--porcelain"); got != "" {
				t.Errorf("the checkout is not at the record: %s", got)
			}
			want := remoteHead
			if tc.wantPushed {
				want = newHead
			}
			if got := gitOut(t, remote, "rev-parse", "main"); got != want {
				t.Errorf("remote main = %s, want %s (pushed: %v)", got, want, tc.wantPushed)
			}
		})
	}
}

// Run as a workflow step, the dry run's output is one log with workflow
// commands off: a line of the repository's code reading "::set-output
// ...", shown as context in an adopt pull request's diff, never issues a
// command.
func TestLocalDryRunInActionIssuesNoCommand(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	ws := t.TempDir()
	cloud := tftest.Cloud{Path: filepath.Join(ws, "cloud.json")}
	body := strings.Replace(webInstance, "team = \"platform\" }\n", "team = \"platform\" }\n  /*\n::set-output name=pwned::yes\n  */\n", 1)
	root := tftest.WriteRoot(t, ws, "infra/app", map[string]string{"main.tf": tftest.FakeCloudProvider(cloud.Path) + body})
	env.Apply(t, root)
	cloud.EditInstance(t, "web", func(i map[string]any) { i["tags"].(map[string]any)["team"] = "ops" })
	gitWorkspace(t, ws)
	stdout, stderr, code := localRun(t, env, ws, map[string]string{"GITHUB_ACTIONS": "true"}, "remediate", "--dry-run", "--remediation", "adopt")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "\n ::set-output name=pwned::yes\n") {
		t.Fatalf("the diff does not show the code's line at a line's start, so the test proves nothing:\n%s", stdout)
	}
	for _, c := range actionstest.Execute(stdout) {
		if c.Name == "set-output" || strings.Contains(c.Data, "pwned") || c.Props["name"] == "pwned" {
			t.Errorf("line %d runs workflow command %q (%s)", c.Line, c.Name, c.Data)
		}
	}
}

// The commit a dry run shows is the one the real run makes: without Slack
// set up nothing keeps Slack's threads, so slack-threads.yaml is in
// neither; with a webhook it is in the dry run's commit. The messages are
// shown either way, said to be posted only when Slack is set up.
func TestDryRunShowsTheCommitARealRunMakes(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	for _, tc := range []struct {
		name        string
		vars        map[string]string
		wantFiles   []string
		wantSection string
	}{
		{name: "no slack", wantFiles: []string{"drift/drift-log.yaml", "drift/drift-report.yaml"},
			wantSection: "=== dry run: slack: not set up, so a real run posts nothing"},
		{name: "webhook", vars: map[string]string{"DRIFT_ACTION_SLACK_WEBHOOK_URL": "https://hooks.slack.invalid/services/T/B/x"},
			wantFiles:   []string{"drift/drift-log.yaml", "drift/drift-report.yaml", "drift/slack-threads.yaml"},
			wantSection: "=== dry run: slack: the messages that would be posted (nothing is posted)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ws := driftedWorkspace(t, env, "pw-dry-commit-"+tc.name)
			gitWorkspace(t, ws)
			stdout, stderr, code := localRun(t, env, ws, tc.vars, "record", "--dry-run")
			if code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			var shown []string
			for _, l := range strings.Split(stdout, "\n") {
				if f, ok := strings.CutPrefix(l, "+++ b/"); ok {
					shown = append(shown, f)
				}
			}
			slices.Sort(shown) // as git lists a commit's files
			if diff := cmp.Diff(tc.wantFiles, shown); diff != "" {
				t.Errorf("files the dry run would commit (-want +got):\n%s\n%s", diff, stdout)
			}
			if !strings.Contains(stdout, tc.wantSection) || !strings.Contains(stdout, "text: Drift check: 1 new drift") {
				t.Errorf("the dry run does not show %q and the message:\n%s", tc.wantSection, stdout)
			}
			if tc.vars != nil {
				return // a real run would post: the Slack tests cover it
			}
			if stdout, stderr, code := localRun(t, env, ws, tc.vars, "record"); code != 0 {
				t.Fatalf("record: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			committed := strings.Split(gitOut(t, ws, "show", "--name-only", "--format=", "HEAD"), "\n")
			if diff := cmp.Diff(shown, committed); diff != "" {
				t.Errorf("the real run committed other files than the dry run showed (-dry +real):\n%s", diff)
			}
		})
	}
}

// record and remediate take detect's --format and --metrics-file, and do
// what detect does with them: SARIF is SARIF (not text), the metrics file
// is written (with the record's drift age, which only these commands
// know), and after a document a program reads the dry run's sections go
// to stderr, so stdout stays that one document.
func TestLocalFormatsAndMetricsFile(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	for _, tc := range []struct {
		name  string
		args  []string
		check func(t *testing.T, ws, stdout, stderr string)
	}{
		{name: "sarif", args: []string{"record", "--format", "sarif"}, check: func(t *testing.T, _, stdout, _ string) {
			if err := sariftest.Validate([]byte(stdout)); err != nil {
				t.Errorf("record --format sarif printed no SARIF log: %v\n%s", err, stdout)
			}
		}},
		{name: "dry run json", args: []string{"record", "--dry-run", "--format", "json"}, check: func(t *testing.T, _, stdout, stderr string) {
			var doc report.Document
			if err := json.Unmarshal([]byte(stdout), &doc); err != nil || !doc.Drifted {
				t.Errorf("stdout is not the JSON document (drifted %v): %v\n%s", doc.Drifted, err, stdout)
			}
			if doc.Recorded || !doc.DryRun {
				t.Errorf("a dry run's document says recorded %v, dryRun %v; want false, true", doc.Recorded, doc.DryRun)
			}
			if !strings.Contains(stderr, "=== dry run: record") {
				t.Errorf("the dry run's sections are not on stderr:\n%s", stderr)
			}
		}},
		{name: "metrics file", args: []string{"record", "--metrics-file", "drift.prom"}, check: func(t *testing.T, ws, _, _ string) {
			text, err := os.ReadFile(filepath.Join(ws, "drift.prom"))
			if err != nil {
				t.Fatalf("record --metrics-file wrote nothing: %v", err)
			}
			mfs := metricstest.Parse(t, text)
			labels := map[string]string{"root": "infra/app", "target": "default"}
			if got, ok := metricstest.Value(mfs, "drift_action_drifted_resources", labels); !ok || got != 1 {
				t.Errorf("drifted resources = %v (present %v), want 1\n%s", got, ok, text)
			}
			if _, ok := metricstest.Value(mfs, "drift_action_drift_open_since_timestamp_seconds", labels); !ok {
				t.Errorf("no drift age from the record:\n%s", text)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ws := driftedWorkspace(t, env, "pw-formats-"+strings.ReplaceAll(tc.name, " ", "-"))
			gitWorkspace(t, ws)
			stdout, stderr, code := localRun(t, env, ws, nil, tc.args...)
			if code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			tc.check(t, ws, stdout, stderr)
			if strings.Contains(stdout+stderr, canary) {
				t.Errorf("a sensitive value is shown")
			}
		})
	}
}
