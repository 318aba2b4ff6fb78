package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/myorg/drift-action/internal/retry"
)

// Defaults for [Options].
const (
	DefaultRemote    = "origin"
	DefaultAttempts  = 8
	DefaultBaseDelay = 500 * time.Millisecond
	DefaultMaxDelay  = 15 * time.Second
)

// Identity is a commit author and committer.
type Identity struct {
	Name  string
	Email string
}

// DefaultIdentity signs commits when neither [Options.Author] nor git
// (user.name and user.email, GIT_AUTHOR_* variables) provides an identity,
// which is the case on a fresh GitHub runner.
var DefaultIdentity = Identity{
	Name:  "github-actions[bot]",
	Email: "41898282+github-actions[bot]@users.noreply.github.com",
}

// Options configure a [Repo]. The zero value is read-only: set AllowWrite.
type Options struct {
	// AllowWrite must be true for Commit and PushBranch to run git at all.
	// Fork pull requests and pull_request_target runs must leave it false
	// (see [WriteAllowed]).
	AllowWrite bool
	// ReadOnlyReason explains why writing is not allowed; it is quoted in
	// the ErrReadOnly error.
	ReadOnlyReason string

	// Runner runs git; nil means ExecRunner{}.
	Runner Runner
	// Remote is the remote's name; empty means "origin".
	Remote string
	// Branch is the branch to record to. Empty means the checked-out branch;
	// it must be set when HEAD is detached. It must exist on the remote
	// unless it is the checked-out branch.
	Branch string
	// Author signs the commits; zero means git's own identity (user.name
	// and user.email), or [DefaultIdentity] when git has none.
	Author Identity

	// Attempts bounds the pushes per Commit (0: DefaultAttempts).
	Attempts int
	// BaseDelay is the pause after the first rejected push, doubled after
	// each further one up to MaxDelay, with jitter (0: the defaults).
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// Sleep waits between attempts; nil means a timer that honours ctx
	// (retry.Sleep).
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand returns a number in [0, 1) for the jitter; nil means math/rand.
	Rand func() float64

	// Logf receives progress lines (already redacted); nil discards them.
	Logf func(format string, args ...any)
	// Secrets are extra values to redact from errors and logs.
	Secrets []string

	// Local makes Commit record on the checked-out commit and move the
	// checkout to the record, never fetching or pushing: a record made on
	// a laptop, pushed (or not) by its owner.
	Local bool
}

// RegenerateFunc builds the change on the branch's current tip. current
// holds, for every file of the [Change], its content at the tip, or nil when
// the file does not exist there. It returns the new contents and the commit
// message. In the returned map a missing path is left as it is, a nil value
// deletes the file and a non-nil value (even empty) is written. Returning
// contents equal to current means there is nothing to record.
//
// It is called again after every rejected push, with the contents at the new
// tip, so it must derive everything from current (re-append this run's log
// events to the log it is given, re-render the report) and never assume its
// previous result landed.
type RegenerateFunc func(current map[string][]byte) (files map[string][]byte, message string, err error)

// Change is one record: the files it may write and how to produce them.
type Change struct {
	// Files are the paths, relative to the repository root with forward
	// slashes, that the commit may change. No other path is ever staged.
	Files []string
	// Regenerate produces the contents and message on a given tip.
	Regenerate RegenerateFunc
}

// Result describes what [Repo.Commit] did.
type Result struct {
	// Changed is false when Regenerate had nothing to record; nothing was
	// committed or pushed then.
	Changed bool
	// Branch is the branch recorded to.
	Branch string
	// Commit is the pushed commit.
	Commit string
	// Attempts is the number of tips the change was regenerated on.
	Attempts int
	// Synced is true when the checkout (HEAD, index and the files) was moved
	// to Commit after the push. It is false when the checkout is detached, on
	// another branch, or has local changes in the recorded files; the push
	// itself succeeded either way.
	Synced bool
}

// Repo records changes to a git checkout's branch and pushes them.
type Repo struct {
	dir  string
	opts Options
	mu   sync.Mutex // one Commit at a time per checkout
}

// New returns a Repo for the checkout at dir (the repository root, e.g.
// GITHUB_WORKSPACE).
func New(dir string, opts Options) *Repo {
	if opts.Runner == nil {
		opts.Runner = ExecRunner{}
	}
	if opts.Remote == "" {
		opts.Remote = DefaultRemote
	}
	if opts.Attempts <= 0 {
		opts.Attempts = DefaultAttempts
	}
	if opts.BaseDelay <= 0 {
		opts.BaseDelay = DefaultBaseDelay
	}
	if opts.MaxDelay <= 0 {
		opts.MaxDelay = max(DefaultMaxDelay, opts.BaseDelay)
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	return &Repo{dir: dir, opts: opts}
}

func (r *Repo) logf(format string, args ...any) {
	r.opts.Logf("%s", r.redact(fmt.Sprintf(format, args...)))
}

func (r *Repo) writeGuard(op string) error {
	if r.opts.AllowWrite {
		return nil
	}
	reason := r.opts.ReadOnlyReason
	if reason == "" {
		reason = "the caller did not allow writing"
	}
	return fmt.Errorf("gitrepo: %s: %w (%s): nothing was committed or pushed; the drift report is still available in the job's outputs",
		op, ErrReadOnly, reason)
}

// run runs c; a non-zero exit status is returned in Output, not as an error.
func (r *Repo) run(ctx context.Context, op string, c Cmd) (Output, error) {
	out, err := r.opts.Runner.Run(ctx, c)
	if err != nil {
		return out, &CmdError{Op: op, Command: r.redact(c.String()), Err: err}
	}
	return out, nil
}

// must runs c and turns a non-zero exit status into a [*CmdError].
func (r *Repo) must(ctx context.Context, op string, c Cmd) (Output, error) {
	out, err := r.run(ctx, op, c)
	if err != nil {
		return out, err
	}
	if out.ExitCode != 0 {
		return out, r.cmdError(op, c, out)
	}
	return out, nil
}

func (r *Repo) cmdError(op string, c Cmd, out Output) *CmdError {
	return &CmdError{
		Op:       op,
		Command:  r.redact(c.String()),
		ExitCode: out.ExitCode,
		Stderr:   tail(r.redact(strings.TrimSpace(string(out.Stderr)))),
	}
}

// maxStderr bounds the stderr quoted in an error; the end says what failed.
const maxStderr = 4000

func tail(s string) string {
	if len(s) <= maxStderr {
		return s
	}
	cut := len(s) - maxStderr
	if i := strings.IndexByte(s[cut:], '\n'); i >= 0 {
		cut += i + 1
	}
	return "[...] " + s[cut:]
}

func line(out Output) string { return strings.TrimSpace(string(out.Stdout)) }

// target is where a Commit goes.
type target struct {
	branch   string
	attached bool   // HEAD is on branch: the checkout follows the record
	head     string // HEAD's commit when attached
}

func (r *Repo) resolve(ctx context.Context) (target, error) {
	const op = "resolve branch"
	out, err := r.run(ctx, op, symbolicRefCmd(r.dir))
	if err != nil {
		return target{}, err
	}
	var current string
	switch out.ExitCode {
	case 0:
		current = strings.TrimPrefix(line(out), "refs/heads/")
	case 1: // detached
	default:
		return target{}, fmt.Errorf("%w: is %q a git checkout?", r.cmdError(op, symbolicRefCmd(r.dir), out), r.dir)
	}
	t := target{branch: r.opts.Branch}
	if t.branch == "" {
		if current == "" {
			return target{}, fmt.Errorf("gitrepo: %s: %w (actions/checkout checked out a tag, a commit or a pull request merge ref): "+
				"check out the branch to record to with `ref: <branch>` on actions/checkout, or name the branch explicitly", op, ErrDetachedHead)
		}
		t.branch = current
	}
	if out, err := r.run(ctx, op, checkRefFormatCmd(r.dir, t.branch)); err != nil {
		return target{}, err
	} else if out.ExitCode != 0 {
		return target{}, fmt.Errorf("gitrepo: %s: %q is not a valid branch name", op, t.branch)
	}
	if t.branch == current {
		out, err := r.run(ctx, op, revParseCmd(r.dir, "HEAD"))
		if err != nil {
			return target{}, err
		}
		if out.ExitCode == 0 {
			t.attached, t.head = true, line(out)
		}
		// An unborn branch has no HEAD commit: base on the remote instead.
	}
	return t, nil
}

// identity decides who signs the commit: Options.Author, else git's own
// (user.name and user.email, GIT_COMMITTER_* variables), else
// DefaultIdentity.
func (r *Repo) identity(ctx context.Context) (Identity, error) {
	if r.opts.Author != (Identity{}) {
		if r.opts.Author.Name == "" || r.opts.Author.Email == "" || strings.ContainsAny(r.opts.Author.Name+r.opts.Author.Email, "<>\n") {
			return Identity{}, errors.New("gitrepo: identity: Author needs a name and an email, without <, > or newlines")
		}
		return r.opts.Author, nil
	}
	out, err := r.run(ctx, "identity", identCmd(r.dir))
	if err != nil {
		return Identity{}, err
	}
	if out.ExitCode == 0 {
		// "Name <email> 1700000000 +0000"
		name, rest, ok := strings.Cut(line(out), " <")
		email, _, ok2 := strings.Cut(rest, "> ")
		if ok && ok2 && email != "" {
			return Identity{Name: name, Email: email}, nil
		}
	}
	return DefaultIdentity, nil
}

// fetch updates the remote-tracking branch and returns its commit.
func (r *Repo) fetch(ctx context.Context, branch string) (string, error) {
	const op = "fetch"
	c := fetchCmd(r.dir, r.opts.Remote, branch)
	out, err := r.run(ctx, op, c)
	if err != nil {
		return "", err
	}
	if out.ExitCode != 0 {
		if strings.Contains(string(out.Stderr), "couldn't find remote ref") {
			return "", fmt.Errorf("gitrepo: %s: %w: %q on %q: create the branch first or name an existing one",
				op, ErrNoBranch, branch, r.opts.Remote)
		}
		err := r.cmdError(op, c, out)
		if hint := pushFailureHint(string(out.Stderr)); hint != "" {
			return "", fmt.Errorf("%w; %s", err, hint)
		}
		return "", err
	}
	out, err = r.must(ctx, op, revParseCmd(r.dir, trackingRef(r.opts.Remote, branch)))
	if err != nil {
		return "", err
	}
	return line(out), nil
}

// readFiles returns the content of every path at commit (nil when absent).
func (r *Repo) readFiles(ctx context.Context, commit string, paths []string) (map[string][]byte, error) {
	const op = "read files"
	out, err := r.must(ctx, op, catFileCmd(r.dir, commit, paths))
	if err != nil {
		return nil, err
	}
	files := make(map[string][]byte, len(paths))
	rest := out.Stdout
	for _, p := range paths {
		header, after, ok := bytes.Cut(rest, []byte("\n"))
		if !ok {
			return nil, fmt.Errorf("gitrepo: %s: unexpected end of git cat-file output at %q", op, p)
		}
		if string(header) == commit+":"+p+" missing" {
			files[p] = nil
			rest = after
			continue
		}
		fields := strings.Fields(string(header))
		if len(fields) != 3 {
			return nil, fmt.Errorf("gitrepo: %s: unexpected git cat-file output %q for %q", op, header, p)
		}
		size, err := strconv.Atoi(fields[2])
		if err != nil || size < 0 || size+1 > len(after) {
			return nil, fmt.Errorf("gitrepo: %s: unexpected git cat-file output %q for %q", op, header, p)
		}
		if fields[1] != "blob" {
			return nil, fmt.Errorf("gitrepo: %s: %q is a %s at %s, not a file: choose another path", op, p, fields[1], short(commit))
		}
		files[p] = bytes.Clone(after[:size])
		rest = after[size+1:]
	}
	return files, nil
}

// edit is one file to write (content non-nil) or delete.
type edit struct {
	path    string
	content []byte
}

// changes compares Regenerate's result with the current contents.
func changes(paths []string, current, next map[string][]byte) ([]edit, error) {
	for p := range next {
		if !slices.Contains(paths, p) {
			return nil, fmt.Errorf("gitrepo: regenerate: returned %q, which is not one of the change's files %q", p, paths)
		}
	}
	var edits []edit
	for _, p := range paths {
		content, ok := next[p]
		if !ok {
			continue
		}
		old := current[p]
		if (content == nil) == (old == nil) && bytes.Equal(content, old) {
			continue
		}
		edits = append(edits, edit{path: p, content: content})
	}
	return edits, nil
}

// makeCommit builds a commit on parent that differs from it only in edits,
// with one git fast-import, without touching the checkout's index or files.
func (r *Repo) makeCommit(ctx context.Context, parent string, edits []edit, message string, ident Identity) (string, error) {
	const op = "commit"
	out, err := r.must(ctx, op, fastImportCmd(r.dir, fastImportScript(parent, edits, message, ident, time.Now())))
	if err != nil {
		return "", err
	}
	commit := line(out)
	if !isHex(commit) {
		return "", fmt.Errorf("gitrepo: %s: git fast-import returned %q instead of a commit id", op, commit)
	}
	return commit, nil
}

// push pushes commit to branch and classifies the answer.
func (r *Repo) push(ctx context.Context, op, commit, branch string) (pushOutcome, pushStatus, Output, error) {
	c := pushCmd(r.dir, r.opts.Remote, commit, branch)
	out, err := r.run(ctx, op, c)
	if err != nil {
		return pushFailed, pushStatus{}, out, err
	}
	st, ok := findStatus(parsePorcelain(string(out.Stdout)), branch)
	if !ok {
		if out.ExitCode == 0 {
			return pushFailed, st, out, fmt.Errorf("gitrepo: %s: git push reported no status for branch %q", op, branch)
		}
		err := r.cmdError(op, c, out)
		if hint := pushFailureHint(string(out.Stderr)); hint != "" {
			return pushFailed, st, out, fmt.Errorf("%w; %s", err, hint)
		}
		return pushFailed, st, out, err
	}
	outcome := classifyPush(st)
	if outcome == pushFailed {
		return outcome, st, out, fmt.Errorf("%w: %s %s: the push's outcome is unknown: check branch %q before running again",
			r.cmdError(op, c, out), st.Summary, st.Reason, branch)
	}
	return outcome, st, out, nil
}

// Commit records a change on the branch and pushes it, never forcing.
//
// The change is built by ch.Regenerate on the branch's tip, fetched from the
// remote (or on HEAD when the checkout is on the branch and ahead of it).
// After every push the remote rejects as non-fast-forward, Commit waits (a
// jittered exponential backoff), fetches the new tip and regenerates the
// change there. Only ch.Files differ between the tip and
// the commit; the checkout's index, staged changes and other files are not
// used. When Regenerate returns no change, nothing is committed or pushed.
//
// Errors: [ErrReadOnly] (no git was run), [ErrDetachedHead], [ErrNoBranch],
// [*PushRefusedError] (matches [ErrPushRefused]; fall back to
// [Repo.PushBranch]), [ErrConflict] after Options.Attempts rejections, and
// [*CmdError] for anything else git reported. No error contains credentials.
func (r *Repo) Commit(ctx context.Context, ch Change) (Result, error) {
	if err := r.writeGuard("commit"); err != nil {
		return Result{}, err
	}
	if r.opts.Local {
		return r.commitLocal(ctx, ch)
	}
	paths, err := cleanPaths(ch.Files)
	if err != nil {
		return Result{}, err
	}
	if ch.Regenerate == nil {
		return Result{}, errors.New("gitrepo: commit: the change has no Regenerate function")
	}
	r.mu.Lock()
	defer r.mu.Unlock()

	t, err := r.resolve(ctx)
	if err != nil {
		return Result{}, err
	}
	ident, err := r.identity(ctx)
	if err != nil {
		return Result{}, err
	}
	res := Result{Branch: t.branch}
	var rejected string // why the last push was rejected
	policy := retry.Policy{
		Attempts: r.opts.Attempts,
		Base:     r.opts.BaseDelay,
		Max:      r.opts.MaxDelay,
		Sleep:    r.opts.Sleep,
		Rand:     r.opts.Rand,
		OnRetry: func(attempt int, _ error, wait time.Duration) {
			r.logf("gitrepo: push to %s rejected (%s), regenerating on the new tip in %s (attempt %d of %d)",
				t.branch, rejected, wait.Round(time.Millisecond), attempt+1, r.opts.Attempts)
		},
	}
	err = retry.Do(ctx, policy, func(ctx context.Context, attempt int) error {
		res.Attempts = attempt
		base, err := r.base(ctx, t, attempt)
		if err != nil {
			return retry.Permanent(err)
		}
		current, err := r.readFiles(ctx, base, paths)
		if err != nil {
			return retry.Permanent(err)
		}
		next, message, err := ch.Regenerate(cloneFiles(current))
		if err != nil {
			return retry.Permanent(fmt.Errorf("gitrepo: commit: regenerate on %s: %w", short(base), err))
		}
		edits, err := changes(paths, current, next)
		if err != nil {
			return retry.Permanent(err)
		}
		if len(edits) == 0 {
			r.logf("gitrepo: nothing to record on %s (%s)", t.branch, short(base))
			return nil
		}
		if strings.TrimSpace(message) == "" {
			return retry.Permanent(errors.New("gitrepo: commit: regenerate returned an empty commit message"))
		}
		commit, err := r.makeCommit(ctx, base, edits, message, ident)
		if err != nil {
			return retry.Permanent(err)
		}
		outcome, st, out, err := r.push(ctx, "push", commit, t.branch)
		switch {
		case err != nil:
			return retry.Permanent(err)
		case outcome == pushOK:
			res.Changed, res.Commit = true, commit
			res.Synced = r.sync(ctx, t, commit)
			r.logf("gitrepo: recorded %s on %s (attempt %d)", short(commit), t.branch, attempt)
			return nil
		case outcome == pushRefused:
			return retry.Permanent(&PushRefusedError{
				Branch:   t.branch,
				Reason:   r.redact(st.Reason),
				Messages: redactAll(r, remoteMessages(string(out.Stderr))),
				Commit:   commit,
			})
		}
		// pushConflict: another run moved the branch first; regenerate on
		// the new tip.
		rejected = r.redact(st.Reason)
		return ErrConflict
	})
	switch {
	case err == nil:
		return res, nil
	case errors.Is(err, retry.ErrExhausted):
		return res, fmt.Errorf("gitrepo: push: %w: all %d pushes to %q were rejected (%s) because other runs pushed first: "+
			"raise the attempts or the backoff, or serialise the recording jobs (a workflow `concurrency` group)",
			ErrConflict, res.Attempts, t.branch, rejected)
	case errors.Is(err, ErrConflict):
		var gaveUp *retry.GaveUpError
		if errors.As(err, &gaveUp) {
			err = gaveUp.Reason
		}
		return res, fmt.Errorf("gitrepo: push: waiting to retry: %w", err)
	}
	return res, err
}

// base is the commit an attempt builds on: the remote branch's tip, fetched
// anew for every attempt. On the first attempt a checkout that is ahead of
// the tip (local commits not pushed yet) is used instead, so those commits
// are pushed with the record; a branch that does not exist on the remote yet
// is created from HEAD.
func (r *Repo) base(ctx context.Context, t target, attempt int) (string, error) {
	tip, err := r.fetch(ctx, t.branch)
	if errors.Is(err, ErrNoBranch) && t.attached {
		return t.head, nil
	}
	if err != nil || attempt > 1 || !t.attached || t.head == tip {
		return tip, err
	}
	if ok, err := r.isAncestor(ctx, tip, t.head); err != nil || !ok {
		return tip, err
	}
	return t.head, nil
}

func (r *Repo) isAncestor(ctx context.Context, ancestor, commit string) (bool, error) {
	const op = "compare commits"
	c := isAncestorCmd(r.dir, ancestor, commit)
	out, err := r.run(ctx, op, c)
	switch {
	case err != nil:
		return false, err
	case out.ExitCode == 0:
		return true, nil
	case out.ExitCode == 1:
		return false, nil
	}
	return false, r.cmdError(op, c, out)
}

// sync moves the checkout to the pushed commit when HEAD is on the branch,
// like a fast-forward "git checkout" (local changes elsewhere are kept; if
// the recorded files have local changes, the checkout is left alone), and
// updates the remote-tracking branch. It reports whether HEAD was moved.
func (r *Repo) sync(ctx context.Context, t target, commit string) bool {
	const op = "update checkout"
	if _, err := r.must(ctx, op, updateRefCmd(r.dir, trackingRef(r.opts.Remote, t.branch), commit, "")); err != nil {
		r.logf("gitrepo: warning: %v", err)
	}
	if !t.attached {
		return false
	}
	return r.moveHead(ctx, t, commit)
}

// moveHead moves an attached checkout from t.head to commit, which
// descends from it, as a fast-forward "git checkout" does; it reports
// whether HEAD moved.
func (r *Repo) moveHead(ctx context.Context, t target, commit string) bool {
	const op = "update checkout"
	if ok, err := r.isAncestor(ctx, t.head, commit); err != nil || !ok {
		// Local commits that are not on the branch: leave them checked out.
		r.logf("gitrepo: warning: the checkout at %s has commits that are not on %s; it was left as it is", short(t.head), t.branch)
		return false
	}
	_, _ = r.run(ctx, op, refreshIndexCmd(r.dir)) // stat-only differences must not block the checkout
	if _, err := r.must(ctx, op, checkoutTreeCmd(r.dir, t.head, commit)); err != nil {
		r.logf("gitrepo: warning: the push succeeded but the checkout was left at %s: %v", short(t.head), err)
		return false
	}
	if _, err := r.must(ctx, op, updateRefCmd(r.dir, "HEAD", commit, t.head)); err != nil {
		r.logf("gitrepo: warning: the push succeeded but HEAD was left at %s: %v", short(t.head), err)
		return false
	}
	return true
}

// PushBranch pushes commit (typically [PushRefusedError.Commit]) to a new
// branch on the remote, for a pull request when the recorded branch is
// protected. It never forces: if the branch exists with other commits, it
// fails and says to pick another name.
func (r *Repo) PushBranch(ctx context.Context, commit, branch string) error {
	const op = "push branch"
	if err := r.writeGuard(op); err != nil {
		return err
	}
	if !isHex(commit) {
		return fmt.Errorf("gitrepo: %s: %q is not a commit id", op, commit)
	}
	if out, err := r.run(ctx, op, checkRefFormatCmd(r.dir, branch)); err != nil {
		return err
	} else if out.ExitCode != 0 {
		return fmt.Errorf("gitrepo: %s: %q is not a valid branch name", op, branch)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	outcome, st, out, err := r.push(ctx, op, commit, branch)
	switch {
	case err != nil:
		return err
	case outcome == pushOK:
		r.logf("gitrepo: pushed %s to branch %s", short(commit), branch)
		return nil
	case outcome == pushConflict:
		return fmt.Errorf("gitrepo: %s: branch %q already exists on %q with other commits (%s): pick another name, e.g. add the run attempt",
			op, branch, r.opts.Remote, r.redact(st.Reason))
	}
	return &PushRefusedError{Branch: branch, Reason: r.redact(st.Reason), Messages: redactAll(r, remoteMessages(string(out.Stderr))), Commit: commit}
}

func redactAll(r *Repo, lines []string) []string {
	for i := range lines {
		lines[i] = r.redact(lines[i])
	}
	return lines
}

func cloneFiles(m map[string][]byte) map[string][]byte {
	out := make(map[string][]byte, len(m))
	for k, v := range m {
		out[k] = bytes.Clone(v)
	}
	return out
}

func isHex(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// cleanPaths checks the change's files: relative to the repository root,
// clean, inside it, outside .git, no duplicates.
func cleanPaths(files []string) ([]string, error) {
	if len(files) == 0 {
		return nil, errors.New("gitrepo: commit: the change names no files")
	}
	out := make([]string, 0, len(files))
	for _, f := range files {
		p := filepath.ToSlash(f)
		switch {
		case p == "" || path.IsAbs(p) || filepath.IsAbs(f) || filepath.VolumeName(f) != "":
			return nil, fmt.Errorf("gitrepo: commit: file %q must be a path relative to the repository root", f)
		case path.Clean(p) != p || p == "." || p == ".." || strings.HasPrefix(p, "../"):
			return nil, fmt.Errorf("gitrepo: commit: file %q must be a clean path inside the repository (such as %q)", f, path.Clean(p))
		case p == ".git" || strings.HasPrefix(p, ".git/") || strings.ContainsAny(p, "\x00\n"):
			return nil, fmt.Errorf("gitrepo: commit: file %q cannot be recorded", f)
		case slices.Contains(out, p):
			return nil, fmt.Errorf("gitrepo: commit: file %q is named twice", f)
		}
		out = append(out, p)
	}
	return out, nil
}
