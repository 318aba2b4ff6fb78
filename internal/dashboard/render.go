package dashboard

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/myorg/drift-action/internal/record"
)

//go:embed assets/index.html.tmpl assets/style.css
var assets embed.FS

var (
	pageTmpl = template.Must(template.ParseFS(assets, "assets/index.html.tmpl"))
	css      = mustRead("assets/style.css")
)

func mustRead(name string) string {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time: cannot happen
	}
	return string(b)
}

// maxRows bounds each ranking and the resources listed per open target.
const (
	maxRows      = 15
	maxResources = 5
)

// File is one file of the site, its name relative to the site's root.
type File struct {
	Name string
	Data []byte
}

// Site is the whole site for m: index.html (styles and charts inline),
// badge.svg (the repository's) and badges/<root>.svg (each root's).
func Site(m Model) ([]File, error) {
	var page bytes.Buffer
	if err := HTML(&page, m); err != nil {
		return nil, err
	}
	out := []File{{Name: "index.html", Data: page.Bytes()}}
	var b bytes.Buffer
	if err := Badge(&b, "drift", m.Status); err != nil {
		return nil, err
	}
	out = append(out, File{Name: "badge.svg", Data: b.Bytes()})
	for _, rb := range rootBadges(m) {
		var b bytes.Buffer
		if err := Badge(&b, "drift "+rb.Root, rb.Status); err != nil {
			return nil, err
		}
		out = append(out, File{Name: rb.Path, Data: b.Bytes()})
	}
	return out, nil
}

type rootBadge struct {
	Root, Path string
	Status     Status
}

// rootBadges names each root's badge file; roots that make the same file
// name get -2, -3... in name order.
func rootBadges(m Model) []rootBadge {
	used := map[string]bool{}
	var out []rootBadge
	for _, r := range m.RootState {
		base := slug(r.Root)
		name := base
		for i := 2; used[strings.ToLower(name)]; i++ {
			name = fmt.Sprintf("%s-%d", base, i)
		}
		used[strings.ToLower(name)] = true
		out = append(out, rootBadge{Root: r.Root, Path: "badges/" + name + ".svg", Status: r.Status})
	}
	return out
}

// HTML writes the dashboard page.
func HTML(w io.Writer, m Model) error {
	if err := pageTmpl.Execute(w, view(m)); err != nil {
		return fmt.Errorf("render dashboard: %w", err)
	}
	return nil
}

type pageView struct {
	Name, Now, Span string
	Events          int
	Status          Status
	CSS             template.CSS

	OpenCount             int
	RateRecent, RateWeeks string
	Trend, TrendNote      string
	MTTRMean, MTTRP90     string
	Episodes              int

	Weekly     weeklyChart
	WeeklyDesc string
	Weeks      []weekRow

	Open       []openRow
	HasChecked bool
	Recovery   []recoveryRow

	Roots, Targets, Types, Attributes, Endings, Severities, Policies rankingView

	Grid    *gridView
	Snoozes []snoozeRow
	Badges  []rootBadge
}

type weekRow struct {
	Start      string
	New, Ended int
}

type openRow struct {
	Root, Target, Since, Age string
	Resources                []string
	More                     int
	Snoozed, PR, Checked     string
}

type recoveryRow struct {
	Root, Target string
	Episodes     int
	Mean, P90    string
}

type rankingView struct {
	ID, Title, Desc string
	Head, Unit      string
	Empty           string
	Counts          []Count
	Chart           hbarChart
}

type gridView struct {
	Targets []string
	Rows    []gridRow
}

type gridRow struct {
	Root  string
	Cells []gridCell
}

type gridCell struct{ N, Heat int }

type snoozeRow struct {
	Root, Target string
	Resources    []string
	Until, State string
	Reason, By   string
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// duration is a time to recover for people: seconds, minutes, hours with
// one decimal, then days with one decimal.
func duration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%.1f h", d.Hours())
	}
	return fmt.Sprintf("%.1f d", d.Hours()/24)
}

func view(m Model) pageView {
	v := pageView{Name: m.Repository, Now: stamp(m.Now), Events: m.Events, Status: m.Status, CSS: template.CSS(css),
		OpenCount: len(m.Open), Episodes: m.Recovery.Episodes, Trend: m.Rate.Trend}
	if v.Name == "" {
		v.Name = "this repository"
	}
	if !m.FirstEvent.IsZero() {
		v.Span = stamp(m.FirstEvent) + " to " + stamp(m.LastEvent)
	}
	v.RateRecent = fmt.Sprintf("%.1f", m.Rate.Recent)
	v.RateWeeks = fmt.Sprintf("%d week(s)", m.Rate.Weeks)
	v.TrendNote = fmt.Sprintf("vs %.1f a week in the 4 weeks before", m.Rate.Before)
	if m.Rate.Trend == "" {
		v.Trend, v.TrendNote = "–", "trend: needs 8 weeks of history"
	}
	v.MTTRMean, v.MTTRP90 = "–", "–"
	if m.Recovery.Episodes > 0 {
		v.MTTRMean, v.MTTRP90 = duration(m.Recovery.Mean), duration(m.Recovery.P90)
	}

	v.Weekly = newWeeklyChart(m.Weeks)
	total, ended, peak := 0, 0, Week{}
	for _, w := range m.Weeks {
		v.Weeks = append(v.Weeks, weekRow{Start: w.Start.Format("2006-01-02"), New: w.New, Ended: w.Ended})
		total += w.New
		ended += w.Ended
		if w.New > peak.New {
			peak = w
		}
	}
	if len(m.Weeks) > 0 {
		v.WeeklyDesc = fmt.Sprintf("Bar chart of new drift episodes in each of %d weeks from %s: %d in all, %d ended; %.1f a week over the last %s.",
			len(m.Weeks), m.Weeks[0].Start.Format("2 Jan 2006"), total, ended, m.Rate.Recent, v.RateWeeks)
		if m.Rate.Trend != "" {
			v.WeeklyDesc += " Trend: " + m.Rate.Trend + "."
		}
		if peak.New > 0 {
			v.WeeklyDesc += fmt.Sprintf(" The most, %d, in the week of %s.", peak.New, peak.Start.Format("2 Jan 2006"))
		}
	}

	for _, o := range m.Open {
		r := openRow{Root: o.Root, Target: o.Target, Since: stamp(o.Since), Age: record.Age(o.Age), PR: o.PR, Checked: stamp(o.LastChecked)}
		r.Resources = o.Resources[:min(len(o.Resources), maxResources)]
		r.More = len(o.Resources) - len(r.Resources)
		if !o.SnoozedUntil.IsZero() {
			r.Snoozed = stamp(o.SnoozedUntil)
		}
		v.HasChecked = v.HasChecked || !o.LastChecked.IsZero()
		v.Open = append(v.Open, r)
	}
	for _, t := range m.Recovery.ByTarget {
		v.Recovery = append(v.Recovery, recoveryRow{Root: t.Root, Target: t.Target, Episodes: t.Episodes, Mean: duration(t.Mean), P90: duration(t.P90)})
	}

	v.Roots = ranking("roots", "Drift episodes per root", "root", "episodes", "No drift recorded.", m.Roots, nil)
	v.Targets = ranking("targets", "Drift episodes per target", "root (target)", "episodes", "No drift recorded.", m.Targets, nil)
	v.Types = ranking("types", "Times a resource of each type drifted", "resource type", "times", "No drift recorded.", m.Types, nil)
	v.Attributes = ranking("attributes", "Attribute paths drifted now, by resource type", "type.attribute", "resources", "Nothing drifted in the reports given (pass --report to see attribute paths).", m.Attributes, nil)
	var endings []Count // every ending, zeros too, once one episode ended
	for _, e := range m.Endings {
		if e.N > 0 {
			endings = m.Endings
		}
	}
	v.Endings = ranking("endings", "How drift episodes ended", "ending", "episodes", "No drift has ended yet.", endings, nil)
	v.Severities = ranking("violations", "Policy violations by severity", "severity", "violations", "No policy violations recorded.", m.Severities, func(s string) string {
		switch s {
		case "critical", "high", "medium", "low":
			return "sev-" + s
		}
		return "sev-other"
	})
	v.Policies = rankingView{Title: "Violations per policy", Head: "policy", Unit: "violations", Counts: m.Policies}

	if g := m.Grid; g != nil {
		gv := &gridView{Targets: g.Targets}
		for i, r := range g.Roots {
			row := gridRow{Root: r}
			for _, n := range g.Cells[i] {
				heat := 0
				if n > 0 {
					heat = 1 + (n-1)*5/max(g.Max, 1)
				}
				row.Cells = append(row.Cells, gridCell{N: n, Heat: min(heat, 5)})
			}
			gv.Rows = append(gv.Rows, row)
		}
		v.Grid = gv
	}
	for _, s := range m.Snoozes {
		state := "expired"
		if s.Active {
			state = "active, " + record.Age(s.Until.Sub(m.Now)) + " left"
		}
		v.Snoozes = append(v.Snoozes, snoozeRow{Root: s.Root, Target: s.Target, Resources: s.Resources, Until: stamp(s.Until), State: state, Reason: s.Reason, By: s.By})
	}
	v.Badges = rootBadges(m)
	return v
}

// ranking is a chart and its table for counts, the first maxRows shown.
func ranking(id, title, head, unit, empty string, counts []Count, class func(string) string) rankingView {
	shown := counts[:min(len(counts), maxRows)]
	r := rankingView{ID: id, Title: title, Head: head, Unit: unit, Empty: empty, Counts: shown, Chart: newHBarChart(shown, class)}
	var parts []string
	for _, c := range shown {
		parts = append(parts, fmt.Sprintf("%s %d", c.Name, c.N))
	}
	r.Desc = fmt.Sprintf("Horizontal bar chart, %s per %s: %s.", unit, head, strings.Join(parts, "; "))
	if len(counts) > len(shown) {
		r.Desc += fmt.Sprintf(" %d more not shown.", len(counts)-len(shown))
	}
	return r
}
