package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/myorg/drift-action/internal/actions"
	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/discover"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/gitops"
	"github.com/myorg/drift-action/internal/pipeline"
	"github.com/myorg/drift-action/internal/remediate"
	"github.com/myorg/drift-action/internal/remedypr"
	"github.com/myorg/drift-action/internal/report"
)

// gitopsOptions are the gitops stage's settings from the action's inputs
// and event; mode remediate adds its own (gitopsRemediation).
func gitopsOptions(a config.Action, ev config.Event) gitops.Options {
	return gitops.Options{
		Mode:      a.Mode,
		Event:     gitops.Event{Name: ev.Name, PR: ev.PR, Fork: ev.Fork, ReadsOnly: ev.ReadsOnly(), Path: a.EventPath},
		Workspace: a.Workspace, ReportPath: a.ReportPath, LogPath: a.LogPath, Group: a.RecordGroup,
		Repository: a.Repository, RefName: a.RefName, SHA: a.SHA,
		RunID: a.RunID, RunAttempt: a.RunAttempt, RunURL: runURL(a), Token: a.Token,
	}
}

// gitopsRemediation are mode remediate's settings: drift.yaml's remediation
// rules with the action's remediation input, and the terraform settings
// apply runs with.
func gitopsRemediation(a config.Action, c config.Detect) (gitops.Remediation, error) {
	rules, err := remediationRules(c.File.Remediation, a.Remediation)
	if err != nil {
		return gitops.Remediation{}, fmt.Errorf("heal: %w", err)
	}
	strategy, _ := c.File.Remediation.Strategy(a.Remediation) // remediationRules checked it
	return gitops.Remediation{
		Rules:     rules,
		Strategy:  remedypr.Strategy(strategy),
		MaxOpen:   c.File.Remediation.OpenPRCap(),
		Terraform: terraformOptions(c),
		// terraform apply's own errors: not the verdict, new text.
		ApplyRedact: drift.NewRedactor(nil, c.File.MaskValues).Redact,
	}, nil
}

// remediationRules are drift.yaml's remediation settings with the default
// strategy the action's remediation input gives ("" when not set), as
// remediate decides with them: config hands out the values, remediate
// never reads config.
func remediationRules(c config.Remediation, input string) (remediate.Rules, error) {
	def, err := c.Strategy(input)
	if err != nil {
		return remediate.Rules{}, err
	}
	r := remediate.Rules{Default: remediate.Strategy(def), SafeTypes: c.SafeTypes, Guardrails: remediate.Guardrails(c.Guardrails)}
	for _, rr := range c.Roots {
		root := remediate.RootRule{Dir: rr.Dir, Strategy: remediate.Strategy(rr.Strategy), Guardrails: remediate.Guardrails(rr.Guardrails)}
		for _, t := range rr.Types {
			root.Types = append(root.Types, remediate.TypeRule{Type: t.Type, Strategy: remediate.Strategy(t.Strategy)})
		}
		r.Roots = append(r.Roots, root)
	}
	return r, nil
}

// gitopsLog is where the gitops stage and its re-plans write: the
// runner's log in the action, the terminal for record and remediate.
type gitopsLog interface {
	gitops.Log
	io.Writer
}

// gitopsEdges are the GitHub client, the pipeline (a root planned again
// before a heal, with the run's options o) and the log, for the gitops
// stage.
func gitopsEdges(a config.Action, o pipeline.Options, gatekeeperBin string, log gitopsLog) gitops.Edges {
	e := gitopsRecordEdges(a, log)
	e.Replan = func(ctx context.Context, root string) (pipeline.Run, error) {
		ro := o
		ro.Choose.OnlyRoots, ro.Choose.Shard = []string{root}, discover.Part{}
		return detect(ctx, ro, gatekeeperBin, log)
	}
	e.Roots = func(run pipeline.Run) []report.Root { return document(run).Roots }
	return e
}

// gitopsRecordEdges are what recording alone needs: GitHub (a refused
// push's pull request) and the log.
func gitopsRecordEdges(a config.Action, log gitops.Log) gitops.Edges {
	return gitops.Edges{
		GitHub: func(ctx context.Context) (gitops.GitHub, error) {
			if a.Token == "" {
				return nil, errors.New("no github-token: remediation pull requests need one with contents: write and pull-requests: write")
			}
			return githubClient(ctx, a)
		},
		Log: log,
	}
}

// runGitOps is modes record and remediate's stage after detection; beside
// adds files to the record's commit (Slack's threads).
func runGitOps(ctx context.Context, a config.Action, ev config.Event, c config.Detect, po pipeline.Options, run pipeline.Run, started time.Time, log *actions.Log, beside func(context.Context, gitops.Result) []gitops.File) (gitops.Result, error) {
	o := gitopsOptions(a, ev)
	o.RepoRoot = c.RepoRoot
	if a.Mode == "remediate" {
		r, err := gitopsRemediation(a, c)
		if err != nil {
			return gitops.Result{}, err
		}
		o.Remediation = r
	}
	e := gitopsEdges(a, po, c.GatekeeperBin, log)
	e.Beside = beside
	return gitops.Run(ctx, o, e, run, started), nil
}
