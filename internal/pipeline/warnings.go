package pipeline

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/myorg/drift-action/internal/discover"
	"github.com/myorg/drift-action/internal/drift"
)

// Warning is a drift.yaml entry the run could not apply as written; it
// never changes a verdict. File and Line are where the entry is.
type Warning struct {
	File string
	Line int
	Msg  string // "FILE:LINE: what is wrong and what to do"
}

// SnoozeWarnings names each snooze whose root, or target, matches none of
// the targets found (before a pull request, dispatch or shard narrows
// them, so every job of a run says the same), matched as the verdict
// matches them (drift.Snooze.Matches). With roots given on the command
// line (narrowed), a root outside them is not called a mistake.
func SnoozeWarnings(snoozes []drift.Snooze, file string, targets []discover.Target, narrowed bool) []Warning {
	var out []Warning
	for _, s := range snoozes {
		line := s.Line
		var roots, names []string
		seen := map[string]bool{}
		matched := false
		for _, t := range targets {
			if !s.MatchesRoot(t.Dir) {
				continue
			}
			if !seen[t.Dir] {
				seen[t.Dir] = true
				roots = append(roots, t.Dir)
			}
			names = append(names, t.Name)
			matched = matched || s.Matches(t.Dir, t.Name)
		}
		var msg string
		switch {
		case matched:
			continue
		case len(roots) == 0 && narrowed:
			continue
		case len(roots) == 0:
			msg = fmt.Sprintf("snooze for root %q matches no root (found: %s): it snoozes nothing; fix root, or remove the entry", s.Root, some(dirs(targets)))
		default:
			msg = fmt.Sprintf("snooze for root %q target %q matches none of its targets (%s): it snoozes nothing; fix target, or remove the entry", s.Root, s.Target, some(names))
		}
		path := filepath.ToSlash(file)
		out = append(out, Warning{File: path, Line: line, Msg: fmt.Sprintf("%s:%d: %s", path, line, msg)})
	}
	return out
}

func dirs(targets []discover.Target) []string {
	var out []string
	for i, t := range targets {
		if i == 0 || targets[i-1].Dir != t.Dir {
			out = append(out, t.Dir)
		}
	}
	return out
}

// some lists names, the first ten of them.
func some(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	if len(names) > 10 {
		return strings.Join(names[:10], ", ") + fmt.Sprintf(" and %d more", len(names)-10)
	}
	return strings.Join(names, ", ")
}
