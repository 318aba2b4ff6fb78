package dashboard

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// The charts are laid out here, in Go, and the template only prints the
// numbers: the page needs no script to draw them.

// weeklyChart is the new-drift-per-week bar chart with its moving average.
type weeklyChart struct {
	Width, Height       int
	Left, Right, Bottom int // plot edges
	Bars                []vbar
	Trend               string // polyline points of the 4-week moving average
	YTicks              []tick
	XLabels             []tick
}

type vbar struct {
	X, Y, W, H string
	Title      string
}

type tick struct {
	Pos   string // y for a y tick, x for an x label
	Label string
}

const (
	weeklyW, weeklyH = 720, 240
	padLeft, padTop  = 44, 12
	padRight         = 12
	padBottom        = 32
)

func f1(v float64) string { return fmt.Sprintf("%.1f", v) }

func newWeeklyChart(weeks []Week) weeklyChart {
	c := weeklyChart{Width: weeklyW, Height: weeklyH, Left: padLeft, Right: weeklyW - padRight, Bottom: weeklyH - padBottom}
	if len(weeks) == 0 {
		return c
	}
	top := 1
	for _, w := range weeks {
		top = max(top, w.New)
	}
	top = niceCeil(top)
	plotW := float64(c.Right - c.Left)
	plotH := float64(c.Bottom - padTop)
	slot := plotW / float64(len(weeks))
	y := func(v float64) float64 { return float64(c.Bottom) - v/float64(top)*plotH }
	var pts []string
	for i, w := range weeks {
		x := float64(c.Left) + float64(i)*slot
		h := float64(w.New) / float64(top) * plotH
		c.Bars = append(c.Bars, vbar{X: f1(x + slot*0.15), Y: f1(float64(c.Bottom) - h), W: f1(slot * 0.7), H: f1(h),
			Title: fmt.Sprintf("week of %s: %d new, %d ended", w.Start.Format("2 Jan 2006"), w.New, w.Ended)})
		lo := max(i-3, 0)
		sum := 0
		for _, v := range weeks[lo : i+1] {
			sum += v.New
		}
		avg := float64(sum) / float64(i+1-lo)
		pts = append(pts, f1(x+slot/2)+","+f1(y(avg)))
	}
	c.Trend = strings.Join(pts, " ")
	for _, v := range []int{0, top / 2, top} {
		c.YTicks = append(c.YTicks, tick{Pos: f1(y(float64(v))), Label: fmt.Sprint(v)})
	}
	if top/2*2 != top { // odd: 0, top only
		c.YTicks = []tick{c.YTicks[0], c.YTicks[2]}
	}
	every := int(math.Ceil(float64(len(weeks)) / 8))
	for i := 0; i < len(weeks); i += every {
		c.XLabels = append(c.XLabels, tick{Pos: f1(float64(c.Left) + float64(i)*slot + slot/2), Label: weeks[i].Start.Format("2 Jan")})
	}
	return c
}

// niceCeil rounds up to 1, 2 or 5 times a power of ten (at least 1).
func niceCeil(v int) int {
	if v <= 1 {
		return 1
	}
	p := 1
	for p*10 < v {
		p *= 10
	}
	for _, m := range []int{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// hbarChart is a ranked horizontal bar chart.
type hbarChart struct {
	Width, Height int
	LabelWidth    int
	Rows          []hbar
}

type hbar struct {
	Y, TextY     string
	Label, Full  string // shown (maybe cut) and whole
	W            string
	ValueX       string
	Value, Class string
}

const (
	rowH      = 24
	barArea   = 280
	maxLabel  = 44 // characters shown before a label is cut
	charWidth = 7  // px per character of a label, for the column's width
)

func newHBarChart(counts []Count, class func(string) string) hbarChart {
	c := hbarChart{}
	top := 1
	longest := 4
	for _, n := range counts {
		top = max(top, n.N)
		longest = max(longest, min(utf8.RuneCountInString(n.Name), maxLabel))
	}
	c.LabelWidth = longest*charWidth + 12
	c.Width = c.LabelWidth + barArea + 48
	c.Height = len(counts)*rowH + 8
	for i, n := range counts {
		w := float64(n.N) / float64(top) * barArea
		y := float64(4 + i*rowH)
		cls := "bar"
		if class != nil {
			cls = class(n.Name)
		}
		c.Rows = append(c.Rows, hbar{Y: f1(y + 3), TextY: f1(y + rowH/2 + 4), Label: cut(n.Name, maxLabel), Full: n.Name,
			W: f1(w), ValueX: f1(float64(c.LabelWidth) + w + 6), Value: fmt.Sprint(n.N), Class: cls})
	}
	return c
}

// cut shortens s to n characters, keeping its end (a root's or address's
// last segments say most).
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return "…" + string(r[len(r)-n+1:])
}
