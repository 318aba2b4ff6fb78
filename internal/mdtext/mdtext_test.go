package mdtext

import (
	"strings"
	"testing"

	"github.com/myorg/drift-action/internal/mdtext/mdtexttest"
)

// TestTextIsInert renders outside text in each place renderers put it: a
// table cell, a list item, inline code, an HTML block (<details>) and a
// blockquote. It stays text, shown as it is.
func TestTextIsInert(t *testing.T) {
	t.Parallel()
	shown := mdtexttest.Hostile // line breaks come back as <br>, read as \n
	tests := []struct {
		name, markdown string
	}{
		{"table cell", "| a | b |\n|---|---|\n| " + Text(mdtexttest.Hostile) + " | " + Code(mdtexttest.Hostile) + " |\n"},
		{"list item", "- " + Text(mdtexttest.Hostile) + "\n"},
		{"paragraph code", "See " + Code(mdtexttest.Hostile) + ".\n"},
		{"html block", "<details><summary>" + Code(mdtexttest.Hostile) + " " + Text(mdtexttest.Hostile) + "</summary>\n\n" + Text(mdtexttest.Hostile) + "\n\n</details>\n"},
		{"blockquote", "> [!NOTE]\n> " + Text(mdtexttest.Hostile) + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mdtexttest.CheckInert(t, tt.name, tt.markdown, shown)
		})
	}
}

// recorder keeps the errors CheckInert reports.
type recorder struct {
	*testing.T
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) { r.errs = append(r.errs, format) }

// TestCheckInertCatches: the checker sees each live construct when the
// text is left raw, or escaped for HTML alone (as renderers did before).
func TestCheckInertCatches(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, text string }{
		{"mention", "@acme/team"},
		{"link", "[docs](https://evil.example/l)"},
		{"image", "![x](https://evil.example/i.png)"},
		{"autolink", "https://evil.example/a"},
		{"www autolink", "www.evil.example"},
		{"html", "<b>bold</b>"},
		{"emphasis", "*emx*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &recorder{T: t}
			mdtexttest.CheckInert(r, tt.name, "| a |\n|---|\n| "+strings.NewReplacer("&", "&amp;", "`", "&#96;", "|", "&#124;").Replace(tt.text)+" |\n")
			if tt.name == "html" {
				r.errs = nil
				mdtexttest.CheckInert(r, tt.name, "- "+tt.text+"\n")
			}
			if len(r.errs) == 0 {
				t.Errorf("CheckInert found nothing live in %q", tt.text)
			}
		})
	}
}

func TestTextUnderscores(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"aws_s3_bucket.my_logs", "aws_s3_bucket.my_logs"},
		{"_lead", "&#95;lead"},
		{"trail_", "trail&#95;"},
		{"a__b", "a&#95;&#95;b"},
		{"a._b", "a.&#95;b"},
		{"é_ü", "é_ü"},
		{"x _ulx_ y", "x &#95;ulx&#95; y"},
	}
	for _, tt := range tests {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
