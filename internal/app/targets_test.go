package app

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/pipeline"
	"github.com/myorg/drift-action/internal/tftest"
)

// These tests follow drift.yaml's targets from config (parsed, ${NAME}
// expanded, sensitive values masked) through detectOptions into the
// pipeline and terraform.

// targetsDetect is detect's options for the roots of dir (all when none
// is given), offline, with drift.yaml f and the runner's environment
// environ; policies off.
func targetsDetect(env *tftest.Env, dir string, f config.File, environ []string, roots ...string) pipeline.Options {
	return detectOptions(config.Detect{
		Cwd: dir, RepoRoot: dir, Dirs: roots, File: f, Terraform: env.Terraform, Environ: environ,
		PluginCacheDir: env.CacheDir, Parallelism: 2, Timeout: 5 * time.Minute,
		LockTimeout: 5 * time.Second, Grace: 5 * time.Second, Event: "schedule",
		Policy: config.Policy{Disabled: true, Timeout: config.DefaultPolicyTimeout},
	}, nil)
}

// A sensitive target value is redacted wherever the run shows it: in a
// plan's changes, in terraform's error, in progress; a secret in a
// target's env is never shown either.
func TestDetectRedactsSensitiveTargetValues(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	dir := t.TempDir()
	tftest.WriteRoot(t, dir, "infra/app", map[string]string{"main.tf": `variable "password" {
  validation {
    condition     = !startswith(var.password, "bad-")
    error_message = "password ${var.password} is not allowed"
  }
}

variable "token" {}

resource "terraform_data" "d" {
  input = "pw=${var.password}"
}

resource "terraform_data" "t" {
  input = "token=${var.token}"
}
`})
	yaml := `roots:
  - dir: infra/app
    targets:
      - name: ok
        vars: {password: {value: "${PW_OK}", sensitive: true}}
        env: {TF_VAR_token: {value: "${TOKEN}", sensitive: true}}
      - name: bad
        vars: {password: {value: "${PW_BAD}", sensitive: true}}
        env: {TF_VAR_token: {value: "${TOKEN}", sensitive: true}}
`
	f, err := config.ParseFile(".github/drift.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	environ := append(append([]string{}, env.Environ...), "PW_OK=canary-ok-123", "PW_BAD=bad-canary-456", "TOKEN=canary-tok-789")
	if err := f.ExpandTargets(config.Lookup(environ)); err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	run, err := pipeline.Detect(context.Background(), targetsDetect(env, dir, f, environ), &progress, nil)
	defer run.Close()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]drift.Status{}
	for _, o := range run.Verdicts {
		got[o.Result.Target] = o.Result.Status
	}
	// The paths the values would show on were taken.
	if diff := cmp.Diff(map[string]drift.Status{"ok": drift.StatusChanged, "bad": drift.StatusError}, got); diff != "" {
		t.Fatalf("statuses (-want +got):\n%s", diff)
	}
	results, err := json.Marshal(run.Results())
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []struct{ name, text string }{{"results", string(results)}, {"progress", progress.String()}} {
		if strings.Contains(out.text, "canary") {
			t.Errorf("%s show a sensitive value:\n%s", out.name, out.text)
		}
	}
	if !strings.Contains(string(results), "is not allowed") {
		t.Errorf("terraform's error is missing from the results:\n%s", results)
	}
}

// A target whose ${NAME} is not set fails alone, naming the file, line and
// key, without running terraform; a run that does not select it (another
// job's roots, another shard) needs none of its variables.
func TestDetectTargetWithUnsetVariable(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	yaml := `roots:
  - dir: infra/prod
    targets:
      - name: prod
        vars: {token: {value: "${PROD_TOKEN}", sensitive: true}}
  - dir: infra/dev
    targets:
      - name: dev
        vars: {token: {value: "${DEV_TOKEN}", sensitive: true}}
`
	f, err := config.ParseFile(".github/drift.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	environ := append(append([]string{}, env.Environ...), "DEV_TOKEN=canary-dev-123")
	if err := f.ExpandTargets(config.Lookup(environ)); err != nil {
		t.Fatalf("an unset variable of one target failed the whole file: %v", err)
	}
	tests := []struct {
		name  string
		roots []string
		want  map[string]string
	}{
		{"dev job", []string{"infra/dev"}, map[string]string{"dev": "changed"}},
		{"every root", nil, map[string]string{
			"dev":  "changed",
			"prod": "error: config: .github/drift.yaml:5: roots[0].targets[0].vars.token: ${PROD_TOKEN} is not set in the runner's environment (set it in the step's env, or write $$ for a literal $)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// A repository per case: two runs planning one local state at
			// once would race for its lock.
			dir := t.TempDir()
			for _, r := range []string{"infra/prod", "infra/dev"} {
				tftest.WriteRoot(t, dir, r, map[string]string{"main.tf": "variable \"token\" {}\nresource \"terraform_data\" \"x\" { input = length(var.token) }\n"})
			}
			run, err := pipeline.Detect(context.Background(), targetsDetect(env, dir, f, environ, tt.roots...), &bytes.Buffer{}, nil)
			defer run.Close()
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, o := range run.Verdicts {
				got[o.Result.Target] = string(o.Result.Status)
				if o.Result.Error != "" {
					got[o.Result.Target] += ": " + o.Result.Error
				}
				if o.Result.Target == "prod" && (o.DataDir != "" || o.PlanFile != "") {
					t.Errorf("terraform ran for a target with an unset variable (data dir %q)", o.DataDir)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("outcomes (-want +got):\n%s", diff)
			}
		})
	}
}
