package config

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The action's inputs resolve exactly as the same settings given as detect
// flags would: one rule for both.
func TestActionDetectMatchesFlags(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	mkdir(t, filepath.Join(ws, ".git"))
	mkdir(t, filepath.Join(ws, ".github"))
	writeFile(t, filepath.Join(ws, ".github", "drift.yaml"), "parallelism: 7\ntimeout: 5m\nterraform: tofu\npolicy:\n  dirs: [from-file]\n  overrides: [terraform.cost]\n")
	writeFile(t, filepath.Join(ws, "other.yaml"), "lock-timeout: 2m\n")
	getenv := func(k string) string {
		return map[string]string{"HOME": "/home/u", "DRIFT_ACTION_GATEKEEPER": "/bin/gk"}[k]
	}
	env := Env{Getenv: getenv, Environ: []string{"A=1"}, Cwd: "/elsewhere"}
	// As ParseAction gives it when no input is set.
	base := Action{Terraform: "terraform", ConfigFile: DefaultFile, Workspace: ws, Policy: Policy{Timeout: DefaultPolicyTimeout},
		TerraformLogLevel: DefaultTerraformLogLevel, ProgressInterval: DefaultProgressInterval}
	tests := []struct {
		name  string
		edit  func(*Action)
		flags []string
	}{
		{name: "defaults", flags: []string{"--terraform", "terraform"}},
		{name: "directories and parallelism", edit: func(a *Action) { a.Dirs, a.Parallelism = []string{"infra/a", "infra/b"}, 3 },
			flags: []string{"--terraform", "terraform", "--parallelism", "3", "infra/a", "infra/b"}},
		{name: "another config file", edit: func(a *Action) { a.ConfigFile = "other.yaml" },
			flags: []string{"--terraform", "terraform", "--config", "other.yaml"}},
		{name: "policy directories replace the bundled ones", edit: func(a *Action) { a.Policy.Dirs = []string{"mine"} },
			flags: []string{"--terraform", "terraform", "--policy", "mine"}},
		{name: "bundled beside directories", edit: func(a *Action) { a.Policy.Dirs, a.Policy.Bundled = []string{"mine"}, true },
			flags: []string{"--terraform", "terraform", "--policy", "mine", "--bundled=true"}},
		{name: "no policies", edit: func(a *Action) { a.Policy.Disabled = true },
			flags: []string{"--terraform", "terraform", "--no-policy"}},
		{name: "manifests", edit: func(a *Action) { a.Policy.Manifests = []string{"k8s/*.yaml"} },
			flags: []string{"--terraform", "terraform", "--manifests", "k8s/*.yaml"}},
		{name: "terraform logs and progress", edit: func(a *Action) {
			a.TerraformLogDir, a.TerraformLogLevel, a.ProgressInterval = "out/tf-logs", "TRACE", time.Minute
		}, flags: []string{"--terraform", "terraform", "--terraform-log-dir", filepath.Join(ws, "out", "tf-logs"), "--terraform-log-level", "TRACE", "--progress-interval", "1m"}},
		{name: "no progress lines", edit: func(a *Action) { a.ProgressInterval = 0 },
			flags: []string{"--terraform", "terraform", "--progress-interval", "0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := base
			a.Policy.Dirs = nil
			if tt.edit != nil {
				tt.edit(&a)
			}
			got, err := ActionDetect(a, Event{Name: "schedule"}, env)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ParseDetect(tt.flags, Env{Getenv: getenv, Environ: env.Environ, Cwd: ws}, &strings.Builder{})
			if err != nil {
				t.Fatal(err)
			}
			want.Color, want.Event = false, "schedule"
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty(), cmpopts.IgnoreUnexported(File{})); diff != "" {
				t.Errorf("ActionDetect (-flags +inputs):\n%s", diff)
			}
		})
	}
}

func TestActionDetectEvent(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	env := Env{Getenv: func(string) string { return "" }, Cwd: ws}
	a := Action{Terraform: "terraform", ConfigFile: DefaultFile, Workspace: ws, Shard: Shard{Index: 1, Count: 2}, Policy: Policy{Timeout: DefaultPolicyTimeout, Overrides: []Override{{Name: "in", Source: OverrideInput}}}}
	tests := []struct {
		name string
		ev   Event
		want Detect
	}{
		{name: "drift-detected dispatch narrows the roots", ev: Event{Name: "repository_dispatch", DispatchType: "drift-detected", Roots: []string{"infra/b"}},
			want: Detect{Event: "repository_dispatch", OnlyRoots: []string{"infra/b"}, Shard: a.Shard, Policy: Policy{Overrides: []Override{{Name: "in", Source: OverrideInput}}}}},
		{name: "another dispatch does not", ev: Event{Name: "repository_dispatch", DispatchType: "other", Roots: []string{"infra/b"}},
			want: Detect{Event: "repository_dispatch", Shard: a.Shard, Policy: Policy{Overrides: []Override{{Name: "in", Source: OverrideInput}}}}},
		{name: "label overrides after the input's", ev: Event{Name: "pull_request", PRLabels: []string{"drift-override:terraform.cost"}},
			want: Detect{Event: "pull_request", Shard: a.Shard, Policy: Policy{Overrides: []Override{{Name: "in", Source: OverrideInput}, {Name: "terraform.cost", Source: OverrideLabel, By: UnknownAuthor}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := ActionDetect(a, tt.ev, env)
			if err != nil {
				t.Fatal(err)
			}
			got := Detect{Event: c.Event, OnlyRoots: c.OnlyRoots, Shard: c.Shard, Policy: Policy{Overrides: c.Policy.Overrides}}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ActionDetect (-want +got):\n%s", diff)
			}
			if c.Parallelism != runtime.NumCPU() || c.Color {
				t.Errorf("parallelism %d color %v, want one per CPU and no colour", c.Parallelism, c.Color)
			}
		})
	}
}
