package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/execfile"
	"github.com/myorg/drift-action/internal/tfinstall/releasestest"
	"github.com/myorg/drift-action/internal/tftest"
)

// localVersion is what the terraform on PATH reports.
func localVersion(t *testing.T, bin string) string {
	t.Helper()
	cmd := exec.Command(bin, "version", "-json")
	cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s version -json: %v", bin, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil || v.Version == "" {
		t.Fatalf("%s version -json printed %q", bin, out)
	}
	return v.Version
}

// TestDetectChoosesTerraformPerRoot plans roots through the releases
// mirror on loopback: roots the configured terraform does not satisfy are
// planned with one installed release they share (the mirror's zip of the
// local terraform, so the plan succeeds); a root it satisfies is planned
// with it, and nothing is downloaded for it.
func TestDetectChoosesTerraformPerRoot(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	local := localVersion(t, env.Terraform)
	// An old terraform standing in for the one on PATH: it only answers
	// `version -json`, so planning with it would fail.
	old := filepath.Join(t.TempDir(), "terraform")
	if err := execfile.Write(old, []byte("#!/bin/sh\necho '{\"terraform_version\":\"1.9.0\"}'\n")); err != nil {
		t.Fatal(err)
	}
	requires := func(c string) map[string]string {
		return map[string]string{"main.tf": "terraform {\n  required_version = \"" + c + "\"\n}\n\nresource \"terraform_data\" \"x\" {\n  input = 1\n}\n"}
	}
	tests := []struct {
		name       string
		configured string
		roots      map[string]string // dir: required_version
		wantBinary map[string]string // dir: "configured" or "installed"
		downloads  int
	}{
		{name: "roots that agree share one installed release", configured: old,
			roots:      map[string]string{"infra/a": "= " + local, "infra/b": ">= " + local + ", < 99.0.0"},
			wantBinary: map[string]string{"infra/a": "installed", "infra/b": "installed"}, downloads: 1},
		{name: "the configured terraform that satisfies is used", configured: env.Terraform,
			roots:      map[string]string{"infra/a": ">= 1.0"},
			wantBinary: map[string]string{"infra/a": "configured"}, downloads: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := releasestest.Start(t, []string{"1.9.0", local}, releasestest.Options{})
			dir := t.TempDir()
			var dirs []string
			for d, req := range tt.roots {
				tftest.WriteRoot(t, dir, d, requires(req))
				dirs = append(dirs, d)
			}
			c := detectConfig(env, dir, nil, dirs...)
			c.Terraform.Binary, c.ReleasesURL, c.ReleasesKey = tt.configured, m.URL, m.Key
			var progress bytes.Buffer
			run, err := Detect(context.Background(), c, &progress, nil)
			defer run.Close()
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			installed := map[string]bool{}
			for _, o := range run.Verdicts {
				if o.Result.Status == drift.StatusError || o.PlanFile == "" {
					t.Errorf("%s: %s %s, want a plan\n%s", o.Target.Dir, o.Result.Status, o.Result.Error, progress.String())
				}
				switch {
				case o.Terraform == tt.configured:
					got[o.Target.Dir] = "configured"
				case strings.HasPrefix(o.Terraform, run.planDir):
					got[o.Target.Dir] = "installed"
					installed[o.Terraform] = true
				default:
					got[o.Target.Dir] = o.Terraform
				}
			}
			if diff := cmp.Diff(tt.wantBinary, got); diff != "" {
				t.Errorf("terraform per root (-want +got):\n%s", diff)
			}
			if len(installed) > 1 {
				t.Errorf("roots that agree ran %d installed executables, want one: %v", len(installed), installed)
			}
			if n := m.Downloads(local); n != tt.downloads {
				t.Errorf("terraform %s downloaded %d time(s), want %d", local, n, tt.downloads)
			}
		})
	}
}
