package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// FileChange is one file a change alters: its content before and after
// (nil when absent, or deleted).
type FileChange struct {
	Path     string
	Old, New []byte
}

// Preview is what a change would record on the checked-out commit.
type Preview struct {
	Branch  string // the checked-out branch; "" when HEAD is detached
	Base    string // the commit the change was regenerated on; "" on an unborn branch
	Message string
	Files   []FileChange // only the files that change, in the change's order
}

// Preview regenerates ch on the checkout's HEAD and returns what Commit
// would record there, writing nothing and calling no remote: no fetch,
// commit or push. It is what a dry run shows.
func (r *Repo) Preview(ctx context.Context, ch Change) (Preview, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, current, next, message, edits, err := r.onHead(ctx, ch)
	if err != nil {
		return Preview{}, err
	}
	p := Preview{Branch: t.branch, Base: t.head, Message: message}
	for _, e := range edits {
		p.Files = append(p.Files, FileChange{Path: e.path, Old: current[e.path], New: next[e.path]})
	}
	return p, nil
}

// onHead regenerates ch on HEAD (no file is there on an unborn branch)
// and returns what would change.
func (r *Repo) onHead(ctx context.Context, ch Change) (t target, current, next map[string][]byte, message string, edits []edit, err error) {
	paths, err := cleanPaths(ch.Files)
	if err != nil {
		return t, nil, nil, "", nil, err
	}
	if ch.Regenerate == nil {
		return t, nil, nil, "", nil, errors.New("gitrepo: commit: the change has no Regenerate function")
	}
	if t, err = r.resolveHead(ctx); err != nil {
		return t, nil, nil, "", nil, err
	}
	current = make(map[string][]byte, len(paths))
	for _, p := range paths {
		current[p] = nil
	}
	if t.head != "" {
		if current, err = r.readFiles(ctx, t.head, paths); err != nil {
			return t, nil, nil, "", nil, err
		}
	}
	next, message, err = ch.Regenerate(cloneFiles(current))
	if err != nil {
		return t, nil, nil, "", nil, fmt.Errorf("gitrepo: commit: regenerate on %s: %w", orUnborn(t.head), err)
	}
	if edits, err = changes(paths, current, next); err != nil {
		return t, nil, nil, "", nil, err
	}
	if len(edits) > 0 && strings.TrimSpace(message) == "" {
		return t, nil, nil, "", nil, errors.New("gitrepo: commit: regenerate returned an empty commit message")
	}
	return t, current, next, message, edits, nil
}

// resolveHead is the checked-out branch (Options.Branch is not used: a
// local record goes where the checkout is) and HEAD's commit, "" on an
// unborn branch; a detached HEAD has no branch.
func (r *Repo) resolveHead(ctx context.Context) (target, error) {
	const op = "resolve branch"
	out, err := r.run(ctx, op, symbolicRefCmd(r.dir))
	if err != nil {
		return target{}, err
	}
	var t target
	switch out.ExitCode {
	case 0:
		t.branch, t.attached = strings.TrimPrefix(line(out), "refs/heads/"), true
	case 1: // detached
	default:
		return target{}, fmt.Errorf("%w: is %q a git checkout? (git init it, or name one)", r.cmdError(op, symbolicRefCmd(r.dir), out), r.dir)
	}
	out, err = r.run(ctx, op, revParseCmd(r.dir, "HEAD"))
	if err != nil {
		return target{}, err
	}
	if out.ExitCode == 0 {
		t.head = line(out)
	}
	return t, nil
}

// commitLocal is Commit under Options.Local: the record's commit on HEAD,
// with the checkout moved to it; nothing is fetched or pushed.
func (r *Repo) commitLocal(ctx context.Context, ch Change) (Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, _, _, message, edits, err := r.onHead(ctx, ch)
	if err != nil {
		return Result{}, err
	}
	res := Result{Branch: t.branch, Attempts: 1}
	if len(edits) == 0 {
		r.logf("gitrepo: nothing to record on %s (%s)", t.branch, short(t.head))
		return res, nil
	}
	switch {
	case !t.attached:
		return res, fmt.Errorf("gitrepo: commit: %w: check out the branch to record to", ErrDetachedHead)
	case t.head == "":
		return res, fmt.Errorf("gitrepo: commit: branch %q has no commit yet: commit something first, then record", t.branch)
	}
	ident, err := r.identity(ctx)
	if err != nil {
		return res, err
	}
	commit, err := r.makeCommit(ctx, t.head, edits, message, ident)
	if err != nil {
		return res, err
	}
	if !r.moveHead(ctx, t, commit) {
		// Unlike a pushed record, a local one that HEAD does not hold is
		// lost to the user: say where it is.
		return res, fmt.Errorf("gitrepo: commit: the record is commit %s (under %s), but the checkout was left at %s: "+
			"commit or stash your changes to the record's files, then record again", short(commit), recordRef, short(t.head))
	}
	res.Changed, res.Commit, res.Synced = true, commit, true
	r.logf("gitrepo: recorded %s on %s locally (not pushed)", short(commit), t.branch)
	return res, nil
}

func orUnborn(commit string) string {
	if commit == "" {
		return "an unborn branch"
	}
	return short(commit)
}
