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
	if err := e.CheckOverrides(p.Overrides); err != nil {
		return nil, err
	}
	return e, nil
}

// PolicySources are the configured policy directories and the set of
// levels over them: drift.yaml's levels, then the --policy-set file (whose
// default-level covers every policy), then each directory's
// policy-set.yaml, whose default-level covers that directory's policies
// only, so the bundled set's "advisory" never reaches a user's deny.
func PolicySources(p Policies, cwd string) ([]policy.Source, policy.Set, error) {
	var srcs []policy.Source
	set := policy.Set{Entries: slices.Clone(p.Levels)}
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

// evaluate runs the policies over one input within the time limit, with
// the run's overrides; the engine returns the results already redacted.
func evaluate(ctx context.Context, e *policy.Engine, in policy.Input, timeout time.Duration, overrides []policy.Override) ([]policy.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return e.Eval(ctx, in, overrides)
}
