package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/tf"
	"github.com/myorg/drift-action/internal/tftest"
)

var regions = []string{"ap", "eu", "sa", "us"}

// regionsRepo is a repository with one fakecloud root planned for four
// regions, each with its own local backend (backend-config) and var-file,
// configured through drift.yaml as a user writes it.
func regionsRepo(t *testing.T, env *tftest.Env) (string, config.Detect) {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{"main.tf": `terraform {
  required_providers {
    fakecloud = { source = "myorg/fakecloud", version = "0.1.0" }
  }
  backend "local" {}
}

variable "cloud" {}
variable "region" {}

provider "fakecloud" {
  state_file = var.cloud
}

resource "fakecloud_instance" "web" {
  name          = "web-${var.region}"
  instance_type = "small"
}
`}
	yaml := "roots:\n  - dir: infra/app\n    targets:\n"
	for _, r := range regions {
		files[r+".tfvars"] = fmt.Sprintf("region = %q\ncloud = %q\n", r, filepath.Join(dir, r+"-cloud.json"))
		yaml += fmt.Sprintf("      - {name: %s, var-files: [%s.tfvars], backend-config: [path=%s.tfstate]}\n", r, r, r)
	}
	tftest.WriteRoot(t, dir, "infra/app", files)
	f, err := config.ParseFile(".github/drift.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	c := detectConfig(env, dir, nil)
	c.File, c.Parallelism = f, len(regions)
	return dir, c
}

func statuses(run Run) map[string]drift.Status {
	got := map[string]drift.Status{}
	for _, o := range run.Verdicts {
		got[o.Result.Target] = o.Result.Status
		if o.Result.Error != "" {
			got[o.Result.Target] += drift.Status(": " + o.Result.Error)
		}
	}
	return got
}

// Targets of one root plan side by side (run it under -race), each in its
// own backend: a drift in one backend shows only in its target, and the
// root's dependency lock file is written once and then respected.
func TestDetectTargetsOfOneRootInParallel(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	dir, c := regionsRepo(t, env)
	root := filepath.Join(dir, "infra/app")
	ctx := context.Background()

	run, err := Detect(ctx, c, &bytes.Buffer{}, nil)
	defer run.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]drift.Status{}
	for _, r := range regions {
		want[r] = drift.StatusChanged // an empty backend of its own: one instance to create
	}
	if diff := cmp.Diff(want, statuses(run)); diff != "" {
		t.Fatalf("first run (-want +got):\n%s", diff)
	}
	// Apply each saved plan in the data directory it was made in, as
	// remediation does.
	for _, o := range run.Verdicts {
		if _, err := tf.Apply(ctx, tf.ApplyTarget{Dir: root, PlanFile: o.PlanFile, DataDir: o.DataDir, Env: o.Target.Env}, tf.Options{
			Binary: c.Terraform, Env: c.Environ, PluginCacheDir: c.PluginCacheDir, Timeout: c.Timeout, LockTimeout: c.LockTimeout, Grace: c.Grace,
		}); err != nil {
			t.Fatalf("apply %s: %v", o.Target.Name, err)
		}
	}
	lock, err := os.ReadFile(filepath.Join(root, ".terraform.lock.hcl"))
	if err != nil {
		t.Fatalf("dependency lock file: %v", err)
	}
	if n := strings.Count(string(lock), `provider "registry.terraform.io/myorg/fakecloud"`); n != 1 {
		t.Errorf("lock file names fakecloud %d times, want once:\n%s", n, lock)
	}
	if _, err := os.Stat(filepath.Join(root, ".terraform")); err == nil {
		t.Error("init wrote the root's .terraform: targets must use their own data directories")
	}

	tftest.Cloud{Path: filepath.Join(dir, "eu-cloud.json")}.EditInstance(t, "web-eu", func(i map[string]any) { i["instance_type"] = "huge" })
	again, err := Detect(ctx, c, &bytes.Buffer{}, nil)
	defer again.Close()
	if err != nil {
		t.Fatal(err)
	}
	want = map[string]drift.Status{"ap": drift.StatusClean, "eu": drift.StatusDrifted, "sa": drift.StatusClean, "us": drift.StatusClean}
	if diff := cmp.Diff(want, statuses(again)); diff != "" {
		t.Errorf("after a drift in eu's cloud (-want +got):\n%s", diff)
	}
	after, err := os.ReadFile(filepath.Join(root, ".terraform.lock.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(lock), string(after)); diff != "" {
		t.Errorf("a second run changed the lock file (-want +got):\n%s", diff)
	}
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
	c := detectConfig(env, dir, nil)
	c.File, c.Environ = f, environ
	var progress bytes.Buffer
	run, err := Detect(context.Background(), c, &progress, nil)
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
	dir := t.TempDir()
	for _, r := range []string{"infra/prod", "infra/dev"} {
		tftest.WriteRoot(t, dir, r, map[string]string{"main.tf": "variable \"token\" {}\nresource \"terraform_data\" \"x\" { input = length(var.token) }\n"})
	}
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
			c := detectConfig(env, dir, nil, tt.roots...)
			c.File, c.Environ = f, environ
			run, err := Detect(context.Background(), c, &bytes.Buffer{}, nil)
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
