package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/pipeline"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/report"
)

const policyUsage = `usage:
  drift-action policy test [--allow-network-builtins] [DIR...]   run Rego unit tests (default: the bundled policies)
  drift-action policy check --plan FILE [flags]                  evaluate one plan JSON file against policies

Run "drift-action policy test -h" or "drift-action policy check -h" for their flags.
`

func runPolicy(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, policyUsage)
		return errors.New("policy: name a command: test or check")
	}
	switch args[0] {
	case "test":
		return runPolicyTest(ctx, args[1:], env, stdout, stderr)
	case "check":
		return runPolicyCheck(ctx, args[1:], env, stdout, stderr)
	case "-h", "--help", "help":
		return &config.HelpError{Usage: policyUsage}
	}
	fmt.Fprint(stderr, policyUsage)
	return fmt.Errorf("unknown policy command %q: use test or check", args[0])
}

func runPolicyTest(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	c, err := config.ParsePolicyTest(args, stderr)
	if err != nil {
		return err
	}
	// The levels are those the directories' own policy sets give, as detect
	// gives them when drift.yaml and --policy-set name none.
	srcs, set, err := pipeline.PolicySources(pipeline.Policies{Dirs: c.Dirs, Bundled: len(c.Dirs) == 0}, env.Cwd)
	if err != nil {
		return err
	}
	sum, err := policy.RunTests(ctx, srcs, set, stdout, 30*time.Second, policy.Options{AllowNetwork: c.AllowNetwork})
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
		out[i] = pipeline.Abs(cwd, d)
	}
	return out
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
	// Which root the plan is for is settled first: a wrong --root fails
	// before policies compile.
	target, note, err := pipeline.CheckTarget(pipeline.CheckRequest{Cwd: c.Cwd, RepoRoot: c.RepoRoot, File: discoverFile(c.File), Root: c.Root, Target: c.Target, Plan: c.Plan})
	if err != nil {
		return fmt.Errorf("policy check: %w", err)
	}
	if note != "" {
		fmt.Fprintf(stderr, "policy check: %s\n", note)
	}
	planPath := absAll(env.Cwd, []string{c.Plan})[0]
	data, err := os.ReadFile(planPath)
	if err != nil {
		return fmt.Errorf("policy check: read plan: %w", err)
	}
	engine, err := pipeline.LoadPolicies(ctx, policySettings(c.Policy), env.Cwd)
	if err != nil {
		return err
	}
	plan, err := pipeline.ReadPlanFor(data, engine.RawReads())
	if err != nil {
		return fmt.Errorf("policy check: %s: %w (pass the output of terraform show -json PLANFILE)", c.Plan, err)
	}
	data = nil // the parsed plan is all we keep: plans can be tens of megabytes
	// The judge detect builds for the same target: its ignore rules,
	// snoozes, masks and policy settings.
	judge := pipeline.NewJudge(judgeRules(c.File, c.Policy, "cli"), target)
	checked, err := pipeline.Check(ctx, engine, plan, judge, time.Now())
	if err != nil {
		return fmt.Errorf("policy check: %w", err)
	}
	results := checked.Policy
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
