package tf

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	tfjson "github.com/hashicorp/terraform-json"
	"github.com/myorg/drift-action/internal/tftest"
)

// regionRoot is a fakecloud root on a local backend whose path the target
// gives (-backend-config), with its cloud and region as variables.
func regionRoot(t *testing.T, dir string) string {
	t.Helper()
	return tftest.WriteRoot(t, dir, "root", map[string]string{"main.tf": `terraform {
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
`})
}

func regionTarget(root, dir, region string) Target {
	return Target{
		Dir:           root,
		PlanFile:      filepath.Join(dir, region+".tfplan"),
		BackendConfig: []string{"path=" + filepath.Join(dir, region+".tfstate")},
		Vars:          []string{"cloud=" + filepath.Join(dir, region+"-cloud.json"), "region=" + region},
		DataDir:       filepath.Join(dir, "data", region),
	}
}

// Two targets of one root with different local backends never share
// state: each applies into its own, and a drift in one backend shows only
// in its target.
func TestTargetsOfOneRootKeepTheirOwnState(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	dir := t.TempDir()
	root := regionRoot(t, dir)
	ctx := context.Background()
	o := options(env, env.Terraform)
	for _, region := range []string{"eu", "us"} {
		tg := regionTarget(root, dir, region)
		out, err := Run(ctx, tg, o)
		if err != nil {
			t.Fatalf("plan %s: %v", region, err)
		}
		if out.Events.Summary == nil || out.Events.Summary.Add != 1 {
			t.Fatalf("plan %s: summary %+v, want one resource to add (an empty state of its own)", region, out.Events.Summary)
		}
		if _, err := Apply(ctx, ApplyTarget{Dir: root, PlanFile: tg.PlanFile, DataDir: tg.DataDir}, o); err != nil {
			t.Fatalf("apply %s: %v", region, err)
		}
	}
	for _, region := range []string{"eu", "us"} {
		state, err := os.ReadFile(filepath.Join(dir, region+".tfstate"))
		if err != nil {
			t.Fatalf("%s backend: %v", region, err)
		}
		other := map[string]string{"eu": "us", "us": "eu"}[region]
		if !strings.Contains(string(state), `"web-`+region+`"`) || strings.Contains(string(state), `"web-`+other+`"`) {
			t.Errorf("%s state holds another target's resources:\n%s", region, state)
		}
	}
	for _, p := range []string{"terraform.tfstate", ".terraform"} {
		if _, err := os.Stat(filepath.Join(root, p)); err == nil {
			t.Errorf("%s was written in the root: targets' init must stay in their data directories", p)
		}
	}

	tftest.Cloud{Path: filepath.Join(dir, "eu-cloud.json")}.EditInstance(t, "web-eu", func(i map[string]any) { i["instance_type"] = "huge" })
	got := map[string]Events{}
	for _, region := range []string{"eu", "us"} {
		out, err := Run(ctx, regionTarget(root, dir, region), o)
		if err != nil {
			t.Fatalf("plan %s: %v", region, err)
		}
		got[region] = Events{Drifted: out.Events.Drifted, Planned: out.Events.Planned, Summary: out.Events.Summary}
	}
	want := map[string]Events{
		"eu": {Drifted: 1, Planned: 1, Summary: &ChangeSummary{Change: 1}},
		"us": {Summary: &ChangeSummary{}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// Vars reach terraform as -var over the var-files; a target's TF_VAR_*
// environment reaches it too, over the run's, and below the var-files as
// terraform ranks them.
func TestRunVarsAndEnv(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	dir := t.TempDir()
	root := tftest.WriteRoot(t, dir, "root", map[string]string{
		"main.tf": `variable "x" {}
variable "y" {}
variable "z" {}
variable "w" {}
resource "terraform_data" "d" {
  input = "${var.x}/${var.y}/${var.z}/${var.w}"
}
`,
		"region.tfvars": "x = \"file\"\nz = \"file\"\n",
	})
	o := options(env, env.Terraform)
	o.Env = append(append([]string{}, o.Env...), "TF_VAR_y=run", "TF_VAR_w=run")
	out, err := Run(context.Background(), Target{
		Dir: root, PlanFile: filepath.Join(dir, "p.tfplan"), DataDir: filepath.Join(dir, "data"),
		VarFiles: []string{"region.tfvars"},
		Vars:     []string{"x=var"},
		Env:      []string{"TF_VAR_y=env", "TF_VAR_z=env"},
	}, o)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out.PlanJSONFile)
	if err != nil {
		t.Fatalf("plan JSON: %v", err)
	}
	var plan tfjson.Plan
	if err := json.Unmarshal(data, &plan); err != nil {
		t.Fatal(err)
	}
	if len(plan.ResourceChanges) != 1 {
		t.Fatalf("plan has %d resource changes, want 1", len(plan.ResourceChanges))
	}
	after, _ := plan.ResourceChanges[0].Change.After.(map[string]any)
	if diff := cmp.Diff("var/env/file/run", after["input"]); diff != "" {
		t.Errorf("terraform_data input (-want +got):\n%s", diff)
	}
}

func TestEnvironment(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		run      []string
		target   []string
		dataDir  bool
		wantEnv  map[string]string
		wantVars map[string]string
		wantErr  string
	}{
		{
			name: "target over run", run: []string{"A=run", "B=run"}, target: []string{"B=target", "C=target"},
			wantEnv: map[string]string{"A": "run", "B": "target", "C": "target"}, wantVars: map[string]string{},
		},
		{
			name: "variables apart", run: []string{"TF_VAR_a=run", "TF_VAR_b=run"}, target: []string{"TF_VAR_b=target"},
			wantEnv: map[string]string{}, wantVars: map[string]string{"TF_VAR_a": "run", "TF_VAR_b": "target"},
		},
		{
			name: "terraform-exec's own dropped from the run", run: []string{"TF_LOG=trace", "TF_WORKSPACE=x", "KEEP=1"},
			wantEnv: map[string]string{"KEEP": "1"}, wantVars: map[string]string{},
		},
		{
			// terraform-exec passed the process's suffix on (with its own after it).
			name: "the run's user agent suffix kept", run: []string{"TF_APPEND_USER_AGENT=ci/1", "TF_LOG=trace"},
			wantEnv: map[string]string{"TF_APPEND_USER_AGENT": "ci/1"}, wantVars: map[string]string{},
		},
		{name: "target may not set the user agent", target: []string{"TF_APPEND_USER_AGENT=x"}, wantErr: "target environment: TF_APPEND_USER_AGENT is set by drift-action, not by a target"},
		{
			name: "data directory wins", run: []string{"TF_DATA_DIR=/shared"}, dataDir: true,
			wantEnv: map[string]string{"TF_DATA_DIR": "DATA"}, wantVars: map[string]string{},
		},
		{name: "target may not set the data directory", target: []string{"TF_DATA_DIR=canary-value"}, wantErr: "target environment: TF_DATA_DIR is set by drift-action, not by a target"},
		{name: "target may not set the log", target: []string{"TF_LOG=canary-value"}, wantErr: "target environment: TF_LOG is set by drift-action, not by a target"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dataDir := ""
			if tt.dataDir {
				dataDir = filepath.Join(t.TempDir(), "data")
			}
			env, vars, err := environment(tt.run, tt.target, dataDir)
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want it to start %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if dataDir != "" {
				if st, err := os.Stat(dataDir); err != nil || !st.IsDir() {
					t.Errorf("data directory not created: %v", err)
				}
				if env["TF_DATA_DIR"] == dataDir {
					env["TF_DATA_DIR"] = "DATA"
				}
			}
			if diff := cmp.Diff(tt.wantEnv, env); diff != "" {
				t.Errorf("env (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantVars, vars); diff != "" {
				t.Errorf("vars (-want +got):\n%s", diff)
			}
		})
	}
}
