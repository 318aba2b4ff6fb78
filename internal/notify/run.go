package notify

import (
	"context"
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

// Run is one run's notification: the events since the thread state the
// checkout holds are posted, and the threads they change are returned for
// the caller to commit with the record (one commit per run).
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
}

// Threads are the threads a run changed, to keep for the next run on any
// runner: the caller merges them into the thread file at the branch's tip
// ([Threads.Merge]) in the record's commit. Mode detect keeps nothing, so
// it tells every drift.
type Threads struct {
	Path    string // the thread file, slash-separated
	changes map[report.Key]*Thread
}

// Empty reports whether no thread changed: the file stays as it is.
func (t Threads) Empty() bool { return len(t.changes) == 0 }

// Merge is the thread file whose content at the branch's tip is cur (nil
// when absent) with these threads set or removed. A file that does not
// parse is an error, never overwritten: it may be a newer version's,
// holding other targets' threads.
func (t Threads) Merge(cur []byte) ([]byte, error) {
	if t.Empty() {
		return cur, nil
	}
	out, err := MergeState(t.Path, cur, t.changes)
	if err != nil {
		return nil, fmt.Errorf("keeping the Slack threads in %s (the next run cannot reply in these threads): %w", t.Path, err)
	}
	return out, nil
}

// Send tells Slack what changed since the last run and returns the threads
// it changed. The threads are returned even when a post failed: those
// posted are kept.
func (r Run) Send(ctx context.Context) (Threads, error) {
	prev, err := ReadState(r.Workspace, r.StatePath)
	if err != nil {
		return Threads{}, err
	}
	events, changes := Derive(Input{Doc: r.Doc, Prev: prev, Activity: activityOf(r.Notes), Now: r.Now, Heartbeat: r.Heartbeat})
	if err := (Notifier{Poster: r.Poster, Links: r.Links, Now: r.Now}).Send(ctx, events, prev, changes); err != nil {
		return Threads{Path: r.StatePath, changes: changes}, fmt.Errorf("posting to Slack: %w", err)
	}
	return Threads{Path: r.StatePath, changes: changes}, nil
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
