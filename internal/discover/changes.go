package discover

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/myorg/drift-action/internal/gitrepo"
)

// Changes are the files a pull request changes, for planning only the roots
// they affect (pull-request-roots: affected).
type Changes struct {
	// Files are repository-relative, slash-separated paths: every file the
	// pull request adds, modifies or deletes, and both names of a rename.
	Files []string
	// Source says where the list came from: "git" or "GitHub API".
	Source string
	// Kinds names the changed paths git knows as a "submodule" (a gitlink)
	// or a "symlink" on either side of the diff; a path absent is a file
	// or not known (the GitHub API does not say).
	Kinds map[string]string
	// Unknown, when not "", says why the changed files are not known in
	// full (GitHub's 3,000-file limit, no base commit and no token, ...):
	// every root is then planned and the report says why.
	Unknown string
}

// ChangedFiles is where a pull request's changed files come from: git, when
// the checkout holds both commits, or the GitHub API.
type ChangedFiles interface {
	// Source names it in the report: "git" or "GitHub API".
	Source() string
	// ChangedFiles lists every path the pull request adds, modifies or
	// deletes (both names of a rename), repository-relative and
	// slash-separated. On an error the next source is asked; one wrapping
	// ErrUnavailable says this source cannot answer for this run at all.
	ChangedFiles(ctx context.Context) ([]string, error)
}

// kindedChanges is a ChangedFiles that also knows which changed paths are
// submodules or symlinks (Changes.Kinds).
type kindedChanges interface {
	ChangedPaths(ctx context.Context) (files []string, kinds map[string]string, err error)
}

// ErrUnavailable is wrapped by a source that cannot answer for this run,
// such as git when the checkout lacks the base commit.
var ErrUnavailable = errors.New("not available")

// CollectChanges asks the sources in order; the first that answers gives
// the changed files. When none can, the changes are Unknown, saying why,
// and every root is planned.
func CollectChanges(ctx context.Context, sources ...ChangedFiles) Changes {
	var why []string
	for _, s := range sources {
		var files []string
		var kinds map[string]string
		var err error
		if k, ok := s.(kindedChanges); ok {
			files, kinds, err = k.ChangedPaths(ctx)
		} else {
			files, err = s.ChangedFiles(ctx)
		}
		if err == nil {
			return Changes{Files: files, Source: s.Source(), Kinds: kinds}
		}
		why = append(why, fmt.Sprintf("%s: %v", s.Source(), err))
	}
	if len(why) == 0 {
		return Changes{Unknown: "changed files unknown: no source of them was given"}
	}
	return Changes{Unknown: "changed files unknown (" + strings.Join(why, "; ") + ")"}
}

// GitChanges lists a pull request's changed files with
// `git diff --raw BASE...HEAD` in a checkout that holds both commits
// (actions/checkout with fetch-depth: 0), and from the modes on both
// sides which are submodules or symlinks. Without them it is unavailable.
type GitChanges struct {
	Dir        string // the checkout
	Base, Head string // pull_request.base.sha and head.sha
	Runner     gitrepo.Runner
}

// Source implements ChangedFiles.
func (GitChanges) Source() string { return "git" }

// ChangedFiles implements ChangedFiles.
func (g GitChanges) ChangedFiles(ctx context.Context) ([]string, error) {
	files, _, err := g.ChangedPaths(ctx)
	return files, err
}

// Git's modes for a gitlink and a symlink.
const (
	modeGitlink = "160000"
	modeSymlink = "120000"
)

// ChangedPaths is ChangedFiles with the kinds of the paths that are a
// submodule or a symlink on either side.
func (g GitChanges) ChangedPaths(ctx context.Context) ([]string, map[string]string, error) {
	if g.Base == "" || g.Head == "" {
		return nil, nil, fmt.Errorf("the event names no base and head commits: %w", ErrUnavailable)
	}
	for _, c := range []string{g.Base, g.Head} {
		if !isSHA(c) {
			return nil, nil, fmt.Errorf("%q is not a commit hash: %w", c, ErrUnavailable)
		}
	}
	run := g.Runner
	if run == nil {
		run = gitrepo.ExecRunner{}
	}
	git := func(args ...string) (gitrepo.Output, error) {
		return run.Run(ctx, gitrepo.Cmd{Dir: g.Dir, Args: args})
	}
	for _, c := range []string{g.Base, g.Head} {
		out, err := git("cat-file", "-e", c+"^{commit}")
		if err != nil {
			return nil, nil, fmt.Errorf("git: %w", err)
		}
		if out.ExitCode != 0 {
			return nil, nil, fmt.Errorf("commit %s is not in the checkout (fetch-depth: 0 brings it): %w", short(c), ErrUnavailable)
		}
	}
	// --no-renames: a rename is its old path deleted and its new one added,
	// and both may matter. --ignore-submodules=none: a submodule's
	// `ignore = all` in .gitmodules or the repository's diff settings must
	// not hide a bumped submodule.
	out, err := git("-c", "core.quotePath=false", "diff", "--raw", "--no-renames", "--ignore-submodules=none", "-z", g.Base+"..."+g.Head, "--")
	if err != nil {
		return nil, nil, fmt.Errorf("git: %w", err)
	}
	if out.ExitCode != 0 {
		// A shallow checkout may hold both commits but not their merge base.
		return nil, nil, fmt.Errorf("git diff %s...%s exited with status %d: %s: %w", short(g.Base), short(g.Head), out.ExitCode, strings.TrimSpace(string(out.Stderr)), ErrUnavailable)
	}
	files, kinds, err := parseRaw(out.Stdout)
	if err != nil {
		return nil, nil, fmt.Errorf("git diff %s...%s: %w", short(g.Base), short(g.Head), err)
	}
	return files, kinds, nil
}

// parseRaw reads `git diff --raw -z --no-renames`: for each path a
// ":oldmode newmode oldoid newoid status" record, then the path.
func parseRaw(out []byte) ([]string, map[string]string, error) {
	files := []string{}
	kinds := map[string]string{}
	fields := bytes.Split(out, []byte{0})
	for i := 0; i < len(fields); i++ {
		rec := string(fields[i])
		if rec == "" {
			continue
		}
		meta := strings.Fields(strings.TrimPrefix(rec, ":"))
		if !strings.HasPrefix(rec, ":") || len(meta) < 5 || i+1 >= len(fields) || len(fields[i+1]) == 0 {
			return nil, nil, fmt.Errorf("unexpected output %q", rec)
		}
		i++
		p := string(fields[i])
		files = append(files, p)
		switch {
		case meta[0] == modeGitlink || meta[1] == modeGitlink:
			kinds[p] = "submodule"
		case meta[0] == modeSymlink || meta[1] == modeSymlink:
			kinds[p] = "symlink"
		}
	}
	return files, kinds, nil
}

// isSHA reports whether s is a full SHA-1 or SHA-256 commit hash, so that
// it never reaches git as an option or a revision expression.
func isSHA(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
