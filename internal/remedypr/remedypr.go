// Package remedypr heals drift through pull requests: one pull request per
// target (a root, or a root's named target), on a branch named for it alone
// ([BranchName]), opened, updated and closed as runs find the drift there,
// come and go.
//
// Two strategies:
//
//   - pr: the branch carries one commit adding a record of the drift under
//     drift/remediation/ (see [RecordPath]). Merging it is the approval: the
//     remediate workflow the merge's push starts re-plans, and applies only
//     the target the record names, only when the new plan is the reviewed
//     drift ([PushedRecords], [ParseRecord], [Approvals]). Resources go back
//     to what the code says. docs/remediation-prs.md says how to set that
//     workflow up.
//   - adopt: where a drifted value is a literal in the root's .tf code, the
//     commit also rewrites it (with tfsource.Rewrite) so the code matches
//     the infrastructure; merging then keeps what is there now. Values that
//     are expressions, variables, module inputs, sensitive or masked are
//     not adopted; the pull request says why, per attribute, and treats
//     them as for pr.
//
// Bodies, records, titles, commit messages and comments are rendered from
// the verdict alone, which its builder (pipeline) has already redacted:
// nothing here redacts again. Untrusted text (addresses, values, messages)
// is escaped for markdown.
//
// Only the edges do I/O: GitHub through the [GitHub] interface (implemented
// by *github.Client, through the REST and git data APIs, so no local clone
// or push is needed) and the root's .tf files through [Config.ReadFile].
package remedypr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/github"
	"github.com/myorg/drift-action/internal/policy"
)

// Strategy is how a pull request heals drift.
type Strategy string

// Strategies.
const (
	// StrategyPR records the drift for review; merging approves undoing it.
	StrategyPR Strategy = "pr"
	// StrategyAdopt rewrites literals in the code to match reality, and
	// falls back to StrategyPR for everything else.
	StrategyAdopt Strategy = "adopt"
)

// Target is one target's result, as the remediate mode hands it over.
type Target struct {
	// Root is the root module's directory, slash-separated, relative to the
	// repository root (discover.Target.Dir).
	Root string
	// Name is the target's name; "" or "default" for a root's only target.
	Name      string
	Workspace string
	Result    drift.Result
	Policy    []policy.Result
	// Handover is the remediation decision: the drifted resources (by
	// address) that go to the pull request, each with why. nil hands over
	// all of Result.Drift; an empty, non-nil slice hands over none (the
	// drift is healed another way, e.g. applied), which closes the pull
	// request.
	Handover []Handover
	// Strategy overrides Config.Strategy for this target when set.
	Strategy Strategy
}

// Handover is one drifted resource the remediation decision sends to a
// pull request.
type Handover struct {
	Address string
	// Reason is why it goes to a pull request rather than being applied,
	// e.g. "policy aws.no_public_buckets denies applying it"; may be empty.
	Reason string
}

// Run identifies the run, for links in bodies and comments.
type Run struct {
	URL string // e.g. https://github.com/o/r/actions/runs/1
	SHA string // the commit that was planned
}

// GitHub is what remedypr needs from GitHub; *github.Client implements it.
type GitHub interface {
	OpenPullRequests(ctx context.Context, owner, repo, headPrefix string) ([]github.PullRequest, error)
	FindOpenPullRequest(ctx context.Context, owner, repo, branch string) (*github.PullRequest, error)
	CreatePullRequest(ctx context.Context, owner, repo string, n github.NewPullRequest) (github.PullRequest, error)
	UpdatePullRequest(ctx context.Context, owner, repo string, number int, title, body string) (github.PullRequest, error)
	ClosePullRequest(ctx context.Context, owner, repo string, number int, comment string) error
	BranchWriter
}

// BranchWriter writes remediation branches; *github.Client implements it
// with the git data API.
type BranchWriter interface {
	CommitFiles(ctx context.Context, owner, repo string, c github.Commit) (github.CommitResult, error)
	DeleteBranch(ctx context.Context, owner, repo, branch string) error
}

var _ GitHub = (*github.Client)(nil)

// Config says where and how pull requests are made.
type Config struct {
	Owner, Repo string
	// Base is the branch pull requests merge into (the default branch).
	Base     string
	Strategy Strategy // StrategyPR if empty
	// MaxOpen caps the open remediation pull requests (head drift/...,
	// counting those of other roots): a new one is not opened while that
	// many are open. Existing ones are still updated and closed. 0: no cap.
	MaxOpen int
	// RepoRoot is the local checkout's root, where Target.Root is; it is
	// read to find declarations and, for adopt, the .tf files to rewrite.
	RepoRoot string
	// ReadFile reads a file; os.ReadFile if nil.
	ReadFile func(name string) ([]byte, error)
	Run      Run
}

func (c Config) readFile(name string) ([]byte, error) {
	if c.ReadFile != nil {
		return c.ReadFile(name)
	}
	return os.ReadFile(name)
}

// Action is what [Sync] did for a target.
type Action string

// Actions.
const (
	Opened    Action = "opened"    // a new pull request
	Updated   Action = "updated"   // the open pull request got a new commit or body
	Unchanged Action = "unchanged" // the open pull request already said this
	Closed    Action = "closed"    // the drift is gone (or handed elsewhere): closed with a comment
	Nothing   Action = "none"      // no drift and no pull request
	Capped    Action = "capped"    // drift, but the cap on open pull requests was reached
	Kept      Action = "kept"      // the plan failed: the pull request is left as it was
)

// Outcome is what happened for one target.
type Outcome struct {
	Root, Target string
	Branch       string
	Action       Action
	// PullRequest is the pull request opened, updated, kept or closed.
	PullRequest *github.PullRequest
	// Adopted and NotAdopted (adopt only) are the drifted attributes written
	// into the code, and those left to the pr strategy, with why.
	Adopted    []Adoption
	NotAdopted []Adoption
	// Note says why, for Capped and Kept, in a sentence for the log.
	Note string
}

// Sync brings every target's remediation pull request up to date: it opens
// one where drift is handed over and none is open, updates the open one
// (never opening a duplicate, also when GitHub says one exists), closes it
// with a comment where the drift is gone, and leaves it alone where the
// target's plan failed. One failing target does not stop the others: their
// errors are joined. Outcomes are in target order.
func Sync(ctx context.Context, gh GitHub, cfg Config, targets []Target) ([]Outcome, error) {
	if cfg.Owner == "" || cfg.Repo == "" || cfg.Base == "" {
		return nil, errors.New("remedypr: owner, repository and base branch must be set")
	}
	open := -1 // open remediation pull requests; counted on first need
	var errs []error
	outs := make([]Outcome, 0, len(targets))
	for _, t := range targets {
		o, err := syncOne(ctx, gh, cfg, t, &open)
		if err != nil {
			errs = append(errs, fmt.Errorf("remedypr: %s: %w", label(t), err))
		}
		outs = append(outs, o)
	}
	return outs, errors.Join(errs...)
}

func label(t Target) string {
	if t.Name == "" || t.Name == "default" {
		return t.Root
	}
	return t.Root + " (" + t.Name + ")"
}

func syncOne(ctx context.Context, gh GitHub, cfg Config, t Target, open *int) (Outcome, error) {
	o := Outcome{Root: t.Root, Target: t.Name, Branch: BranchName(t.Root, t.Name)}
	existing, err := gh.FindOpenPullRequest(ctx, cfg.Owner, cfg.Repo, o.Branch)
	if err != nil {
		return o, err
	}
	if existing == nil {
		// A pull request opened before branch names were hashed is kept
		// on its branch, updated and closed there, until it is closed.
		if old := legacyBranchName(t.Root, t.Name); old != o.Branch {
			pr, err := gh.FindOpenPullRequest(ctx, cfg.Owner, cfg.Repo, old)
			if err != nil {
				return o, err
			}
			if pr != nil && ownsTitle(pr.Title, t) {
				existing, o.Branch = pr, old
			}
		}
	}
	o.PullRequest = existing
	if t.Result.Status == drift.StatusError || t.Result.Error != "" {
		o.Action, o.Note = Nothing, "the plan failed, so nothing is known about drift; no pull request was opened"
		if existing != nil {
			o.Action, o.Note = Kept, "the plan failed, so the pull request is left as it was"
		}
		return o, nil
	}
	resources := handedOver(t)
	if len(resources) == 0 {
		if existing == nil {
			o.Action = Nothing
			return o, nil
		}
		comment := closeComment(t, cfg.Run)
		if err := gh.ClosePullRequest(ctx, cfg.Owner, cfg.Repo, existing.Number, comment); err != nil {
			return o, err
		}
		if err := gh.DeleteBranch(ctx, cfg.Owner, cfg.Repo, o.Branch); err != nil {
			return o, err
		}
		closed := *existing
		closed.State = "closed"
		o.Action, o.PullRequest = Closed, &closed
		return o, nil
	}

	strategy := cfg.Strategy
	if t.Strategy != "" {
		strategy = t.Strategy
	}
	if strategy == "" {
		strategy = StrategyPR
	}
	files := map[string][]byte{}
	if strategy == StrategyAdopt {
		ad := adopt(cfg, t, resources)
		o.Adopted, o.NotAdopted = ad.adopted, ad.refused
		for p, b := range ad.files {
			files[p] = b
		}
	}
	p := Page{Target: t, Resources: resources, Strategy: strategy, Adopted: o.Adopted, NotAdopted: o.NotAdopted,
		Base: cfg.Base, Branch: o.Branch, Record: RecordPath(t.Root, t.Name), Run: cfg.Run, Where: declared(cfg, t)}
	var rec bytes.Buffer
	if err := WriteRecord(&rec, p); err != nil {
		return o, err
	}
	files[p.Record] = rec.Bytes()
	title := Title(p)
	body, err := renderBody(p)
	if err != nil {
		return o, err
	}
	commit := github.Commit{Branch: o.Branch, Base: cfg.Base, Message: commitMessage(p), Files: files}

	if existing == nil {
		if *open < 0 {
			prs, err := gh.OpenPullRequests(ctx, cfg.Owner, cfg.Repo, BranchPrefix)
			if err != nil {
				return o, err
			}
			*open = len(prs)
		}
		if cfg.MaxOpen > 0 && *open >= cfg.MaxOpen {
			o.Action = Capped
			o.Note = fmt.Sprintf("%d remediation pull requests are open, the most allowed (max %d): close or merge some, or raise the cap, for this one to be opened", *open, cfg.MaxOpen)
			return o, nil
		}
	}
	res, err := gh.CommitFiles(ctx, cfg.Owner, cfg.Repo, commit)
	if err != nil {
		return o, err
	}
	if existing == nil {
		pr, err := gh.CreatePullRequest(ctx, cfg.Owner, cfg.Repo, github.NewPullRequest{Title: title, Body: body, Head: o.Branch, Base: cfg.Base})
		switch {
		case err == nil:
			*open++
			o.Action, o.PullRequest = Opened, &pr
			return o, nil
		case errors.Is(err, github.ErrPullRequestExists):
			// Opened meanwhile (another run), or our search missed it.
			if existing, err = gh.FindOpenPullRequest(ctx, cfg.Owner, cfg.Repo, o.Branch); err != nil {
				return o, err
			}
			if existing == nil {
				return o, fmt.Errorf("github says a pull request exists for %s, but none is open with that head branch: %w", o.Branch, github.ErrPullRequestExists)
			}
		default:
			return o, err
		}
	}
	o.Action = Updated
	if res.Unchanged && existing.Title == title && existing.Body == body {
		o.Action, o.PullRequest = Unchanged, existing
		return o, nil
	}
	pr, err := gh.UpdatePullRequest(ctx, cfg.Owner, cfg.Repo, existing.Number, title, body)
	if err != nil {
		return o, err
	}
	o.PullRequest = &pr
	return o, nil
}

// NeedsPullRequest reports whether Sync would open or update t's pull
// request: its plan finished and drift is handed over. For any other
// target Sync only looks for a pull request to close or keep.
func (t Target) NeedsPullRequest() bool {
	return t.Result.Status != drift.StatusError && t.Result.Error == "" && len(handedOver(t)) > 0
}

// handedOver is the drift that goes to the pull request, in result order.
func handedOver(t Target) []drift.Resource {
	if t.Handover == nil {
		return slices.Clone(t.Result.Drift)
	}
	want := map[string]bool{}
	for _, h := range t.Handover {
		want[h.Address] = true
	}
	var out []drift.Resource
	for _, r := range t.Result.Drift {
		if want[r.Address] {
			out = append(out, r)
		}
	}
	return out
}

func commitMessage(p Page) string {
	n := len(p.Resources)
	if p.Strategy == StrategyAdopt && len(p.Adopted) > 0 {
		return fmt.Sprintf("drift: adopt %d out-of-band change(s) in %s into the code\n\nRecorded in %s; opened by drift-action.", len(p.Adopted), label(p.Target), p.Record)
	}
	return fmt.Sprintf("drift: record %d drifted resource(s) in %s for review\n\nMerging approves undoing this drift; see %s.", n, label(p.Target), p.Record)
}

func closeComment(t Target, run Run) string {
	var b strings.Builder
	if len(t.Result.Drift) == 0 {
		fmt.Fprintf(&b, "The drift this pull request describes is gone: the latest plan of %s found none.", code(label(t)))
	} else {
		fmt.Fprintf(&b, "The drift in %s is no longer sent to a pull request (the remediation decision heals it another way).", code(label(t)))
	}
	b.WriteString(" Closing; a new pull request is opened if drift comes back.")
	if run.URL != "" {
		fmt.Fprintf(&b, "\n\n[The run that found this](%s)", safeURL(run.URL))
	}
	return b.String()
}

// declared maps addresses to "file:line" relative to the repository root.
func declared(cfg Config, t Target) func(addr string) string {
	ix := loadIndex(cfg, t)
	return func(addr string) string {
		p, ok := ix.Find(addr)
		if !ok {
			return ""
		}
		return fmt.Sprintf("%s:%d", relPath(cfg.RepoRoot, p.File), p.Line)
	}
}

func relPath(root, file string) string {
	if root != "" {
		if r, err := filepath.Rel(root, file); err == nil && !strings.HasPrefix(r, "..") {
			return filepath.ToSlash(r)
		}
	}
	return filepath.ToSlash(file)
}
