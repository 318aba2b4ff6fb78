package config

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// policySet is what decides which policies run.
type policySet struct {
	Dirs    []string
	Bundled bool
}

func TestResolvePolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		file string // .github/drift.yaml
		args []string
		want policySet
	}{
		{name: "no config: bundled", want: policySet{Bundled: true}},
		{name: "config dirs beside the bundled ones", file: "policy:\n  dirs: [custom]\n", want: policySet{Dirs: []string{"custom"}, Bundled: true}},
		{name: "config replaces the bundled ones", file: "policy:\n  dirs: [custom]\n  bundled: false\n", want: policySet{Dirs: []string{"custom"}}},
		{name: "config without dirs", file: "policy:\n  levels: [{name: x, level: advisory}]\n", want: policySet{Bundled: true}},
		{name: "--policy replaces bundled and config dirs", file: "policy:\n  dirs: [custom]\n", args: []string{"--policy", "mine"}, want: policySet{Dirs: []string{"mine"}}},
		{name: "--policy with --bundled", file: "policy:\n  dirs: [custom]\n  bundled: false\n", args: []string{"--policy", "mine", "--bundled"}, want: policySet{Dirs: []string{"mine"}, Bundled: true}},
		{name: "--bundled wins over config", file: "policy:\n  dirs: [custom]\n  bundled: false\n", args: []string{"--bundled"}, want: policySet{Dirs: []string{"custom"}, Bundled: true}},
		{name: "--bundled=false keeps config dirs", file: "policy:\n  dirs: [custom]\n", args: []string{"--bundled=false"}, want: policySet{Dirs: []string{"custom"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if tt.file != "" {
				writeFile(t, filepath.Join(dir, ".git"), "")
				mkdir(t, filepath.Join(dir, ".github"))
				writeFile(t, filepath.Join(dir, DefaultFile), tt.file)
			}
			env := Env{Getenv: func(string) string { return "" }, Cwd: dir}
			d, err := ParseDetect(tt.args, env, &strings.Builder{})
			if err != nil {
				t.Fatal(err)
			}
			c, err := ParsePolicyCheck(append([]string{"--plan", "p.json"}, tt.args...), env, &strings.Builder{})
			if err != nil {
				t.Fatal(err)
			}
			for name, p := range map[string]Policy{"detect": d.Policy, "policy check": c.Policy} {
				if diff := cmp.Diff(tt.want, policySet{Dirs: p.Dirs, Bundled: p.Bundled}, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("%s policies (-want +got):\n%s", name, diff)
				}
			}
		})
	}
}

func TestOverrideSources(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "c.yaml"), "policy:\n  overrides: [terraform.drift, \"terraform.c*\"]\n")
	env := Env{Getenv: func(k string) string {
		return map[string]string{"INPUT_POLICY-OVERRIDES": "terraform.cost\n# a comment\n\nterraform.drift\n"}[k]
	}, Cwd: dir}
	a, err := ParseAction(env)
	if err != nil {
		t.Fatal(err)
	}
	d, err := ParseDetect([]string{"--config", "c.yaml", "--override", "terraform.cost"}, env, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParsePolicyCheck([]string{"--plan", "p.json", "--config", "c.yaml", "--override", "x.*"}, env, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		got  []Override
		want []Override
	}{
		{"action input", a.Policy.Overrides, []Override{{Name: "terraform.cost", Source: OverrideInput}, {Name: "terraform.drift", Source: OverrideInput}}},
		{"detect: flag then config", d.Policy.Overrides, []Override{{Name: "terraform.cost", Source: OverrideFlag}, {Name: "terraform.drift", Source: OverrideConfig}, {Name: "terraform.c*", Source: OverrideConfig}}},
		{"policy check: flag then config", c.Policy.Overrides, []Override{{Name: "x.*", Source: OverrideFlag}, {Name: "terraform.drift", Source: OverrideConfig}, {Name: "terraform.c*", Source: OverrideConfig}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("overrides (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := ParseDetect([]string{"--override", " "}, env, &strings.Builder{}); err == nil || !strings.Contains(err.Error(), "an override needs a policy name or glob") {
		t.Errorf("empty --override: error = %v", err)
	}
}
