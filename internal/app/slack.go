package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/myorg/drift-action/internal/gitrepo"
	"github.com/myorg/drift-action/internal/notify"
	"github.com/myorg/drift-action/internal/record"
	"github.com/myorg/drift-action/internal/report"
)

// slackOptions reach Slack; tests point them at a fake.
var slackOptions = notify.Options{}

// slackNow is the clock messages date drift ages with.
var slackNow = time.Now

// slackStatePath is the thread file, beside the record.
func slackStatePath(reportPath string) string {
	return path.Join(path.Dir(reportPath), notify.StateFile)
}

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
	statePath := slackStatePath(a.ReportPath)
	data, err := os.ReadFile(filepath.Join(a.Workspace, filepath.FromSlash(statePath)))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read %s: %w", statePath, err)
	}
	prev, err := notify.ParseState(data)
	if err != nil {
		return fmt.Errorf("%s: %w", statePath, err)
	}
	events, changes := notify.Derive(notify.Input{Doc: p.doc, Prev: prev, Activity: slackActivity(p.gitops.Notes), Now: slackNow(), Heartbeat: s.Heartbeat})
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
	sendErr := notify.Notifier{Poster: poster, Links: links, Now: slackNow()}.Send(ctx, events, prev, changes)
	if sendErr != nil {
		sendErr = fmt.Errorf("posting to Slack: %w", sendErr)
	}
	if len(changes) == 0 {
		return sendErr
	}
	return errors.Join(sendErr, p.persistSlack(ctx, statePath, changes))
}

// persistSlack commits the changed threads to the branch, beside the
// record, in modes that record: the next run, on any runner, reads them
// from its checkout. Mode detect keeps nothing, so it tells every drift.
func (p *publication) persistSlack(ctx context.Context, statePath string, changes map[report.Key]*notify.Thread) error {
	a := p.a
	if (a.Mode != "record" && a.Mode != "remediate") || p.ev.ReadsOnly() || p.gitops.ReportPath == "" {
		return nil
	}
	allowed, why := gitrepo.WriteAllowed(p.ev.Name, p.ev.Fork)
	repo := gitrepo.New(a.Workspace, gitrepo.Options{AllowWrite: allowed, ReadOnlyReason: why, Secrets: []string{a.Token, a.Slack.Token, a.Slack.WebhookURL},
		Logf: func(format string, args ...any) { p.log.Printf("drift-action: "+format+"\n", args...) }})
	_, err := repo.Commit(ctx, gitrepo.Change{
		Files: []string{statePath},
		Regenerate: func(cur map[string][]byte) (map[string][]byte, string, error) {
			st, err := notify.ParseState(cur[statePath])
			if err != nil {
				st = notify.State{} // unreadable: start over rather than lose this run's threads
			}
			out, err := st.Apply(changes).Marshal()
			if err != nil {
				return nil, "", err
			}
			return map[string][]byte{statePath: out}, "drift-action: Slack threads of run " + a.RunID, nil
		},
	})
	if err != nil {
		return fmt.Errorf("committing %s (the next run cannot reply in these threads): %w", statePath, err)
	}
	return nil
}

// slackActivity is what the GitOps stage did per target, as Slack tells it.
func slackActivity(notes map[report.Key][]record.Note) map[report.Key]notify.Activity {
	out := map[report.Key]notify.Activity{}
	for k, ns := range notes {
		act := out[k]
		for _, n := range ns {
			switch n.Kind {
			case record.SelfHealed:
				act.Healed, act.HealedBy = n.Resources, n.By
			case record.RemediationPROpened:
				act.PROpened = n.PR
			case record.RemediationPRClosed:
				act.PRClosed = n.PR
			}
		}
		out[k] = act
	}
	return out
}
