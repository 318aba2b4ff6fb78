package gitrepo

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrReadOnly is returned, without running git, when the caller says this
	// run may not write (fork pull requests, pull_request_target).
	ErrReadOnly = errors.New("writing to the repository is not allowed in this run")
	// ErrDetachedHead is returned when the checkout is not on a branch and
	// the caller named none.
	ErrDetachedHead = errors.New("HEAD is detached")
	// ErrPushRefused matches every [*PushRefusedError] with errors.Is.
	ErrPushRefused = errors.New("the remote refused the push")
	// ErrConflict is returned when every attempt was rejected because other
	// runs kept moving the branch.
	ErrConflict = errors.New("the branch kept moving")
	// ErrNoBranch is returned when the branch does not exist on the remote.
	ErrNoBranch = errors.New("branch not found on the remote")
)

// PushRefusedError is a push the remote refused for a reason retrying will
// not fix: branch protection ("protected branch hook declined", GH006),
// repository rules (GH013) or a pre-receive hook. The commit exists locally
// and can be pushed to another branch with [Repo.PushBranch], for a pull
// request.
type PushRefusedError struct {
	// Branch is the branch the push was for.
	Branch string
	// Reason is the remote's reason from the porcelain status, such as
	// "protected branch hook declined".
	Reason string
	// Messages are the remote's own lines ("remote: ..."), redacted.
	Messages []string
	// Commit is the refused commit, complete and ready to push elsewhere.
	Commit string
}

// Error implements error.
func (e *PushRefusedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "gitrepo: push: %v: branch %q: %s", ErrPushRefused, e.Branch, e.Reason)
	if len(e.Messages) > 0 {
		fmt.Fprintf(&b, " (remote said: %s)", strings.Join(e.Messages, " / "))
	}
	fmt.Fprintf(&b, "; commit %s was not recorded on %q: push it to a new branch (PushBranch) and open a pull request, "+
		"or allow this workflow to push to %q in the branch protection or ruleset", short(e.Commit), e.Branch, e.Branch)
	return b.String()
}

// Is makes errors.Is(err, ErrPushRefused) true.
func (e *PushRefusedError) Is(target error) bool { return target == ErrPushRefused }

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
