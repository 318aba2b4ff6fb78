package app

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/gitops"
	"github.com/myorg/drift-action/internal/notify"
	"github.com/myorg/drift-action/internal/report"
)

// slackOptions reach Slack; tests point them at a fake.
var slackOptions = notify.Options{}

// slackNow is the clock messages date drift ages with.
var slackNow = time.Now

// slackSent is Slack told before the record's commit (modes record and
// remediate), so that the threads it changed ride in that commit, the
// run's only one; the slack sink then tells only how it went.
type slackSent struct {
	done    bool
	postErr error // telling Slack
	keepErr error // keeping the threads, at the last attempt of the commit
}

func (s *slackSent) err() error { return errors.Join(s.postErr, s.keepErr) }

// slack tells Slack what changed since the last run, unless the gitops
// stage told it already. Its failure is a warning: it never fails the run
// nor undoes the record or the heal.
func (p *publication) slack(ctx context.Context) error {
	if !p.a.Slack.Enabled() {
		return nil
	}
	var err error
	if p.slackSent != nil && p.slackSent.done {
		err = p.slackSent.err()
	} else {
		// Nothing keeps the threads here (mode detect, aggregate without
		// record, or a run that writes nothing): every run tells every
		// drift.
		_, err = slackRun(p.a, p.doc, p.gitops).Send(ctx)
	}
	if err != nil {
		return sinkWarning{err}
	}
	return nil
}

// slackPoster is the way into Slack the settings name.
func slackPoster(s config.Slack) notify.Poster {
	if s.Token != "" {
		return notify.NewBot(s.Token, s.Channel, slackOptions)
	}
	return notify.NewWebhook(s.WebhookURL, slackOptions)
}

// slackRun is the notification of a run's document and of what the
// gitops stage did, posted the way the settings name.
func slackRun(a config.Action, doc report.Document, g gitops.Result) notify.Run {
	links := notify.Links{Run: runURL(a), PR: g.PRURL}
	if c := g.RecordCommit; c != "" && a.ServerURL != "" && a.Repository != "" {
		links.Commit = fmt.Sprintf("%s/%s/commit/%s", a.ServerURL, a.Repository, c)
	}
	return notify.Run{Doc: doc, Notes: g.Notes, Heartbeat: a.Slack.Heartbeat, Now: slackNow(), Poster: slackPoster(a.Slack), Links: links,
		Workspace: a.Workspace, StatePath: notify.StatePath(a.ReportPath)}
}

// slackBeside tells Slack before the record's commit and hands gitops the
// thread file to commit with the record; sent holds how it went for the
// slack sink.
func slackBeside(a config.Action, doc report.Document, sent *slackSent) func(context.Context, gitops.Result) []gitops.File {
	if !a.Slack.Enabled() {
		return nil
	}
	return slackBesideWith(a, doc, sent, slackPoster(a.Slack))
}

// slackBesideWith is slackBeside through poster (a dry run's printer).
func slackBesideWith(a config.Action, doc report.Document, sent *slackSent, poster notify.Poster) func(context.Context, gitops.Result) []gitops.File {
	return func(ctx context.Context, g gitops.Result) []gitops.File {
		run := slackRun(a, doc, g)
		run.Poster = poster
		run.Links.Record = recordURL(a)
		threads, err := run.Send(ctx)
		sent.done, sent.postErr = true, err
		if threads.Empty() {
			return nil
		}
		return []gitops.File{{Path: threads.Path, Regenerate: func(cur []byte) []byte {
			out, err := threads.Merge(cur)
			sent.keepErr = err
			if err != nil {
				return cur // never overwritten: it may hold a newer version's threads
			}
			return out
		}}}
	}
}

// recordURL is the report file on the branch the record is committed to,
// or "" when the run does not say where.
func recordURL(a config.Action) string {
	if a.ServerURL == "" || a.Repository == "" || a.RefName == "" {
		return ""
	}
	var segs []string
	for _, s := range strings.Split(a.RefName+"/"+a.ReportPath, "/") {
		segs = append(segs, url.PathEscape(s))
	}
	return fmt.Sprintf("%s/%s/blob/%s", a.ServerURL, a.Repository, strings.Join(segs, "/"))
}
