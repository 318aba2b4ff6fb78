package config

import (
	"time"

	"go.yaml.in/yaml/v3"
)

// Window is drift.yaml's schedule-window and schedule-every: scheduled runs
// each plan only the targets due in the run's slot, so every target is
// planned once per Length and the load of a big repository is spread over
// the window instead of peaking at every cron tick.
type Window struct {
	Length time.Duration // schedule-window: every target is planned once per Length
	// Every is how often the workflow's cron starts a run (schedule-every).
	// It is not defaulted: a guessed interval that is shorter than the
	// cron's would leave some slots, and their targets, never planned.
	Every time.Duration
	Line  int // the schedule-window key's line, for messages
	// At is the scheduled run's time, whose slot it plans: set in Detect
	// (never in File), from the clock or from the matrix's shard value.
	At time.Time
}

// IsSet reports whether drift.yaml spreads scheduled runs over a window.
func (w Window) IsSet() bool { return w.Length > 0 }

// Slots is how many runs one window holds: Length / Every.
func (w Window) Slots() int {
	if !w.IsSet() || w.Every <= 0 {
		return 0
	}
	return int(w.Length / w.Every)
}

// minEvery is GitHub's shortest schedule interval.
const minEvery = 5 * time.Minute

// window checks schedule-window and schedule-every together: each is
// meaningless without the other, and the slots must tile a day so that a
// cron firing every Every lands in every slot in turn.
func (d decoder) window(length, every *yaml.Node) (Window, error) {
	var w Window
	var err error
	if length == nil {
		return w, d.errf(every, "schedule-every needs schedule-window: how long it may take to plan every target once (e.g. schedule-window: 6h); or remove schedule-every")
	}
	w.Line = length.Line
	if w.Length, err = d.duration(length, "schedule-window"); err != nil {
		return Window{}, err
	}
	if every == nil {
		return Window{}, d.errf(length, "schedule-window needs schedule-every: how often the workflow's cron runs (e.g. schedule-every: 1h for cron '0 * * * *'); it is not guessed, since a wrong interval leaves targets never planned")
	}
	if w.Every, err = d.duration(every, "schedule-every"); err != nil {
		return Window{}, err
	}
	switch {
	case w.Every < minEvery || w.Every%time.Minute != 0:
		return Window{}, d.errf(every, "schedule-every %s: use whole minutes, at least 5m (GitHub's shortest schedule)", FormatDuration(w.Every))
	case (24*time.Hour)%w.Every != 0 && w.Every%(24*time.Hour) != 0:
		return Window{}, d.errf(every, "schedule-every %s: use an interval a cron repeats evenly, one that divides a day (5m, 10m, 15m, 30m, 1h, 2h, 3h, 4h, 6h, 8h, 12h, 24h) or a whole number of days", FormatDuration(w.Every))
	case w.Length < w.Every || w.Length%w.Every != 0:
		return Window{}, d.errf(length, "schedule-window %s: use a whole multiple of schedule-every (%s), e.g. %s", FormatDuration(w.Length), FormatDuration(w.Every), FormatDuration(w.Every*6))
	}
	return w, nil
}

// FormatDuration is a duration as drift.yaml writes it: 6h, 90m, 1h30m.
func FormatDuration(d time.Duration) string { return shortDuration(d) }

// windowFor is the window a run applies: only scheduled runs are spread (a
// dispatch or a pull request asks for its roots now). Its time is the one
// the matrix's list job chose when the shard value carries it, so every
// job of one matrix plans the same slot, else the clock's.
func windowFor(f File, ev Event, shard Shard, now func() time.Time) Window {
	if ev.Name != "schedule" || !f.Window.IsSet() {
		return Window{}
	}
	w := f.Window
	if w.At = shard.At; w.At.IsZero() {
		if now == nil {
			now = time.Now
		}
		w.At = now()
	}
	return w
}
