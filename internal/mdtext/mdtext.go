// Package mdtext shows text from outside (resource addresses and values,
// policy and check messages, names, reasons) in GitHub-flavoured markdown
// as the text it is: never HTML, a link, an image, a mention, emphasis or
// a break out of a table cell. Every markdown renderer escapes outside
// text with it, and only with it.
package mdtext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// escaper writes each character markdown or GitHub would act on as an
// HTML entity: entities are decoded only after markdown is parsed, and
// work alike in markdown text, inside HTML tags and in HTML blocks (such
// as <details>), where backslash escapes do not.
var escaper = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", // HTML
	"|", "&#124;", // table cells
	"`", "&#96;", // code spans
	"[", "&#91;", "]", "&#93;", "!", "&#33;", // links and images
	"*", "&#42;", "~", "&#126;", // emphasis and strikethrough (for _ see Text)
	"\\", "&#92;", // backslash escapes of the entities above
	"$", "&#36;", // math
	"://", "&#58;//", "www.", "www&#46;", "WWW.", "WWW&#46;", // autolinks
	// GitHub finds mentions (and e-mail autolinks) in the rendered text, after
	// entities are decoded: a zero-width space after the @ stops both.
	"@", "@&#8203;",
	"\r\n", "<br>", "\r", "<br>", "\n", "<br>", // one line
)

// Text is s made inert for markdown, on one line (line breaks become
// <br>), safe in a table cell, a list item or an HTML tag's content.
//
// An underscore between two letters or digits is kept: it can neither open
// nor close emphasis (CommonMark's flanking rules), and addresses are full
// of them (aws_s3_bucket.my_logs). Any other is escaped.
func Text(s string) string {
	if !strings.Contains(s, "_") {
		return escaper.Replace(s)
	}
	var b strings.Builder
	rest := s
	prev := rune(0)
	for {
		i := strings.IndexByte(rest, '_')
		if i < 0 {
			b.WriteString(escaper.Replace(rest))
			return b.String()
		}
		b.WriteString(escaper.Replace(rest[:i]))
		if i > 0 {
			prev, _ = utf8.DecodeLastRuneInString(rest[:i])
		}
		next, _ := utf8.DecodeRuneInString(rest[i+1:])
		if wordRune(prev) && wordRune(next) {
			b.WriteByte('_')
		} else {
			b.WriteString("&#95;")
		}
		prev = '_'
		rest = rest[i+1:]
	}
}

func wordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// Code is s as inline code (a <code> element: backticks in s cannot close
// it), made inert with Text.
func Code(s string) string { return "<code>" + Text(s) + "</code>" }
