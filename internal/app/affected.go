package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/myorg/drift-action/internal/actions"
	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/discover"
	"github.com/myorg/drift-action/internal/github"
	"github.com/myorg/drift-action/internal/report"
)

// newPullFiles is replaced in tests by one pointed at a fake GitHub.
var newPullFiles = func(ctx context.Context, token, apiURL string) (pullFilesLister, error) {
	return github.NewClient(ctx, token, apiURL, nil)
}

type pullFilesLister interface {
	PullRequestFiles(ctx context.Context, owner, repo string, number int) ([]string, error)
}

// apiChanges is the GitHub API as a source of a pull request's changed files.
type apiChanges struct {
	a  config.Action
	pr int
}

func (apiChanges) Source() string { return "GitHub API" }

func (s apiChanges) ChangedFiles(ctx context.Context) ([]string, error) {
	owner, repo, ok := strings.Cut(s.a.Repository, "/")
	if !ok {
		return nil, fmt.Errorf("GITHUB_REPOSITORY %q is not owner/name", s.a.Repository)
	}
	c, err := newPullFiles(ctx, s.a.Token, s.a.APIURL)
	if err != nil {
		return nil, err
	}
	return c.PullRequestFiles(ctx, owner, repo, s.pr)
}

// pullRequestChanges are the changed files of a pull request run planning
// only the roots its changes affect (nil for any other run): from git when
// the checkout holds the base and head commits (no API call), else from
// the GitHub API. When neither can tell, every root is planned and the
// report says why.
func pullRequestChanges(ctx context.Context, a config.Action, ev config.Event, c config.Detect, log *actions.Log) (*discover.Changes, error) {
	if !c.File.PlansAffected(ev) {
		return nil, nil
	}
	sources := []discover.ChangedFiles{discover.GitChanges{Dir: c.RepoRoot, Base: ev.BaseSHA, Head: ev.HeadSHA}}
	if a.Token != "" {
		sources = append(sources, apiChanges{a: a, pr: ev.PR})
	}
	ch := discover.CollectChanges(ctx, sources...)
	if ch.Unknown != "" {
		return &ch, log.Annotate(actions.Annotation{Level: "warning", Title: "drift-action: planning every root",
			Msg: fmt.Sprintf("pull request #%d: %s; every root is planned", ev.PR, ch.Unknown)})
	}
	return &ch, log.Printf("drift-action: pull request #%d changes %d file(s) (from %s)\n", ev.PR, len(ch.Files), ch.Source)
}

// selectionReport is the selection as the report shows it.
func selectionReport(s *discover.Selection) *report.Selection {
	if s == nil || s.Mode == "" {
		return nil
	}
	out := &report.Selection{Mode: s.Mode, Source: s.Source, Note: s.Note, Planned: []report.SelectedRoot{}, Skipped: []string{}}
	for _, p := range s.Planned {
		out.Planned = append(out.Planned, report.SelectedRoot{Root: p.Root, Reasons: p.Reasons})
	}
	out.Skipped = append(out.Skipped, s.Skipped...)
	return out
}

// windowReport is the schedule window's slot as the report shows it.
func windowReport(s *discover.Selection) *report.Window {
	if s == nil || s.Window == nil {
		return nil
	}
	w := s.Window
	out := &report.Window{Length: config.FormatDuration(w.Length), Every: config.FormatDuration(w.Every), Slot: w.Slot, Slots: w.Slots, Start: w.Start,
		Planned: make([]report.WindowTarget, len(w.Planned)), Later: make([]report.WindowTarget, len(w.Later))}
	for i, t := range w.Planned {
		out.Planned[i] = report.WindowTarget{Root: t.Root, Target: t.Target, Due: t.Due}
	}
	for i, t := range w.Later {
		out.Later[i] = report.WindowTarget{Root: t.Root, Target: t.Target, Due: t.Due}
	}
	return out
}

// windowStart is when the scheduled run's slot began; zero without a
// schedule window.
func windowStart(s *discover.Selection) time.Time {
	if s == nil || s.Window == nil {
		return time.Time{}
	}
	return s.Window.Start
}

// logSelection says in the log which roots the pull request's changes
// affect, or which slot of the schedule window the run plans.
func logSelection(log *actions.Log, s *discover.Selection) error {
	if s == nil {
		return nil
	}
	if w := s.Window; w != nil {
		if err := log.Printf("drift-action: schedule window %s: slot %d of %d (from %s), %d target(s) due now, %d later\n",
			config.FormatDuration(w.Length), w.Slot, w.Slots, w.Start.Format(time.RFC3339), len(w.Planned), len(w.Later)); err != nil {
			return err
		}
	}
	if s.Mode == "" {
		return nil
	}
	msg := fmt.Sprintf("drift-action: %d root(s) planned, %d skipped as unaffected by the pull request", len(s.Planned), len(s.Skipped))
	if s.Note != "" {
		msg += ": " + s.Note
	}
	return log.Printf("%s\n", msg)
}
