package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/policies"
)

// Policies say which policies a run compiles and how they are enforced:
// the resolved policy settings (flags, inputs, drift.yaml), as the caller
// (app) hands them from config.
type Policies struct {
	Dirs    []string // user policy directories, relative to the working directory
	Bundled bool     // the policies shipped in the binary
	SetFile string   // a policy set file, relative to the working directory; "" for none
	// Levels are drift.yaml's enforcement levels, before any set file's.
	Levels []policy.SetEntry
	// Overrides are the soft-mandatory policies overridden for this run;
	// each must name a policy (checked when they compile).
	Overrides    []policy.Override
	Manifests    []string // Kubernetes manifest globs for Gatekeeper
	AllowNetwork bool     // builtins that reach the network or the runtime
}

// LoadPolicies compiles the configured policies once for the whole run.
func LoadPolicies(ctx context.Context, p Policies, cwd string) (*policy.Engine, error) {
	var srcs []policy.Source
	set := policy.Set{Entries: slices.Clone(p.Levels)}
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
	if err := e.CheckOverrides(p.Overrides); err != nil {
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

// evaluate runs the policies over one input within the time limit, with
// the run's overrides; the engine returns the results already redacted.
func evaluate(ctx context.Context, e *policy.Engine, in policy.Input, timeout time.Duration, overrides []policy.Override) ([]policy.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return e.Eval(ctx, in, overrides)
}
