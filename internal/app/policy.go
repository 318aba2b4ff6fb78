package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/report"
	"github.com/myorg/drift-action/policies"
	"github.com/open-policy-agent/opa/v1/ast"
)

const policyUsage = `usage:
  drift-action policy test [--allow-network-builtins] [DIR...]   run Rego unit tests (default: the bundled policies)
  drift-action policy check --plan FILE [flags]        evaluate one plan JSON file against policies
`

func runPolicy(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, policyUsage)
		return ExitStatus(ExitError)
	}
	switch args[0] {
	case "test":
		return runPolicyTest(ctx, args[1:], env, stdout, stderr)
	case "check":
		return runPolicyCheck(ctx, args[1:], env, stdout, stderr)
	}
	fmt.Fprint(stderr, policyUsage)
	return fmt.Errorf("unknown policy command %q: use test or check", args[0])
}

func runPolicyTest(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	c, err := config.ParsePolicyTest(args, stderr)
	if err != nil {
		return err
	}
	srcs := []policy.Source{{FS: policies.FS, Dir: "."}}
	if len(c.Dirs) > 0 {
		srcs = policy.Dirs(absAll(env.Cwd, c.Dirs)...)
	}
	sum, err := policy.RunTests(ctx, srcs, stdout, 30*time.Second, policy.Options{AllowNetwork: c.AllowNetwork})
	if err != nil {
		return err
	}
	if sum.Failed+sum.Errored > 0 {
		return ExitStatus(ExitError)
	}
	return nil
}

func absAll(cwd string, dirs []string) []string {
	out := make([]string, len(dirs))
	for i, d := range dirs {
		if filepath.IsAbs(d) {
			out[i] = d
		} else {
			out[i] = filepath.Join(cwd, d)
		}
	}
	return out
}

// loadPolicies compiles the configured policies once for the whole run.
func loadPolicies(ctx context.Context, p config.Policy, cwd string) (*policy.Engine, error) {
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
		f := absAll(cwd, []string{p.SetFile})[0]
		if err := addSet(p.SetFile, func() ([]byte, error) { return os.ReadFile(f) }, true); err != nil {
			return nil, err
		}
	}
	for _, d := range absAll(cwd, p.Dirs) {
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
	if err := e.CheckOverrides(policyOverrides(p.Overrides)); err != nil {
		return nil, err
	}
	return e, nil
}

func policyOverrides(os []config.Override) []policy.Override {
	out := make([]policy.Override, len(os))
	for i, o := range os {
		out[i] = policy.Override(o)
	}
	return out
}

// masks are the config's masks as the policy input applies them.
func masks(f config.File) policy.Masks {
	return policy.Masks{Paths: f.MaskPaths, Values: f.MaskValues}
}

// checkDoc is the `policy check --format json` output.
type checkDoc struct {
	Version int             `json:"version"`
	Plan    string          `json:"plan"`
	Summary policy.Summary  `json:"summary"`
	Results []policy.Result `json:"results"`
}

func runPolicyCheck(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	c, err := config.ParsePolicyCheck(args, env, stderr)
	if err != nil {
		return err
	}
	planPath := absAll(env.Cwd, []string{c.Plan})[0]
	data, err := os.ReadFile(planPath)
	if err != nil {
		return fmt.Errorf("policy check: read plan: %w", err)
	}
	engine, err := loadPolicies(ctx, c.Policy, env.Cwd)
	if err != nil {
		return err
	}
	raw, err := policy.ParsePlan(data)
	if err != nil {
		return fmt.Errorf("policy check: %s: %w (pass the output of terraform show -json PLANFILE)", c.Plan, err)
	}
	data = nil // the parsed value is all we keep: plans can be tens of megabytes
	verdict, err := policy.Verdict(raw)
	if err != nil {
		return fmt.Errorf("policy check: %s is not a terraform plan: %w", c.Plan, err)
	}
	results, err := evalTarget(ctx, engine, raw, verdict, policy.RunContext{Event: "cli", Root: filepath.Dir(c.Plan), Target: "default"}, c.Policy, masks(c.File))
	if err != nil {
		return fmt.Errorf("policy check: %w", err)
	}
	doc := checkDoc{Version: 1, Plan: c.Plan, Summary: policy.Summarize(results), Results: results}
	if doc.Results == nil {
		doc.Results = []policy.Result{}
	}
	if c.Format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(doc); err != nil {
			return err
		}
	} else if err := report.PolicyText(stdout, results); err != nil {
		return err
	}
	if doc.Summary.Mandatory {
		return ExitStatus(ExitPolicy)
	}
	return nil
}

// evalTarget evaluates the policies for one target within the time limit;
// masked values never reach the policies, and every sensitive or masked
// value is redacted from the messages.
func evalTarget(ctx context.Context, e *policy.Engine, raw ast.Value, res drift.Result, rc policy.RunContext, p config.Policy, m policy.Masks) ([]policy.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	return e.Eval(ctx, policy.NewInput(raw, res, rc, m), policyOverrides(p.Overrides))
}
