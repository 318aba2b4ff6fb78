package glob_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/myorg/drift-action/internal/glob"
)

func TestWildcard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		pattern string
		s       string
		want    bool
	}{
		{"empty matches empty", "", "", true},
		{"empty does not match text", "", "a", false},
		{"literal", "abc", "abc", true},
		{"literal mismatch", "abc", "abd", false},
		{"literal is not a prefix match", "abc", "abcd", false},
		{"star matches empty", "*", "", true},
		{"star matches anything", "*", "main.tf", true},
		{"star suffix", "*.tf", "main.tf", true},
		{"star suffix mismatch", "*.tf", "main.tfvars", false},
		{"star prefix", "aws_*", "aws_instance", true},
		{"star prefix mismatch", "aws_*", "google_instance", false},
		{"star in the middle", "a*c", "abbbc", true},
		{"star in the middle needs the tail", "a*c", "ab", false},
		{"two stars need backtracking", "a*b*c", "axxbyybzc", true},
		{"two stars, missing tail", "a*b*c", "axxbyy", false},
		{"double star is a star within a segment", "a**", "a", true},
		{"question mark", "a?c", "abc", true},
		{"question mark needs a byte", "?", "", false},
		{"two question marks need two bytes", "??", "a", false},
		{"question mark and star", "?*", "x", true},
		{"brackets are literal", "[0]", "[0]", true},
		{"brackets are literal, no class", "[0]", "0", false},
		{"star inside brackets", "[*]", "[12]", true},
		{"star inside brackets needs brackets", "[*]", "12", false},
		{"star matches a literal star", "*", "*", true},
		{"star matches text that starts with a star", "*", "*x", true},
		{"star then literal, text starting with a star", "*a", "*ba", true},
		{"literal star in pattern matched by text star", "a*", "a*b", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := glob.Wildcard(tt.pattern, tt.s)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Wildcard(%q, %q) mismatch (-want +got):\n%s", tt.pattern, tt.s, diff)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		pat  []string
		segs []string
		want bool
	}{
		{"empty matches empty", nil, nil, true},
		{"empty does not match a segment", nil, []string{"a"}, false},
		{"pattern longer than path", []string{"a", "b"}, []string{"a"}, false},
		{"exact", []string{"a", "b"}, []string{"a", "b"}, true},
		{"star is one segment", []string{"*"}, []string{"a"}, true},
		{"star is not zero segments", []string{"*", "c"}, []string{"c"}, false},
		{"star is not two segments", []string{"*"}, []string{"a", "b"}, false},
		{"double star alone matches nothing", []string{"**"}, nil, true},
		{"double star alone matches everything", []string{"**"}, []string{"a", "b", "c"}, true},
		{"trailing double star matches zero", []string{"a", "**"}, []string{"a"}, true},
		{"trailing double star matches many", []string{"a", "**"}, []string{"a", "b", "c"}, true},
		{"trailing double star needs its prefix", []string{"a", "**"}, []string{"b", "c"}, false},
		{"middle double star matches zero", []string{"a", "**", "c"}, []string{"a", "c"}, true},
		{"middle double star matches many", []string{"a", "**", "c"}, []string{"a", "b", "b", "c"}, true},
		{"middle double star needs the tail", []string{"a", "**", "c"}, []string{"a", "b"}, false},
		{"leading double star", []string{"**", "c"}, []string{"x", "y", "c"}, true},
		{"two double stars", []string{"**", "b", "**", "d"}, []string{"a", "b", "c", "d"}, true},
		{"wildcards inside segments", []string{"env-*", "?"}, []string{"env-prod", "x"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := glob.Match(tt.pat, tt.segs)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Match(%q, %q) mismatch (-want +got):\n%s", tt.pat, tt.segs, diff)
			}
		})
	}
}

func TestMatchDir(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		pattern string
		dir     string
		want    bool
	}{
		{"exact", "infra/app", "infra/app", true},
		{"slashes around are ignored", "/infra/app/", "infra/app/", true},
		{"star is one directory", "infra/*", "infra/app", true},
		{"star is not two directories", "infra/*", "infra/app/eu", false},
		{"double star spans directories", "infra/**", "infra/app/eu", true},
		{"double star matches the directory itself", "infra/**", "infra", true},
		{"leading double star", "**/prod", "envs/eu/prod", true},
		{"leading double star matches zero", "**/prod", "prod", true},
		{"question mark", "env?", "env1", true},
		{"other directory", "infra/app", "infra/network", false},
		{"dot means the root", ".", ".", true},
		{"dot matches empty", ".", "", true},
		{"empty pattern means the root", "", ".", true},
		{"root pattern does not match a subdirectory", ".", "infra", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := glob.MatchDir(tt.pattern, tt.dir)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("MatchDir(%q, %q) mismatch (-want +got):\n%s", tt.pattern, tt.dir, diff)
			}
		})
	}
}
