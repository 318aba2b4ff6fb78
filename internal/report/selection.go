package report

import (
	"bufio"
	"fmt"
	"strings"
)

// Selection says which roots a pull request run planned, each with why,
// and which it skipped because the pull request's changes do not affect
// them (pull-request-roots: affected).
type Selection struct {
	Mode string `json:"mode"` // affected
	// Source is where the changed files came from: git or GitHub API; ""
	// when they are unknown.
	Source  string         `json:"source,omitempty"`
	Planned []SelectedRoot `json:"planned"`
	Skipped []string       `json:"skipped"`
	// Note says what to know about the selection as a whole: why every
	// root was planned, or that none was.
	Note string `json:"note,omitempty"`
}

// SelectedRoot is a root a pull request run planned and why.
type SelectedRoot struct {
	Root    string   `json:"root"`
	Reasons []string `json:"reasons"`
}

// markdownSelection writes the selection briefly: counts, each planned root
// with its reasons, the skipped roots folded away.
func markdownSelection(bw *bufio.Writer, s *Selection) {
	if s == nil {
		return
	}
	fmt.Fprintf(bw, "\n\n**Roots planned for this pull request:** %d planned · %d skipped as unaffected", len(s.Planned), len(s.Skipped))
	if s.Source != "" {
		fmt.Fprintf(bw, " (changed files from %s)", cell(s.Source))
	}
	if s.Note != "" {
		fmt.Fprintf(bw, "\n\n> [!NOTE]\n> %s", cell(upperFirst(s.Note)))
	}
	// When the note says why every root was planned, one line per root
	// would only repeat it.
	if len(s.Planned) > 0 && (s.Note == "" || len(s.Skipped) > 0) {
		bw.WriteString("\n")
		for _, p := range s.Planned {
			fmt.Fprintf(bw, "\n- %s: %s", code(p.Root), cell(strings.Join(p.Reasons, "; ")))
		}
	}
	if len(s.Skipped) > 0 {
		roots := make([]string, len(s.Skipped))
		for i, r := range s.Skipped {
			roots[i] = code(r)
		}
		fmt.Fprintf(bw, "\n\n<details><summary>Skipped: %d root(s) this pull request does not affect</summary>\n\n%s\n\n</details>", len(s.Skipped), strings.Join(roots, " · "))
	}
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
