package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/policies"
)

// LoadPolicies compiles the configured policies once for the whole run.
func LoadPolicies(ctx context.Context, p config.Policy, cwd string) (*policy.Engine, error) {
	srcs, set, err := PolicySources(p, cwd)
	if err != nil {
		return nil, err
	}
	e, err := policy.Load(ctx, srcs, set, policy.Options{AllowNetwork: p.AllowNetwork})
	if err != nil {
		return nil, err
	}
	// Checked before any plan, like the policies: an override that does
	// nothing would let a reader believe a failure was waived.
	if err := e.CheckOverrides(Overrides(p.Overrides)); err != nil {
		return nil, err
	}
	return e, nil
}

// PolicySources are the configured policy directories and the set of
// levels over them: drift.yaml's levels, then the --policy-set file (whose
// default-level covers every policy), then each directory's
// policy-set.yaml, whose default-level covers that directory's policies
// only, so the bundled set's "advisory" never reaches a user's deny.
func PolicySources(p config.Policy, cwd string) ([]policy.Source, policy.Set, error) {
	var srcs []policy.Source
	var set policy.Set
	for _, l := range p.Levels {
		set.Entries = append(set.Entries, policy.SetEntry{Name: l.Name, Level: policy.Level(l.Level), From: "drift.yaml policy.levels"})
	}
	// addSet adds a set file's entries and returns its default-level.
	addSet := func(path string, read func() ([]byte, error), required bool) (policy.Level, error) {
		data, err := read()
		if errors.Is(err, fs.ErrNotExist) && !required {
			return "", nil
		}
		if err != nil {
			return "", fmt.Errorf("policy set: %w", err)
		}
		s, err := policy.ParseSet(path, data)
		if err != nil {
			return "", err
		}
		set.Entries = append(set.Entries, s.Entries...)
		return s.Default, nil
	}
	if p.SetFile != "" {
		f := Abs(cwd, p.SetFile)
		def, err := addSet(p.SetFile, func() ([]byte, error) { return os.ReadFile(f) }, true)
		if err != nil {
			return nil, set, err
		}
		set.Default, set.Path = def, p.SetFile
	}
	for _, d := range p.Dirs {
		d = Abs(cwd, d)
		f := filepath.Join(d, policies.SetFile)
		def, err := addSet(f, func() ([]byte, error) { return os.ReadFile(f) }, false)
		if err != nil {
			return nil, set, err
		}
		srcs = append(srcs, policy.Source{Dir: d, Default: def, DefaultFrom: f})
	}
	if p.Bundled {
		name := "(bundled) " + policies.SetFile
		def, err := addSet(name, func() ([]byte, error) { return fs.ReadFile(policies.FS, policies.SetFile) }, false)
		if err != nil {
			return nil, set, err
		}
		srcs = append(srcs, policy.Source{FS: policies.FS, Dir: ".", Default: def, DefaultFrom: name})
	}
	if len(srcs) == 0 {
		return nil, set, errors.New("no policies: pass --policy DIR or keep the bundled policies")
	}
	return srcs, set, nil
}

// Abs resolves a path given relative to the working directory.
func Abs(cwd, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(cwd, p)
}

// Overrides are the configured overrides as the policy engine takes them.
func Overrides(os []config.Override) []policy.Override {
	out := make([]policy.Override, len(os))
	for i, o := range os {
		out[i] = policy.Override(o)
	}
	return out
}

// Masks are the config file's masks as the policy input applies them.
func Masks(f config.File) policy.Masks {
	return policy.Masks{Paths: f.MaskPaths, Values: f.MaskValues}
}

// classifyOptions are the config file's masks as the classifier applies them.
func classifyOptions(f config.File) drift.Options {
	return drift.Options{MaskPaths: f.MaskPaths, MaskValues: f.MaskValues}
}

// evaluate runs the policies over one input within the configured time
// limit; the engine returns the results already redacted.
func evaluate(ctx context.Context, e *policy.Engine, in policy.Input, p config.Policy) ([]policy.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	return e.Eval(ctx, in, Overrides(p.Overrides))
}

// Snoozes are the config file's snooze entries as the verdict applies
// them, each naming the file and line it comes from.
func Snoozes(f config.File) []drift.Snooze {
	out := make([]drift.Snooze, 0, len(f.Snoozes))
	for _, s := range f.Snoozes {
		out = append(out, drift.Snooze{Root: s.Root, Target: s.Target, Address: s.Address, Paths: s.Paths, Until: s.Until, Reason: s.Reason,
			Source: fmt.Sprintf("%s:%d", filepath.ToSlash(f.Path), s.Line)})
	}
	return out
}
