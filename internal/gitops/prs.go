package gitops

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/myorg/drift-action/internal/github"
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
func syncPRs(ctx context.Context, o Options, e Edges, verdicts []report.Root, handover map[report.Key][]remedypr.Handover, notes map[report.Key][]record.Note, prActions map[report.Key]string, warn func(string)) (string, error) {
	owner, repo, ok := strings.Cut(o.Repository, "/")
	if !ok {
		return "", fmt.Errorf("GITHUB_REPOSITORY %q is not owner/name", o.Repository)
	}
	// The edge says when it lacks a token: a dry run's needs none.
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
	cfg := remedypr.Config{
		Owner: owner, Repo: repo, Base: o.RefName, Strategy: strategy,
		MaxOpen: o.Remediation.MaxOpen, RepoRoot: o.RepoRoot,
		Run: remedypr.Run{URL: o.RunURL, SHA: o.SHA},
	}
	// Targets with drift to hand over need their pull request; the others
	// (healed, clean, failed) only close or keep one an earlier run
	// opened. The run does not need that: a permission it lacks there is a
	// warning naming the permission, and the heal's success stands.
	var needed, tidy []remedypr.Target
	for _, t := range targets {
		if t.NeedsPullRequest() {
			needed = append(needed, t)
		} else {
			tidy = append(tidy, t)
		}
	}
	outs, err := remedypr.Sync(ctx, gh, cfg, needed)
	tidied, tidyErr := remedypr.Sync(ctx, gh, cfg, tidy)
	outs = append(outs, tidied...)
	refused, tidyErr := permissionRefusals(tidyErr)
	for _, r := range refused {
		warn(fmt.Sprintf("no earlier remediation pull request was looked for to close (%s): this run had none to open, so it does not fail; grant `%s` to have the pull requests of healed drift closed", r.Error(), r.Permission))
	}
	err = errors.Join(err, tidyErr)
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

// permissionRefusals takes out of err (Sync's joined errors) the calls
// GitHub refused for want of a permission, one per permission; rest is
// what is left.
func permissionRefusals(err error) (refused []*github.APIError, rest error) {
	if err == nil {
		return nil, nil
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	seen := map[string]bool{}
	var others []error
	for _, e := range errs {
		var api *github.APIError
		if errors.As(e, &api) && api.Permission != "" && (api.Status == http.StatusForbidden || api.Status == http.StatusNotFound) {
			if !seen[api.Permission] {
				seen[api.Permission] = true
				refused = append(refused, api)
			}
			continue
		}
		others = append(others, e)
	}
	return refused, errors.Join(others...)
}
