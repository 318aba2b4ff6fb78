package app

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/github/githubtest"
	"github.com/myorg/drift-action/internal/report"
	"github.com/myorg/drift-action/internal/tftest"
	"go.yaml.in/yaml/v3"
)

// gitWorkspace makes ws a clone of a new bare remote on branch main, as
// actions/checkout leaves it, and returns the remote's path.
func gitWorkspace(t *testing.T, ws string) string {
	t.Helper()
	tftest.Long(t)
	remote := filepath.Join(t.TempDir(), "remote.git")
	git := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "init.defaultBranch=main", "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	git(ws, "init", "--bare", remote)
	git(ws, "init")
	os.WriteFile(filepath.Join(ws, ".gitignore"), []byte(".terraform/\n*.tfstate*\n.terraform.lock.hcl\ncloud.json\n.drift-action/\n"), 0o644)
	git(ws, "add", ".")
	git(ws, "commit", "-m", "infra")
	git(ws, "remote", "add", "origin", remote)
	git(ws, "push", "-u", "origin", "main")
	return remote
}

// remoteFile reads path at main on the bare remote ("" when absent).
func remoteFile(t *testing.T, remote, path string) string {
	t.Helper()
	out, err := exec.Command("git", "--git-dir", remote, "show", "main:"+path).Output()
	if err != nil {
		return ""
	}
	return string(out)
}

// logKinds are the event kinds of a drift log, in order.
func logKinds(t *testing.T, log string) []string {
	t.Helper()
	var kinds []string
	dec := yaml.NewDecoder(strings.NewReader(log))
	for {
		var ev struct {
			Kind string `yaml:"event"`
		}
		if err := dec.Decode(&ev); err != nil {
			break
		}
		if ev.Kind != "" {
			kinds = append(kinds, ev.Kind)
		}
	}
	return kinds
}

var gitopsVars = map[string]string{"GITHUB_REF_NAME": "main", "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567", "GITHUB_RUN_ATTEMPT": "1"}

// mode record commits the DriftReport resources and the log to the branch,
// and records the recovery once the drift is gone.
func TestActionRecordCommitsReportAndLog(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	ws := driftedWorkspace(t, env, "pw-record-1")
	remote := gitWorkspace(t, ws)
	run := runnerRun{t: t, env: env, workspace: ws, event: "schedule", inputs: map[string]string{"mode": "record"}, vars: gitopsVars}
	res := run.run()
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stdout)
	}
	if res.outputs["report-path"] != "drift/drift-report.yaml" {
		t.Errorf("output report-path = %q", res.outputs["report-path"])
	}
	rep := remoteFile(t, remote, "drift/drift-report.yaml")
	for _, w := range []string{"kind: DriftReport", "apiVersion: infra.example.com/v1", "fakecloud_instance.web", "tags.team", "infra-drift-infra-app-default"} {
		if !strings.Contains(rep, w) {
			t.Errorf("the committed report lacks %q:\n%s", w, rep)
		}
	}
	for name, text := range map[string]string{"report": rep, "log": remoteFile(t, remote, "drift/drift-log.yaml"), "summary": res.summary} {
		if strings.Contains(text, canary) || strings.Contains(text, "pw-record-1") {
			t.Errorf("the %s leaks a sensitive value", name)
		}
	}
	if got := logKinds(t, remoteFile(t, remote, "drift/drift-log.yaml")); len(got) == 0 || got[0] != "detected" {
		t.Errorf("log events %v, want detected first", got)
	}
	if !strings.Contains(res.summary, "fakecloud_instance.web in infra/app (default) drifted for less than a minute") {
		t.Errorf("the summary does not give the drift age from the log:\n%s", res.summary)
	}
	if !strings.Contains(res.summary, "recorded drift/drift-report.yaml") {
		t.Errorf("the summary does not say what was recorded:\n%s", res.summary)
	}

	// The drift is put back by hand: the next run records the recovery.
	tftest.Cloud{Path: filepath.Join(ws, "cloud.json")}.EditInstance(t, "web", func(i map[string]any) {
		i["tags"].(map[string]any)["team"] = "platform"
		i["password"] = "pw-record-1"
	})
	run.vars = map[string]string{"GITHUB_RUN_ID": "43", "GITHUB_REF_NAME": "main", "GITHUB_SHA": "1123456789abcdef0123456789abcdef01234567"}
	second := run.run()
	if second.code != 0 {
		t.Fatalf("second run: exit %d\n%s", second.code, second.stdout)
	}
	kinds := logKinds(t, remoteFile(t, remote, "drift/drift-log.yaml"))
	if len(kinds) < 2 || kinds[len(kinds)-1] != "recovered" {
		t.Errorf("log events %v, want recovered last", kinds)
	}
	if !strings.Contains(remoteFile(t, remote, "drift/drift-report.yaml"), "recovered: true") {
		t.Errorf("the report does not say recovered:\n%s", remoteFile(t, remote, "drift/drift-report.yaml"))
	}
}

// mode remediate with apply heals the drift with the evaluated plan and
// records it; with pr it opens one pull request for the root.
func TestActionRemediate(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	t.Run("apply", func(t *testing.T) {
		t.Parallel()
		ws := driftedWorkspace(t, env, "pw-heal-1")
		remote := gitWorkspace(t, ws)
		gh := githubtest.NewServer(t, githubtest.WithToken("ghs_testtoken"))
		res := runnerRun{t: t, env: env, workspace: ws, event: "schedule", vars: gitopsVars, apiURL: gh.URL(),
			inputs: map[string]string{"mode": "remediate", "remediation": "apply"}}.run()
		if res.code != 0 {
			t.Fatalf("exit %d\n%s", res.code, res.stdout)
		}
		b, _ := os.ReadFile(filepath.Join(ws, "cloud.json"))
		if strings.Contains(string(b), "pwned") {
			t.Errorf("the drifted tag is still in the cloud after apply: %s", b)
		}
		kinds := logKinds(t, remoteFile(t, remote, "drift/drift-log.yaml"))
		if !strings.Contains(strings.Join(kinds, ","), "self-healed") {
			t.Errorf("log events %v, want self-healed", kinds)
		}
		if !strings.Contains(res.summary, "self-healed by apply") {
			t.Errorf("the summary does not say what was applied:\n%s", res.summary)
		}
	})
	t.Run("pr", func(t *testing.T) {
		t.Parallel()
		ws := driftedWorkspace(t, env, "pw-heal-2")
		remote := gitWorkspace(t, ws)
		gh := githubtest.NewServer(t, githubtest.WithToken("ghs_testtoken"))
		gh.SetBranch("acme", "infra", "main", map[string]string{"README.md": "infra\n"})
		run := runnerRun{t: t, env: env, workspace: ws, event: "schedule", vars: gitopsVars, apiURL: gh.URL(),
			inputs: map[string]string{"mode": "remediate", "remediation": "pr"}}
		res := run.run()
		if res.code != 0 {
			t.Fatalf("exit %d\n%s", res.code, res.stdout)
		}
		prs := gh.PullRequests("acme", "infra")
		if len(prs) != 1 || !strings.HasPrefix(prs[0].HeadRef, "drift/") {
			t.Fatalf("want one remediation pull request, got %+v", prs)
		}
		if res.outputs["pull-request-url"] == "" {
			t.Errorf("output pull-request-url is empty")
		}
		if strings.Contains(prs[0].Body, canary) || strings.Contains(prs[0].Body, "pw-heal-2") {
			t.Errorf("the pull request body leaks a sensitive value")
		}
		if log := remoteFile(t, remote, "drift/drift-log.yaml"); !strings.Contains(strings.Join(logKinds(t, log), ","), "remediation-pr-opened") {
			t.Errorf("the log does not record the pull request:\n%s", log)
		}
		// A second run updates it, never a duplicate.
		if again := run.run(); again.code != 0 {
			t.Fatalf("second run: exit %d\n%s", again.code, again.stdout)
		}
		if n := len(gh.PullRequests("acme", "infra")); n != 1 {
			t.Errorf("%d pull requests after two runs, want 1", n)
		}
	})
}

// TestActionHealWithoutPullRequestRead: a heal that applied, in a workflow
// whose token may not list pull requests, exits 0: looking for an earlier
// remediation pull request to close is not what the run needed. A warning
// names the permission that would let it; the heal is recorded.
func TestActionHealWithoutPullRequestRead(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	ws := driftedWorkspace(t, env, "pw-heal-403")
	remote := gitWorkspace(t, ws)
	gh := githubtest.NewServer(t, githubtest.WithToken("ghs_testtoken"))
	gh.FailWith(githubtest.RouteListPulls, http.StatusForbidden, "Resource not accessible by integration")
	res := runnerRun{t: t, env: env, workspace: ws, event: "schedule", vars: gitopsVars, apiURL: gh.URL(),
		inputs: map[string]string{"mode": "remediate", "remediation": "apply"}}.run()
	if res.code != 0 {
		t.Fatalf("exit %d, want 0: the heal applied and the run needed no pull request\n%s", res.code, res.stdout)
	}
	if b, _ := os.ReadFile(filepath.Join(ws, "cloud.json")); strings.Contains(string(b), "pwned") {
		t.Errorf("the drifted tag is still in the cloud after apply: %s", b)
	}
	if !slices.Contains(gh.Requests(), "GET /repos/acme/infra/pulls") {
		t.Fatalf("pull requests were never listed, so the refusal was never met: %v", gh.Requests())
	}
	if !annotated(res.stdout, "warning", "grant `pull-requests: read`") {
		t.Errorf("no warning names pull-requests: read:\n%s", res.stdout)
	}
	if annotated(res.stdout, "error", "pull requests") {
		t.Errorf("the refused listing is an error annotation:\n%s", res.stdout)
	}
	if !strings.Contains(res.summary, "self-healed by apply") || !strings.Contains(res.summary, "pull-requests: read") {
		t.Errorf("the summary does not say what was applied and which permission was missing:\n%s", res.summary)
	}
	if kinds := logKinds(t, remoteFile(t, remote, "drift/drift-log.yaml")); !slices.Contains(kinds, "self-healed") {
		t.Errorf("log events %v, want self-healed", kinds)
	}
}

// A pull_request_target run never writes: no record, no heal.
func TestActionRecordNeverWritesForPullRequestTarget(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	ws := driftedWorkspace(t, env, "pw-record-2")
	remote := gitWorkspace(t, ws)
	res := runnerRun{t: t, env: env, workspace: ws, event: "pull_request_target", payload: prPayload(5, "acme/infra"), vars: gitopsVars,
		inputs: map[string]string{"mode": "remediate", "remediation": "apply"}}.run()
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stdout)
	}
	if got := remoteFile(t, remote, "drift/drift-log.yaml"); got != "" {
		t.Errorf("a pull_request_target run wrote the log:\n%s", got)
	}
	if b, _ := os.ReadFile(filepath.Join(ws, "cloud.json")); !strings.Contains(string(b), "pwned") {
		t.Errorf("a pull_request_target run applied to the infrastructure")
	}
	if !annotated(res.stdout, "warning", "wrote nothing") {
		t.Errorf("no warning says why nothing was written:\n%s", res.stdout)
	}
}

// In a matrix the aggregate job records once, for every shard's targets.
func TestActionAggregateRecordsOnce(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	remote := gitWorkspace(t, ws)
	writeShard(t, ws, "job1", shardDoc("42", &report.Shard{Index: 1, Count: 3}, "stacks/a"))
	writeShard(t, ws, "job2", shardDoc("42", &report.Shard{Index: 2, Count: 3}, "stacks/b"))
	// A remediate shard records its own targets (it alone knows what it
	// healed): the aggregate does not record them a second time.
	healedShard := shardDoc("42", &report.Shard{Index: 3, Count: 3}, "stacks/c")
	healedShard.Recorded = true
	writeShard(t, ws, "job3", healedShard)
	res := runnerRun{t: t, workspace: ws, event: "schedule", vars: gitopsVars, inputs: map[string]string{"mode": "aggregate", "record": "true"}}.run()
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stdout)
	}
	rep := remoteFile(t, remote, "drift/drift-report.yaml")
	for _, w := range []string{"root: stacks/a", "root: stacks/b"} {
		if !strings.Contains(rep, w) {
			t.Errorf("the merged record lacks %q:\n%s", w, rep)
		}
	}
	if strings.Contains(rep, "stacks/c") {
		t.Errorf("the aggregate recorded a shard that recorded itself:\n%s", rep)
	}
	if !strings.Contains(res.summary, "1 shard(s) recorded their own targets") {
		t.Errorf("the summary does not say a shard recorded itself:\n%s", res.summary)
	}
	if res.outputs["report-path"] != "drift/drift-report.yaml" {
		t.Errorf("output report-path = %q", res.outputs["report-path"])
	}
}

// A snooze is logged once, when it starts holding drift, not on every run.
func TestActionRecordLogsSnoozeOnce(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	ws := driftedWorkspace(t, env, "pw-snooze-1")
	tftest.WriteRoot(t, ws, ".github", map[string]string{"drift.yaml": "snooze:\n  - root: infra/app\n    address: fakecloud_instance.web\n    until: 2099-01-01\n    reason: load test INC-42\n"})
	remote := gitWorkspace(t, ws)
	run := runnerRun{t: t, env: env, workspace: ws, event: "schedule", inputs: map[string]string{"mode": "record"}, vars: gitopsVars}
	for i, id := range []string{"51", "52"} {
		run.vars = map[string]string{"GITHUB_RUN_ID": id, "GITHUB_REF_NAME": "main", "GITHUB_SHA": gitopsVars["GITHUB_SHA"]}
		if res := run.run(); res.code != 0 {
			t.Fatalf("run %d: exit %d\n%s", i+1, res.code, res.stdout)
		}
	}
	log := remoteFile(t, remote, "drift/drift-log.yaml")
	n := 0
	for _, k := range logKinds(t, log) {
		if k == "snoozed" {
			n++
		}
	}
	if n != 1 || !strings.Contains(log, "load test INC-42") {
		t.Errorf("%d snoozed events after two runs, want 1 with its reason:\n%s", n, log)
	}
}

// A pull request's plan is of unmerged code: remediate never applies it.
func TestActionRemediateNeverAppliesOnPullRequests(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	ws := driftedWorkspace(t, env, "pw-heal-3")
	gitWorkspace(t, ws)
	gh := githubtest.NewServer(t, githubtest.WithToken("ghs_testtoken"))
	res := runnerRun{t: t, env: env, workspace: ws, event: "pull_request", payload: prPayload(6, "acme/infra"), vars: gitopsVars, apiURL: gh.URL(),
		inputs: map[string]string{"mode": "remediate", "remediation": "apply"}}.run()
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stdout)
	}
	if b, _ := os.ReadFile(filepath.Join(ws, "cloud.json")); !strings.Contains(string(b), "pwned") {
		t.Errorf("a pull_request run applied to the infrastructure")
	}
	if !annotated(res.stdout, "warning", "does not heal on pull_request events") {
		t.Errorf("no warning says why nothing was healed:\n%s", res.stdout)
	}
}

// Mode aggregate with record keeps Slack's threads in its one record
// commit, as mode record does: the matrix's drift is told once, and the
// next run, with nothing new, posts nothing.
func TestActionAggregateKeepsSlackThreads(t *testing.T) {
	// Not parallel: it points the package's Slack client at a TLS fake
	// (the action refuses a webhook that is not https://), and restores it.
	var mu sync.Mutex
	var posts []string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		posts = append(posts, r.URL.Path+" "+string(b))
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	old := slackOptions
	slackOptions.HTTPClient = srv.Client()
	t.Cleanup(func() { slackOptions = old })

	ws := t.TempDir()
	remote := gitWorkspace(t, ws)
	drifted := func(run string) report.Document {
		d := report.New([]drift.Result{{Dir: "stacks/a", Target: "default", Status: drift.StatusDrifted,
			Drift: []drift.Resource{{Address: "aws_s3_bucket.a", Type: "aws_s3_bucket", Actions: []string{"update"}}}}})
		d.Origin = &report.Origin{Repository: "acme/infra", RunID: run, Shard: &report.Shard{Index: 1, Count: 2}}
		return d
	}
	for i, run := range []string{"42", "43"} {
		writeShard(t, ws, "job1", drifted(run))
		writeShard(t, ws, "job2", shardDoc(run, &report.Shard{Index: 2, Count: 2}, "stacks/b"))
		vars := map[string]string{"GITHUB_RUN_ID": run}
		for k, v := range gitopsVars {
			vars[k] = v
		}
		res := runnerRun{t: t, workspace: ws, event: "schedule", vars: vars,
			inputs: map[string]string{"mode": "aggregate", "record": "true", "slack-webhook-url": srv.URL + "/services/T0/B0/hook"}}.run()
		if res.code != 0 {
			t.Fatalf("run %d: exit %d\n%s", i+1, res.code, res.stdout)
		}
		mu.Lock()
		n := len(posts)
		mu.Unlock()
		if want := 1; n != want {
			t.Fatalf("after run %d Slack got %d post(s), want %d (the drift told once):\n%q", i+1, n, want, posts)
		}
		if i == 0 {
			if threads := remoteFile(t, remote, "drift/slack-threads.yaml"); !strings.Contains(threads, "stacks/a") {
				t.Errorf("the record commit does not keep the thread of stacks/a:\n%s", threads)
			}
		}
	}
	if !strings.Contains(posts[0], "stacks/a") {
		t.Errorf("the post does not tell the drift of stacks/a: %q", posts[0])
	}
}
