package notify

import (
	"context"
	"errors"
	"fmt"
	"path"
	"time"

	"github.com/myorg/drift-action/internal/record"
	"github.com/myorg/drift-action/internal/report"
)

// StatePath is the thread file of a record: beside it.
func StatePath(reportPath string) string {
	return path.Join(path.Dir(reportPath), StateFile)
}

// Commit writes one file to the branch, regenerated from its content at
// the branch's tip (nil when absent) on every retry; the action's commits
// through git (gitrepo).
type Commit func(ctx context.Context, file, message string, regenerate func(cur []byte) ([]byte, error)) error

// Run is one run's notification: the events since the thread state the
// checkout holds are posted, and the threads they change are kept.
type Run struct {
	Doc report.Document
	// Notes are what the GitOps stage did per target (heals, pull
	// requests).
	Notes     map[report.Key][]record.Note
	Heartbeat bool
	Now       time.Time
	Poster    Poster
	Links     Links
	// Workspace is the checkout, StatePath the thread file in it
	// (slash-separated; see [StatePath]).
	Workspace, StatePath string
	RunID                string // names the run in the threads' commit
	// Commit keeps the changed threads for the next run, on any runner;
	// nil keeps nothing (mode detect: every run tells every drift).
	Commit Commit
}

// Send tells Slack what changed since the last run and keeps the threads
// it changed. Posting and keeping are both tried; their errors are joined.
func (r Run) Send(ctx context.Context) error {
	prev, err := ReadState(r.Workspace, r.StatePath)
	if err != nil {
		return err
	}
	events, changes := Derive(Input{Doc: r.Doc, Prev: prev, Activity: activityOf(r.Notes), Now: r.Now, Heartbeat: r.Heartbeat})
	sendErr := Notifier{Poster: r.Poster, Links: r.Links, Now: r.Now}.Send(ctx, events, prev, changes)
	if sendErr != nil {
		sendErr = fmt.Errorf("posting to Slack: %w", sendErr)
	}
	if len(changes) == 0 || r.Commit == nil {
		return sendErr
	}
	err = r.Commit(ctx, r.StatePath, "drift-action: Slack threads of run "+r.RunID, func(cur []byte) ([]byte, error) {
		// A file that does not parse is never overwritten: it may be a
		// newer version's, holding other targets' threads.
		return MergeState(r.StatePath, cur, changes)
	})
	if err != nil {
		err = fmt.Errorf("committing %s (the next run cannot reply in these threads): %w", r.StatePath, err)
	}
	return errors.Join(sendErr, err)
}

// activityOf is what the GitOps stage did per target, as Slack tells it.
func activityOf(notes map[report.Key][]record.Note) map[report.Key]Activity {
	out := map[report.Key]Activity{}
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
