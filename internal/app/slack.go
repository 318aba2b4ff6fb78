package app

import (
	"context"
	"fmt"
	"time"

	"github.com/myorg/drift-action/internal/gitrepo"
	"github.com/myorg/drift-action/internal/notify"
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
	a, s := p.a, p.a.Slack
	var poster notify.Poster
	if s.Token != "" {
		poster = notify.NewBot(s.Token, s.Channel, slackOptions)
	} else {
		poster = notify.NewWebhook(s.WebhookURL, slackOptions)
	}
	links := notify.Links{Run: runURL(a), PR: p.gitops.PRURL}
	if c := p.gitops.RecordCommit; c != "" && a.ServerURL != "" && a.Repository != "" {
		links.Commit = fmt.Sprintf("%s/%s/commit/%s", a.ServerURL, a.Repository, c)
	}
	run := notify.Run{Doc: p.doc, Notes: p.gitops.Notes, Heartbeat: s.Heartbeat, Now: slackNow(), Poster: poster, Links: links,
		Workspace: a.Workspace, StatePath: notify.StatePath(a.ReportPath), RunID: a.RunID}
	// The threads are committed beside the record, in modes that record;
	// mode detect keeps nothing, so it tells every drift.
	if (a.Mode == "record" || a.Mode == "remediate") && !p.ev.ReadsOnly() && p.gitops.ReportPath != "" {
		run.Commit = p.commitFile
	}
	return run.Send(ctx)
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
