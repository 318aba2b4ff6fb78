// Package glob matches slash- or dot-separated paths against patterns where
// `*` and `?` work within one segment and `**` spans any number of segments.
// It is shared by root discovery (directories) and ignore rules (attribute paths).
package glob

import "strings"

// Match reports whether the pattern segments match all of segs.
func Match(pat, segs []string) bool {
	if len(pat) == 0 {
		return len(segs) == 0
	}
	if pat[0] == "**" {
		for i := 0; i <= len(segs); i++ {
			if Match(pat[1:], segs[i:]) {
				return true
			}
		}
		return false
	}
	return len(segs) > 0 && Wildcard(pat[0], segs[0]) && Match(pat[1:], segs[1:])
}

// MatchDir matches a slash-separated relative directory against a pattern.
func MatchDir(pattern, dir string) bool {
	pattern, dir = strings.Trim(pattern, "/"), strings.Trim(dir, "/")
	if pattern == "" || pattern == "." {
		return dir == "." || dir == ""
	}
	return Match(strings.Split(pattern, "/"), strings.Split(dir, "/"))
}

// Wildcard matches one segment: `*` is any run of bytes, `?` one byte, and
// everything else (brackets included) is literal.
func Wildcard(p, s string) bool {
	// One backtrack point keeps this linear for ordinary patterns.
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && p[pi] == '*': // before the literal case: a '*' in the text is not a wildcard
			star, mark = pi, si
			pi++
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]):
			pi++
			si++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
