// Package mdtexttest is test-only: it renders markdown as GitHub does
// (goldmark with the GFM extensions: tables, autolinks, strikethrough) and
// checks that text from outside stayed text.
package mdtexttest

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
	xhtml "golang.org/x/net/html"
)

// Hostile is outside text that would be live markdown if not escaped: a
// mention, a link, an image, HTML, autolinks, emphasis, a table break,
// math, a backslash and a line break.
const Hostile = "@acme/team [docs](https://evil.example/l) ![x](https://evil.example/i.png) <img src=https://evil.example/h> <b>bold</b> " +
	"https://evil.example/a www.evil.example ops@evil.example *emx* _ulx_ ~~stx~~ `tick` a|b \\*x $y$\nsecond line"

// Render is markdown as HTML, raw HTML kept (GitHub keeps the tags it
// allows, such as details, summary, code and br).
func Render(t testing.TB, markdown string) string {
	t.Helper()
	md := goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(html.WithUnsafe()))
	var b bytes.Buffer
	if err := md.Convert([]byte(markdown), &b); err != nil {
		t.Fatalf("render markdown: %v", err)
	}
	return b.String()
}

// mention is GitHub's: an @ after a non-word character, then a login.
var mention = regexp.MustCompile(`(^|[^A-Za-z0-9_])@[A-Za-z0-9]`)

// CheckInert renders markdown and fails t where text from outside became
// something else: a link or image to evil.example, an element Hostile
// names (b, img), emphasis on its words, or a mention (text outside code,
// pre and links with an @ GitHub would link). Each of shown must appear in
// the rendered text exactly (line breaks as <br>, zero-width spaces
// ignored), so it is shown, not dropped.
func CheckInert(t testing.TB, name, markdown string, shown ...string) {
	t.Helper()
	page := Render(t, markdown)
	doc, err := xhtml.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatalf("%s: parse rendered HTML: %v", name, err)
	}
	var text strings.Builder
	var walk func(n *xhtml.Node, inCode bool)
	walk = func(n *xhtml.Node, inCode bool) {
		if n.Type == xhtml.ElementNode {
			switch n.Data {
			case "a", "img":
				for _, a := range n.Attr {
					if strings.Contains(a.Val, "evil.example") {
						t.Errorf("%s: outside text became a live <%s %s=%q>", name, n.Data, a.Key, a.Val)
					}
				}
			case "b", "script":
				t.Errorf("%s: outside text became a <%s> element", name, n.Data)
			case "code", "pre":
				inCode = true
			case "em", "strong", "del":
				// Hostile's markers alone in an emphasis element: its *emx*,
				// _ulx_ or ~~stx~~ was read as markdown. (The renderers' own
				// emphasis may hold outside text; that is not this.)
				switch strings.TrimSpace(textOf(n)) {
				case "emx", "ulx", "stx":
					t.Errorf("%s: outside text became <%s>%s</%s>", name, n.Data, textOf(n), n.Data)
				}
			case "br":
				text.WriteString("\n")
			}
		}
		if n.Type == xhtml.TextNode {
			if !inCode && mention.MatchString(n.Data) {
				t.Errorf("%s: a mention GitHub would link in %q", name, n.Data)
			}
			text.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inCode)
		}
	}
	walk(doc, false)
	got := strings.ReplaceAll(text.String(), "\u200b", "")
	for _, s := range shown {
		if !strings.Contains(got, s) {
			t.Errorf("%s: the rendered text does not show %q as it is:\n%s", name, s, got)
		}
	}
}

func textOf(n *xhtml.Node) string {
	if n.Type == xhtml.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(textOf(c))
	}
	return b.String()
}
