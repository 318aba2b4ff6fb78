package gitrepo

import (
	"fmt"
	"strings"
)

// WriteAllowed says whether a workflow run triggered by event may write to
// the repository, and why not. Pull requests from forks and
// pull_request_target runs never write: their code or inputs come from
// outside the repository.
func WriteAllowed(event string, fromFork bool) (allowed bool, reason string) {
	switch {
	case event == "pull_request_target":
		return false, "pull_request_target runs never write to the repository"
	case fromFork && (event == "pull_request" || event == "pull_request_review" || event == "pull_request_review_comment"):
		return false, "pull requests from forks never write to the repository"
	}
	return true, ""
}

// FallbackBranch is the branch to push a refused record to, for a pull
// request: "drift/record-<run>", with run reduced to characters that are
// safe in a branch name (e.g. "1234567890-2" for run id and attempt).
func FallbackBranch(run string) string {
	var b strings.Builder
	for _, c := range run {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
			b.WriteRune(c)
		default:
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	for strings.Contains(s, "--") {
		s = strings.ReplaceAll(s, "--", "-")
	}
	if s == "" {
		return "drift/record"
	}
	return "drift/record-" + s
}

// Summary is what a record commit's message names.
type Summary struct {
	// Roots, Drifted and Failed count the roots planned, those with drift
	// and those whose plan failed.
	Roots, Drifted, Failed int
	// Run identifies the workflow run, such as "1234567890-1" (id-attempt).
	Run string
	// RunURL links to the run; optional.
	RunURL string
}

// Message is a commit message naming the counts and the run, e.g.
//
//	drift: 2 of 14 roots drifted, 1 failed (run 1234567890-1)
//
//	Run: https://github.com/o/r/actions/runs/1234567890/attempts/1
func Message(s Summary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "drift: %d of %d %s drifted", s.Drifted, s.Roots, plural(s.Roots, "root", "roots"))
	if s.Failed > 0 {
		fmt.Fprintf(&b, ", %d failed", s.Failed)
	}
	if s.Run != "" {
		fmt.Fprintf(&b, " (run %s)", s.Run)
	}
	b.WriteString("\n")
	if s.RunURL != "" {
		fmt.Fprintf(&b, "\nRun: %s\n", Redact(s.RunURL))
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
