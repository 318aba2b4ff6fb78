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
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/report"
	"github.com/myorg/drift-action/internal/tftest"
)

// openIngressPlan is `terraform show -json` of a plan that opens SSH to the
// internet and upsizes an instance; its sensitive value is a canary.
const openIngressPlan = `{
  "format_version": "1.2", "terraform_version": "1.11.4",
  "resource_changes": [
    {"address": "aws_security_group.bastion", "mode": "managed", "type": "aws_security_group", "name": "bastion",
     "provider_name": "registry.terraform.io/hashicorp/aws",
     "change": {"actions": ["update"],
       "before": {"ingress": [{"cidr_blocks": ["10.0.0.0/8"], "ipv6_cidr_blocks": [], "from_port": 22, "to_port": 22, "protocol": "tcp"}]},
       "after":  {"ingress": [{"cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": [], "from_port": 22, "to_port": 22, "protocol": "tcp"}]},
       "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {}}},
    {"address": "aws_instance.app", "mode": "managed", "type": "aws_instance", "name": "app",
     "provider_name": "registry.terraform.io/hashicorp/aws",
     "change": {"actions": ["update"],
       "before": {"instance_type": "t3.micro", "user_data": "CANARY-policy-0xfeed"},
       "after":  {"instance_type": "m5.large", "user_data": "CANARY-policy-0xfeed"},
       "after_unknown": {}, "before_sensitive": {"user_data": true}, "after_sensitive": {"user_data": true}}}
  ]
}`

const cleanPlan = `{"format_version": "1.2", "terraform_version": "1.11.4", "resource_changes": [
  {"address": "terraform_data.x", "mode": "managed", "type": "terraform_data", "name": "x",
   "change": {"actions": ["no-op"], "before": {"input": 1}, "after": {"input": 1}, "after_unknown": {}}}]}`

type cli struct {
	t   *testing.T
	dir string
}

func (c cli) run(args ...string) (int, string, string) {
	c.t.Helper()
	var stdout, stderr bytes.Buffer
	gk := gatekeeperBin(c.t)
	env := config.Env{Getenv: func(k string) string {
		if k == "DRIFT_ACTION_GATEKEEPER" {
			return gk
		}
		return ""
	}, Cwd: c.dir}
	err := Run(context.Background(), args, env, &stdout, &stderr)
	return Code(err, &stderr), stdout.String(), stderr.String()
}

func (c cli) write(name, content string) {
	c.t.Helper()
	p := filepath.Join(c.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		c.t.Fatal(err)
	}
}

func TestPolicyCheck(t *testing.T) {
	t.Parallel()
	c := cli{t: t, dir: t.TempDir()}
	c.write("open.json", openIngressPlan)
	c.write("clean.json", cleanPlan)
	c.write("notaplan.json", `{"hello": "world"}`)
	c.write("broken.json", `{"format_version": "1.2", "resource_changes": [`)
	c.write("bad/p.rego", "package bad\n\ndeny contains msg if {\n  msg := [\n}\n")
	c.write("mine/p.rego", "package mine\n\ndeny contains {\"msg\": \"no changes allowed\", \"severity\": \"low\"} if { count(input.resource_changes) > 0 }\n")
	c.write("mine/policy-set.yaml", "version: 1\npolicies:\n  - {name: mine, level: soft-mandatory}\n")

	tests := []struct {
		name     string
		args     []string
		wantCode int
		check    func(t *testing.T, stdout, stderr string)
	}{
		{
			name: "bundled policies fail a mandatory rule", wantCode: ExitPolicy,
			args: []string{"policy", "check", "--plan", "open.json", "--format", "json"},
			check: func(t *testing.T, stdout, _ string) {
				var doc checkDoc
				if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
					t.Fatalf("json: %v\n%s", err, stdout)
				}
				got := map[string]policy.Result{}
				for _, r := range doc.Results {
					got[r.Policy+"."+r.Rule] = policy.Result{Level: r.Level, Severity: r.Severity, Resource: r.Resource, Failed: r.Failed}
				}
				want := map[string]policy.Result{
					"terraform.security.network.deny_open_ingress": {Level: policy.HardMandatory, Severity: "critical", Resource: "aws_security_group.bastion", Failed: true},
					"terraform.cost.deny_instance_upgrade":         {Level: policy.SoftMandatory, Severity: "high", Resource: "aws_instance.app", Failed: true},
				}
				for k, w := range want {
					if diff := cmp.Diff(w, got[k]); diff != "" {
						t.Errorf("%s (-want +got):\n%s", k, diff)
					}
				}
				if !doc.Summary.Mandatory || doc.Summary.Failed < 2 {
					t.Errorf("summary %+v, want mandatory failures", doc.Summary)
				}
				for _, r := range doc.Results {
					if r.Msg == "" || r.Severity == "" || r.Level == "" {
						t.Errorf("incomplete result %+v", r)
					}
				}
			},
		},
		{
			name: "override soft-mandatory; hard-mandatory still fails", wantCode: ExitPolicy,
			args: []string{"policy", "check", "--plan", "open.json", "--format", "json", "--override", "terraform.cost"},
			check: func(t *testing.T, stdout, _ string) {
				var doc checkDoc
				json.Unmarshal([]byte(stdout), &doc)
				for _, r := range doc.Results {
					if r.Policy == "terraform.cost" && r.Kind == "deny" && (!r.Overridden || r.Failed) {
						t.Errorf("cost deny should be recorded as overridden, not failed: %+v", r)
					}
				}
				if doc.Summary.Overridden == 0 {
					t.Errorf("summary %+v records no override", doc.Summary)
				}
			},
		},
		{name: "clean plan passes", args: []string{"policy", "check", "--plan", "clean.json"}, wantCode: 0},
		{
			name: "text output", wantCode: ExitPolicy,
			args: []string{"policy", "check", "--plan", "open.json"},
			check: func(t *testing.T, stdout, _ string) {
				for _, w := range []string{"failed     [hard-mandatory]", "[hard-mandatory] terraform.security.network.deny_open_ingress (critical)", "a mandatory policy failed"} {
					if !strings.Contains(stdout, w) {
						t.Errorf("text output lacks %q:\n%s", w, stdout)
					}
				}
			},
		},
		{
			name: "own policies replace the bundled ones, with their level", wantCode: ExitPolicy,
			args: []string{"policy", "check", "--plan", "open.json", "--policy", "mine", "--format", "json"},
			check: func(t *testing.T, stdout, _ string) {
				var doc checkDoc
				json.Unmarshal([]byte(stdout), &doc)
				want := []policy.Result{{Policy: "mine", Rule: "deny", Kind: "deny", Level: policy.SoftMandatory, Severity: "low", Msg: "no changes allowed", Failed: true}}
				if diff := cmp.Diff(want, doc.Results); diff != "" {
					t.Errorf("results (-want +got):\n%s", diff)
				}
			},
		},
		{
			name: "policy that does not parse fails closed with file:line:col", wantCode: ExitError,
			args: []string{"policy", "check", "--plan", "clean.json", "--policy", "bad"},
			check: func(t *testing.T, _, stderr string) {
				if !strings.Contains(stderr, "bad/p.rego:5:1: rego_parse_error") {
					t.Errorf("stderr lacks the location: %s", stderr)
				}
			},
		},
		{name: "missing --plan", args: []string{"policy", "check"}, wantCode: ExitError,
			check: func(t *testing.T, _, stderr string) { mustContain(t, stderr, "--plan FILE is required") }},
		{name: "plan file missing", args: []string{"policy", "check", "--plan", "nope.json"}, wantCode: ExitError,
			check: func(t *testing.T, _, stderr string) { mustContain(t, stderr, "nope.json") }},
		{name: "not a plan", args: []string{"policy", "check", "--plan", "notaplan.json"}, wantCode: ExitError,
			check: func(t *testing.T, _, stderr string) {
				mustContain(t, stderr, "notaplan.json: not a terraform plan: format_version: missing")
			}},
		{name: "truncated JSON", args: []string{"policy", "check", "--plan", "broken.json"}, wantCode: ExitError,
			check: func(t *testing.T, _, stderr string) { mustContain(t, stderr, "broken.json: invalid JSON at line 1") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := c.run(tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, stdout, stderr)
			}
			if strings.Contains(stdout+stderr, "CANARY") {
				t.Errorf("a sensitive value reached the output:\n%s%s", stdout, stderr)
			}
			if tt.check != nil {
				tt.check(t, stdout, stderr)
			}
		})
	}
}

func mustContain(t *testing.T, s, want string) {
	t.Helper()
	if !strings.Contains(s, want) {
		t.Errorf("%q does not contain %q", s, want)
	}
}

func TestPolicyTestCommand(t *testing.T) {
	tftest.Long(t) // compiles and runs every bundled policy test or the companion binary
	t.Parallel()
	c := cli{t: t, dir: t.TempDir()}
	c.write("p/p.rego", "package p\n\ndeny contains \"x\" if { input.x }\n")
	c.write("p/p_test.rego", "package p_test\n\nimport data.p\n\ntest_denies if { p.deny == {\"x\"} with input as {\"x\": true} }\n\ntest_wrong if { p.deny == set() with input as {\"x\": true} }\n")
	code, stdout, _ := c.run("policy", "test")
	if code != 0 || !strings.Contains(stdout, " 0 failed") {
		t.Errorf("bundled policy tests: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = c.run("policy", "test", "p")
	if code != ExitError {
		t.Errorf("failing test: exit %d, want 1", code)
	}
	mustContain(t, stdout, "FAIL")
	mustContain(t, stdout, "p_test.rego:7 data.p_test.test_wrong")
	mustContain(t, stdout, "1 passed, 1 failed")
}

func TestGatekeeperVerifyBundledSuite(t *testing.T) {
	tftest.Long(t) // compiles and runs every bundled policy test or the companion binary
	t.Parallel()
	repo := repoRoot()
	c := cli{t: t, dir: repo}
	code, stdout, stderr := c.run("gatekeeper", "verify", "policies/gatekeeper")
	if code != 0 {
		t.Fatalf("the bundled suite must pass: exit %d\n%s\n%s", code, stdout, stderr)
	}
	mustContain(t, stdout, "ok")
}

func TestDetectPolicyCostDrift(t *testing.T) {
	s := newScenario(t)
	root, cloud := s.cloudRoot("app", webInstance)
	s.env.Apply(t, root)
	cloud.EditInstance(t, "web", func(i map[string]any) { i["instance_type"] = "huge" })

	doc, code, _ := s.detect("app")
	if code != ExitPolicy {
		t.Fatalf("an out-of-band upsize fails the soft-mandatory cost policy: exit %d, want 3", code)
	}
	r := doc.Roots[0]
	var found bool
	for _, p := range r.Policy {
		if p.Policy == "terraform.cost" && p.Rule == "deny_instance_upgrade" && p.Resource == "fakecloud_instance.web" && p.Failed {
			found = true
		}
	}
	if !found || doc.Policy == nil || !doc.Policy.Mandatory {
		t.Fatalf("want a failed terraform.cost.deny_instance_upgrade on fakecloud_instance.web, got %+v / %+v", r.Policy, doc.Policy)
	}
	// Overridden for this run: recorded, and the exit falls back to drift.
	doc, code, _ = s.detect("--override", "terraform.cost", "app")
	if code != ExitDrift {
		t.Errorf("with the override: exit %d, want 2", code)
	}
	if doc.Policy.Overridden == 0 || doc.Policy.Mandatory {
		t.Errorf("override not recorded: %+v", doc.Policy)
	}
	if doc.Roots[0].Status != drift.StatusDrifted {
		t.Errorf("status %s, want drifted", doc.Roots[0].Status)
	}
	// The terminal and markdown renderings show it too.
	for _, format := range []string{"text", "markdown"} {
		var out, errOut bytes.Buffer
		Run(context.Background(), []string{"detect", "--format", format, "app"}, s.cfgEnv(), &out, &errOut)
		mustContain(t, out.String(), "terraform.cost.deny_instance_upgrade")
	}
}

func TestDetectManifestsWithGatekeeper(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	repo := repoRoot()
	dir := t.TempDir()
	tftest.WriteRoot(t, dir, "app", map[string]string{"main.tf": `resource "terraform_data" "x" { input = 1 }` + "\n"})
	env.Apply(t, filepath.Join(dir, "app"))
	gk := filepath.Join(repo, "policies", "gatekeeper")
	var stdout, stderr bytes.Buffer
	err := Run(context.Background(), []string{"detect", "--format", "json",
		"--manifests", filepath.Join(gk, "*.yaml"), "--manifests", filepath.Join(gk, "samples", "disallowed.yaml"), "app"},
		config.Env{Getenv: func(k string) string {
			return map[string]string{"DRIFT_ACTION_GATEKEEPER": gatekeeperBin(t), "TF_PLUGIN_CACHE_DIR": env.CacheDir}[k]
		}, Environ: env.Environ, Cwd: dir}, &stdout, &stderr)
	if code := Code(err, &stderr); code != ExitPolicy {
		t.Fatalf("a privileged pod fails the mandatory Gatekeeper constraint: exit %d, want 3\n%s", code, stderr.String())
	}
	var doc report.Document
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Manifests) == 0 {
		t.Fatalf("no Gatekeeper verdicts in the result")
	}
	m := doc.Manifests[0]
	if m.Policy != "gatekeeper.k8snoprivileged" || !m.Failed || m.Level != policy.HardMandatory || m.Severity != "critical" || !strings.Contains(m.Resource, "disallowed.yaml") {
		t.Errorf("verdict %+v", m)
	}
}

// A broken Gatekeeper template or constraint fails the run before any
// terraform runs, like a broken Rego policy.
func TestDetectBrokenGatekeeperFailsBeforePlanning(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	gkdata := filepath.Join(repoRoot(), "internal", "gatekeeper", "testdata", "bad")
	for _, bad := range []string{"bad-rego-template.yaml", "bad-schema-constraint.yaml", "orphan-constraint.yaml"} {
		t.Run(bad, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			tftest.WriteRoot(t, dir, "app", map[string]string{"main.tf": `resource "terraform_data" "x" { input = 1 }`})
			var stdout, stderr bytes.Buffer
			err := Run(context.Background(), []string{"detect", "--manifests", filepath.Join(gkdata, bad), "app"},
				config.Env{Getenv: func(k string) string {
					return map[string]string{"DRIFT_ACTION_GATEKEEPER": gatekeeperBin(t), "TF_PLUGIN_CACHE_DIR": env.CacheDir}[k]
				}, Environ: env.Environ, Cwd: dir}, &stdout, &stderr)
			if code := Code(err, &stderr); code != ExitError {
				t.Fatalf("exit %d, want 1\n%s", code, stderr.String())
			}
			mustContain(t, stderr.String(), "gatekeeper (checked before planning")
			if _, statErr := os.Stat(filepath.Join(dir, "app", ".terraform")); statErr == nil {
				t.Errorf("terraform ran although the Gatekeeper templates could not be used")
			}
		})
	}
}

func TestDetectBrokenPolicyFailsBeforePlanning(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	dir := t.TempDir()
	tftest.WriteRoot(t, dir, "app", map[string]string{"main.tf": `resource "terraform_data" "x" { input = 1 }`})
	tftest.WriteRoot(t, dir, "pol", map[string]string{"p.rego": "package p\n\ndeny contains msg if { msg := undefined_function(1) }\n"})
	var stdout, stderr bytes.Buffer
	err := Run(context.Background(), []string{"detect", "--policy", "pol", "app"},
		config.Env{Getenv: func(string) string { return "" }, Environ: env.Environ, Cwd: dir}, &stdout, &stderr)
	if code := Code(err, &stderr); code != ExitError {
		t.Fatalf("exit %d, want 1", code)
	}
	mustContain(t, stderr.String(), "pol/p.rego:3:")
	if _, statErr := os.Stat(filepath.Join(dir, "app", ".terraform")); statErr == nil {
		t.Errorf("terraform ran although the policies could not compile")
	}
}

// A deny in a user's policy directory that no policy set names fails the
// run, as conftest's deny does, beside the bundled policies (whose own
// set's default-level, advisory, is theirs alone); the directory's own
// policy-set.yaml may say otherwise.
func TestUserDenyWithoutPolicySetFails(t *testing.T) {
	t.Parallel()
	c := cli{t: t, dir: t.TempDir()}
	c.write("clean.json", cleanPlan)
	c.write("drift.yaml", "version: 1\npolicy:\n  dirs: [custom]\n")
	c.write("custom/p.rego", "package custom.tags\n\ndeny contains \"every resource needs an owner tag\" if { true }\n")
	c.write("advised/p.rego", "package advised\n\ndeny contains \"consider an owner tag\" if { true }\n")
	c.write("advised/policy-set.yaml", "version: 1\ndefault-level: advisory\n")
	tests := []struct {
		name      string
		args      []string
		wantCode  int
		wantLevel policy.Level
	}{
		{"beside the bundled policies", []string{"--config", "drift.yaml"}, ExitPolicy, policy.HardMandatory},
		{"alone", []string{"--policy", "custom"}, ExitPolicy, policy.HardMandatory},
		{"its directory's policy set makes it advisory", []string{"--policy", "advised", "--bundled"}, 0, policy.Advisory},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := c.run(append([]string{"policy", "check", "--plan", "clean.json", "--format", "json"}, tt.args...)...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.wantCode, stdout, stderr)
			}
			var doc checkDoc
			if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
				t.Fatalf("json: %v\n%s", err, stdout)
			}
			var levels []policy.Level
			for _, r := range doc.Results {
				if r.Policy == "custom.tags" || r.Policy == "advised" {
					levels = append(levels, r.Level)
				}
			}
			if diff := cmp.Diff([]policy.Level{tt.wantLevel}, levels); diff != "" {
				t.Errorf("the user policy's level (-want +got):\n%s", diff)
			}
		})
	}
}

// `policy test` says each policy's level and why, before the tests.
func TestPolicyTestPrintsLevels(t *testing.T) {
	t.Parallel()
	c := cli{t: t, dir: t.TempDir()}
	c.write("p/p.rego", "package p\n\ndeny contains \"x\" if { input.x }\n")
	c.write("p/p_test.rego", "package p_test\n\nimport data.p\n\ntest_denies if { p.deny == {\"x\"} with input as {\"x\": true} }\n")
	c.write("q/q.rego", "package q\n\nwarn contains \"y\" if { input.y }\n\ndeny_big contains \"z\" if { input.z }\n")
	c.write("q/policy-set.yaml", "version: 1\ndefault-level: advisory\npolicies:\n  - {name: q, level: soft-mandatory}\n")
	c.write("r/r.rego", "package r\n\ndeny contains \"r\" if { input.r }\n")
	c.write("r/policy-set.yaml", "version: 1\ndefault-level: advisory\n")
	code, stdout, stderr := c.run("policy", "test", "p", "q", "r")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	var got []string
	for _, l := range strings.Split(stdout, "\n") {
		if f := strings.Fields(l); len(f) >= 2 && (f[1] == "p" || f[1] == "q" || f[1] == "r") {
			got = append(got, strings.Join(f, " "))
		}
	}
	want := []string{
		"hard-mandatory p no policy set names it: a deny fails the run, as in conftest",
		"soft-mandatory q " + filepath.Join(c.dir, "q", "policy-set.yaml") + ":4",
		"advisory r default-level of " + filepath.Join(c.dir, "r", "policy-set.yaml"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("levels (-want +got):\n%s\n%s", diff, stdout)
	}
	mustContain(t, stdout, "1 passed, 0 failed")
}
