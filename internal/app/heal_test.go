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
	"github.com/myorg/drift-action/internal/remedypr"
	"github.com/myorg/drift-action/internal/tftest"
)

const twoInstances = `
resource "fakecloud_instance" "web" {
  name          = "web"
  instance_type = "small"
  tags          = { team = "platform" }
}

resource "fakecloud_instance" "db" {
  name          = "db"
  instance_type = "small"
  tags          = { team = "platform" }
}
`

// teams are the team tags a cloud file's instances hold, by name.
func teams(t *testing.T, c tftest.Cloud) map[string]string {
	t.Helper()
	data, err := os.ReadFile(c.Path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Instances map[string]struct {
			Name string            `json:"name"`
			Tags map[string]string `json:"tags"`
		} `json:"instances"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, i := range doc.Instances {
		out[i.Name] = i.Tags["team"]
	}
	return out
}

// gitIn runs git in dir as the tests' committer.
func gitIn(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// TestMergedPRAppliesOnlyReviewedDrift runs the remediation pull request's
// whole loop with real terraform: a pr run records infra/app's drift in a
// pull request (fake GitHub), the record is merged into main, and the push
// of the merge runs remediate with apply. Only infra/app, and only the
// reviewed drift, is applied; a plan that differs is refused with why.
func TestMergedPRAppliesOnlyReviewedDrift(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	record, branch := remedypr.RecordPath("infra/app", ""), remedypr.BranchName("infra/app", "")
	tests := []struct {
		name string
		// after the merge, before the apply
		change     func(t *testing.T, app, other tftest.Cloud)
		wantApp    map[string]string
		wantOther  map[string]string
		wantSaid   []string // in the summary
		wantWarned string   // in a warning annotation; "" for none
	}{
		{
			name: "same drift is applied", change: func(*testing.T, tftest.Cloud, tftest.Cloud) {},
			wantApp: map[string]string{"web": "platform", "db": "platform"}, wantOther: map[string]string{"web": "platform", "db": "platform"},
			wantSaid: []string{"infra/app (default): self-healed by apply in run 42", "this run follows the merge of " + record},
		},
		{
			name: "drift changed value is refused",
			change: func(t *testing.T, app, _ tftest.Cloud) {
				app.EditInstance(t, "web", func(i map[string]any) { i["tags"].(map[string]any)["team"] = "billing" })
			},
			wantApp: map[string]string{"web": "billing", "db": "platform"}, wantOther: map[string]string{"web": "platform", "db": "platform"},
			wantSaid:   []string{"the drift on fakecloud_instance.web has other values than were reviewed"},
			wantWarned: "infra/app (default): refused: not applied: the new plan is not what was approved: " + record + " approved other drift",
		},
		{
			name: "another root drifted is not applied",
			change: func(t *testing.T, _, other tftest.Cloud) {
				other.EditInstance(t, "db", func(i map[string]any) { i["tags"].(map[string]any)["team"] = "payments" })
			},
			wantApp: map[string]string{"web": "platform", "db": "platform"}, wantOther: map[string]string{"web": "platform", "db": "payments"},
			wantSaid: []string{"infra/app (default): self-healed by apply in run 42", "infra/other (default) not applied (skipped): not reviewed"},
		},
		{
			name: "extra resource drifted is refused",
			change: func(t *testing.T, app, _ tftest.Cloud) {
				app.EditInstance(t, "db", func(i map[string]any) { i["tags"].(map[string]any)["team"] = "payments" })
			},
			wantApp: map[string]string{"web": "payments", "db": "payments"}, wantOther: map[string]string{"web": "platform", "db": "platform"},
			wantSaid:   []string{"it also changes fakecloud_instance.db, which the review did not cover"},
			wantWarned: "infra/app (default): refused: not applied: the new plan is not what was approved",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ws := t.TempDir()
			app := tftest.Cloud{Path: filepath.Join(ws, "clouds", "app", "cloud.json")}
			other := tftest.Cloud{Path: filepath.Join(ws, "clouds", "other", "cloud.json")}
			for _, r := range []struct {
				dir   string
				cloud tftest.Cloud
			}{{"infra/app", app}, {"infra/other", other}} {
				if err := os.MkdirAll(filepath.Dir(r.cloud.Path), 0o755); err != nil {
					t.Fatal(err)
				}
				env.Apply(t, tftest.WriteRoot(t, ws, r.dir, map[string]string{"main.tf": tftest.FakeCloudProvider(r.cloud.Path) + twoInstances}))
			}
			app.EditInstance(t, "web", func(i map[string]any) { i["tags"].(map[string]any)["team"] = "payments" })
			gitWorkspace(t, ws)
			gh := githubtest.NewServer(t, githubtest.WithToken("ghs_testtoken"))
			gh.SetBranch("acme", "infra", "main", map[string]string{"README.md": "infra\n"})

			// The pr run opens the pull request holding the record.
			opened := runnerRun{t: t, env: env, workspace: ws, event: "schedule", vars: gitopsVars, apiURL: gh.URL(),
				inputs: map[string]string{"mode": "remediate", "remediation": "pr"}}.run()
			if opened.code != 0 {
				t.Fatalf("pr run: exit %d\n%s", opened.code, opened.stdout)
			}
			if prs := gh.PullRequests("acme", "infra"); len(prs) != 1 || prs[0].HeadRef != branch {
				t.Fatalf("want one pull request from %s, got %+v", branch, prs)
			}
			rec, ok := gh.Files("acme", "infra", branch)[record]
			if !ok {
				t.Fatalf("the pull request's branch has no %s", record)
			}

			// A person merges it: main gets the record, and its push runs
			// remediate with apply.
			gitIn(t, ws, "fetch", "-q", "origin")
			gitIn(t, ws, "reset", "-q", "--hard", "origin/main")
			if err := os.MkdirAll(filepath.Join(ws, "drift", "remediation", "infra"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(ws, filepath.FromSlash(record)), []byte(rec), 0o644); err != nil {
				t.Fatal(err)
			}
			gitIn(t, ws, "add", record)
			gitIn(t, ws, "commit", "-q", "-m", "Merge pull request #1 from acme/"+branch)
			gitIn(t, ws, "push", "-q", "origin", "main")
			tc.change(t, app, other)

			applied := runnerRun{t: t, env: env, workspace: ws, event: "push", vars: gitopsVars, apiURL: gh.URL(),
				payload: `{"ref":"refs/heads/main","commits":[{"added":["` + record + `"],"modified":[]}]}`,
				inputs:  map[string]string{"mode": "remediate", "remediation": "apply"}}.run()
			if applied.code != 0 {
				t.Fatalf("apply run: exit %d\n%s", applied.code, applied.stdout)
			}
			if diff := cmp.Diff(tc.wantApp, teams(t, app)); diff != "" {
				t.Errorf("infra/app's cloud (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantOther, teams(t, other)); diff != "" {
				t.Errorf("infra/other's cloud (-want +got):\n%s", diff)
			}
			for _, want := range tc.wantSaid {
				if !strings.Contains(applied.summary, want) {
					t.Errorf("the summary does not say %q:\n%s", want, applied.summary)
				}
			}
			if tc.wantWarned != "" && !annotated(applied.stdout, "warning", tc.wantWarned) {
				t.Errorf("no warning says %q:\n%s", tc.wantWarned, applied.stdout)
			}
			if n := len(gh.PullRequests("acme", "infra")); n != 1 {
				t.Errorf("%d pull requests after the apply run, want the one reviewed (left as it was)", n)
			}
		})
	}
}

// A merge whose record cannot be read approves nothing: the run fails and
// applies nothing, though remediation is apply and the drift is healable.
func TestMergedPRBadRecordAppliesNothing(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	ws := driftedWorkspace(t, env, "pw-merge-bad")
	gitWorkspace(t, ws)
	const record = "drift/remediation/infra/app.md"
	if err := os.MkdirAll(filepath.Join(ws, "drift", "remediation", "infra"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ws, filepath.FromSlash(record)), []byte("# edited by hand, front matter gone\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gh := githubtest.NewServer(t, githubtest.WithToken("ghs_testtoken"))
	res := runnerRun{t: t, env: env, workspace: ws, event: "push", vars: gitopsVars, apiURL: gh.URL(),
		payload: `{"ref":"refs/heads/main","head_commit":{"added":["` + record + `"]}}`,
		inputs:  map[string]string{"mode": "remediate", "remediation": "apply"}}.run()
	if res.code == 0 {
		t.Errorf("exit 0, want a failure: the approval could not be read")
	}
	if b, _ := os.ReadFile(filepath.Join(ws, "cloud.json")); !strings.Contains(string(b), "pwned") {
		t.Errorf("the drift was applied though no approval could be read")
	}
	if !strings.Contains(res.summary, "mode remediate healed nothing: the merged remediation records could not be read") {
		t.Errorf("the summary does not say why nothing was healed:\n%s", res.summary)
	}
	if !annotated(res.stdout, "error", "no front matter between --- lines") {
		t.Errorf("no error names the bad record:\n%s", res.stdout)
	}
}
