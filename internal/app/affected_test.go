package app

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/github/githubtest"
	"github.com/myorg/drift-action/internal/report"
	"github.com/myorg/drift-action/internal/tftest"
)

// prPayloadWithCommits is a pull request event naming base and head
// commits that the workspace (not a git checkout) does not hold, so the
// changed files come from the GitHub API.
func prPayloadWithCommits(number int) string {
	return `{"number": ` + itoa(number) + `, "pull_request": {"number": ` + itoa(number) + `, "title": "change a", ` +
		`"head": {"ref": "feature", "sha": "1111111111111111111111111111111111111111", "repo": {"full_name": "acme/infra"}}, ` +
		`"base": {"ref": "main", "sha": "2222222222222222222222222222222222222222", "repo": {"full_name": "acme/infra"}}, "labels": []}}`
}

func resultDoc(t *testing.T, ws string, res runnerResult) report.Document {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(ws, res.outputs["result-json"]))
	if err != nil {
		t.Fatalf("result json: %v\n%s", err, res.stdout)
	}
	var doc report.Document
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// A pull request changing one of two roots plans that one only; the job
// summary, the comment and the JSON result say which was planned and why,
// and which was skipped.
func TestActionPullRequestPlansAffectedRoots(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	ws := t.TempDir()
	for _, d := range []string{"infra/a", "infra/b"} {
		root := tftest.WriteRoot(t, ws, d, map[string]string{"main.tf": `resource "terraform_data" "x" { input = 1 }` + "\n"})
		env.Apply(t, root)
	}
	gh := githubtest.NewServer(t, githubtest.WithToken("ghs_testtoken"))
	gh.SetPullRequest("acme", "infra", githubtest.PullRequest{Number: 7, HeadRef: "feature", BaseRef: "main",
		Files: []githubtest.PullFile{{Filename: "infra/a/main.tf"}, {Filename: "docs/notes.md", Status: "added"}}})
	res := runnerRun{t: t, env: env, workspace: ws, event: "pull_request", payload: prPayloadWithCommits(7), apiURL: gh.URL()}.run()
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stdout)
	}
	doc := resultDoc(t, ws, res)
	var dirs []string
	for _, r := range doc.Roots {
		dirs = append(dirs, r.Dir)
	}
	if diff := cmp.Diff([]string{"infra/a"}, dirs); diff != "" {
		t.Errorf("planned roots (-want +got):\n%s", diff)
	}
	want := &report.Selection{Mode: "affected", Source: "GitHub API",
		Planned: []report.SelectedRoot{{Root: "infra/a", Reasons: []string{"changed: infra/a/main.tf"}}}, Skipped: []string{"infra/b"}}
	if diff := cmp.Diff(want, doc.Selection); diff != "" {
		t.Errorf("selection (-want +got):\n%s", diff)
	}
	comments := gh.Comments("acme", "infra", 7)
	if len(comments) != 1 {
		t.Fatalf("%d comments, want 1", len(comments))
	}
	for name, text := range map[string]string{"summary": res.summary, "comment": comments[0].Body} {
		for _, w := range []string{"1 planned · 1 skipped as unaffected (changed files from GitHub API)", "<code>infra/a</code>: changed: infra/a/main.tf", "<code>infra/b</code>"} {
			if !strings.Contains(text, w) {
				t.Errorf("%s lacks %q:\n%s", name, w, text)
			}
		}
	}
	if !strings.Contains(res.stdout, "drift-action: 1 root(s) planned, 1 skipped as unaffected by the pull request") {
		t.Errorf("the log does not say what was selected:\n%s", res.stdout)
	}

	// The matrix of mode: list splits the same roots.
	list := runnerRun{t: t, workspace: ws, event: "pull_request", payload: prPayloadWithCommits(7), apiURL: gh.URL(), inputs: map[string]string{"mode": "list"}}.run()
	if list.code != 0 {
		t.Fatalf("list: exit %d\n%s", list.code, list.stdout)
	}
	if diff := cmp.Diff(`{"include":[{"shard":"1/1","roots":"infra/a@default","targets":1}]}`, list.outputs["matrix"]); diff != "" {
		t.Errorf("matrix (-want +got):\n%s", diff)
	}
}

// A pull request that affects no root plans nothing, says so, and exits
// clean; the matrix still has one job, to report it.
func TestActionPullRequestAffectsNoRoot(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	for _, d := range []string{"infra/a", "infra/b"} {
		tftest.WriteRoot(t, ws, d, map[string]string{"main.tf": `resource "terraform_data" "x" { input = 1 }` + "\n"})
	}
	gh := githubtest.NewServer(t, githubtest.WithToken("ghs_testtoken"))
	gh.SetPullRequest("acme", "infra", githubtest.PullRequest{Number: 8, HeadRef: "feature", BaseRef: "main",
		Files: []githubtest.PullFile{{Filename: "README.md"}}})
	res := runnerRun{t: t, workspace: ws, event: "pull_request", payload: prPayloadWithCommits(8), apiURL: gh.URL(), inputs: map[string]string{"policies": "none"}}.run()
	if res.code != 0 {
		t.Fatalf("exit %d, want a clean exit\n%s", res.code, res.stdout)
	}
	doc := resultDoc(t, ws, res)
	if len(doc.Roots) != 0 || doc.Selection == nil || len(doc.Selection.Planned) != 0 {
		t.Errorf("roots %v, selection %+v: want nothing planned", doc.Roots, doc.Selection)
	}
	for _, w := range []string{"0 planned · 2 skipped as unaffected", "No root is affected by this pull request"} {
		if !strings.Contains(res.summary, w) {
			t.Errorf("summary lacks %q:\n%s", w, res.summary)
		}
	}
	list := runnerRun{t: t, workspace: ws, event: "pull_request", payload: prPayloadWithCommits(8), apiURL: gh.URL(), inputs: map[string]string{"mode": "list"}}.run()
	if diff := cmp.Diff(`{"include":[{"shard":"1/1","roots":"","targets":0}]}`, list.outputs["matrix"]); list.code != 0 || diff != "" {
		t.Errorf("list: exit %d, matrix (-want +got):\n%s", list.code, diff)
	}
}

// When GitHub cannot list every changed file, every root is planned and
// the run says why; pull-request-roots: all plans every root without
// asking.
func TestActionPullRequestPlansEveryRoot(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	for _, d := range []string{"infra/a", "infra/b"} {
		tftest.WriteRoot(t, ws, d, map[string]string{"main.tf": `resource "terraform_data" "x" { input = 1 }` + "\n"})
	}
	gh := githubtest.NewServer(t, githubtest.WithToken("ghs_testtoken"))
	gh.SetPullRequest("acme", "infra", githubtest.PullRequest{Number: 9, HeadRef: "feature", BaseRef: "main",
		Files: []githubtest.PullFile{{Filename: "infra/a/main.tf"}}, ChangedFiles: 3500})
	list := runnerRun{t: t, workspace: ws, event: "pull_request", payload: prPayloadWithCommits(9), apiURL: gh.URL(), inputs: map[string]string{"mode": "list"}}.run()
	if list.code != 0 {
		t.Fatalf("list: exit %d\n%s", list.code, list.stdout)
	}
	if diff := cmp.Diff(`{"include":[{"shard":"1/1","roots":"infra/a@default infra/b@default","targets":2}]}`, list.outputs["matrix"]); diff != "" {
		t.Errorf("matrix (-want +got):\n%s", diff)
	}
	if !annotated(list.stdout, "warning", "GitHub lists at most 3000") {
		t.Errorf("no warning saying why every root is planned:\n%s", list.stdout)
	}

	before := len(gh.Requests())
	tftest.WriteRoot(t, ws, ".github", map[string]string{"drift.yaml": "pull-request-roots: all\n"})
	all := runnerRun{t: t, workspace: ws, event: "pull_request", payload: prPayloadWithCommits(9), apiURL: gh.URL(), inputs: map[string]string{"mode": "list"}}.run()
	if diff := cmp.Diff(`{"include":[{"shard":"1/1","roots":"infra/a@default infra/b@default","targets":2}]}`, all.outputs["matrix"]); all.code != 0 || diff != "" {
		t.Errorf("pull-request-roots: all: exit %d, matrix (-want +got):\n%s", all.code, diff)
	}
	if n := len(gh.Requests()); n != before {
		t.Errorf("pull-request-roots: all still asked GitHub for the changed files: %v", gh.Requests()[before:])
	}
}

// With both commits in the checkout (fetch-depth: 0), git tells the
// changed files and GitHub is not asked.
func TestActionPullRequestChangesFromGit(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	for _, d := range []string{"infra/a", "infra/b"} {
		tftest.WriteRoot(t, ws, d, map[string]string{"main.tf": `resource "terraform_data" "x" { input = 1 }` + "\n"})
	}
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "init.defaultBranch=main", "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		cmd.Dir = ws
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init")
	git("add", ".")
	git("commit", "-m", "base")
	base := git("rev-parse", "HEAD")
	tftest.WriteRoot(t, ws, "infra/b", map[string]string{"main.tf": `resource "terraform_data" "x" { input = 2 }` + "\n"})
	git("commit", "-am", "change b")
	head := git("rev-parse", "HEAD")
	payload := strings.NewReplacer("1111111111111111111111111111111111111111", head, "2222222222222222222222222222222222222222", base).Replace(prPayloadWithCommits(10))
	gh := githubtest.NewServer(t, githubtest.WithToken("ghs_testtoken"))
	list := runnerRun{t: t, workspace: ws, event: "pull_request", payload: payload, apiURL: gh.URL(), inputs: map[string]string{"mode": "list"}}.run()
	if list.code != 0 {
		t.Fatalf("list: exit %d\n%s", list.code, list.stdout)
	}
	if diff := cmp.Diff(`{"include":[{"shard":"1/1","roots":"infra/b@default","targets":1}]}`, list.outputs["matrix"]); diff != "" {
		t.Errorf("matrix (-want +got):\n%s", diff)
	}
	if !strings.Contains(list.stdout, "pull request #10 changes 1 file(s) (from git)") {
		t.Errorf("the log does not say git told the changes:\n%s", list.stdout)
	}
	if reqs := gh.Requests(); len(reqs) != 0 {
		t.Errorf("GitHub was asked although git could tell: %v", reqs)
	}
}
