package drift_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/myorg/drift-action/internal/drift"
)

func TestMatchPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		pattern string
		segs    []string
		want    bool
	}{
		{"exact top-level attribute", "tags_all", []string{"tags_all"}, true},
		{"pattern covers everything below it", "tags_all", []string{"tags_all", "Name"}, true},
		{"cover reaches any depth", "environment", []string{"environment", "[0]", "variables", "API_TOKEN"}, true},
		{"a prefix of the name is not a parent", "tags", []string{"tags_all", "Name"}, false},
		{"a longer pattern does not match its parent", "tags_all.Name", []string{"tags_all"}, false},
		{"sibling is not covered", "tags.env", []string{"tags", "owner"}, false},
		{"star matches one segment", "*.last_modified", []string{"metadata", "last_modified"}, true},
		{"star needs a segment", "*.last_modified", []string{"last_modified"}, false},
		{"star does not span segments", "*.last_modified", []string{"a", "b", "last_modified"}, false},
		{"star inside a segment", "tags.*_at", []string{"tags", "created_at"}, true},
		{"star inside a segment, no match", "tags.*_at", []string{"tags", "created_by"}, false},
		{"star matches a list index segment", "disk.*.size", []string{"disk", "[0]", "size"}, true},
		{"question mark matches one byte", "tag?", []string{"tags"}, true},
		{"question mark needs a byte", "tags?", []string{"tags"}, false},
		{"double star matches zero segments", "**.last_modified", []string{"last_modified"}, true},
		{"double star matches many segments", "**.last_modified", []string{"a", "[3]", "b", "last_modified"}, true},
		{"double star in the middle", "spec.**.image", []string{"spec", "[0]", "container", "[1]", "image"}, true},
		{"double star in the middle, wrong leaf", "spec.**.image", []string{"spec", "[0]", "container", "[1]", "name"}, false},
		{"[*] matches any list index", "disk[*].size", []string{"disk", "[12]", "size"}, true},
		{"[*] needs an index segment", "disk[*].size", []string{"disk", "size"}, false},
		{"[0] matches only index 0", "disk[0].size", []string{"disk", "[0]", "size"}, true},
		{"[0] does not match index 1", "disk[0].size", []string{"disk", "[1]", "size"}, false},
		{"[0] does not match index 10", "disk[0].size", []string{"disk", "[10]", "size"}, false},
		{"list index never matches a map key", "tags[0]", []string{"tags", "0"}, false},
		{"map key never matches a list index", "tags.0", []string{"tags", "[0]"}, false},
		{"quoted key", `labels["app.kubernetes.io/name"]`, []string{"labels", "app.kubernetes.io/name"}, true},
		{"quoted key is one segment, not a path", `labels["app.kubernetes.io/name"]`, []string{"labels", "app", "kubernetes", "io/name"}, false},
		{"glob inside a quoted key", `metadata[*].labels["app.kubernetes.io/*"]`, []string{"metadata", "[0]", "labels", "app.kubernetes.io/version"}, true},
		{"star matches a key that starts with a star", "tags.*", []string{"tags", "*weird"}, true},
		{"empty path matches nothing below a pattern", "tags_all", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := drift.MatchPath(tt.pattern, tt.segs)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("MatchPath(%q, %q) mismatch (-want +got):\n%s", tt.pattern, tt.segs, diff)
			}
		})
	}
}

func TestSplitPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"one segment", "tags_all", []string{"tags_all"}},
		{"dotted", "tags.env", []string{"tags", "env"}},
		{"list index keeps brackets", "disk[0].size", []string{"disk", "[0]", "size"}},
		{"index wildcard", "disk[*].size", []string{"disk", "[*]", "size"}},
		{"consecutive indexes", "matrix[1][2]", []string{"matrix", "[1]", "[2]"}},
		{"quoted key", `labels["app.kubernetes.io/name"]`, []string{"labels", "app.kubernetes.io/name"}},
		{"quoted key then more", `metadata[0].labels["a.b"].x`, []string{"metadata", "[0]", "labels", "a.b", "x"}},
		{"quoted key first", `["a b"].c`, []string{"a b", "c"}},
		{"quoted key with escaped quote", `m["say \"hi\""]`, []string{"m", `say "hi"`}},
		{"quoted empty key", `m[""]`, []string{"m", ""}},
		{"double star", "**.last_modified", []string{"**", "last_modified"}},
		{"repeated dots are skipped", "a..b.", []string{"a", "b"}},
		{"unterminated quoted key is kept raw", `a["b`, []string{"a", `["b`}},
		{"unterminated index is kept raw", "a[0", []string{"a", "[0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, drift.SplitPath(tt.in)); diff != "" {
				t.Errorf("SplitPath(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestRenderPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		segs []string
		want string
	}{
		{"empty", nil, ""},
		{"one segment", []string{"tags_all"}, "tags_all"},
		{"map key", []string{"tags", "env"}, "tags.env"},
		{"list index", []string{"disk", "[0]", "size"}, "disk[0].size"},
		{"nested indexes", []string{"matrix", "[1]", "[2]"}, "matrix[1][2]"},
		{"key needing quotes", []string{"labels", "app.kubernetes.io/name"}, `labels["app.kubernetes.io/name"]`},
		{"first segment needing quotes", []string{"a b", "c"}, `["a b"].c`},
		{"empty key", []string{"m", ""}, `m[""]`},
		{"identifier characters", []string{"Tag-1_x"}, "Tag-1_x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, drift.RenderPath(tt.segs)); diff != "" {
				t.Errorf("RenderPath(%q) mismatch (-want +got):\n%s", tt.segs, diff)
			}
		})
	}
}

// TestPathRoundTrip checks that a rendered path, pasted into a mask or ignore
// rule, names exactly the attribute it was rendered from.
func TestPathRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		segs []string
	}{
		{"plain", []string{"tags", "env"}},
		{"index", []string{"disk", "[0]", "size"}},
		{"dotted key", []string{"labels", "app.kubernetes.io/name"}},
		{"key with spaces and quotes", []string{"m", `say "hi"`}},
		{"key with a newline", []string{"m", "a\nb"}},
		{"empty key", []string{"m", ""}},
		{"key containing a closing quote-bracket", []string{"m", `a"]b`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rendered := drift.RenderPath(tt.segs)
			if diff := cmp.Diff(tt.segs, drift.SplitPath(rendered)); diff != "" {
				t.Errorf("SplitPath(RenderPath(%q)) = via %q mismatch (-want +got):\n%s", tt.segs, rendered, diff)
			}
			if !drift.MatchPath(rendered, tt.segs) {
				t.Errorf("MatchPath(%q, %q) = false, want true", rendered, tt.segs)
			}
		})
	}
}
