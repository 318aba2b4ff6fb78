package dashboard

import (
	"bytes"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"

	"github.com/myorg/drift-action/internal/record"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// goldenNow is when the golden dashboards are built.
var goldenNow = time.Date(2026, 6, 4, 0, 0, 0, 0, time.UTC)

func readInput(t *testing.T, logFile, reportFile string) Input {
	t.Helper()
	in := Input{Now: goldenNow}
	if logFile != "" {
		b, err := os.ReadFile(logFile)
		if err != nil {
			t.Fatal(err)
		}
		l, err := record.ParseLogLenient(logFile, b)
		if err != nil {
			t.Fatal(err)
		}
		in.Events = l.Events
	}
	if reportFile != "" {
		b, err := os.ReadFile(reportFile)
		if err != nil {
			t.Fatal(err)
		}
		if in.Reports, err = record.ParseReportsLenient(reportFile, b, ""); err != nil {
			t.Fatal(err)
		}
	}
	return in
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

// The site from a recorded history, and from none, against golden files.
func TestSiteGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, log, report string
		files             []string
	}{
		{"history", "testdata/history.yaml", "testdata/report.yaml",
			[]string{"index.html", "badge.svg", "badges/infra-app.svg", "badges/infra-net.svg"}},
		{"empty", "", "", []string{"index.html", "badge.svg"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files, err := Site(Build(readInput(t, tt.log, tt.report)))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, f := range files {
				names = append(names, f.Name)
				golden(t, filepath.Join("testdata", "golden", tt.name, f.Name), f.Data)
			}
			if diff := cmp.Diff(tt.files, names); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
		})
	}
}

// Text from the log is text: a tag in an address stays escaped, and a
// pull request URL that is not http(s) never becomes a live link.
func TestHTMLEscapesRecordedText(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := HTML(&b, Build(readInput(t, "testdata/history.yaml", ""))); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, bad := range []string{"<script>", `href="javascript:`, "<INC-42>"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q unescaped", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;.x", "load test &lt;INC-42&gt;"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks the escaped %q", want)
		}
	}
}

// Every chart is an image to assistive technology, named by its own title
// and described by its own desc, and each has a table beside it; the page
// loads nothing from elsewhere and runs no script.
func TestHTMLAccessibleAndSelfContained(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := HTML(&b, Build(readInput(t, "testdata/history.yaml", "testdata/report.yaml"))); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(&b)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]*html.Node{}
	var svgs, tables int
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if id := attr(n, "id"); id != "" {
				if ids[id] != nil {
					t.Errorf("id %q used twice", id)
				}
				ids[id] = n
			}
			switch n.Data {
			case "script", "link", "iframe":
				t.Errorf("the page has a <%s>", n.Data)
			case "img":
				if src := attr(n, "src"); strings.Contains(src, "://") || strings.HasPrefix(src, "//") {
					t.Errorf("an image from elsewhere: %s", src)
				}
				if attr(n, "alt") == "" {
					t.Errorf("an image without alt text: %s", attr(n, "src"))
				}
			case "table":
				tables++
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	var checkSVG func(n *html.Node)
	checkSVG = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "svg" {
			svgs++
			if attr(n, "role") != "img" {
				t.Errorf("svg %s has role %q, want img", attr(n, "id"), attr(n, "role"))
			}
			refs := strings.Fields(attr(n, "aria-labelledby"))
			if len(refs) != 2 {
				t.Errorf("svg %s is labelled by %v, want its title and desc", attr(n, "id"), refs)
			}
			for _, r := range refs {
				if el := ids[r]; el == nil || (el.Data != "title" && el.Data != "desc") || el.FirstChild == nil || strings.TrimSpace(el.FirstChild.Data) == "" {
					t.Errorf("svg %s: aria-labelledby names %q, which is no non-empty title or desc", attr(n, "id"), r)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			checkSVG(c)
		}
	}
	checkSVG(doc)
	if svgs < 6 || tables < svgs {
		t.Errorf("%d charts and %d tables, want at least 6 charts, each with a table", svgs, tables)
	}
	for _, id := range []string{"summary", "weekly", "weekly-chart", "open-drift-table", "recovery-table", "roots-chart", "targets-chart", "grid-table",
		"types-chart", "attributes-chart", "endings-chart", "violations-chart", "snoozes-table", "badges", "status-badge"} {
		if ids[id] == nil {
			t.Errorf("no element with id %q", id)
		}
	}
	if !strings.Contains(css, "prefers-color-scheme: dark") {
		t.Errorf("the style sheet has no dark scheme")
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// Badges: well-formed SVG, named for assistive technology, as wide as
// their text, with the state's colour.
func TestBadge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, label string
		status      Status
		color       string
	}{
		{"clean", "drift", StatusClean, "#4c1"},
		{"drifted", "drift infra/app", StatusDrifted, "#e05d44"},
		{"healing", "drift infra/app", StatusHealing, "#dfb317"},
		{"no data", "drift", StatusUnknown, "#9f9f9f"},
		{"markup in a root", `drift <a&"b'>`, StatusClean, "#4c1"},
		{"non-ASCII", "drift инфра", StatusClean, "#4c1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			if err := Badge(&b, tt.label, tt.status); err != nil {
				t.Fatal(err)
			}
			var svg struct {
				Width int    `xml:"width,attr"`
				Label string `xml:"aria-label,attr"`
				Title string `xml:"title"`
				G     []struct {
					Rects []struct {
						Width int    `xml:"width,attr"`
						Fill  string `xml:"fill,attr"`
					} `xml:"rect"`
					Texts []struct {
						Len  int    `xml:"textLength,attr"`
						Text string `xml:",chardata"`
					} `xml:"text"`
				} `xml:"g"`
			}
			if err := xml.Unmarshal(b.Bytes(), &svg); err != nil {
				t.Fatalf("not XML: %v\n%s", err, b.String())
			}
			want := tt.label + ": " + string(tt.status)
			if svg.Label != want || svg.Title != want {
				t.Errorf("aria-label %q, title %q, want %q", svg.Label, svg.Title, want)
			}
			rects, texts := svg.G[0].Rects, svg.G[1].Texts
			if rects[1].Fill != tt.color {
				t.Errorf("colour %s, want %s", rects[1].Fill, tt.color)
			}
			lw, mw := textWidth(tt.label), textWidth(string(tt.status))
			if rects[0].Width != lw+10 || rects[1].Width != mw+10 || svg.Width != lw+mw+20 {
				t.Errorf("widths %d+%d=%d, want %d+%d", rects[0].Width, rects[1].Width, svg.Width, lw+10, mw+10)
			}
			if texts[1].Text != tt.label || texts[1].Len != lw*10 || texts[3].Text != string(tt.status) || texts[3].Len != mw*10 {
				t.Errorf("texts %+v", texts)
			}
		})
	}
	if err := Badge(&bytes.Buffer{}, "drift", "bogus"); err == nil {
		t.Errorf("a badge of an unknown status: no error")
	}
}

// Text widths follow the font: shields.io's "build | passing" badge gives
// its texts 27 and 41 pixels (rects of 37 and 51, 10 of padding); wide
// letters are wider than narrow ones.
func TestTextWidth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want int
	}{
		{"build", 27},
		{"passing", 41},
		{"", 0},
	}
	for _, tt := range tests {
		if got := textWidth(tt.text); got < tt.want-1 || got > tt.want+1 {
			t.Errorf("textWidth(%q) = %d, want %d±1", tt.text, got, tt.want)
		}
	}
	if textWidth("WWW") <= textWidth("iii")*2 {
		t.Errorf("WWW (%d) is not much wider than iii (%d)", textWidth("WWW"), textWidth("iii"))
	}
}

// Roots whose names make the same file name get distinct badge files.
func TestRootBadgeNames(t *testing.T) {
	t.Parallel()
	m := Model{RootState: []RootStatus{{"infra/app", StatusClean}, {"infra-app", StatusDrifted}, {"INFRA/APP", StatusClean}, {"../..", StatusClean}}}
	var got []string
	for _, b := range rootBadges(m) {
		got = append(got, b.Path)
	}
	want := []string{"badges/infra-app.svg", "badges/infra-app-2.svg", "badges/INFRA-APP-3.svg", "badges/root.svg"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("badge files (-want +got):\n%s", diff)
	}
}
