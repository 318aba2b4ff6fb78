package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/discover"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/tf"
	"github.com/myorg/drift-action/internal/tftest"
)

var regions = []string{"ap", "eu", "sa", "us"}

// regionsRepo is a repository with one fakecloud root planned for four
// regions, each with its own local backend (backend-config) and var-file,
// configured as drift.yaml's targets.
func regionsRepo(t *testing.T, env *tftest.Env) (string, Options) {
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
	root := discover.Root{Dir: "infra/app"}
	for _, r := range regions {
		files[r+".tfvars"] = fmt.Sprintf("region = %q\ncloud = %q\n", r, filepath.Join(dir, r+"-cloud.json"))
		root.Targets = append(root.Targets, discover.TargetConfig{Name: r, VarFiles: []string{r + ".tfvars"},
			BackendConfig: []discover.Setting{{Value: "path=" + r + ".tfstate"}}})
	}
	tftest.WriteRoot(t, dir, "infra/app", files)
	c := detectConfig(env, dir, nil)
	c.Find.File, c.Parallelism = discover.File{Path: ".github/drift.yaml", Roots: []discover.Root{root}}, len(regions)
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
			Binary: c.Terraform.Binary, Env: c.Terraform.Env, PluginCacheDir: c.Terraform.PluginCacheDir, Timeout: c.Terraform.Timeout,
			LockTimeout: c.Terraform.LockTimeout, Grace: c.Terraform.Grace,
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

// Targets that read one state (one root, workspace and backend settings)
// plan one after the other: terraform's local state lock can fail at once
// when two plans race for it, whatever -lock-timeout says. Targets of
// other states still plan side by side.
func TestDetectPlansOfOneStateTakeTurns(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	main := "terraform {\n  backend \"local\" {}\n}\nvariable \"v\" {}\nresource \"terraform_data\" \"x\" { input = var.v }\n"
	tests := []struct {
		name    string
		backend [2]string // the two targets' backend-config
		// plan is the stand-in's plan fragment; $D is a directory of the
		// case's own.
		plan string
	}{
		{
			name: "one state: the plans never overlap",
			plan: `mkdir "$D/planning" 2>/dev/null || { echo "two plans of one state at once" >&2; exit 1; }
sleep 1
"$TERRAFORM" "$@"; rc=$?
rmdir "$D/planning"
exit $rc`,
		},
		{
			name:    "two states: the plans run side by side",
			backend: [2]string{"path=a.tfstate", "path=b.tfstate"},
			plan: `: >"$D/started.$$"
i=0
while [ "$(ls "$D" | grep -c started)" -lt 2 ]; do
  i=$((i+1)); [ $i -gt 300 ] && { echo "the other target's plan did not start alongside" >&2; exit 1; }
  sleep 0.1
done`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			tftest.WriteRoot(t, dir, "infra/app", map[string]string{"main.tf": main, "a.tfvars": "v = \"a\"\n", "b.tfvars": "v = \"b\"\n"})
			root := discover.Root{Dir: "infra/app"}
			for i, name := range []string{"a", "b"} {
				tc := discover.TargetConfig{Name: name, VarFiles: []string{name + ".tfvars"}}
				if tt.backend[i] != "" {
					tc.BackendConfig = []discover.Setting{{Value: tt.backend[i]}}
				}
				root.Targets = append(root.Targets, tc)
			}
			c := detectConfig(env, dir, nil)
			c.Find.File = discover.File{Path: ".github/drift.yaml", Roots: []discover.Root{root}}
			c.Terraform.Binary = env.Wrapper(t, "D='"+t.TempDir()+"'\n"+tt.plan)
			run, err := Detect(context.Background(), c, &bytes.Buffer{}, nil)
			defer run.Close()
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]drift.Status{"a": drift.StatusChanged, "b": drift.StatusChanged}
			if diff := cmp.Diff(want, statuses(run)); diff != "" {
				t.Errorf("verdicts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStateKey(t *testing.T) {
	t.Parallel()
	base := discover.Target{AbsDir: "/repo/infra/app"}
	with := func(f func(*discover.Target)) discover.Target { t := base; f(&t); return t }
	tests := []struct {
		name string
		a, b discover.Target
		same bool
	}{
		{"no workspace is the default one", base, with(func(t *discover.Target) { t.Workspace = "default" }), true},
		{"var-files and env do not change the state", base, with(func(t *discover.Target) { t.VarFiles = []string{"a.tfvars"}; t.Env = []string{"X=1"} }), true},
		{"another workspace", base, with(func(t *discover.Target) { t.Workspace = "us" }), false},
		{"other backend settings", base, with(func(t *discover.Target) { t.BackendConfig = []string{"path=us.tfstate"} }), false},
		{"another root", base, with(func(t *discover.Target) { t.AbsDir = "/repo/infra/db" }), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := stateKey(tt.a) == stateKey(tt.b); got != tt.same {
				t.Errorf("same state = %v, want %v", got, tt.same)
			}
		})
	}
}
