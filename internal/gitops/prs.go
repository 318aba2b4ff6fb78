package gitops

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/myorg/drift-action/internal/record"
	"github.com/myorg/drift-action/internal/remedypr"
	"github.com/myorg/drift-action/internal/report"
)

// mergedApprovals are the remediation records a push event added or
// changed (a merged remediation pull request), read from the checkout;
// none for any other event.
func mergedApprovals(o Options) (remedypr.Approvals, error) {
	if o.Event.Name != "push" || o.Event.Path == "" {
		return nil, nil
	}
	payload, err := os.ReadFile(o.Event.Path)
	if err != nil {
		return nil, fmt.Errorf("approvals: read the push payload: %w", err)
	}
	paths, err := remedypr.PushedRecords(payload)
	if err != nil {
		return nil, fmt.Errorf("approvals: %w", err)
	}
	var out remedypr.Approvals
	var errs []error
	for _, p := range paths {
		data, err := os.ReadFile(filepath.Join(o.RepoRoot, filepath.FromSlash(p)))
		if err != nil {
			errs = append(errs, fmt.Errorf("approvals: the push changed %s but the checkout lacks it (check out the pushed commit): %w", p, err))
			continue
		}
		r, err := remedypr.ParseRecord(p, data)
		if err != nil {
			errs = append(errs, fmt.Errorf("approvals: %w", err))
			continue
		}
		out = append(out, r)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// approvalNotes tell what a run after a merge limits itself to, and any
// record naming a target this run did not plan.
func approvalNotes(approvals remedypr.Approvals, roots []report.Root) []string {
	if len(approvals) == 0 {
		return nil
	}
	var paths, notes []string
	for _, r := range approvals {
		paths = append(paths, r.Path)
		planned := false
		for _, root := range roots {
			if ok, _ := (remedypr.Approvals{r}).Check(root.Result); ok {
				planned = true
			}
		}
		if !planned {
			notes = append(notes, fmt.Sprintf("%s approves drift in %s, which this run did not plan: nothing was applied for it", r.Path, strings.TrimSpace(r.Root+" "+r.Target)))
		}
	}
	return append([]string{"this run follows the merge of " + strings.Join(paths, ", ") +
		": it applies only the drift reviewed there, in the targets named there, and leaves other targets and remediation pull requests as they are"}, notes...)
}

// syncPRs keeps one remediation pull request per root up to date.
func syncPRs(ctx context.Context, o Options, e Edges, verdicts []report.Root, handover map[report.Key][]remedypr.Handover, notes map[report.Key][]record.Note, prActions map[report.Key]string) (string, error) {
	owner, repo, ok := strings.Cut(o.Repository, "/")
	if !ok {
		return "", fmt.Errorf("GITHUB_REPOSITORY %q is not owner/name", o.Repository)
	}
	if o.Token == "" {
		return "", errors.New("no github-token: remediation pull requests need one with contents: write and pull-requests: write")
	}
	gh, err := e.GitHub(ctx)
	if err != nil {
		return "", err
	}
	strategy := remedypr.StrategyPR
	if o.Remediation.Strategy == remedypr.StrategyAdopt {
		strategy = remedypr.StrategyAdopt
	}
	var targets []remedypr.Target
	for _, r := range verdicts {
		hs, ok := handover[report.Key{Dir: r.Dir, Target: r.Target}]
		if !ok {
			hs = []remedypr.Handover{}
		}
		targets = append(targets, remedypr.Target{Root: r.Dir, Name: r.Target, Workspace: r.Workspace, Result: r.Result, Policy: r.Policy, Handover: hs})
	}
	outs, err := remedypr.Sync(ctx, gh, remedypr.Config{
		Owner: owner, Repo: repo, Base: o.RefName, Strategy: strategy,
		MaxOpen: o.Remediation.MaxOpen, RepoRoot: o.RepoRoot,
		Run: remedypr.Run{URL: o.RunURL, SHA: o.SHA},
	}, targets)
	first := ""
	for _, out := range outs {
		k := report.Key{Dir: out.Root, Target: out.Target}
		prActions[k] = string(out.Action)
		if out.PullRequest == nil {
			continue
		}
		switch out.Action {
		case remedypr.Opened:
			notes[k] = append(notes[k], record.Note{Kind: record.RemediationPROpened, PR: out.PullRequest.HTMLURL})
		case remedypr.Closed:
			notes[k] = append(notes[k], record.Note{Kind: record.RemediationPRClosed, PR: out.PullRequest.HTMLURL})
		}
		if first == "" && (out.Action == remedypr.Opened || out.Action == remedypr.Updated || out.Action == remedypr.Unchanged) {
			first = out.PullRequest.HTMLURL
		}
	}
	return first, err
}
