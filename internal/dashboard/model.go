// Package dashboard turns the record (the drift log, and the DriftReport
// resources when given) into a static site: a pure model of the history
// (Build), an HTML page with server-drawn SVG charts and shields-style
// status badges (Site). It reads; it never writes the record.
package dashboard

import (
	"cmp"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/myorg/drift-action/internal/record"
)

// Input is what a dashboard is built from.
type Input struct {
	Events  []record.Event  // the log, oldest first, as record.ParseLogLenient reads it
	Reports []record.Report // the current DriftReports; optional
	// Now is when the dashboard is built: ages and the active snoozes are
	// as of it.
	Now time.Time
	// Repository names the repository's badge; empty means the newest
	// event's repository.
	Repository string
}

// Ending is how a drift episode ended, inferred from the event that closed
// it (see Build).
type Ending string

// Endings, in the order the dashboard shows them.
const (
	EndingApply   Ending = "healed by apply"
	EndingPR      Ending = "PR merged"
	EndingAdopted Ending = "adopted"
	EndingByHand  Ending = "fixed by hand"
)

// Endings lists every ending in display order.
var Endings = []Ending{EndingApply, EndingPR, EndingAdopted, EndingByHand}

// Status is a badge's state.
type Status string

// Statuses.
const (
	StatusClean   Status = "no drift"
	StatusDrifted Status = "drifted"
	StatusHealing Status = "healing"
	StatusUnknown Status = "no data"
)

// Model is everything the page shows, computed once.
type Model struct {
	Now        time.Time
	Repository string
	Events     int // events read
	FirstEvent time.Time
	LastEvent  time.Time

	Weeks []Week // oldest first, at most MaxWeeks, ending with Now's week
	Rate  Rate

	Open     []Open // open drift, oldest first
	Recovery Recovery

	Roots   []Count // roots by episodes, most first
	Targets []Count // root/target by episodes, most first
	Grid    *Grid   // root x target, when target names recur across roots

	Types      []Count // resource types by times a resource of the type joined a drift
	Attributes []Count // attribute paths of the current drift (from the reports)

	Endings    []Count // by Endings order; every ending present, zero or not
	Snoozes    []Snooze
	Severities []Count // policy violations by severity, most severe first
	Policies   []Count // policy violations by policy

	Status    Status       // the repository's
	RootState []RootStatus // each root's, by name
}

// MaxWeeks bounds the weekly chart: the last year.
const MaxWeeks = 52

// Week counts the episodes that started and ended in one week (Monday
// 00:00 UTC onwards).
type Week struct {
	Start time.Time
	New   int
	Ended int
}

// Rate is new drift per week lately and before.
type Rate struct {
	Recent, Before float64 // mean new episodes a week over the last 4 weeks and the 4 before
	Weeks          int     // weeks in Recent (fewer when the history is shorter)
	Trend          string  // rising, falling or steady; empty under 8 weeks of history
}

// Open is a target's drift that has not ended.
type Open struct {
	Root, Target string
	Since        time.Time
	Age          time.Duration
	Resources    []string
	SnoozedUntil time.Time // latest active snooze of the target; zero when none
	PR           string    // open remediation pull request
	LastChecked  time.Time // from the report, when given: the last run that changed it
}

// Recovery is the time to recover over the closed episodes, all and per
// root/target.
type Recovery struct {
	Episodes  int
	Mean, P90 time.Duration
	ByTarget  []TargetRecovery // most episodes first
}

// TargetRecovery is one root/target's time to recover.
type TargetRecovery struct {
	Root, Target string
	Episodes     int
	Mean, P90    time.Duration
}

// Count is a name and how often.
type Count struct {
	Name string
	N    int
}

// Grid counts episodes per root (rows) and target (columns).
type Grid struct {
	Roots, Targets []string
	Cells          [][]int // [root][target]
	Max            int
}

// Snooze is one logged snooze.
type Snooze struct {
	Root, Target string
	Resources    []string
	Until        time.Time
	Reason, By   string
	Logged       time.Time
	Active       bool // not expired as of Now
}

// RootStatus is one root's badge state.
type RootStatus struct {
	Root   string
	Status Status
}

// Severities in the order they are shown; others follow by name.
var severityOrder = []string{"critical", "high", "medium", "low"}

// unspecified names a violation without a severity.
const unspecified = "unspecified"

type targetKey struct{ root, target string }

// tracker follows one root/target through the log.
type tracker struct {
	open  map[string]bool
	since time.Time
	pr    string // remediation pull request open
	durs  []time.Duration
	eps   int
}

// Build computes the model. The log is read in order, as record reads it
// (a target's events are in time order: record refuses older plans).
// An episode of a target starts when its drifted set becomes non-empty
// (detected, or changed from nothing) and ends when recovered or
// self-healed empties it; its ending is inferred from that event and the
// target's other events of the same run (a heal logs recovered, then
// self-healed):
//   - a self-healed event in that run, no remediation PR open (or the
//     open one closed in that run): healed by apply;
//   - a self-healed event in that run with a remediation PR open and not
//     closed in it: PR merged (a merged remediation PR approves the apply
//     that heals);
//   - recovered with a remediation PR open and not closed in that run:
//     adopted (the merged PR changed the code to match reality);
//   - recovered otherwise (drift-action closes a PR the drift no longer
//     needs in the same run): fixed by hand.
//
// Events of kinds this version does not know are skipped.
func Build(in Input) Model {
	m := Model{Now: in.Now.UTC(), Repository: in.Repository, Events: len(in.Events)}
	tracks := map[targetKey]*tracker{}
	var order []targetKey
	byTarget := map[targetKey][]int{} // event indexes, for the same-run lookahead
	for i, e := range in.Events {
		k := targetKey{e.Root, e.Target}
		if tracks[k] == nil {
			tracks[k] = &tracker{}
			order = append(order, k)
		}
		byTarget[k] = append(byTarget[k], i)
	}
	if len(in.Events) > 0 {
		m.FirstEvent, m.LastEvent = in.Events[0].Time.Time, in.Events[0].Time.Time
	}
	weeks := map[time.Time]*Week{}
	week := func(t time.Time) *Week {
		s := weekStart(t)
		if weeks[s] == nil {
			weeks[s] = &Week{Start: s}
		}
		return weeks[s]
	}
	types := map[string]int{}
	endings := map[Ending]int{}
	severities := map[string]int{}
	policies := map[string]int{}
	var snoozes []*Snooze
	expired := map[*Snooze]bool{} // a snooze-expired event ended it
	var all []time.Duration

	for _, k := range order {
		tr := tracks[k]
		idx := byTarget[k]
		for j, i := range idx {
			e := in.Events[i]
			t := e.Time.Time
			if t.Before(m.FirstEvent) {
				m.FirstEvent = t
			}
			if t.After(m.LastEvent) {
				m.LastEvent = t
			}
			switch e.Event {
			case record.Detected, record.Changed:
				next := map[string]bool{}
				for _, a := range e.Resources {
					next[a] = true
					if !tr.open[a] {
						types[resourceType(a)]++
					}
				}
				if len(tr.open) == 0 && len(next) > 0 {
					tr.since = t
					tr.eps++
					week(t).New++
				}
				tr.open = next
			case record.Recovered, record.SelfHealed:
				if len(tr.open) == 0 {
					break
				}
				if len(e.Resources) == 0 {
					clear(tr.open)
				}
				for _, a := range e.Resources {
					delete(tr.open, a)
				}
				if len(tr.open) > 0 {
					break
				}
				d := max(t.Sub(tr.since), 0)
				tr.durs = append(tr.durs, d)
				all = append(all, d)
				week(t).Ended++
				healed, closed := sameRun(in.Events, idx[j+1:], t, tr.pr)
				kind := e.Event
				if healed {
					kind = record.SelfHealed
				}
				endings[ending(kind, tr.pr != "" && !closed)]++
				tr.pr = "" // that episode's pull request is done with
			case record.RemediationPROpened:
				tr.pr = e.PR
			case record.RemediationPRClosed:
				if e.PR == "" || e.PR == tr.pr {
					tr.pr = ""
				}
			case record.Snoozed:
				s := &Snooze{Root: e.Root, Target: e.Target, Resources: e.Resources, Reason: e.Reason, By: e.By, Logged: t}
				if e.Until != nil {
					s.Until = e.Until.Time
				}
				snoozes = append(snoozes, s)
			case record.SnoozeExpired:
				found := false
				for _, s := range snoozes {
					if s.Root == e.Root && s.Target == e.Target && s.Reason == e.Reason && (e.Until == nil || s.Until.Equal(e.Until.Time)) {
						expired[s], found = true, true
					}
				}
				if !found {
					s := &Snooze{Root: e.Root, Target: e.Target, Resources: e.Resources, Reason: e.Reason, By: e.By, Logged: t, Until: t}
					if e.Until != nil {
						s.Until = e.Until.Time
					}
					snoozes = append(snoozes, s)
					expired[s] = true
				}
			case record.PolicyViolation:
				if len(e.Policies) == 0 {
					severities[unspecified]++
				}
				for _, p := range e.Policies {
					sev := strings.ToLower(p.Severity)
					if sev == "" {
						sev = unspecified
					}
					severities[sev]++
					name := p.Policy
					if p.Rule != "" {
						name += "." + p.Rule
					}
					policies[name]++
				}
			}
		}
	}
	if in.Repository == "" {
		for i := len(in.Events) - 1; i >= 0; i-- {
			if r := in.Events[i].Repository; r != "" {
				m.Repository = r
				break
			}
		}
	}

	// Snoozes: active (until after now) first, soonest to expire first.
	for _, s := range snoozes {
		s.Active = s.Until.After(m.Now) && !expired[s]
		m.Snoozes = append(m.Snoozes, *s)
	}
	sort.SliceStable(m.Snoozes, func(i, j int) bool {
		a, b := m.Snoozes[i], m.Snoozes[j]
		if a.Active != b.Active {
			return a.Active
		}
		if a.Active {
			return a.Until.Before(b.Until)
		}
		return a.Until.After(b.Until)
	})

	m.Weeks = weekRange(weeks, m.FirstEvent, m.LastEvent, m.Now)
	m.Rate = rate(m.Weeks)

	checked := map[targetKey]time.Time{}
	attrs := map[string]int{}
	for _, r := range in.Reports {
		// Current records keep no check times (they would commit on every
		// run): the last run that changed the report stands in; reports
		// written before keep their lastCheckedAt.
		switch {
		case r.Spec.LastCheckedAt != nil:
			checked[targetKey{r.Spec.Root, r.Spec.Target}] = r.Spec.LastCheckedAt.Time
		case !r.Spec.LastRun.Time.IsZero():
			checked[targetKey{r.Spec.Root, r.Spec.Target}] = r.Spec.LastRun.Time.Time
		}

		for _, d := range r.Spec.Drift {
			typ := d.Type
			if typ == "" {
				typ = resourceType(d.Address)
			}
			for _, p := range d.Paths {
				attrs[typ+"."+p]++
			}
		}
	}
	m.Attributes = ranked(attrs)

	rootEps := map[string]int{}
	rootOpen := map[string][]Open{}
	var rootNames []string
	for _, k := range order {
		tr := tracks[k]
		if _, ok := rootEps[k.root]; !ok {
			rootNames = append(rootNames, k.root)
		}
		rootEps[k.root] += tr.eps
		if tr.eps > 0 {
			m.Targets = append(m.Targets, Count{Name: k.root + " (" + k.target + ")", N: tr.eps})
		}
		if len(tr.durs) > 0 {
			mean, p90 := meanP90(tr.durs)
			m.Recovery.ByTarget = append(m.Recovery.ByTarget, TargetRecovery{Root: k.root, Target: k.target, Episodes: len(tr.durs), Mean: mean, P90: p90})
		}
		if len(tr.open) > 0 {
			o := Open{Root: k.root, Target: k.target, Since: tr.since, Age: max(m.Now.Sub(tr.since), 0),
				Resources: sortedSet(tr.open), PR: tr.pr, LastChecked: checked[k]}
			for _, s := range m.Snoozes {
				if s.Active && s.Root == k.root && s.Target == k.target && s.Until.After(o.SnoozedUntil) {
					o.SnoozedUntil = s.Until
				}
			}
			m.Open = append(m.Open, o)
			rootOpen[k.root] = append(rootOpen[k.root], o)
		}
	}
	slices.SortStableFunc(m.Open, func(a, b Open) int {
		return cmp.Or(a.Since.Compare(b.Since), cmp.Compare(a.Root, b.Root), cmp.Compare(a.Target, b.Target))
	})
	sortCounts(m.Targets)
	m.Roots = ranked(rootEps)
	slices.SortStableFunc(m.Recovery.ByTarget, func(a, b TargetRecovery) int {
		return cmp.Or(cmp.Compare(b.Episodes, a.Episodes), cmp.Compare(a.Root, b.Root), cmp.Compare(a.Target, b.Target))
	})
	m.Recovery.Episodes = len(all)
	m.Recovery.Mean, m.Recovery.P90 = meanP90(all)
	m.Grid = grid(order, tracks)
	m.Types = ranked(types)
	for _, e := range Endings {
		m.Endings = append(m.Endings, Count{Name: string(e), N: endings[e]})
	}
	m.Severities = bySeverity(severities)
	m.Policies = ranked(policies)

	slices.Sort(rootNames)
	m.Status = StatusUnknown
	if len(rootNames) > 0 {
		m.Status = StatusClean
	}
	for _, r := range rootNames {
		st := status(rootOpen[r])
		m.RootState = append(m.RootState, RootStatus{Root: r, Status: st})
		m.Status = worse(m.Status, st)
	}
	return m
}

// sameRun looks at the target's events at idx logged at t (the same run,
// after the one that ended the drift): whether one is self-healed (record
// logs the recovery it sees after a heal before the heal's own note) and
// whether one closes pr.
func sameRun(events []record.Event, idx []int, t time.Time, pr string) (healed, closed bool) {
	for _, i := range idx {
		e := events[i]
		if !e.Time.Time.Equal(t) {
			break
		}
		switch {
		case e.Event == record.SelfHealed:
			healed = true
		case e.Event == record.RemediationPRClosed && pr != "" && (e.PR == "" || e.PR == pr):
			closed = true
		}
	}
	return healed, closed
}

func ending(kind record.EventKind, prOpen bool) Ending {
	switch {
	case kind == record.SelfHealed && prOpen:
		return EndingPR
	case kind == record.SelfHealed:
		return EndingApply
	case prOpen:
		return EndingAdopted
	}
	return EndingByHand
}

// status is a root's: drifted when any of its open drift has no
// remediation PR working on it, healing when all of it has one.
func status(open []Open) Status {
	if len(open) == 0 {
		return StatusClean
	}
	for _, o := range open {
		if o.PR == "" {
			return StatusDrifted
		}
	}
	return StatusHealing
}

func worse(a, b Status) Status {
	rank := map[Status]int{StatusUnknown: 0, StatusClean: 1, StatusHealing: 2, StatusDrifted: 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// weekStart is the Monday 00:00 UTC starting t's week.
func weekStart(t time.Time) time.Time {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

// weekRange is every week from the first event's to the latest of now and
// the last event, the last MaxWeeks of them; empty without events.
func weekRange(weeks map[time.Time]*Week, first, last, now time.Time) []Week {
	if first.IsZero() {
		return nil
	}
	end := weekStart(last)
	if n := weekStart(now); n.After(end) {
		end = n
	}
	start := weekStart(first)
	if lim := end.AddDate(0, 0, -7*(MaxWeeks-1)); start.Before(lim) {
		start = lim
	}
	var out []Week
	for s := start; !s.After(end); s = s.AddDate(0, 0, 7) {
		if w := weeks[s]; w != nil {
			out = append(out, *w)
		} else {
			out = append(out, Week{Start: s})
		}
	}
	return out
}

// rate compares the mean new episodes a week of the last 4 weeks with the
// 4 before (no trend with fewer than 8 weeks); a change within a tenth (or of less than one episode a
// month) is steady.
func rate(weeks []Week) Rate {
	mean := func(ws []Week) float64 {
		if len(ws) == 0 {
			return 0
		}
		n := 0
		for _, w := range ws {
			n += w.New
		}
		return float64(n) / float64(len(ws))
	}
	n := len(weeks)
	recent := weeks[max(n-4, 0):]
	before := weeks[max(n-8, 0):max(n-4, 0)]
	r := Rate{Recent: mean(recent), Before: mean(before), Weeks: len(recent)}
	if len(before) < 4 {
		return r // too short a history to call a trend
	}
	r.Trend = "steady"
	diff := r.Recent - r.Before
	if math.Abs(diff) > 0.1*r.Before && math.Abs(diff) >= 0.25 {
		if diff > 0 {
			r.Trend = "rising"
		} else {
			r.Trend = "falling"
		}
	}
	return r
}

// meanP90 gives the mean and the nearest-rank 90th percentile.
func meanP90(ds []time.Duration) (time.Duration, time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	rank := int(math.Ceil(0.9*float64(len(s)))) - 1
	return sum / time.Duration(len(s)), s[rank]
}

// grid is shown when target names recur across roots, as regions or
// environments do: at least two target names each under two roots or
// more.
func grid(order []targetKey, tracks map[targetKey]*tracker) *Grid {
	rootsOf := map[string]map[string]bool{}
	for _, k := range order {
		if rootsOf[k.target] == nil {
			rootsOf[k.target] = map[string]bool{}
		}
		rootsOf[k.target][k.root] = true
	}
	recurring := 0
	for _, roots := range rootsOf {
		if len(roots) >= 2 {
			recurring++
		}
	}
	if recurring < 2 {
		return nil
	}
	g := &Grid{}
	rootIdx, targetIdx := map[string]int{}, map[string]int{}
	for _, k := range order {
		rootIdx[k.root], targetIdx[k.target] = 0, 0
	}
	g.Roots, g.Targets = sortedSet(rootIdx), sortedSet(targetIdx)
	for i, r := range g.Roots {
		rootIdx[r] = i
	}
	for i, t := range g.Targets {
		targetIdx[t] = i
	}
	g.Cells = make([][]int, len(g.Roots))
	for i := range g.Cells {
		g.Cells[i] = make([]int, len(g.Targets))
	}
	for _, k := range order {
		n := tracks[k].eps
		g.Cells[rootIdx[k.root]][targetIdx[k.target]] = n
		g.Max = max(g.Max, n)
	}
	return g
}

func bySeverity(m map[string]int) []Count {
	var out []Count
	for _, s := range severityOrder {
		if m[s] > 0 {
			out = append(out, Count{Name: s, N: m[s]})
		}
	}
	var rest []string
	for s := range m {
		if !slices.Contains(severityOrder, s) && s != unspecified {
			rest = append(rest, s)
		}
	}
	slices.Sort(rest)
	for _, s := range rest {
		out = append(out, Count{Name: s, N: m[s]})
	}
	if m[unspecified] > 0 {
		out = append(out, Count{Name: unspecified, N: m[unspecified]})
	}
	return out
}

// ranked is the counts, most first, then by name; zero counts left out.
func ranked(m map[string]int) []Count {
	var out []Count
	for k, n := range m {
		if n > 0 {
			out = append(out, Count{Name: k, N: n})
		}
	}
	sortCounts(out)
	return out
}

func sortCounts(c []Count) {
	slices.SortStableFunc(c, func(a, b Count) int { return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Name, b.Name)) })
}

func sortedSet[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
