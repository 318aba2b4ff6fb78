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
	var srcs []policy.Source
	var set policy.Set
	for _, l := range p.Levels {
		set.Entries = append(set.Entries, policy.SetEntry{Name: l.Name, Level: policy.Level(l.Level)})
	}
	addSet := func(path string, read func() ([]byte, error), required bool) error {
		data, err := read()
		if errors.Is(err, fs.ErrNotExist) && !required {
			return nil
		}
		if err != nil {
			return fmt.Errorf("policy set: %w", err)
		}
		s, err := policy.ParseSet(path, data)
		if err != nil {
			return err
		}
		set.Entries = append(set.Entries, s.Entries...)
		if set.Default == "" {
			set.Default = s.Default
		}
		return nil
	}
	if p.SetFile != "" {
		f := Abs(cwd, p.SetFile)
		if err := addSet(p.SetFile, func() ([]byte, error) { return os.ReadFile(f) }, true); err != nil {
			return nil, err
		}
	}
	for _, d := range p.Dirs {
		d = Abs(cwd, d)
		srcs = append(srcs, policy.Source{Dir: d})
		f := filepath.Join(d, policies.SetFile)
		if err := addSet(f, func() ([]byte, error) { return os.ReadFile(f) }, false); err != nil {
			return nil, err
		}
	}
	if p.Bundled {
		srcs = append(srcs, policy.Source{FS: policies.FS, Dir: "."})
		if err := addSet("(bundled) "+policies.SetFile, func() ([]byte, error) { return fs.ReadFile(policies.FS, policies.SetFile) }, false); err != nil {
			return nil, err
		}
	}
	if len(srcs) == 0 {
		return nil, errors.New("no policies: pass --policy DIR or keep the bundled policies")
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
