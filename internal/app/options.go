package app

import (
	"fmt"
	"path/filepath"

	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/discover"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/pipeline"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/tf"
)

// The packages below config are handed its parsed values here, once, as
// their own small option types: pipeline and discover never read config.

// detectOptions are the pipeline's options for the detect configuration
// c; changes are a pull request's changed files when it plans only the
// roots they affect (nil plans every root).
func detectOptions(c config.Detect, changes *discover.Changes) pipeline.Options {
	file := discoverFile(c.File)
	o := pipeline.Options{
		Find: discover.Request{Cwd: c.Cwd, RepoRoot: c.RepoRoot, Args: c.Dirs, File: file},
		Choose: discover.Choice{Cwd: c.Cwd, RepoRoot: c.RepoRoot, OnlyRoots: c.OnlyRoots, Changes: changes,
			Window: discover.Schedule{Length: c.Window.Length, Every: c.Window.Every, At: c.Window.At},
			Shard:  discover.Part{Index: c.Shard.Index, Count: c.Shard.Count}, File: file},
		Rules:       judgeRules(c.File, c.Policy, c.Event),
		Checks:      drift.CheckLevel(c.File.Checks),
		Terraform:   terraformOptions(c),
		Version:     c.TerraformVersion,
		ReleasesURL: c.ReleasesURL,
		ReleasesKey: c.ReleasesKey,
		Parallelism: c.Parallelism,
		// Each target's terraform log, kept redacted (pipeline).
		TerraformLogDir: c.TerraformLogDir,
		Budgets:         budgets(c.File.Budgets),
	}
	if !c.Policy.Disabled {
		p := policySettings(c.Policy)
		o.Policies = &p
		// A change to a policy the run evaluates affects every root.
		o.Choose.Policies = append(o.Choose.Policies, c.Policy.Dirs...)
		if c.Policy.SetFile != "" {
			o.Choose.Policies = append(o.Choose.Policies, c.Policy.SetFile)
		}
	}
	return o
}

// terraformOptions are how terraform runs for c's targets: the configured
// executable, the environment and the time limits.
func terraformOptions(c config.Detect) tf.Options {
	return tf.Options{Binary: c.Terraform, Env: c.Environ, PluginCacheDir: c.PluginCacheDir,
		Timeout: c.Timeout, LockTimeout: c.LockTimeout, Grace: c.Grace,
		LogLevel: c.TerraformLogLevel, ProgressEvery: c.ProgressInterval}
}

// discoverFile is what discovery reads of drift.yaml.
func discoverFile(f config.File) discover.File {
	out := discover.File{Path: f.Path, Exclude: f.Exclude, Ignore: ignoreRules(f.Ignore)}
	for _, r := range f.Roots {
		root := discover.Root{Dir: r.Dir, Line: r.Line, Ignore: ignoreRules(r.Ignore), Timeout: r.Timeout, DependsOn: r.DependsOn, New: r.New}
		for _, t := range r.Targets {
			root.Targets = append(root.Targets, discover.TargetConfig{
				Name: t.Name, Workspace: t.Workspace, VarFiles: t.VarFiles, VarFileLines: t.VarFileLines,
				BackendConfig: settings(t.BackendConfig), Vars: settings(t.Vars), Env: settings(t.Env),
				Timeout: t.Timeout, Unset: t.Unset,
			})
		}
		out.Roots = append(out.Roots, root)
	}
	return out
}

func ignoreRules(rs []config.IgnoreRule) []drift.IgnoreRule {
	var out []drift.IgnoreRule
	for _, r := range rs {
		out = append(out, drift.IgnoreRule{Type: r.Type, Paths: r.Paths})
	}
	return out
}

func settings(ss []config.Setting) []discover.Setting {
	var out []discover.Setting
	for _, s := range ss {
		out = append(out, discover.Setting{Key: s.Key, Value: s.Value, Sensitive: s.Sensitive, Line: s.Line})
	}
	return out
}

// policySettings are the resolved policy settings p as the pipeline compiles
// them.
func policySettings(p config.Policy) pipeline.Policies {
	out := pipeline.Policies{Dirs: p.Dirs, Bundled: p.Bundled, SetFile: p.SetFile, Overrides: overrides(p.Overrides),
		Manifests: p.Manifests, AllowNetwork: p.AllowNetwork}
	for _, l := range p.Levels {
		out.Levels = append(out.Levels, policy.SetEntry{Name: l.Name, Level: policy.Level(l.Level), From: "drift.yaml policy.levels"})
	}
	return out
}

func overrides(os []config.Override) []policy.Override {
	out := make([]policy.Override, len(os))
	for i, o := range os {
		out[i] = policy.Override(o)
	}
	return out
}

// judgeRules are how drift.yaml (f), the resolved policy settings (p) and
// the event that started the run have every target's plan judged.
func judgeRules(f config.File, p config.Policy, event string) pipeline.Rules {
	r := pipeline.Rules{
		Masks:         policy.Masks{Paths: f.MaskPaths, Values: f.MaskValues},
		Overrides:     overrides(p.Overrides),
		PolicyTimeout: p.Timeout,
		Event:         event,
	}
	for _, s := range f.Snoozes {
		r.Snoozes = append(r.Snoozes, drift.Snooze{Root: s.Root, Target: s.Target, Address: s.Address, Paths: s.Paths, Until: s.Until, Reason: s.Reason,
			Source: fmt.Sprintf("%s:%d", filepath.ToSlash(f.Path), s.Line), Line: s.Line})
	}
	return r
}

// budgets are drift.yaml's request budgets as the pipeline plans with them.
func budgets(bs []config.Budget) []pipeline.Budget {
	var out []pipeline.Budget
	for _, b := range bs {
		out = append(out, pipeline.Budget{Provider: b.Provider, Root: b.Root, Rate: b.Rate, Latency: b.Latency, Line: b.Line})
	}
	return out
}
