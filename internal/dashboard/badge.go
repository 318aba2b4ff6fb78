package dashboard

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
)

// verdana holds Verdana's advance widths (units of a 2048-unit em) for
// printable ASCII, the font shields.io badges are drawn in; a character
// outside it counts as an 'm', among the widest, so its box is never short.
// The text also carries textLength, so a viewer's substitute font is
// stretched to the computed width instead of spilling out of its box.
var verdana = map[rune]int{
	' ': 720, '!': 823, '"': 947, '#': 1716, '$': 1303, '%': 2213, '&': 1493, '\'': 552,
	'(': 933, ')': 933, '*': 1303, '+': 1716, ',': 745, '-': 933, '.': 745, '/': 1311,
	'0': 1303, '1': 1303, '2': 1303, '3': 1303, '4': 1303, '5': 1303, '6': 1303, '7': 1303, '8': 1303, '9': 1303,
	':': 933, ';': 933, '<': 1716, '=': 1716, '>': 1716, '?': 1118, '@': 2048,
	'A': 1401, 'B': 1405, 'C': 1430, 'D': 1577, 'E': 1294, 'F': 1178, 'G': 1587, 'H': 1540, 'I': 862,
	'J': 934, 'K': 1415, 'L': 1165, 'M': 1727, 'N': 1532, 'O': 1612, 'P': 1250, 'Q': 1612, 'R': 1429,
	'S': 1401, 'T': 1235, 'U': 1499, 'V': 1401, 'W': 2025, 'X': 1403, 'Y': 1238, 'Z': 1400,
	'[': 933, '\\': 1311, ']': 933, '^': 1716, '_': 1303, '`': 1303,
	'a': 1229, 'b': 1276, 'c': 1067, 'd': 1276, 'e': 1220, 'f': 720, 'g': 1276, 'h': 1296, 'i': 562,
	'j': 705, 'k': 1212, 'l': 562, 'm': 1992, 'n': 1296, 'o': 1243, 'p': 1276, 'q': 1276, 'r': 874,
	's': 1067, 't': 807, 'u': 1296, 'v': 1212, 'w': 1675, 'x': 1212, 'y': 1212, 'z': 1051,
	'{': 1300, '|': 933, '}': 1300, '~': 1716,
}

// textWidth is s's width in pixels at 11px Verdana, rounded up.
func textWidth(s string) int {
	units := 0
	for _, r := range s {
		w, ok := verdana[r]
		if !ok {
			w = verdana['m']
		}
		units += w
	}
	return int(math.Ceil(float64(units) * 11 / 2048))
}

// badgeColors are shields.io's colours for each state.
var badgeColors = map[Status]string{
	StatusClean:   "#4c1",
	StatusDrifted: "#e05d44",
	StatusHealing: "#dfb317",
	StatusUnknown: "#9f9f9f",
}

type badgeView struct {
	Label, Message, Color string
	Width, LabelWidth     int
	MessageWidth          int
	LabelX, MessageX      int // centres, in tenths of a pixel
	LabelLen, MessageLen  int // text lengths, in tenths of a pixel
}

var badgeTmpl = template.Must(template.New("badge").Parse(
	`<svg xmlns="http://www.w3.org/2000/svg" width="{{.Width}}" height="20" role="img" aria-label="{{.Label}}: {{.Message}}">` +
		`<title>{{.Label}}: {{.Message}}</title>` +
		`<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>` +
		`<clipPath id="r"><rect width="{{.Width}}" height="20" rx="3" fill="#fff"/></clipPath>` +
		`<g clip-path="url(#r)"><rect width="{{.LabelWidth}}" height="20" fill="#555"/><rect x="{{.LabelWidth}}" width="{{.MessageWidth}}" height="20" fill="{{.Color}}"/><rect width="{{.Width}}" height="20" fill="url(#s)"/></g>` +
		`<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" text-rendering="geometricPrecision" font-size="110">` +
		`<text aria-hidden="true" x="{{.LabelX}}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)" textLength="{{.LabelLen}}">{{.Label}}</text>` +
		`<text x="{{.LabelX}}" y="140" transform="scale(.1)" fill="#fff" textLength="{{.LabelLen}}">{{.Label}}</text>` +
		`<text aria-hidden="true" x="{{.MessageX}}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)" textLength="{{.MessageLen}}">{{.Message}}</text>` +
		`<text x="{{.MessageX}}" y="140" transform="scale(.1)" fill="#fff" textLength="{{.MessageLen}}">{{.Message}}</text>` +
		"</g></svg>\n"))

// Badge writes a flat, shields.io-style badge: label on grey, the status
// on its colour.
func Badge(w io.Writer, label string, s Status) error {
	color, ok := badgeColors[s]
	if !ok {
		return fmt.Errorf("badge: unknown status %q", s)
	}
	label = strings.TrimSpace(label)
	lw, mw := textWidth(label), textWidth(string(s))
	v := badgeView{Label: label, Message: string(s), Color: color,
		LabelWidth: lw + 10, MessageWidth: mw + 10, LabelLen: lw * 10, MessageLen: mw * 10}
	v.Width = v.LabelWidth + v.MessageWidth
	v.LabelX = v.LabelWidth * 10 / 2
	v.MessageX = v.LabelWidth*10 + v.MessageWidth*10/2
	if err := badgeTmpl.Execute(w, v); err != nil {
		return fmt.Errorf("badge: %w", err)
	}
	return nil
}
