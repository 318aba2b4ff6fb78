package github

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	gh "github.com/google/go-github/v78/github"
)

// MaxPullRequestBody is GitHub's limit on a pull request body, in characters.
const MaxPullRequestBody = 65536

// ErrPullRequestExists is wrapped by [Client.CreatePullRequest]'s error when
// GitHub answers 422 "A pull request already exists for ...": find the open
// pull request of that head branch and update it instead.
var ErrPullRequestExists = errors.New("a pull request already exists for this branch")

// PullRequest is the part of a pull request this package's callers use.
type PullRequest struct {
	Number  int
	Title   string
	Body    string
	State   string // open or closed
	HTMLURL string
	HeadRef string // branch name, without refs/heads/
	HeadSHA string
	BaseRef string
	// HeadRepo is the "owner/repo" the head branch lives in; another
	// repository's for a pull request from a fork.
	HeadRepo string
}

func pullOf(p *gh.PullRequest) PullRequest {
	return PullRequest{
		Number:   p.GetNumber(),
		Title:    p.GetTitle(),
		Body:     p.GetBody(),
		State:    p.GetState(),
		HTMLURL:  p.GetHTMLURL(),
		HeadRef:  p.GetHead().GetRef(),
		HeadSHA:  p.GetHead().GetSHA(),
		BaseRef:  p.GetBase().GetRef(),
		HeadRepo: p.GetHead().GetRepo().GetFullName(),
	}
}

func checkRepo(owner, repo string) error {
	if owner == "" || repo == "" || strings.Contains(owner, "/") || strings.Contains(repo, "/") {
		return fmt.Errorf("github: invalid repository %q/%q", owner, repo)
	}
	return nil
}

// OpenPullRequests lists (all pages of) the repository's open pull requests
// whose head is a branch of the repository itself (not a fork) starting
// with headPrefix, such as "drift/"; "" lists them all. Newest first.
func (c *Client) OpenPullRequests(ctx context.Context, owner, repo, headPrefix string) ([]PullRequest, error) {
	if err := checkRepo(owner, repo); err != nil {
		return nil, err
	}
	return c.listPulls(ctx, owner, repo, "", func(p PullRequest) bool {
		return strings.HasPrefix(p.HeadRef, headPrefix) && (p.HeadRepo == "" || strings.EqualFold(p.HeadRepo, owner+"/"+repo))
	})
}

// FindOpenPullRequest returns the open pull request whose head is branch of
// the repository itself, or nil when there is none.
func (c *Client) FindOpenPullRequest(ctx context.Context, owner, repo, branch string) (*PullRequest, error) {
	if err := checkRepo(owner, repo); err != nil {
		return nil, err
	}
	prs, err := c.listPulls(ctx, owner, repo, owner+":"+branch, func(p PullRequest) bool {
		return p.HeadRef == branch && (p.HeadRepo == "" || strings.EqualFold(p.HeadRepo, owner+"/"+repo))
	})
	if err != nil || len(prs) == 0 {
		return nil, err
	}
	// Oldest first: if several exist (opened by hand), the first one wins.
	slices.SortFunc(prs, func(a, b PullRequest) int { return a.Number - b.Number })
	return &prs[0], nil
}

func (c *Client) listPulls(ctx context.Context, owner, repo, head string, keep func(PullRequest) bool) ([]PullRequest, error) {
	var out []PullRequest
	opts := &gh.PullRequestListOptions{State: "open", Head: head, ListOptions: gh.ListOptions{PerPage: listPageSize}}
	for range maxListPages {
		page, resp, err := c.gh.PullRequests.List(ctx, owner, repo, opts)
		if err != nil {
			return nil, c.apiError(OpListPullRequests, err)
		}
		for _, p := range page {
			if pr := pullOf(p); keep(pr) {
				out = append(out, pr)
			}
		}
		if resp.NextPage == 0 || resp.NextPage <= opts.Page {
			break
		}
		opts.Page = resp.NextPage
	}
	return out, nil
}

// NewPullRequest is what [Client.CreatePullRequest] opens.
type NewPullRequest struct {
	Title string
	Body  string
	Head  string // a branch of the repository itself
	Base  string // the branch to merge into, e.g. main
	Draft bool
}

// CreatePullRequest opens a pull request. When GitHub says one already
// exists for the head branch, the error wraps [ErrPullRequestExists].
func (c *Client) CreatePullRequest(ctx context.Context, owner, repo string, n NewPullRequest) (PullRequest, error) {
	if err := checkRepo(owner, repo); err != nil {
		return PullRequest{}, err
	}
	if err := checkBody(n.Body); err != nil {
		return PullRequest{}, err
	}
	p, _, err := c.gh.PullRequests.Create(ctx, owner, repo, &gh.NewPullRequest{
		Title: gh.Ptr(n.Title), Body: gh.Ptr(n.Body), Head: gh.Ptr(n.Head), Base: gh.Ptr(n.Base), Draft: gh.Ptr(n.Draft),
	})
	if err != nil {
		err = c.apiError(OpCreatePullRequest, err)
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusUnprocessableEntity && strings.Contains(apiErr.Message, "A pull request already exists") {
			return PullRequest{}, fmt.Errorf("%w: %w", ErrPullRequestExists, err)
		}
		return PullRequest{}, err
	}
	return pullOf(p), nil
}

func checkBody(body string) error {
	if n := utf8.RuneCountInString(body); n > MaxPullRequestBody {
		return fmt.Errorf("github: pull request body is %d characters, over GitHub's limit of %d; shorten it", n, MaxPullRequestBody)
	}
	return nil
}

// UpdatePullRequest sets an open pull request's title and body.
func (c *Client) UpdatePullRequest(ctx context.Context, owner, repo string, number int, title, body string) (PullRequest, error) {
	if err := checkRepo(owner, repo); err != nil {
		return PullRequest{}, err
	}
	if err := checkBody(body); err != nil {
		return PullRequest{}, err
	}
	p, _, err := c.gh.PullRequests.Edit(ctx, owner, repo, number, &gh.PullRequest{Title: gh.Ptr(title), Body: gh.Ptr(body)})
	if err != nil {
		return PullRequest{}, c.apiError(OpUpdatePullRequest, err)
	}
	return pullOf(p), nil
}

// ClosePullRequest comments on a pull request (unless comment is empty),
// then closes it.
func (c *Client) ClosePullRequest(ctx context.Context, owner, repo string, number int, comment string) error {
	if err := checkRepo(owner, repo); err != nil {
		return err
	}
	if strings.TrimSpace(comment) != "" {
		if _, _, err := c.gh.Issues.CreateComment(ctx, owner, repo, number, &gh.IssueComment{Body: gh.Ptr(comment)}); err != nil {
			return c.apiError(OpCreateComment, err)
		}
	}
	if _, _, err := c.gh.PullRequests.Edit(ctx, owner, repo, number, &gh.PullRequest{State: gh.Ptr("closed")}); err != nil {
		return c.apiError(OpClosePullRequest, err)
	}
	return nil
}

// BranchHead returns the commit a branch points at, and false when the
// branch does not exist.
func (c *Client) BranchHead(ctx context.Context, owner, repo, branch string) (string, bool, error) {
	if err := checkRepo(owner, repo); err != nil {
		return "", false, err
	}
	ref, _, err := c.gh.Git.GetRef(ctx, owner, repo, "heads/"+branch)
	if isStatus(err, http.StatusNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, c.apiError(OpReadBranch, err)
	}
	return ref.GetObject().GetSHA(), true, nil
}

func isStatus(err error, status int) bool {
	var respErr *gh.ErrorResponse
	return errors.As(err, &respErr) && respErr.Response != nil && respErr.Response.StatusCode == status
}

// Commit is one commit that [Client.CommitFiles] writes.
type Commit struct {
	// Branch is the branch to point at the new commit; it is created, or
	// moved (forced) if it exists: the branch is the caller's own.
	Branch string
	// Base is the branch the commit is made on top of, e.g. main.
	Base    string
	Message string
	// Files are the files the commit adds or changes, by path from the
	// repository root; every other file is as on Base.
	Files map[string][]byte
}

// CommitResult says what [Client.CommitFiles] did.
type CommitResult struct {
	SHA     string // the commit Branch points at
	BaseSHA string // the commit of Base it was made on
	// Unchanged: Branch already held exactly these files on top of the
	// same Base commit, so nothing was written.
	Unchanged bool
}

// CommitFiles writes one commit with c.Files on top of the tip of c.Base and
// points c.Branch at it, all through the git data API: no local clone is
// needed. When c.Branch already is one commit with the same files on the
// same Base tip, it is left alone. Whatever else was on c.Branch is replaced.
func (c *Client) CommitFiles(ctx context.Context, owner, repo string, cm Commit) (CommitResult, error) {
	if err := checkRepo(owner, repo); err != nil {
		return CommitResult{}, err
	}
	if cm.Branch == "" || cm.Base == "" || cm.Branch == cm.Base {
		return CommitResult{}, fmt.Errorf("github: commit: branch %q and base %q must be set and differ", cm.Branch, cm.Base)
	}
	baseSHA, ok, err := c.BranchHead(ctx, owner, repo, cm.Base)
	if err != nil {
		return CommitResult{}, err
	}
	if !ok {
		return CommitResult{}, fmt.Errorf("github: %s: base branch %q does not exist", OpReadBranch, cm.Base)
	}
	baseCommit, _, err := c.gh.Git.GetCommit(ctx, owner, repo, baseSHA)
	if err != nil {
		return CommitResult{}, c.apiError(OpReadBranch, err)
	}
	var entries []*gh.TreeEntry
	for _, path := range slices.Sorted(maps.Keys(cm.Files)) {
		blob, _, err := c.gh.Git.CreateBlob(ctx, owner, repo, gh.Blob{
			Content: gh.Ptr(base64.StdEncoding.EncodeToString(cm.Files[path])), Encoding: gh.Ptr("base64"),
		})
		if err != nil {
			return CommitResult{}, c.apiError(OpWriteBranch, err)
		}
		entries = append(entries, &gh.TreeEntry{Path: gh.Ptr(path), Mode: gh.Ptr("100644"), Type: gh.Ptr("blob"), SHA: blob.SHA})
	}
	tree, _, err := c.gh.Git.CreateTree(ctx, owner, repo, baseCommit.GetTree().GetSHA(), entries)
	if err != nil {
		return CommitResult{}, c.apiError(OpWriteBranch, err)
	}
	head, exists, err := c.BranchHead(ctx, owner, repo, cm.Branch)
	if err != nil {
		return CommitResult{}, err
	}
	if exists {
		cur, _, err := c.gh.Git.GetCommit(ctx, owner, repo, head)
		if err != nil {
			return CommitResult{}, c.apiError(OpReadBranch, err)
		}
		if cur.GetTree().GetSHA() == tree.GetSHA() && len(cur.Parents) == 1 && cur.Parents[0].GetSHA() == baseSHA {
			return CommitResult{SHA: head, BaseSHA: baseSHA, Unchanged: true}, nil
		}
	}
	commit, _, err := c.gh.Git.CreateCommit(ctx, owner, repo, gh.Commit{
		Message: gh.Ptr(cm.Message), Tree: &gh.Tree{SHA: tree.SHA}, Parents: []*gh.Commit{{SHA: gh.Ptr(baseSHA)}},
	}, nil)
	if err != nil {
		return CommitResult{}, c.apiError(OpWriteBranch, err)
	}
	if exists {
		_, _, err = c.gh.Git.UpdateRef(ctx, owner, repo, "heads/"+cm.Branch, gh.UpdateRef{SHA: commit.GetSHA(), Force: gh.Ptr(true)})
	} else {
		_, _, err = c.gh.Git.CreateRef(ctx, owner, repo, gh.CreateRef{Ref: "refs/heads/" + cm.Branch, SHA: commit.GetSHA()})
	}
	if err != nil {
		return CommitResult{}, c.apiError(OpWriteBranch, err)
	}
	return CommitResult{SHA: commit.GetSHA(), BaseSHA: baseSHA}, nil
}

// DeleteBranch deletes a branch; one that is already gone is no error.
func (c *Client) DeleteBranch(ctx context.Context, owner, repo, branch string) error {
	if err := checkRepo(owner, repo); err != nil {
		return err
	}
	_, err := c.gh.Git.DeleteRef(ctx, owner, repo, "heads/"+branch)
	if isStatus(err, http.StatusNotFound) || isStatus(err, http.StatusUnprocessableEntity) {
		return nil // "Reference does not exist"
	}
	if err != nil {
		return c.apiError(OpWriteBranch, err)
	}
	return nil
}
