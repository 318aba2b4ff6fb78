package gitrepo

import (
	"strings"
)

// pushStatus is one ref line of `git push --porcelain`:
//
//	<flag> TAB <from>:<to> TAB <summary> [(<reason>)]
type pushStatus struct {
	Flag    byte
	From    string
	To      string
	Summary string
	Reason  string
}

func parsePorcelain(stdout string) []pushStatus {
	var out []pushStatus
	for line := range strings.Lines(stdout) {
		line = strings.TrimRight(line, "\r\n")
		parts := strings.SplitN(line, "\t", 3)
		if len(parts) != 3 || len(parts[0]) != 1 {
			continue // "To <url>", "Done"
		}
		st := pushStatus{Flag: parts[0][0], Summary: parts[2]}
		st.From, st.To, _ = strings.Cut(parts[1], ":")
		if i := strings.LastIndex(st.Summary, " ("); i >= 0 && strings.HasSuffix(st.Summary, ")") {
			st.Summary, st.Reason = st.Summary[:i], st.Summary[i+2:len(st.Summary)-1]
		}
		out = append(out, st)
	}
	return out
}

type pushOutcome int

const (
	pushFailed   pushOutcome = iota // no usable status: transport or auth failure
	pushOK                          // the remote branch now holds the commit
	pushConflict                    // someone else moved the branch: fetch, regenerate, retry
	pushRefused                     // branch protection, rulesets or a hook: retrying will not help
)

// retryableRemote are remote-side ref update failures caused by a concurrent
// push (the ref lock was held or the ref moved under receive-pack). The ref
// was not updated, so retrying on the new tip is safe.
var retryableRemote = []string{"failed to update ref", "cannot lock ref", "failed to lock", "incorrect old value"}

func classifyPush(st pushStatus) pushOutcome {
	switch st.Flag {
	case ' ', '*', '=':
		return pushOK
	case '!':
	default:
		return pushFailed
	}
	switch st.Summary {
	case "[rejected]":
		switch st.Reason {
		case "non-fast-forward", "fetch first", "stale info":
			return pushConflict
		}
		return pushRefused
	case "[remote rejected]":
		for _, r := range retryableRemote {
			if strings.Contains(st.Reason, r) {
				return pushConflict
			}
		}
		return pushRefused
	}
	// "[remote failure]" (the remote did not report a status: the update may
	// or may not have happened) and anything unknown.
	return pushFailed
}

// findStatus returns the status line for refs/heads/<branch>.
func findStatus(statuses []pushStatus, branch string) (pushStatus, bool) {
	for _, st := range statuses {
		if st.To == "refs/heads/"+branch {
			return st, true
		}
	}
	return pushStatus{}, false
}

// remoteMessages are the "remote: ..." lines of git's stderr (what a hook or
// GitHub said, e.g. "error: GH006: Protected branch update failed"), without
// the prefix and the terminal clear-line sequences.
func remoteMessages(stderr string) []string {
	var out []string
	for line := range strings.Lines(stderr) {
		rest, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "remote:")
		if !ok {
			continue
		}
		rest = strings.TrimSpace(strings.ReplaceAll(rest, "\x1b[K", ""))
		if rest != "" {
			out = append(out, rest)
		}
	}
	return out
}

// pushFailureHint says what to do about a push that failed before any ref
// status came back.
func pushFailureHint(stderr string) string {
	s := strings.ToLower(stderr)
	switch {
	case strings.Contains(s, "returned error: 403"), strings.Contains(s, "permission to"),
		strings.Contains(s, "write access to repository not granted"):
		return "the token may not write to the repository: grant `permissions: contents: write` to the job and keep `persist-credentials` on actions/checkout"
	case strings.Contains(s, "could not read username"), strings.Contains(s, "authentication failed"),
		strings.Contains(s, "returned error: 401"):
		return "git has no credentials for the remote: keep `persist-credentials: true` (the default) on actions/checkout"
	}
	return ""
}
