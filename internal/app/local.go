package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/myorg/drift-action/internal/actions"
	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/gitops"
	"github.com/myorg/drift-action/internal/gitops/dryrun"
	"github.com/myorg/drift-action/internal/gitrepo"
	"github.com/myorg/drift-action/internal/metrics"
)

// runLocal is `drift-action record` and `drift-action remediate`: the
// action's modes from a terminal, through the same gitops stage and Slack
// notification, with the edges a laptop has (a local commit unless
// --push) or, under --dry-run, edges that show each side effect instead.
func runLocal(ctx context.Context, mode string, args []string, env config.Env, stdout, stderr io.Writer) error {
	l, err := config.ParseLocal(mode, args, env, stderr)
	if err != nil {
		return err
	}
	a, c := l.Action, l.Detect
	out, log := stdout, &cliLog{w: stderr}
	if env.InAction() {
		// Run as a workflow step (a rehearsal in CI): the report, diffs,
		// bodies and messages hold untrusted text, so the whole output is
		// one log whose workflow commands are off, as the action's is.
		alog := actions.New(stdout, env.RunnerFiles())
		if err := alog.Start(); err != nil {
			return err
		}
		for _, secret := range []string{a.Token, a.Slack.WebhookURL, a.Slack.Token} {
			if secret != "" {
				if err := alog.Mask(secret); err != nil {
					return err
				}
			}
		}
		out, log = alog, &cliLog{w: alog, runner: alog}
	}
	started := time.Now()
	po := detectOptions(c, nil)
	run, err := detect(ctx, po, c.GatekeeperBin, log)
	defer run.Close()
	if err != nil {
		return err
	}
	doc := document(run)
	o := gitopsOptions(a, config.Event{Name: a.EventName})
	o.RepoRoot = c.RepoRoot
	if mode == "remediate" {
		if o.Remediation, err = gitopsRemediation(a, c); err != nil {
			return err
		}
	}
	e := gitopsEdges(a, po, c.GatekeeperBin, log)
	var dry *dryrun.Edges
	poster := slackPoster(a.Slack)
	if l.DryRun {
		dry = dryrun.New(c.RepoRoot, a.Slack.Token != "", a.Slack.Enabled())
		e.Git, e.GitHub, e.Applier, poster = dry.Git, dry.GitHub, dry, dry
	} else {
		push := l.Push
		e.Git = func(dir string, o gitrepo.Options) gitops.Git {
			o.Local = !push
			return gitrepo.New(dir, o)
		}
	}
	// Slack is told before the record's commit, which keeps its threads,
	// as in the action; a dry run shows the messages whether or not Slack
	// is set up, but only a Slack that is set up keeps threads, so the
	// commit a dry run shows is the one a real run would make.
	tellSlack := l.DryRun || a.Slack.Enabled()
	sent := &slackSent{}
	if a.Slack.Enabled() {
		e.Beside = slackBesideWith(a, doc, sent, poster)
	}
	g := gitops.Run(ctx, o, e, run, started)
	doc.Activity = append(doc.Activity, g.Activity...)
	// A dry run's activity is what a real run would have done.
	doc.DryRun = l.DryRun
	doc.Recorded = doc.Recorded || (g.Recorded && !l.DryRun)
	slackErr := sent.err()
	if tellSlack && !sent.done {
		// Nothing was recorded: Slack is told, and nothing keeps threads.
		sr := slackRun(a, doc, g)
		sr.Poster = poster
		_, slackErr = sr.Send(ctx)
	}

	if err := renderDetect(out, c, doc); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	if dry != nil {
		// After a document a program reads (json, sarif), the sections go
		// to the log, so stdout stays that one document.
		sections := out
		if c.Format == "json" || c.Format == "sarif" {
			sections = log
		}
		if err := dry.Print(sections, mode, g.Heal); err != nil {
			return fmt.Errorf("render: %w", err)
		}
	}
	if err := writeMetricsFile(c.MetricsFile, metrics.Input{Doc: doc, Started: started, Duration: time.Since(started),
		Reports: g.Reports, Heals: g.Heals, PullRequests: g.PullRequests}); err != nil {
		return err
	}
	if slackErr != nil {
		// As in the action: Slack never fails the run.
		log.Annotate(actions.Annotation{Level: "warning", Title: "drift-action: slack failed", Msg: slackErr.Error()})
	}
	if err := errors.Join(g.Errs...); err != nil {
		return err
	}
	// The action's exit rule: drift is what these commands act on, an
	// error only with --fail-on-drift.
	switch code := doc.ExitCode(); {
	case code == ExitError, code == ExitPolicy:
		return ExitStatus(code)
	case code == ExitDrift && a.FailOnDrift && doc.Drifted:
		return ExitStatus(ExitDrift)
	}
	return nil
}

// cliLog is the gitops stage's log on a terminal: progress and warnings
// on stderr; under a runner, annotations are the runner's.
type cliLog struct {
	w      io.Writer
	runner *actions.Log
}

func (l *cliLog) Write(p []byte) (int, error) { return l.w.Write(p) }

func (l *cliLog) Printf(format string, args ...any) error {
	_, err := fmt.Fprintf(l.w, format, args...)
	return err
}

func (l *cliLog) Annotate(a actions.Annotation) error {
	if l.runner != nil {
		return l.runner.Annotate(a)
	}
	_, err := fmt.Fprintf(l.w, "%s: %s\n", a.Level, a.Msg)
	return err
}
