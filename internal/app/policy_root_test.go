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
	"github.com/myorg/drift-action/internal/execfile"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/report"
	"github.com/myorg/drift-action/internal/tftest"
)

// rootsDriftYAML gives infra/app an ignore rule and a snooze, and
// infra/regions two targets, eu's with a sensitive value; the team's
// policies are soft-mandatory.
const rootsDriftYAML = `version: 1
roots:
  - dir: infra/app
    ignore:
      - {type: fakecloud_instance, paths: [tags]}
  - dir: infra/regions
    targets:
      - {name: eu, vars: {region: eu, token: {value: "${EU_TOKEN}", sensitive: true}}}
      - {name: us, vars: {region: us, token: us-token-not-secret}}
snooze:
  - {root: infra/app, address: fakecloud_instance.db, until: 2999-01-01, reason: resize under test}
policy:
  dirs: [policies/team]
  levels:
    - {name: team.drift, level: soft-mandatory}
`

// teamPolicy judges the verdict and the context (input.drift, input.context),
// which drift.yaml's settings for the root decide, and quotes a variable the
// config masks.
const teamPolicy = `package team.drift

# Every resource the verdict holds drifted, named with the context seen.
deny_drifted contains {"msg": sprintf("%s drifted in %s (%s)", [a, input.context.root, input.context.target]), "resource": a} if {
	some a in input.drift.drifted
}

# Drift in eu is expected: a waiver for that root and target alone.
exception contains "drifted" if {
	input.context.root == "infra/regions"
	input.context.target == "eu"
}

warn_snoozed contains sprintf("%s snoozed", [a]) if some a in input.drift.snoozed

warn_token contains sprintf("token %s", [input.variables.token.value]) if input.variables.token
`

const euToken = "CANARY-eu-token-0xbeef"

func instance(name string) string {
	return `
resource "fakecloud_instance" "` + name + `" {
  name          = "` + name + `"
  instance_type = "small"
  tags          = { env = "prod" }
  password      = "initial-canary-0000"
  disk {
    size = 10
    type = "ssd"
  }
}
`
}

// savingTerraform is terraform whose `show` also saves the plan JSON it
// prints into dir: the very bytes detect judged.
func savingTerraform(t *testing.T, env *tftest.Env, dir string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "terraform")
	body := "#!/bin/sh\nTERRAFORM='" + env.Terraform + "'\n" +
		"if [ \"$1\" = show ]; then\n" +
		"  for last; do :; done\n" +
		"  out='" + dir + "'/$(basename \"$last\").json\n" +
		"  \"$TERRAFORM\" \"$@\" >\"$out\" || exit $?\n" +
		"  exec cat \"$out\"\n" +
		"fi\nexec \"$TERRAFORM\" \"$@\"\n"
	if err := execfile.Write(p, []byte(body)); err != nil {
		t.Fatal(err)
	}
	return p
}

// savedPlans are the plan JSON files detect printed, by the root and
// target each plan is of, told apart by their content.
func savedPlans(t *testing.T, dir string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var p struct {
			Variables map[string]struct{ Value any } `json:"variables"`
		}
		if err := json.Unmarshal(data, &p); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		key := "infra/app default"
		if r, ok := p.Variables["region"]; ok {
			key = "infra/regions " + r.Value.(string)
		}
		out[key] = f
	}
	return out
}

// The same plan gets the same verdict from detect and from policy check:
// drift.yaml's ignore rules, snoozes, masks from target settings, levels,
// and the root and target policies see (a waiver keyed on them) all apply
// alike, whether the root is named (--root, --target) or inferred from
// where the plan file is.
func TestPolicyCheckAgreesWithDetect(t *testing.T) {
	s := newScenario(t)
	tftest.WriteRoot(t, s.dir, ".github", map[string]string{"drift.yaml": rootsDriftYAML})
	tftest.WriteRoot(t, s.dir, "policies/team", map[string]string{"p.rego": teamPolicy})
	app, appCloud := s.cloudRoot("infra/app", instance("web")+instance("db"))
	regions, regionsCloud := s.cloudRoot("infra/regions", `
variable "region" { type = string }
variable "token" { type = string }
`+strings.Replace(instance("node"), `{ env = "prod" }`, `{ env = "prod", region = var.region, token = var.token }`, 1))
	s.env.Apply(t, app)
	s.env.Run(t, regions, "init", "-input=false")
	s.env.Run(t, regions, "apply", "-auto-approve", "-input=false", "-var", "region=eu", "-var", "token="+euToken)
	// web's drift is in tags alone, which infra/app ignores; db's resize
	// is snoozed; node's resize is drift in both targets (us also has code
	// changes), waived in eu.
	appCloud.EditInstance(t, "web", func(i map[string]any) { i["tags"] = map[string]any{"env": "prod", "owner": "someone"} })
	appCloud.EditInstance(t, "db", func(i map[string]any) { i["instance_type"] = "large" })
	regionsCloud.EditInstance(t, "node", func(i map[string]any) { i["instance_type"] = "large" })

	saved := t.TempDir()
	env := s.cfgEnv()
	env.Environ = append(append([]string{}, env.Environ...), "EU_TOKEN="+euToken)
	var stdout, stderr bytes.Buffer
	err := Run(context.Background(), []string{"detect", "--format", "json", "--terraform", savingTerraform(t, s.env, saved)}, env, &stdout, &stderr)
	code := Code(err, &stderr)
	var doc report.Document
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatalf("detect printed no JSON document (exit %d): %v\n%s", code, err, stderr.String())
	}
	detected := map[string][]policy.Result{}
	for _, r := range doc.Roots {
		if r.Error != "" {
			t.Fatalf("detect: %s (%s): %s", r.Dir, r.Target, r.Error)
		}
		detected[r.Dir+" "+r.Target] = r.Policy
	}
	plans := savedPlans(t, saved)
	// The app plan is checked from the root's own directory, where a user
	// would write it, with nothing to say which root it is.
	inApp := filepath.Join(app, "plan.json")
	data, err := os.ReadFile(plans["infra/app default"])
	if err != nil {
		t.Fatalf("detect printed no plan of infra/app (%v); plans: %v", err, plans)
	}
	if err := os.WriteFile(inApp, data, 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, key string
		args      []string
		wantNote  string
	}{
		{name: "root inferred from the plan's directory", key: "infra/app default",
			args: []string{"--plan", "infra/app/plan.json"}, wantNote: "settings of root infra/app (target default)"},
		{name: "root named", key: "infra/app default",
			args: []string{"--plan", plans["infra/app default"], "--root", "infra/app"}},
		{name: "target eu named", key: "infra/regions eu",
			args: []string{"--plan", plans["infra/regions eu"], "--root", "infra/regions", "--target", "eu"}},
		{name: "target us named", key: "infra/regions us",
			args: []string{"--plan", plans["infra/regions us"], "--root", "./infra/regions/", "--target", "us"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want, ok := detected[tt.key]
			if !ok || len(want) == 0 {
				t.Fatalf("detect has no policy results for %s: %+v", tt.key, detected)
			}
			var stdout, stderr bytes.Buffer
			err := Run(context.Background(), append([]string{"policy", "check", "--format", "json"}, tt.args...), env, &stdout, &stderr)
			code := Code(err, &stderr)
			var got checkDoc
			if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
				t.Fatalf("policy check printed no JSON (exit %d): %v\n%s", code, err, stderr.String())
			}
			if diff := cmp.Diff(want, got.Results); diff != "" {
				t.Errorf("policy results (-detect +policy check):\n%s", diff)
			}
			if diff := cmp.Diff(policy.Summarize(want), got.Summary); diff != "" {
				t.Errorf("summary (-detect +policy check):\n%s", diff)
			}
			if wantCode := map[bool]int{true: ExitPolicy, false: 0}[policy.Summarize(want).Mandatory]; code != wantCode {
				t.Errorf("exit %d, want %d\n%s", code, wantCode, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.wantNote) {
				t.Errorf("stderr %q does not say %q", stderr.String(), tt.wantNote)
			}
			if strings.Contains(stdout.String()+stderr.String(), euToken) {
				t.Errorf("the sensitive target value reached the output:\n%s%s", stdout.String(), stderr.String())
			}
		})
	}

	// What the settings did, so the agreement above is not on a verdict
	// they left alone: web's ignored tags are no finding, db's resize is
	// snoozed, eu's drift is waived, its token masked.
	want := map[string][]string{
		"infra/app default": {"warn_snoozed fakecloud_instance.db snoozed"},
		"infra/regions eu":  {"deny_drifted waived fakecloud_instance.node drifted in infra/regions (eu)", "warn_token token (sensitive)"},
		"infra/regions us":  {"deny_drifted failed fakecloud_instance.node drifted in infra/regions (us)", "warn_token token us-token-not-secret"},
	}
	got := map[string][]string{}
	for key, rs := range detected {
		got[key] = []string{}
		for _, r := range rs {
			if r.Policy != "team.drift" {
				continue
			}
			verdict := ""
			switch {
			case r.Waived:
				verdict = " waived"
			case r.Failed:
				verdict = " failed"
			}
			got[key] = append(got[key], r.Rule+verdict+" "+r.Msg)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("team policy results in detect (-want +got):\n%s", diff)
	}
}

// Which root a plan is for is checked before anything is evaluated: a
// root detect does not plan, or a root with several targets and no
// --target, is an error naming the roots or targets there are.
func TestPolicyCheckRootErrors(t *testing.T) {
	t.Parallel()
	c := cli{t: t, dir: t.TempDir()}
	c.write(".github/drift.yaml", "version: 1\nroots:\n  - dir: infra/app\n  - dir: infra/regions\n    targets:\n      - {name: eu, workspace: eu}\n      - {name: us, workspace: us}\n")
	c.write("infra/app/main.tf", `resource "terraform_data" "x" {}`+"\n")
	c.write("infra/regions/main.tf", `resource "terraform_data" "x" {}`+"\n")
	c.write("infra/other/main.tf", `resource "terraform_data" "x" {}`+"\n")
	c.write("plan.json", cleanPlan)
	c.write("infra/regions/plan.json", cleanPlan)
	roots := "the roots are: infra/app, infra/regions (targets eu, us)"

	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{name: "no such directory", args: []string{"--root", "infra/nope"}, wantCode: ExitError,
			wantErr: `--root "infra/nope" is not a root detect plans here; ` + roots},
		{name: "a directory above the roots", args: []string{"--root", "infra"}, wantCode: ExitError,
			wantErr: `--root "infra" is not a root detect plans here; ` + roots},
		{name: "a root drift.yaml does not list", args: []string{"--root", "infra/other"}, wantCode: ExitError,
			wantErr: `--root "infra/other" is not a root detect plans here; ` + roots},
		{name: "several targets, none named", args: []string{"--root", "infra/regions"}, wantCode: ExitError,
			wantErr: "root infra/regions: it has targets eu, us: pass --target NAME"},
		{name: "unknown target", args: []string{"--root", "infra/regions", "--target", "ap"}, wantCode: ExitError,
			wantErr: `root infra/regions: --target "ap" is not one of its targets: eu, us`},
		{name: "a target of a root with none", args: []string{"--root", "infra/app", "--target", "eu"}, wantCode: ExitError,
			wantErr: `root infra/app: --target "eu" is not one of its targets: default`},
		{name: "a target and no root", args: []string{"--target", "eu"}, wantCode: ExitError,
			wantErr: `--target "eu" needs a root: the plan file plan.json is not in a root directory detect plans; pass --root DIR (` + roots + ")"},
		{name: "inferred root with several targets", args: []string{"--plan", "infra/regions/plan.json"}, wantCode: ExitError,
			wantErr: "root infra/regions: it has targets eu, us: pass --target NAME"},
		{name: "no root: global settings, said on stderr", args: nil, wantCode: 0,
			wantErr: "the plan file plan.json is not in a root directory detect plans, so only drift.yaml's global settings apply"},
		{name: "a root and target", args: []string{"--root", "infra/regions", "--target", "us"}, wantCode: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"policy", "check"}, tt.args...)
			if !strings.Contains(strings.Join(tt.args, " "), "--plan") {
				args = append(args, "--plan", "plan.json")
			}
			code, _, stderr := c.run(args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstderr:\n%s", code, tt.wantCode, stderr)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr does not say %q:\n%s", tt.wantErr, stderr)
			}
		})
	}
}

// A config without roots: the roots are those detect discovers, and an
// unknown --root lists them; a repository without any says so.
func TestPolicyCheckRootDiscovered(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		files   map[string]string
		wantErr string
	}{
		{name: "discovered roots", files: map[string]string{"a/main.tf": "", "b/main.tf": ""},
			wantErr: `--root "c" is not a root detect plans here; the roots are: a, b (pass one, or leave --root out to use drift.yaml's global settings only)`},
		{name: "no root at all", files: map[string]string{"README": "none"},
			wantErr: `--root "c": finding the roots detect plans: discover: no terraform root module found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := cli{t: t, dir: t.TempDir()}
			for name, content := range tt.files {
				c.write(name, content)
			}
			c.write("plan.json", cleanPlan)
			code, _, stderr := c.run("policy", "check", "--plan", "plan.json", "--root", "c")
			if code != ExitError {
				t.Fatalf("exit %d, want %d\nstderr:\n%s", code, ExitError, stderr)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr does not say %q:\n%s", tt.wantErr, stderr)
			}
		})
	}
}
