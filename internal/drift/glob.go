package drift

import (
	"strconv"
	"strings"

	"github.com/myorg/drift-action/internal/glob"
)

// MatchPath reports whether the attribute path glob p matches the path given
// as segments, or any path above it (so `tags_all` covers `tags_all.Name`).
// In p, `.` separates segments, `*` matches within one segment, `**` matches
// any number of segments, and `[0]`, `[*]` and `["key"]` address list
// elements and map keys.
func MatchPath(p string, segs []string) bool {
	// A trailing ** makes the pattern cover everything below what it names.
	return glob.Match(append(SplitPath(p), "**"), segs)
}

// SplitPath turns a rendered path or glob into segments; list indexes keep
// their brackets so they never collide with map keys.
func SplitPath(p string) []string {
	var segs []string
	for len(p) > 0 {
		switch {
		case p[0] == '.':
			p = p[1:]
		case strings.HasPrefix(p, `["`):
			// quoted map key: find the closing quote that is not escaped
			end := -1
			for i := 2; i < len(p); i++ {
				if p[i] == '\\' {
					i++
					continue
				}
				if p[i] == '"' {
					end = i
					break
				}
			}
			if end < 0 || end+1 >= len(p) || p[end+1] != ']' {
				return append(segs, p)
			}
			if k, err := strconv.Unquote(p[1 : end+1]); err == nil {
				segs = append(segs, k)
			} else {
				segs = append(segs, p[2:end])
			}
			p = p[end+2:]
		case p[0] == '[':
			end := strings.IndexByte(p, ']')
			if end < 0 {
				return append(segs, p)
			}
			segs = append(segs, p[:end+1])
			p = p[end+1:]
		default:
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				end = len(p)
			}
			segs = append(segs, p[:end])
			p = p[end:]
		}
	}
	return segs
}
