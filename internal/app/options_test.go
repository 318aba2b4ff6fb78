package app

import (
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/discover"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/pipeline"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/tf"
	"github.com/myorg/drift-action/internal/tfsetting"
)

// The options the packages below config get are config's values, each
// handed over once: drift.yaml parsed and expanded as detect does, the
// resolved policy settings, the event, the shard and the pull request's
// changes.
func TestDetectOptions(t *testing.T) {
	t.Parallel()
	f, err := config.ParseFile(".github/drift.yaml", []byte(`checks: error
exclude: [legacy/*]
ignore: [{type: "*", paths: [tags_all]}]
mask: {paths: [password], values: ["tok-[0-9]+"]}
snooze:
  - {root: infra/app, address: aws_instance.web, until: 2030-01-01, reason: moving}
roots:
  - dir: infra/app
    timeout: 1h
    depends-on: [shared/**]
    ignore: [{type: aws_instance, paths: [ami]}]
    targets:
      - name: eu
        workspace: eu
        var-files: [eu.tfvars]
        backend-config: [eu.hcl, {value: "key=${KEY}", sensitive: true}]
        vars: {region: eu-west-1}
        env: {AWS_PROFILE: eu}
        timeout: 10m
      - name: us
        vars: {token: "${UNSET}"}
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.ExpandTargets(config.Lookup([]string{"KEY=k-1"})); err != nil {
		t.Fatal(err)
	}
	unset := f.Roots[0].Targets[1].Unset
	if unset == nil {
		t.Fatal("the target with ${UNSET} has no Unset error: the case proves nothing")
	}
	version, err := tfsetting.ParseVersion("~> 1.10")
	if err != nil {
		t.Fatal(err)
	}
	c := config.Detect{
		Cwd: "/repo/sub", RepoRoot: "/repo", Dirs: []string{"infra/*"}, File: f, Environ: []string{"KEY=k-1"},
		Parallelism: 3, Timeout: time.Hour, LockTimeout: time.Minute, Grace: time.Second, Terraform: "tofu",
		PluginCacheDir: "/cache", Event: "pull_request", OnlyRoots: []string{"infra/app"}, Shard: config.Shard{Index: 2, Count: 4},
		TerraformVersion: version, ReleasesURL: "https://mirror.example", ReleasesKey: "KEY",
		Policy: config.Policy{Dirs: []string{"policies"}, Bundled: true, SetFile: "set.yaml", Timeout: 5 * time.Second,
			Levels:    []config.Level{{Name: "terraform.*", Level: "hard-mandatory"}},
			Overrides: []config.Override{{Name: "terraform.cost", Source: config.OverrideLabel, By: "octocat"}},
			Manifests: []string{"k8s/*.yaml"}, AllowNetwork: true},
	}
	changes := &discover.Changes{Files: []string{"infra/app/main.tf"}, Source: "git"}

	masks := []*regexp.Regexp{regexp.MustCompile("tok-[0-9]+"), regexp.MustCompile(regexp.QuoteMeta("k-1"))}
	file := discover.File{Path: ".github/drift.yaml", Exclude: []string{"legacy/*"},
		Ignore: []drift.IgnoreRule{{Type: "*", Paths: []string{"tags_all"}}},
		Roots: []discover.Root{{Dir: "infra/app", Line: 8, Timeout: time.Hour, DependsOn: []string{"shared/**"},
			Ignore: []drift.IgnoreRule{{Type: "aws_instance", Paths: []string{"ami"}}},
			Targets: []discover.TargetConfig{
				{Name: "eu", Workspace: "eu", VarFiles: []string{"eu.tfvars"}, VarFileLines: []int{15}, Timeout: 10 * time.Minute,
					BackendConfig: []discover.Setting{{Value: "eu.hcl", Line: 16}, {Value: "key=k-1", Sensitive: true, Line: 16}},
					Vars:          []discover.Setting{{Key: "region", Value: "eu-west-1", Line: 17}},
					Env:           []discover.Setting{{Key: "AWS_PROFILE", Value: "eu", Line: 18}}},
				{Name: "us", Vars: []discover.Setting{{Key: "token", Value: "${UNSET}", Line: 21}}, Unset: unset},
			}}}}
	overrides := []policy.Override{{Name: "terraform.cost", Source: "label", By: "octocat"}}
	want := pipeline.Options{
		Find: discover.Request{Cwd: "/repo/sub", RepoRoot: "/repo", Args: []string{"infra/*"}, File: file},
		Choose: discover.Choice{Cwd: "/repo/sub", RepoRoot: "/repo", OnlyRoots: []string{"infra/app"}, Changes: changes,
			Shard: discover.Part{Index: 2, Count: 4}, File: file, Policies: []string{"policies", "set.yaml"}},
		Policies: &pipeline.Policies{Dirs: []string{"policies"}, Bundled: true, SetFile: "set.yaml",
			Levels: []policy.SetEntry{{Name: "terraform.*", Level: policy.HardMandatory, From: "drift.yaml policy.levels"}}, Overrides: overrides,
			Manifests: []string{"k8s/*.yaml"}, AllowNetwork: true},
		Rules: pipeline.Rules{Masks: policy.Masks{Paths: []string{"password"}, Values: masks},
			Snoozes: []drift.Snooze{{Root: "infra/app", Address: "aws_instance.web", Until: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
				Reason: "moving", Source: ".github/drift.yaml:6", Line: 6}},
			Overrides: overrides, PolicyTimeout: 5 * time.Second, Event: "pull_request"},
		Checks: drift.CheckErrors,
		Terraform: tf.Options{Binary: "tofu", Env: []string{"KEY=k-1"}, PluginCacheDir: "/cache", Timeout: time.Hour,
			LockTimeout: time.Minute, Grace: time.Second},
		Version: version, ReleasesURL: "https://mirror.example", ReleasesKey: "KEY", Parallelism: 3,
	}
	opts := cmp.Options{
		cmp.Comparer(func(a, b *regexp.Regexp) bool { return a.String() == b.String() }),
		cmp.Comparer(func(a, b error) bool { return errors.Is(a, b) && errors.Is(b, a) }),
		// The pipeline's test-only switch (every clean plan evaluated) is
		// not app's to set.
		cmpopts.IgnoreUnexported(pipeline.Options{}),
	}
	if diff := cmp.Diff(want, detectOptions(c, changes), opts); diff != "" {
		t.Errorf("detectOptions (-want +got):\n%s", diff)
	}

	// Policies off: none compiled, and a change to a policy directory
	// affects no root.
	c.Policy.Disabled = true
	off := detectOptions(c, changes)
	if off.Policies != nil || off.Choose.Policies != nil {
		t.Errorf("policies off: Policies %+v, Choose.Policies %q; want none", off.Policies, off.Choose.Policies)
	}
}

// discover's names for what config also names agree with config's.
func TestDiscoverConstantsAgree(t *testing.T) {
	t.Parallel()
	if config.DefaultFile != discover.ConfigFile {
		t.Errorf("config.DefaultFile = %q, discover.ConfigFile = %q: keep them equal", config.DefaultFile, discover.ConfigFile)
	}
	if config.PullRequestAffected != discover.ModeAffected {
		t.Errorf("config.PullRequestAffected = %q, discover.ModeAffected = %q: keep them equal", config.PullRequestAffected, discover.ModeAffected)
	}
}
