package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/github/githubtest"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/report"
	"github.com/myorg/drift-action/internal/tftest"
)

// costDeny is the overridden cost deny of a document, or fails the test.
func costDeny(t *testing.T, doc report.Document) policy.Result {
	t.Helper()
	for _, r := range doc.Roots[0].Policy {
		if r.Policy == "terraform.cost" && r.Rule == "deny_instance_upgrade" {
			return r
		}
	}
	t.Fatalf("no terraform.cost.deny_instance_upgrade in %+v", doc.Roots[0].Policy)
	return policy.Result{}
}

// labeledPayload is a pull_request `labeled` event: alice added the cost
// override; the other override label was there before.
const labeledPayload = `{"action": "labeled", "number": 5, "label": {"name": "drift-override:terraform.cost"}, "sender": {"login": "alice"},
  "pull_request": {"number": 5, "title": "resize", "head": {"ref": "f", "repo": {"full_name": "acme/infra"}}, "base": {"repo": {"full_name": "acme/infra"}},
    "labels": [{"name": "drift-override:terraform.cost"}, {"name": "drift-override:terraform.c*"}]}}`

func TestOverridesRecordedWithSource(t *testing.T) {
	s := newScenario(t)
	root, cloud := s.cloudRoot("app", webInstance)
	s.env.Apply(t, root)
	cloud.EditInstance(t, "web", func(i map[string]any) { i["instance_type"] = "huge" })
	tftest.WriteRoot(t, s.dir, ".github", map[string]string{"drift.yaml": "policy:\n  overrides: [terraform.cost]\n"})

	doc, code, stderr := s.detect("--override", "terraform.*st", "app")
	if code != ExitDrift {
		t.Fatalf("CLI: exit %d, want 2 (the cost deny is overridden)\n%s", code, stderr)
	}
	cliWant := []policy.Override{{Name: "terraform.*st", Source: "flag"}, {Name: "terraform.cost", Source: "config"}}
	if diff := cmp.Diff(cliWant, costDeny(t, doc).OverriddenBy); diff != "" {
		t.Errorf("CLI overridden_by (-want +got):\n%s", diff)
	}

	gh := githubtest.NewServer(t, githubtest.WithToken("ghs_testtoken"))
	res := runnerRun{t: t, env: s.env, workspace: s.dir, event: "pull_request", payload: labeledPayload, apiURL: gh.URL(),
		inputs: map[string]string{"policy-overrides": "terraform.cost"}}.run()
	if res.code != 0 {
		t.Fatalf("action: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	data, err := os.ReadFile(filepath.Join(s.dir, ".drift-action", "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	var adoc report.Document
	if err := json.Unmarshal(data, &adoc); err != nil {
		t.Fatal(err)
	}
	actionWant := []policy.Override{
		{Name: "terraform.cost", Source: "config"},
		{Name: "terraform.cost", Source: "input"},
		{Name: "terraform.cost", Source: "label", By: "alice"},
		{Name: "terraform.c*", Source: "label", By: "(unknown)"},
	}
	if diff := cmp.Diff(actionWant, costDeny(t, adoc).OverriddenBy); diff != "" {
		t.Errorf("action overridden_by (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(data), `"overridden_by": [`) {
		t.Errorf("result JSON does not record overridden_by:\n%s", data)
	}
}

func TestOverrideErrors(t *testing.T) {
	t.Parallel()
	const policies = "terraform.cost (soft-mandatory), terraform.drift (advisory), terraform.security.kubernetes (hard-mandatory)"
	tests := []struct {
		name   string
		config string
		args   []string // CLI; nil: the action, with inputs
		inputs map[string]string
		label  string
		want   []string
	}{
		{name: "flag naming no policy", args: []string{"detect", "--override", "terraform.costs", "app"},
			want: []string{"override \"terraform.costs\" (flag) names no loaded policy", "terraform.cost (soft-mandatory)"}},
		{name: "flag naming a hard-mandatory policy", args: []string{"detect", "--override", "terraform.security.network", "app"},
			want: []string{"override \"terraform.security.network\" (flag) names hard-mandatory terraform.security.network", "terraform.security.storage (hard-mandatory)"}},
		{name: "glob matching no policy", args: []string{"policy", "check", "--plan", "plan.json", "--override", "aws.*"},
			want: []string{"override \"aws.*\" (flag) names no loaded policy"}},
		{name: "config naming no policy", config: "policy:\n  overrides: [cost]\n", args: []string{"policy", "check", "--plan", "plan.json"},
			want: []string{"override \"cost\" (config) names no loaded policy"}},
		{name: "input naming no policy", inputs: map[string]string{"policy-overrides": "terraform.budget"},
			want: []string{"override \"terraform.budget\" (input) names no loaded policy"}},
		{name: "label glob reaching hard-mandatory", label: "drift-override:terraform.s*",
			want: []string{"override \"terraform.s*\" (label by \"(unknown)\") names hard-mandatory terraform.security.kubernetes, terraform.security.network, terraform.security.storage"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			c := cli{t: t, dir: dir}
			c.write("plan.json", cleanPlan)
			c.write("app/main.tf", "") // never planned: overrides are checked first
			if tt.config != "" {
				c.write(".github/drift.yaml", tt.config)
			}
			var out string
			var code int
			if tt.args != nil {
				var stdout, stderr string
				code, stdout, stderr = c.run(tt.args...)
				out = stdout + stderr
			} else {
				payload := `{"pull_request": {"number": 3, "head": {"repo": {"full_name": "acme/infra"}}, "base": {"repo": {"full_name": "acme/infra"}}, "labels": [{"name": "` + tt.label + `"}]}}`
				res := runnerRun{t: t, workspace: dir, event: "pull_request", payload: payload, inputs: tt.inputs}.run()
				code, out = res.code, res.stdout+res.stderr
			}
			if code != ExitError {
				t.Errorf("exit %d, want %d\n%s", code, ExitError, out)
			}
			for _, w := range append(tt.want, "the policies are: "+policies) {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}
