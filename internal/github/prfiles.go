package github

import (
	"context"
	"errors"
	"fmt"

	gh "github.com/google/go-github/v78/github"
)

// MaxPullRequestFiles is how many files GitHub lists for one pull request
// (GET /repos/{owner}/{repo}/pulls/{number}/files); a larger pull request's
// list is cut short.
const MaxPullRequestFiles = 3000

// ErrTooManyFiles is wrapped by [Client.PullRequestFiles]'s error when the
// pull request changes more files than GitHub lists: its list would be
// incomplete.
var ErrTooManyFiles = errors.New("more changed files than GitHub lists")

// PullRequestFiles lists every path a pull request adds, modifies, removes
// or renames (both names of a rename), as GitHub reports them:
// repository-relative and slash-separated. A pull request of
// [MaxPullRequestFiles] files or more is an error wrapping [ErrTooManyFiles]:
// GitHub would not list them all.
func (c *Client) PullRequestFiles(ctx context.Context, owner, repo string, number int) ([]string, error) {
	if err := checkRepo(owner, repo); err != nil {
		return nil, err
	}
	pr, _, err := c.gh.PullRequests.Get(ctx, owner, repo, number)
	if err != nil {
		return nil, c.apiError(OpGetPullRequest, err)
	}
	tooMany := func(n int) error {
		return fmt.Errorf("github: pull request #%d changes %d files; GitHub lists at most %d: %w", number, n, MaxPullRequestFiles, ErrTooManyFiles)
	}
	if n := pr.GetChangedFiles(); n >= MaxPullRequestFiles {
		return nil, tooMany(n)
	}
	files := []string{}
	listed := 0
	opts := &gh.ListOptions{PerPage: listPageSize}
	for range maxListPages {
		page, resp, err := c.gh.PullRequests.ListFiles(ctx, owner, repo, number, opts)
		if err != nil {
			return nil, c.apiError(OpGetPullRequest, err)
		}
		for _, f := range page {
			listed++
			files = append(files, f.GetFilename())
			if prev := f.GetPreviousFilename(); prev != "" {
				files = append(files, prev)
			}
		}
		if resp.NextPage == 0 || resp.NextPage <= opts.Page {
			break
		}
		opts.Page = resp.NextPage
	}
	// The pull request may have grown since it was read.
	if listed >= MaxPullRequestFiles {
		return nil, tooMany(max(listed, pr.GetChangedFiles()))
	}
	return files, nil
}
