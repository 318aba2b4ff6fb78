package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/actions/actionstest"
	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/github/githubtest"
	"github.com/myorg/drift-action/internal/report"
	"github.com/myorg/drift-action/internal/tftest"
)

// runnerRun is one run of the binary as the GitHub runner starts a Docker
// action: no arguments, inputs as INPUT_<NAME>, files for outputs and the
// job summary, the event payload on disk.
type runnerRun struct {
	t         *testing.T
	env       *tftest.Env
	workspace string
	inputs    map[string]string
	event     string
	payload   string
	apiURL    string
	vars      map[string]string // more of the runner's environment
	now       func() time.Time  // the clock; nil is time.Now
}

type runnerResult struct {
	code    int
	stdout  string
	stderr  string
	outputs map[string]string
	summary string
}

func (rr runnerRun) run() runnerResult {
	rr.t.Helper()
	tmp := rr.t.TempDir()
	outFile := filepath.Join(tmp, "output")
	sumFile := filepath.Join(tmp, "summary")
	evFile := filepath.Join(tmp, "event.json")
	payload := rr.payload
	if payload == "" {
		payload = "{}"
	}
	for _, f := range []string{outFile, sumFile} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			rr.t.Fatal(err)
		}
	}
	if err := os.WriteFile(evFile, []byte(payload), 0o644); err != nil {
		rr.t.Fatal(err)
	}
	vars := map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_WORKSPACE":    rr.workspace,
		"GITHUB_EVENT_NAME":   rr.event,
		"GITHUB_EVENT_PATH":   evFile,
		"GITHUB_OUTPUT":       outFile,
		"GITHUB_STEP_SUMMARY": sumFile,
		"GITHUB_REPOSITORY":   "acme/infra",
		"GITHUB_SERVER_URL":   "https://github.example",
		"GITHUB_RUN_ID":       "42",
		"GITHUB_API_URL":      rr.apiURL,
		"HOME":                tmp,
		"INPUT_GITHUB-TOKEN":  "ghs_testtoken",
	}
	if rr.env != nil {
		vars["TF_PLUGIN_CACHE_DIR"] = rr.env.CacheDir
		vars["INPUT_TERRAFORM-BINARY"] = rr.env.Terraform // terraform or tofu
	}
	for k, v := range rr.vars {
		vars[k] = v
	}
	for k, v := range rr.inputs {
		vars["INPUT_"+strings.ToUpper(k)] = v
	}
	var environ []string
	if rr.env != nil {
		environ = rr.env.Environ
	}
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), nil, config.Env{Getenv: func(k string) string { return vars[k] }, Environ: environ, Cwd: rr.workspace, Now: rr.now}, &stdout, &stderr)
	// The runner shows stdout and stderr as one log; the action writes it
	// all through one command-safe writer on stdout, so nothing may
	// bypass it on stderr.
	if stderr.Len() > 0 {
		rr.t.Errorf("the action wrote to stderr, bypassing the command-safe log: %q", stderr.String())
	}
	res := runnerResult{code: code, stdout: stdout.String(), stderr: stdout.String()}
	res.outputs = readOutputs(rr.t, outFile)
	b, _ := os.ReadFile(sumFile)
	res.summary = string(b)
	return res
}

// readOutputs parses the GITHUB_OUTPUT file format (name<<DELIM ... DELIM).
func readOutputs(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, delim, ok := strings.Cut(sc.Text(), "<<")
		if !ok {
			t.Fatalf("GITHUB_OUTPUT line %q is not name<<DELIMITER", sc.Text())
		}
		var val []string
		for sc.Scan() && sc.Text() != delim {
			val = append(val, sc.Text())
		}
		if _, dup := out[name]; dup {
			t.Errorf("output %s written twice", name)
		}
		out[name] = strings.Join(val, "\n")
	}
	return out
}

// driftedWorkspace is a repository with one fakecloud root whose instance
// was retagged by hand (drift that no cost policy objects to).
func driftedWorkspace(t *testing.T, env *tftest.Env, password string) string {
	t.Helper()
	ws := t.TempDir()
	cloud := tftest.Cloud{Path: filepath.Join(ws, "cloud.json")}
	body := strings.Replace(webInstance, "initial-canary-0000", password, 1)
	root := tftest.WriteRoot(t, ws, "infra/app", map[string]string{"main.tf": tftest.FakeCloudProvider(cloud.Path) + body})
	env.Apply(t, root)
	cloud.EditInstance(t, "web", func(i map[string]any) {
		i["tags"].(map[string]any)["team"] = "::set-output name=pwned::yes"
		i["password"] = canary
	})
	return ws
}

func TestActionSchedule(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	ws := driftedWorkspace(t, env, canary+"-before")
	res := runnerRun{t: t, env: env, workspace: ws, event: "schedule"}.run()
	if res.code != 0 {
		t.Fatalf("exit %d, want 0 (fail-on-drift is false)\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	want := map[string]string{
		"drift-detected":    "true",
		"drifted-resources": "1",
		"changes-pending":   "true", // the change that would undo the drift
		"policy-failed":     "0",
		"policy-advisory":   "2", // the advisory terraform.drift denies: the drift and the change reverting it
		"policy-waived":     "0",
		"policy-overridden": "0",
		"policy-violations": "2", // its first meaning: denies not waived, at any level
		"report-path":       "",
		"result-json":       ".drift-action/result.json",
		"pull-request-url":  "",
	}
	if diff := cmp.Diff(want, res.outputs); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
	data, err := os.ReadFile(filepath.Join(ws, ".drift-action", "result.json"))
	if err != nil {
		t.Fatalf("result json: %v", err)
	}
	var doc report.Document
	if err := json.Unmarshal(data, &doc); err != nil || len(doc.Roots) != 1 || doc.Roots[0].Dir != "infra/app" {
		t.Errorf("result json: %v %+v", err, doc)
	}
	for _, w := range []string{"## Drift report", "infra/app", "https://github.example/acme/infra/actions/runs/42", "<code>.drift-action/result.json</code>"} {
		if !strings.Contains(res.summary, w) {
			t.Errorf("summary lacks %q:\n%s", w, res.summary)
		}
	}
	// One group per root; the drift annotated on the line declaring it.
	if !strings.Contains(res.stdout, "::group::infra/app (default): drifted") || !strings.Contains(res.stdout, "::endgroup::") {
		t.Errorf("no log group for the root:\n%s", res.stdout)
	}
	if !regexp.MustCompile(`(?m)^::warning file=infra/app/main\.tf,line=1[0-9],title=Drift%3A fakecloud_instance\.web::`).MatchString(res.stdout) {
		t.Errorf("no drift annotation on infra/app/main.tf:\n%s", res.stdout)
	}
	// Untrusted text (a tag value shaped like a workflow command) is only
	// ever printed with workflow commands stopped.
	assertNoLiveCommand(t, res.stdout, "::set-output name=pwned")
	for name, out := range map[string]string{"stdout": res.stdout, "summary": res.summary, "result": string(data), "outputs": strings.Join(mapValues(res.outputs), "\n")} {
		if strings.Contains(out, canary) {
			t.Errorf("%s leaks the sensitive canary", name)
		}
		if strings.Contains(out, "ghs_testtoken") && name != "stdout" {
			t.Errorf("%s leaks the token", name)
		}
	}
	if !strings.Contains(res.stdout, "::add-mask::ghs_testtoken") {
		t.Errorf("the token is not masked in the log")
	}
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// assertNoLiveCommand checks that every line containing s sits between a
// ::stop-commands::TOKEN line and its ::TOKEN:: resume.
func assertNoLiveCommand(t *testing.T, stdout, s string) {
	t.Helper()
	stopped := ""
	for _, l := range strings.Split(stdout, "\n") {
		switch {
		case stopped == "" && strings.HasPrefix(l, "::stop-commands::"):
			stopped = strings.TrimPrefix(l, "::stop-commands::")
		case stopped != "" && l == "::"+stopped+"::":
			stopped = ""
		case strings.Contains(l, s) && stopped == "":
			t.Errorf("untrusted text printed with workflow commands live: %q", l)
		}
	}
}

func TestActionFailOnDrift(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	ws := driftedWorkspace(t, env, "pw-1234")
	res := runnerRun{t: t, env: env, workspace: ws, event: "workflow_dispatch", inputs: map[string]string{"fail-on-drift": "true"}}.run()
	if res.code != ExitDrift {
		t.Fatalf("exit %d, want 2", res.code)
	}
	if !strings.Contains(res.stdout, "::error::drift-action: drift detected and fail-on-drift is true") {
		t.Errorf("no error annotation:\n%s", res.stdout)
	}
}

func TestActionInvalidInputs(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	tests := []struct {
		name   string
		inputs map[string]string
		want   string
	}{
		{"unknown mode", map[string]string{"mode": "fix"}, `input mode: "fix" is not a mode: use one of detect, record, remediate, list, aggregate`},
		{"report-path outside the repository", map[string]string{"report-path": "../x.yaml"}, `input report-path: "../x.yaml" must be a file path inside the repository`},
		{"log-path absolute", map[string]string{"log-path": "/etc/drift.yaml"}, `input log-path: "/etc/drift.yaml" must be a file path inside the repository`},
		{"bad remediation", map[string]string{"remediation": "yolo"}, `input remediation: "yolo" is not accepted: use pr, apply, adopt or auto`},
		{"slack webhook and token", map[string]string{"slack-webhook-url": "https://hooks.slack.example/x", "slack-token": "xoxb-1"}, "inputs slack-webhook-url and slack-token are both set"},
		{"fail-on-drift", map[string]string{"fail-on-drift": "yes"}, `input fail-on-drift: "yes" is not accepted: use true or false`},
		{"parallelism", map[string]string{"parallelism": "0"}, `input parallelism: "0" is not accepted`},
		{"shard", map[string]string{"shard": "3/2"}, `input shard: "3/2" is not accepted: use INDEX/COUNT`},
		{"policies none mixed", map[string]string{"policies": "none\nbundled"}, `input policies: "none" cannot be combined`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := runnerRun{t: t, workspace: ws, event: "schedule", inputs: tt.inputs}.run()
			if res.code != ExitError || !strings.Contains(res.stderr, tt.want) {
				t.Errorf("exit %d stderr %q, want 1 and %q", res.code, res.stderr, tt.want)
			}
			// Said as an error annotation and in the job summary, not as plain log text.
			if !annotated(res.stdout, "error", tt.want) {
				t.Errorf("no error annotation saying %q:\n%s", tt.want, res.stdout)
			}
			if !strings.Contains(res.summary, "drift-action failed") || !strings.Contains(res.summary, tt.want) {
				t.Errorf("job summary does not say the inputs are invalid:\n%s", res.summary)
			}
			// Secrets are only ever named to the runner's add-mask command,
			// which the runner never shows.
			if strings.Contains(regexp.MustCompile(`(?m)^::add-mask::.*$`).ReplaceAllString(res.stderr, ""), "https://hooks.slack.example") {
				t.Errorf("an input's secret value was echoed: %s", res.stderr)
			}
		})
	}
}

func TestActionRepositoryDispatchNarrowsRoots(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	ws := t.TempDir()
	for _, d := range []string{"infra/a", "infra/b"} {
		root := tftest.WriteRoot(t, ws, d, map[string]string{"main.tf": `resource "terraform_data" "x" { input = 1 }` + "\n"})
		env.Apply(t, root)
	}
	payload := `{"action": "drift-detected", "client_payload": {"roots": ["infra/b"], "source": {"name": "HCP Terraform assessment", "run": "asmt-1"}}}`
	res := runnerRun{t: t, env: env, workspace: ws, event: "repository_dispatch", payload: payload}.run()
	if res.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	data, _ := os.ReadFile(filepath.Join(ws, ".drift-action", "result.json"))
	var doc report.Document
	json.Unmarshal(data, &doc)
	var dirs []string
	for _, r := range doc.Roots {
		dirs = append(dirs, r.Dir)
	}
	if diff := cmp.Diff([]string{"infra/b"}, dirs); diff != "" {
		t.Errorf("roots (-want +got):\n%s", diff)
	}
	if !strings.Contains(res.summary, "Requested by HCP Terraform assessment") {
		t.Errorf("summary does not name the source:\n%s", res.summary)
	}
	bad := runnerRun{t: t, env: env, workspace: ws, event: "repository_dispatch", payload: `{"action": "drift-detected", "client_payload": {"roots": ["../etc"]}}`}.run()
	if bad.code != ExitError || !strings.Contains(bad.stderr, "must be a path inside the repository") {
		t.Errorf("escaping root: exit %d %s", bad.code, bad.stderr)
	}
}

func prPayload(number int, headRepo string) string {
	return `{"number": ` + itoa(number) + `, "pull_request": {"number": ` + itoa(number) + `, "title": "bump", "head": {"ref": "feature", "repo": {"full_name": "` + headRepo + `"}}, "base": {"repo": {"full_name": "acme/infra"}}, "labels": []}}`
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestActionPullRequestStickyComment(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	ws := driftedWorkspace(t, env, "pw-5678")
	gh := githubtest.NewServer(t, githubtest.WithToken("ghs_testtoken"))
	run := runnerRun{t: t, env: env, workspace: ws, event: "pull_request", payload: prPayload(7, "acme/infra"), apiURL: gh.URL()}
	first := run.run()
	if first.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", first.code, first.stdout, first.stderr)
	}
	second := run.run()
	if second.code != 0 {
		t.Fatalf("second run: exit %d\n%s", second.code, second.stderr)
	}
	comments := gh.Comments("acme", "infra", 7)
	if len(comments) != 1 {
		t.Fatalf("want exactly one sticky comment after two runs, got %d", len(comments))
	}
	body := comments[0].Body
	for _, w := range []string{"## Drift report", "fakecloud_instance.web", "<!-- drift-action:report"} {
		if !strings.Contains(body, w) {
			t.Errorf("comment lacks %q", w)
		}
	}
	if strings.Contains(body, canary) {
		t.Errorf("comment leaks the sensitive canary")
	}
	if !strings.Contains(second.summary, "pull request comment") {
		t.Errorf("summary does not link the comment:\n%s", second.summary)
	}

	// A fork's pull request never writes to the repository.
	fork := runnerRun{t: t, env: env, workspace: ws, event: "pull_request", payload: prPayload(8, "mallory/infra"), apiURL: gh.URL()}.run()
	if fork.code != 0 || !strings.Contains(fork.stdout, "::warning::drift-action: not commenting on pull request #8") {
		t.Errorf("fork run: exit %d\n%s", fork.code, fork.stdout)
	}
	if n := len(gh.Comments("acme", "infra", 8)); n != 0 {
		t.Errorf("fork run wrote %d comment(s)", n)
	}
}

func TestActionMatrixListAndAggregate(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	ws := t.TempDir()
	for _, d := range []string{"stacks/a", "stacks/b", "stacks/c"} {
		root := tftest.WriteRoot(t, ws, d, map[string]string{"main.tf": `resource "terraform_data" "x" { input = 1 }` + "\n"})
		env.Apply(t, root)
	}
	tftest.WriteRoot(t, ws, ".github", map[string]string{"drift.yaml": "shard-size: 2\n"})
	list := runnerRun{t: t, env: env, workspace: ws, event: "schedule", inputs: map[string]string{"mode": "list"}}.run()
	if list.code != 0 {
		t.Fatalf("list: exit %d %s", list.code, list.stderr)
	}
	wantMatrix := `{"include":[{"shard":"1/2","roots":"stacks/a@default stacks/b@default","targets":2},{"shard":"2/2","roots":"stacks/c@default","targets":1}]}`
	if diff := cmp.Diff(wantMatrix, list.outputs["matrix"]); diff != "" {
		t.Errorf("matrix (-want +got):\n%s", diff)
	}
	// Each matrix job detects its shard and keeps its result, as an artifact would.
	for i, shard := range []string{"1/2", "2/2"} {
		res := runnerRun{t: t, env: env, workspace: ws, event: "schedule", inputs: map[string]string{"shard": shard}}.run()
		if res.code != 0 {
			t.Fatalf("shard %s: exit %d %s", shard, res.code, res.stderr)
		}
		src := filepath.Join(ws, res.outputs["result-json"])
		dst := filepath.Join(ws, "drift-results", "job"+itoa(i), "result.json")
		os.MkdirAll(filepath.Dir(dst), 0o755)
		if err := os.Rename(src, dst); err != nil {
			t.Fatal(err)
		}
	}
	agg := runnerRun{t: t, workspace: ws, event: "schedule", inputs: map[string]string{"mode": "aggregate"}}.run()
	if agg.code != 0 {
		t.Fatalf("aggregate: exit %d %s", agg.code, agg.stderr)
	}
	data, _ := os.ReadFile(filepath.Join(ws, agg.outputs["result-json"]))
	var doc report.Document
	json.Unmarshal(data, &doc)
	if doc.Summary.Targets != 3 || doc.Summary.Clean != 3 {
		t.Errorf("merged summary %+v, want 3 clean targets", doc.Summary)
	}
	if !strings.Contains(agg.summary, "stacks/c") || !strings.Contains(agg.summary, "stacks/a") {
		t.Errorf("aggregate summary misses targets:\n%s", agg.summary)
	}
}

// The matrix honours a dispatch's roots as detect does: only they are split
// into shards, and each shard's job then plans its part of them.
func TestActionMatrixListHonoursDispatchedRoots(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	for _, d := range []string{"stacks/a", "stacks/b", "stacks/c", "other/d"} {
		tftest.WriteRoot(t, ws, d, map[string]string{"main.tf": `resource "terraform_data" "x" { input = 1 }` + "\n"})
	}
	tftest.WriteRoot(t, ws, ".github", map[string]string{"drift.yaml": "shard-size: 1\n"})
	tests := []struct {
		name, payload, want string
	}{
		{name: "drift-detected with roots", payload: `{"action": "drift-detected", "client_payload": {"roots": ["stacks/b", "other/*"]}}`,
			want: `{"include":[{"shard":"1/2","roots":"other/d@default","targets":1},{"shard":"2/2","roots":"stacks/b@default","targets":1}]}`},
		{name: "another dispatch plans everything", payload: `{"action": "refresh", "client_payload": {"roots": ["stacks/b"]}}`,
			want: `{"include":[{"shard":"1/4","roots":"other/d@default","targets":1},{"shard":"2/4","roots":"stacks/a@default","targets":1},{"shard":"3/4","roots":"stacks/b@default","targets":1},{"shard":"4/4","roots":"stacks/c@default","targets":1}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			list := runnerRun{t: t, workspace: ws, event: "repository_dispatch", payload: tt.payload, inputs: map[string]string{"mode": "list"}}.run()
			if list.code != 0 {
				t.Fatalf("list: exit %d %s", list.code, list.stderr)
			}
			if diff := cmp.Diff(tt.want, list.outputs["matrix"]); diff != "" {
				t.Errorf("matrix (-want +got):\n%s", diff)
			}
		})
	}
	none := runnerRun{t: t, workspace: ws, event: "repository_dispatch", payload: `{"action": "drift-detected", "client_payload": {"roots": ["gone"]}}`, inputs: map[string]string{"mode": "list"}}.run()
	if none.code != ExitError || !strings.Contains(none.stderr+none.stdout, "none of the roots") {
		t.Errorf("dispatch naming no root here: exit %d, want an error naming the roots\n%s%s", none.code, none.stdout, none.stderr)
	}
}

func TestActionCommentPermissionDenied(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	ws := t.TempDir()
	root := tftest.WriteRoot(t, ws, "app", map[string]string{"main.tf": `resource "terraform_data" "x" { input = 1 }` + "\n"})
	env.Apply(t, root)
	gh := githubtest.NewServer(t, githubtest.WithToken("ghs_testtoken"))
	gh.FailWith(githubtest.RouteCreateComment, 403, "Resource not accessible by integration")
	res := runnerRun{t: t, env: env, workspace: ws, event: "pull_request", payload: prPayload(9, "acme/infra"), apiURL: gh.URL()}.run()
	if res.code != ExitError {
		t.Fatalf("exit %d, want 1 when the comment cannot be written\n%s", res.code, res.stderr)
	}
	for _, w := range []string{"pull-requests: write", "Resource not accessible by integration"} {
		if !strings.Contains(res.stderr, w) {
			t.Errorf("stderr lacks %q: %s", w, res.stderr)
		}
	}
	if strings.Contains(strings.ReplaceAll(res.stdout, "::add-mask::ghs_testtoken", ""), "ghs_testtoken") {
		t.Errorf("the token reached the log outside its mask command: %s", res.stdout)
	}
	if !annotated(res.stdout, "error", "Resource not accessible by integration") || !strings.Contains(res.summary, "pull request comment failed") {
		t.Errorf("the failed comment is not an error annotation and a summary line\nlog:\n%s\nsummary:\n%s", res.stdout, res.summary)
	}
	// Everything else was still published.
	if res.outputs["result-json"] == "" || !strings.Contains(res.summary, "## Drift report") {
		t.Errorf("a comment failure must not lose the summary and outputs: %v", res.outputs)
	}
}

// annotated reports whether the runner would show an annotation of level
// whose message contains want.
func annotated(log, level, want string) bool {
	for _, c := range actionstest.Execute(log) {
		if c.Name == level && strings.Contains(c.Data, want) {
			return true
		}
	}
	return false
}
