package app

import (
	"context"
	"fmt"
	"time"

	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/gitops"
	"github.com/myorg/drift-action/internal/gitrepo"
	"github.com/myorg/drift-action/internal/notify"
	"github.com/myorg/drift-action/internal/report"
)

// slackOptions reach Slack; tests point them at a fake.
var slackOptions = notify.Options{}

// slackNow is the clock messages date drift ages with.
var slackNow = time.Now

// slack tells Slack what changed since the last run. Its failure is a
// warning: it never fails the run nor undoes the record or the heal.
func (p *publication) slack(ctx context.Context) error {
	if !p.a.Slack.Enabled() {
		return nil
	}
	if err := p.notifySlack(ctx); err != nil {
		return sinkWarning{err}
	}
	return nil
}

func (p *publication) notifySlack(ctx context.Context) error {
	run := slackRun(p.a, p.doc, p.gitops)
	run.Poster = slackPoster(p.a.Slack)
	// The threads are committed beside the record, in modes that record;
	// mode detect keeps nothing, so it tells every drift.
	if a := p.a; (a.Mode == "record" || a.Mode == "remediate") && !p.ev.ReadsOnly() && p.gitops.ReportPath != "" {
		run.Commit = p.commitFile
	}
	return run.Send(ctx)
}

// slackPoster is the way into Slack the settings name.
func slackPoster(s config.Slack) notify.Poster {
	if s.Token != "" {
		return notify.NewBot(s.Token, s.Channel, slackOptions)
	}
	return notify.NewWebhook(s.WebhookURL, slackOptions)
}

// slackRun is a run's notification, but for its poster and commit.
func slackRun(a config.Action, doc report.Document, g gitops.Result) notify.Run {
	links := notify.Links{Run: runURL(a), PR: g.PRURL}
	if c := g.RecordCommit; c != "" && a.ServerURL != "" && a.Repository != "" {
		links.Commit = fmt.Sprintf("%s/%s/commit/%s", a.ServerURL, a.Repository, c)
	}
	return notify.Run{Doc: doc, Notes: g.Notes, Heartbeat: a.Slack.Heartbeat, Now: slackNow(), Links: links,
		Workspace: a.Workspace, StatePath: notify.StatePath(a.ReportPath), RunID: a.RunID}
}

// commitFile commits one file to the branch with git, as the record is.
func (p *publication) commitFile(ctx context.Context, file, message string, regenerate func([]byte) ([]byte, error)) error {
	a := p.a
	allowed, why := gitrepo.WriteAllowed(p.ev.Name, p.ev.Fork)
	repo := gitrepo.New(a.Workspace, gitrepo.Options{AllowWrite: allowed, ReadOnlyReason: why, Secrets: []string{a.Token, a.Slack.Token, a.Slack.WebhookURL},
		Logf: func(format string, args ...any) { p.log.Printf("drift-action: "+format+"\n", args...) }})
	_, err := repo.Commit(ctx, gitrepo.Change{
		Files: []string{file},
		Regenerate: func(cur map[string][]byte) (map[string][]byte, string, error) {
			out, err := regenerate(cur[file])
			if err != nil {
				return nil, "", err
			}
			return map[string][]byte{file: out}, message, nil
		},
	})
	return err
}
