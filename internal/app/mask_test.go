package app

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/github/githubtest"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/report"
	"github.com/myorg/drift-action/internal/tftest"
)

// maskCanary is an instance type masked by path in drift.yaml: unlike a
// value terraform marks sensitive, only the config says it is secret.
const maskCanary = "canary-9f2c1e"

// leakPolicy prints the masked attribute from the input, and the canary
// itself, as a careless custom policy would.
const leakPolicy = `package custom.leak

warn contains sprintf("%s runs %s", [addr, rc.change.after.instance_type]) if {
	some addr, rc in input.resource_drift
}

warn contains sprintf("planned %s", [r.values.instance_type]) if {
	some r in input.raw.planned_values.root_module.resources
	r.type == "fakecloud_instance"
}

warn contains "spelled out: canary-9f2c1e" if { true }
`

const maskConfig = "mask:\n  paths: [instance_type]\npolicy:\n  dirs: [custom]\n"

// maskedWorkspace is a repository whose instance was resized by hand to the
// canary type, with drift.yaml masking instance_type and a custom policy.
func maskedWorkspace(t *testing.T, env *tftest.Env) string {
	t.Helper()
	ws := t.TempDir()
	cloud := tftest.Cloud{Path: filepath.Join(ws, "cloud.json")}
	root := tftest.WriteRoot(t, ws, "infra/app", map[string]string{"main.tf": tftest.FakeCloudProvider(cloud.Path) + webInstance})
	env.Apply(t, root)
	cloud.EditInstance(t, "web", func(i map[string]any) { i["instance_type"] = maskCanary })
	tftest.WriteRoot(t, ws, ".github", map[string]string{"drift.yaml": maskConfig})
	tftest.WriteRoot(t, ws, "custom", map[string]string{"leak.rego": leakPolicy})
	return ws
}

func TestMaskedValueNeverLeaks(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	ws := maskedWorkspace(t, env)
	cfgEnv := func(dir string) func(string) string {
		return func(k string) string {
			return map[string]string{"HOME": dir, "TF_PLUGIN_CACHE_DIR": env.CacheDir}[k]
		}
	}
	outputs := map[string]string{}
	for _, format := range []string{"text", "json", "markdown"} {
		var stdout, stderr bytes.Buffer
		err := Run(context.Background(), []string{"detect", "--format", format}, configEnv(ws, cfgEnv(t.TempDir()), env.Environ), &stdout, &stderr)
		if code := Code(err, &stderr); code != ExitDrift {
			t.Fatalf("detect --format %s: exit %d, want 2\n%s\n%s", format, code, stdout.String(), stderr.String())
		}
		outputs["detect --format "+format] = stdout.String() + stderr.String()
	}
	gh := githubtest.NewServer(t, githubtest.WithToken("ghs_testtoken"))
	res := runnerRun{t: t, env: env, workspace: ws, event: "pull_request", payload: prPayload(9, "acme/infra"), apiURL: gh.URL()}.run()
	if res.code != 0 {
		t.Fatalf("action: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	result, err := os.ReadFile(filepath.Join(ws, ".drift-action", "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	comments := gh.Comments("acme", "infra", 9)
	if len(comments) != 1 {
		t.Fatalf("want one pull request comment, got %d", len(comments))
	}
	outputs["action log"] = res.stdout + res.stderr
	outputs["job summary"] = res.summary
	outputs["result JSON"] = string(result)
	outputs["pull request comment"] = comments[0].Body

	// The policies ran and said what they say, with the value hidden.
	var doc report.Document
	if err := json.Unmarshal(result, &doc); err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, r := range doc.Roots[0].Policy {
		if r.Policy == "custom.leak" {
			msgs = append(msgs, r.Msg)
		}
	}
	want := []string{
		"fakecloud_instance.web runs (sensitive)",
		"planned (sensitive)",
		"spelled out: (sensitive)",
	}
	if diff := cmp.Diff(want, msgs); diff != "" {
		t.Errorf("policy messages (-want +got):\n%s", diff)
	}
	for name, out := range outputs {
		if strings.Contains(out, maskCanary) {
			t.Errorf("%s leaks the value masked by path:\n%s", name, out)
		}
	}
}

func configEnv(cwd string, getenv func(string) string, environ []string) config.Env {
	return config.Env{Getenv: getenv, Environ: environ, Cwd: cwd}
}

// maskedPlanJSON is a plan (terraform show -json) whose instance type is
// the canary, which only drift.yaml's mask.paths says is secret.
const maskedPlanJSON = `{"format_version": "1.2", "terraform_version": "1.11.4",
  "resource_changes": [
    {"address": "aws_instance.app", "mode": "managed", "type": "aws_instance", "name": "app",
     "change": {"actions": ["update"], "before": {"instance_type": "t3.micro"}, "after": {"instance_type": "canary-9f2c1e"},
       "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {}}}],
  "configuration": {"root_module": {"resources": [
    {"address": "aws_instance.app", "expressions": {"instance_type": {"constant_value": "canary-9f2c1e"}}}]}}}`

func TestPolicyCheckHonoursMasks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
		args  []string
	}{
		{name: "drift.yaml in the repository root", files: map[string]string{".git/HEAD": "", ".github/drift.yaml": maskConfig}},
		{name: "--config FILE", files: map[string]string{"conf/d.yaml": maskConfig}, args: []string{"--config", "conf/d.yaml"}},
		{name: "value masks", files: map[string]string{".git/HEAD": "", ".github/drift.yaml": "mask:\n  values: ['canary-[0-9a-f]+']\npolicy:\n  dirs: [custom]\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := cli{t: t, dir: t.TempDir()}
			c.write("plan.json", maskedPlanJSON)
			c.write("custom/leak.rego", `package custom.leak

warn contains sprintf("%s becomes %s", [addr, rc.change.after.instance_type]) if {
	some addr, rc in input.resource_changes
}

warn contains sprintf("configured %s", [r.expressions.instance_type.constant_value]) if {
	some r in input.raw.configuration.root_module.resources
}

warn contains "spelled out: canary-9f2c1e" if { true }
`)
			for name, content := range tt.files {
				c.write(name, content)
			}
			for _, format := range []string{"text", "json"} {
				code, stdout, stderr := c.run(append([]string{"policy", "check", "--plan", "plan.json", "--format", format}, tt.args...)...)
				if code != 0 {
					t.Fatalf("--format %s: exit %d, want 0\n%s\n%s", format, code, stdout, stderr)
				}
				if strings.Contains(stdout+stderr, maskCanary) {
					t.Errorf("--format %s leaks the masked value:\n%s%s", format, stdout, stderr)
				}
				// The bundled policies ran beside the custom one.
				for _, w := range []string{"aws_instance.app becomes (sensitive)", "configured (sensitive)", "spelled out: (sensitive)", "terraform.drift"} {
					if !strings.Contains(stdout, w) {
						t.Errorf("--format %s lacks %q:\n%s", format, w, stdout)
					}
				}
			}
		})
	}
}

// policyLine is what identifies a policy result across runs.
type policyLine struct{ Policy, Rule, Resource, Msg string }

func policyLines(rs []policy.Result) []policyLine {
	out := []policyLine{}
	for _, r := range rs {
		out = append(out, policyLine{r.Policy, r.Rule, r.Resource, r.Msg})
	}
	return out
}

func TestPolicySetSameInCLIAndAction(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	tests := []struct {
		name        string
		config      string
		wantBundled bool
	}{
		{name: "policy.dirs beside the bundled policies", config: "policy:\n  dirs: [custom]\n", wantBundled: true},
		{name: "policy.bundled: false replaces them", config: "policy:\n  dirs: [custom]\n  bundled: false\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ws := t.TempDir()
			cloud := tftest.Cloud{Path: filepath.Join(ws, "cloud.json")}
			root := tftest.WriteRoot(t, ws, "infra/app", map[string]string{"main.tf": tftest.FakeCloudProvider(cloud.Path) + webInstance})
			env.Apply(t, root)
			cloud.EditInstance(t, "web", func(i map[string]any) { i["tags"].(map[string]any)["team"] = "ops" })
			tftest.WriteRoot(t, ws, ".github", map[string]string{"drift.yaml": tt.config})
			tftest.WriteRoot(t, ws, "custom", map[string]string{"mine.rego": "package custom.mine\n\nwarn contains sprintf(\"%s drifted\", [a]) if { some a in input.drift.drifted }\n"})

			var stdout, stderr bytes.Buffer
			home := t.TempDir()
			err := Run(context.Background(), []string{"detect", "--format", "json"}, configEnv(ws, func(k string) string {
				return map[string]string{"HOME": home, "TF_PLUGIN_CACHE_DIR": env.CacheDir}[k]
			}, env.Environ), &stdout, &stderr)
			if code := Code(err, &stderr); code != ExitDrift {
				t.Fatalf("CLI: exit %d\n%s", code, stderr.String())
			}
			var cliDoc report.Document
			if err := json.Unmarshal(stdout.Bytes(), &cliDoc); err != nil {
				t.Fatal(err)
			}
			res := runnerRun{t: t, env: env, workspace: ws, event: "schedule"}.run()
			if res.code != 0 {
				t.Fatalf("action: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
			}
			data, err := os.ReadFile(filepath.Join(ws, ".drift-action", "result.json"))
			if err != nil {
				t.Fatal(err)
			}
			var actionDoc report.Document
			if err := json.Unmarshal(data, &actionDoc); err != nil {
				t.Fatal(err)
			}
			cli, action := policyLines(cliDoc.Roots[0].Policy), policyLines(actionDoc.Roots[0].Policy)
			if diff := cmp.Diff(cli, action); diff != "" {
				t.Errorf("policy results, CLI (-) and action (+):\n%s", diff)
			}
			var bundled, custom bool
			for _, l := range cli {
				bundled = bundled || strings.HasPrefix(l.Policy, "terraform.")
				custom = custom || l.Policy == "custom.mine"
			}
			if bundled != tt.wantBundled || !custom {
				t.Errorf("bundled policies ran: %t, want %t; custom ran: %t\n%+v", bundled, tt.wantBundled, custom, cli)
			}
		})
	}
}
