package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/discover"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/tftest"
)

// regionalDrift is a repository with one fakecloud root planned for two
// regions (var-file and backend each), both applied, then the same
// instance resized out-of-band in each region's cloud.
func regionalDrift(t *testing.T, env *tftest.Env) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{"main.tf": `terraform {
  required_providers {
    fakecloud = { source = "myorg/fakecloud", version = "0.1.0" }
  }
  backend "local" {}
}

variable "region" {}

provider "fakecloud" {
  state_file = "${path.module}/${var.region}-cloud.json"
}

resource "fakecloud_instance" "web" {
  name          = "web"
  instance_type = "small"
}
`}
	for _, r := range []string{"us-east-1", "eu-west-1"} {
		files[r+".tfvars"] = fmt.Sprintf("region = %q\n", r)
	}
	root := tftest.WriteRoot(t, dir, "infra/app", files)
	for _, r := range []string{"us-east-1", "eu-west-1"} {
		env.Run(t, root, "init", "-input=false", "-reconfigure", "-backend-config=path="+r+".tfstate")
		env.Run(t, root, "apply", "-auto-approve", "-input=false", "-var-file="+r+".tfvars")
		tftest.Cloud{Path: filepath.Join(root, r+"-cloud.json")}.EditInstance(t, "web", func(i map[string]any) { i["instance_type"] = "huge" })
	}
	return dir
}

// A snooze scoped to a target holds only there: the same resize in
// another region of the same root stays drift. A snooze whose root or
// target matches nothing is a warning naming drift.yaml's line.
func TestDetectSnoozeTargets(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	dir := regionalDrift(t, env)
	// As drift.yaml gives it: the root's two targets, then (line 7) the
	// case's snooze.
	file := discover.File{Path: ".github/drift.yaml", Roots: []discover.Root{{Dir: "infra/app", Line: 2, Targets: []discover.TargetConfig{
		{Name: "us-east-1", VarFiles: []string{"us-east-1.tfvars"}, VarFileLines: []int{5}, BackendConfig: []discover.Setting{{Value: "path=us-east-1.tfstate", Line: 5}}},
		{Name: "eu-west-1", VarFiles: []string{"eu-west-1.tfvars"}, VarFileLines: []int{6}, BackendConfig: []discover.Setting{{Value: "path=eu-west-1.tfstate", Line: 6}}},
	}}}}
	snooze := func(root, target string) drift.Snooze {
		return drift.Snooze{Root: root, Target: target, Address: "fakecloud_instance.web",
			Until: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), Reason: "resize under load test",
			Source: ".github/drift.yaml:7", Line: 7}
	}
	tests := []struct {
		name     string
		snooze   drift.Snooze
		dirs     []string // given on the command line
		want     map[string]string
		warnings []string
	}{
		{
			name:   "target us-east-1 snoozes us-east-1 only",
			snooze: snooze("infra/app", "us-east-1"),
			want:   map[string]string{"us-east-1": "clean, 1 snoozed", "eu-west-1": "drifted, 0 snoozed"},
		},
		{
			name:   "a target glob snoozes the targets it matches",
			snooze: snooze("infra/app", "eu-*"),
			want:   map[string]string{"us-east-1": "drifted, 0 snoozed", "eu-west-1": "clean, 1 snoozed"},
		},
		{
			name:   "no target snoozes every target of the root",
			snooze: snooze("infra/app", ""),
			want:   map[string]string{"us-east-1": "clean, 1 snoozed", "eu-west-1": "clean, 1 snoozed"},
		},
		{
			name:     "a target matching none of the root's warns with file:line",
			snooze:   snooze("infra/app", "us-east-2"),
			want:     map[string]string{"us-east-1": "drifted, 0 snoozed", "eu-west-1": "drifted, 0 snoozed"},
			warnings: []string{`.github/drift.yaml:7: snooze for root "infra/app" target "us-east-2" matches none of its targets (us-east-1, eu-west-1): it snoozes nothing; fix target, or remove the entry`},
		},
		{
			name:     "a root matching none warns with file:line",
			snooze:   snooze("infra/ap", "us-east-1"),
			want:     map[string]string{"us-east-1": "drifted, 0 snoozed", "eu-west-1": "drifted, 0 snoozed"},
			warnings: []string{`.github/drift.yaml:7: snooze for root "infra/ap" matches no root (found: infra/app): it snoozes nothing; fix root, or remove the entry`},
		},
		{
			name:   "a root outside the directories given is no mistake",
			snooze: snooze("infra/other", ""),
			dirs:   []string{"infra/app"},
			want:   map[string]string{"us-east-1": "drifted, 0 snoozed", "eu-west-1": "drifted, 0 snoozed"},
		},
	}
	// One after the other: the cases plan the same local state files,
	// whose lock a plan holds.
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := detectConfig(env, dir, nil, tt.dirs...)
			c.Find.File = file
			c.Rules.Snoozes = []drift.Snooze{tt.snooze}
			var progress bytes.Buffer
			run, err := Detect(context.Background(), c, &progress, nil)
			defer run.Close()
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, o := range run.Verdicts {
				r := o.Result
				got[r.Target] = fmt.Sprintf("%s, %d snoozed", r.Status, len(r.Snoozed))
				if r.Error != "" {
					got[r.Target] += ": " + r.Error
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("verdicts (-want +got):\n%s", diff)
			}
			var warnings []string
			for _, w := range run.Warnings {
				warnings = append(warnings, w.Msg)
				if w.File != ".github/drift.yaml" || w.Line != 7 {
					t.Errorf("warning at %s:%d, want .github/drift.yaml:7", w.File, w.Line)
				}
				if !bytes.Contains(progress.Bytes(), []byte("warning: "+w.Msg+"\n")) {
					t.Errorf("the warning is not in the progress log:\n%s", progress.String())
				}
			}
			if diff := cmp.Diff(tt.warnings, warnings); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}
