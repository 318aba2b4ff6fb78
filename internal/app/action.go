package app

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/myorg/drift-action/internal/actions"
	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/github"
	"github.com/myorg/drift-action/internal/gitops"
)

// Commenter keeps one sticky comment per pull request up to date.
type Commenter interface {
	UpsertStickyComment(ctx context.Context, owner, repo string, pr int, marker string, bodies []string) ([]string, error)
}

// githubClient is the run's GitHub edge (comments, remediation PRs, the
// record's fallback PR), at GITHUB_API_URL: tests point it at the stateful
// fake through that variable.
func githubClient(ctx context.Context, a config.Action) (*github.Client, error) {
	return github.NewClient(ctx, a.Token, a.APIURL, nil, github.WithCommentAuthor(a.CommentAuthor))
}

// reported marks an error the job summary already tells, so the end of the
// run does not tell it twice.
type reported struct{ error }

func (r reported) Unwrap() error { return r.error }

// mainAction is the GitHub Action's process: commands are off in the log
// before anything is printed, every error ends as an annotation and a line
// in the job summary, and a failed write makes the exit code 1.
func mainAction(ctx context.Context, env config.Env, stdout interface{ Write([]byte) (int, error) }) (code int) {
	log := actions.New(stdout, env.RunnerFiles())
	if err := log.Start(); err != nil {
		return ExitError // nothing can be said: the log itself is broken
	}
	defer func() {
		if p := recover(); p != nil {
			log.Printf("drift-action: internal error: %v\n%s", p, debug.Stack())
			log.Annotate(actions.Annotation{Level: "error", Title: "drift-action", Msg: fmt.Sprintf("internal error: %v", p)})
			code = ExitError
		}
	}()
	err := runAction(ctx, env, log)
	code = actionExit(err, log)
	if werr := log.Err(); werr != nil && code != ExitError {
		// A report that could not be written is not a drift or a clean
		// verdict: the reader never saw it.
		code = ExitError
	}
	return code
}

// actionExit turns runAction's error into the exit code, telling real
// errors as annotations and, when not told already, in the job summary.
func actionExit(err error, log *actions.Log) int {
	if err == nil {
		return ExitClean
	}
	var st ExitStatus
	if errors.As(err, &st) {
		return int(st)
	}
	err = describeErr(err)
	log.Annotate(actions.Annotation{Level: "error", Title: "drift-action", Msg: err.Error()})
	var rep reported
	if !errors.As(err, &rep) && log.HasFile("GITHUB_STEP_SUMMARY") {
		log.AddStepSummary("### ❌ drift-action failed\n\n" + fenced(err.Error()))
	}
	return ExitError
}

// fenced puts text in a markdown code block that the text cannot close.
func fenced(text string) string {
	fence := "```"
	for strings.Contains(text, fence) {
		fence += "`"
	}
	return fence + "text\n" + strings.TrimSpace(text) + "\n" + fence + "\n"
}

// runAction is the GitHub Action: inputs from INPUT_*, results to the job
// summary, annotations, outputs and the pull request.
func runAction(ctx context.Context, env config.Env, log *actions.Log) error {
	a, err := config.ParseAction(env)
	secrets := []string{a.Token, a.Slack.WebhookURL, a.Slack.Token}
	if u, perr := url.Parse(a.Metrics.PushURL); perr == nil && u.User != nil {
		pass, _ := u.User.Password()
		secrets = append(secrets, pass)
	}
	for _, secret := range secrets {
		if secret != "" {
			if merr := log.Mask(secret); merr != nil {
				return merr
			}
		}
	}
	if err != nil {
		return fmt.Errorf("invalid inputs (fix the workflow's with: block): %w", err)
	}
	ev, err := config.ParseEvent(a.EventName, a.EventPath)
	if err != nil {
		return err
	}
	switch a.Mode {
	case "list":
		return actionList(ctx, a, ev, env, log)
	case "aggregate":
		return actionAggregate(ctx, a, ev, log)
	}
	return actionDetect(ctx, a, ev, env, log)
}

func actionDetect(ctx context.Context, a config.Action, ev config.Event, env config.Env, log *actions.Log) error {
	c, err := config.ActionDetect(a, ev, env)
	if err != nil {
		return err
	}
	if err := log.Printf("drift-action: planning (%s)\n", describeEvent(ev)); err != nil {
		return err
	}
	changes, err := pullRequestChanges(ctx, a, ev, c, log)
	if err != nil {
		return err
	}
	o := detectOptions(c, changes)
	// Progress goes straight to the log: directory names and terraform's
	// words are untrusted, and the log never runs commands from them.
	started := time.Now() // the run's time, for targets that never planned
	run, err := detect(ctx, o, c.GatekeeperBin, log)
	defer run.Close()
	if err != nil {
		return err
	}
	if err := logSelection(log, run.Selection); err != nil {
		return err
	}
	doc := document(run)
	doc.Origin = origin(a)
	var g gitops.Result
	var sent *slackSent
	if a.Mode == "record" || a.Mode == "remediate" {
		// Before the sinks: the summary and the comment tell what it did.
		// Slack is told before the record's commit, which keeps its threads.
		sent = &slackSent{}
		if g, err = runGitOps(ctx, a, ev, c, o, run, started, log, slackBeside(a, doc, sent)); err != nil {
			return err
		}
	}
	return publish(ctx, a, ev, doc, log, g, sent, started)
}

func describeEvent(ev config.Event) string {
	switch {
	case ev.Name == "":
		return "no event"
	case ev.PR > 0:
		return fmt.Sprintf("%s #%d", ev.Name, ev.PR)
	case ev.DispatchType != "":
		s := ev.Name + " " + strconv.Quote(ev.DispatchType)
		if len(ev.Roots) > 0 {
			s += " for " + strings.Join(ev.Roots, ", ")
		}
		return s
	}
	return ev.Name
}
