package discover

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"time"
)

// Schedule is a scheduled run's schedule window as drift.yaml sets it
// (schedule-window, schedule-every) and the time whose slot the run plans.
type Schedule struct {
	Length, Every time.Duration
	At            time.Time // the run's time, or the matrix's slot time
}

// IsSet reports whether a window is set.
func (w Schedule) IsSet() bool { return w.Length > 0 }

// Slots is how many runs one window holds: Length / Every.
func (w Schedule) Slots() int {
	if !w.IsSet() || w.Every <= 0 {
		return 0
	}
	return int(w.Length / w.Every)
}

// Window is what a scheduled run with a schedule window plans: the targets
// due in its slot, and when each other target is due. It describes the
// whole run, not one shard's part of it.
type Window struct {
	Length, Every time.Duration
	Slot, Slots   int       // this run's slot, 1-based, of Slots
	Start         time.Time // when this run's slot began: the run's time floored to Every
	Planned       []Slotted // the targets due now, in target order
	Later         []Slotted // the others, the soonest due first
}

// Slotted is one target of a window and when its slot starts: this run's
// slot for a planned target, its next one for a target planned later.
type Slotted struct {
	Root, Target string // as Target.Dir and Target.Name
	Due          time.Time
}

// SlotOf is the slot (0 to slots-1) of a target in every window: a hash of
// its repository-relative directory and its name, so a target keeps its
// slot whatever targets are added or removed, in every job and every run.
// SHA-256 rather than a cheaper hash: paths differing in one trailing
// character (roots/r1, roots/r2) must not fall into patterned slots.
func SlotOf(rel, target string, slots int) int {
	if slots <= 1 {
		return 0
	}
	sum := sha256.Sum256([]byte(rel + "\x00" + target))
	return int(binary.BigEndian.Uint64(sum[:8]) % uint64(slots))
}

// Spread keeps the targets due in the slot of w.At. Slots are counted from
// the Unix epoch in steps of w.Every, so consecutive scheduled runs walk
// through every slot in turn and each target is planned once per window.
func Spread(targets []Target, repoRoot string, w Schedule) ([]Target, *Window) {
	slots := w.Slots()
	every := int64(w.Every / time.Second)
	if slots < 1 || every < 1 {
		return targets, nil // not a window config.ParseFile accepts
	}
	n := w.At.Unix() / every
	if w.At.Unix() < 0 && w.At.Unix()%every != 0 {
		n-- // floor, not truncation toward zero (a clock before 1970)
	}
	start := time.Unix(n*every, 0).UTC()
	now := int(((n % int64(slots)) + int64(slots)) % int64(slots))
	out := &Window{Length: w.Length, Every: w.Every, Slot: now + 1, Slots: slots, Start: start, Planned: []Slotted{}, Later: []Slotted{}}
	var due []Target
	for _, t := range targets {
		ahead := (SlotOf(display(repoRoot, t.AbsDir), t.Name, slots) - now + slots) % slots
		at := start.Add(time.Duration(ahead) * w.Every)
		s := Slotted{Root: t.Dir, Target: t.Name, Due: at}
		if ahead == 0 {
			due = append(due, t)
			out.Planned = append(out.Planned, s)
		} else {
			out.Later = append(out.Later, s)
		}
	}
	slices.SortStableFunc(out.Later, func(a, b Slotted) int { return a.Due.Compare(b.Due) })
	return due, out
}
