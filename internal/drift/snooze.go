package drift

import (
	"reflect"
	"slices"
	"time"

	"github.com/myorg/drift-action/internal/glob"
)

// Snooze accepts known drift for a while (drift.yaml `snooze:`): drift it
// matches is reported as snoozed, not as drift, until Until. It never
// changes what terraform planned.
type Snooze struct {
	// Root is the root module directory or glob (as in roots:) the snooze
	// applies to, matched against Result.Dir.
	Root string `json:"root"`
	// Target is the target name or glob (`*`, `?`) the snooze applies to,
	// matched against Result.Target; "" means every target of the root. A
	// root planned per region needs it: drift snoozed in one region is
	// real drift in another.
	Target string `json:"target,omitempty"`
	// Address is a resource address glob; `*` matches any run of
	// characters, dots and brackets included (`module.db.*`,
	// `aws_iam_user.u[*]`).
	Address string `json:"address"`
	// Paths are attribute path globs (as ignore paths); none means the
	// whole resource. A snooze with paths covers in-place drift only: a
	// resource deleted or replaced outside terraform needs a snooze
	// without paths.
	Paths []string `json:"paths,omitempty"`
	// Until is the instant the snooze ends; from then on the drift is
	// drift again. A date alone in drift.yaml is midnight UTC starting
	// that day.
	Until  time.Time `json:"until"`
	Reason string    `json:"reason"`
	// Source is where the snooze is configured, "file:line"; Line is that
	// line alone, for warnings that point at it.
	Source string `json:"source,omitempty"`
	Line   int    `json:"-"`
}

// Matches reports whether the snooze is for the target named target of
// the root in dir (as Result.Dir shows it).
func (s Snooze) Matches(dir, target string) bool {
	return s.MatchesRoot(dir) && (s.Target == "" || glob.Wildcard(s.Target, target))
}

// MatchesRoot reports whether the snooze is for the root in dir, whichever
// its targets.
func (s Snooze) MatchesRoot(dir string) bool { return glob.MatchDir(s.Root, dir) }

// Active reports whether the snooze still holds at now: it ends at Until
// exactly.
func (s Snooze) Active(now time.Time) bool { return now.Before(s.Until) }

func (s Snooze) wholeResource() bool { return len(s.Paths) == 0 }

// covers reports whether the snooze's paths cover the attribute.
func (s Snooze) covers(a Attribute) bool {
	segs := SplitPath(a.Path)
	for _, p := range s.Paths {
		if MatchPath(p, segs) {
			return true
		}
	}
	return false
}

// ExpiredSnooze is a snooze whose Until has passed while drift it matched
// is still there: that drift is reported as drift again.
type ExpiredSnooze struct {
	Snooze
	// Resources are the addresses of the drifted resources the snooze
	// matched in this target, in drift order.
	Resources []string `json:"resources"`
}

// PartlySnoozed reports whether some, not all, of a drifted resource's
// attributes are snoozed: it stays drift, and applying its revert would
// also revert the snoozed attributes.
func (r Resource) PartlySnoozed() bool {
	for _, a := range r.Attributes {
		if a.Snooze != nil {
			return true
		}
	}
	return false
}

// ApplySnoozes turns the drift that active snoozes match into snoozed drift,
// at the run's time now. It is pure and idempotent.
//
//   - A resource whose drift is wholly snoozed (a snooze without paths, or
//     every drifted attribute covered by path snoozes) moves from Drift to
//     Snoozed, with Snooze set (the first snooze, in config order, that
//     matched it).
//   - A resource with some attributes snoozed stays in Drift; those
//     attributes carry Snooze.
//   - A change with cause drift on a wholly snoozed resource (reverting or
//     re-creating it) moves from Changes to SnoozedChanges, with Snooze
//     set. Changes with cause code or drift+code stay.
//   - A snooze no longer active that matches drift still reported (not
//     snoozed by another, active, entry) is recorded in ExpiredSnoozes.
//
// Status is derived again: snoozed drift alone leaves a target clean.
func (r *Result) ApplySnoozes(snoozes []Snooze, now time.Time) {
	var here []Snooze
	for _, s := range snoozes {
		if s.Matches(r.Dir, r.Target) {
			here = append(here, s)
		}
	}
	if len(here) == 0 {
		return
	}
	kept := r.Drift[:0:0]
	snoozed := map[string]*Snooze{}
	for _, d := range r.Drift {
		var active, expired []Snooze
		for _, s := range here {
			if !glob.Wildcard(s.Address, d.Address) {
				continue
			}
			if s.Active(now) {
				active = append(active, s)
			} else {
				expired = append(expired, s)
			}
		}
		d = snooze(d, active)
		if d.Snooze != nil {
			r.Snoozed = append(r.Snoozed, d)
			snoozed[d.Address] = d.Snooze
		} else {
			kept = append(kept, d)
		}
		for _, s := range expired {
			if d.Snooze == nil && alarms(d, s) {
				r.expire(s, d.Address)
			}
		}
	}
	r.Drift = kept
	if len(snoozed) > 0 {
		changes := r.Changes[:0:0]
		for _, c := range r.Changes {
			s := snoozed[c.Address]
			if s == nil && c.PreviousAddress != "" {
				s = snoozed[c.PreviousAddress]
			}
			if s != nil && c.Cause == CauseDrift {
				c.Snooze = s
				r.SnoozedChanges = append(r.SnoozedChanges, c)
				continue
			}
			changes = append(changes, c)
		}
		r.Changes = changes
	}
	r.SetStatus()
}

// snooze applies the active snoozes to one drifted resource, copying what
// it marks.
func snooze(d Resource, active []Snooze) Resource {
	for _, s := range active {
		if s.wholeResource() {
			d.Snooze = &s
			return d
		}
	}
	if !inPlace(d) || len(d.Attributes) == 0 {
		return d
	}
	attrs := slices.Clone(d.Attributes)
	var first *Snooze
	all := true
	for i := range attrs {
		if attrs[i].Snooze == nil {
			for _, s := range active {
				if s.covers(attrs[i]) {
					attrs[i].Snooze = &s
					break
				}
			}
		}
		if attrs[i].Snooze == nil {
			all = false
		} else if first == nil {
			first = attrs[i].Snooze
		}
	}
	d.Attributes = attrs
	if all {
		d.Snooze = first
	}
	return d
}

// alarms reports whether the expired snooze s would have covered some of
// d's drift that is reported now.
func alarms(d Resource, s Snooze) bool {
	if s.wholeResource() {
		return true
	}
	if !inPlace(d) {
		return false // path snoozes never cover a deletion
	}
	for _, a := range d.Attributes {
		if a.Snooze == nil && s.covers(a) {
			return true
		}
	}
	return false
}

// inPlace reports whether the drift changed the object rather than deleting
// or replacing it.
func inPlace(d Resource) bool {
	return !slices.Contains(d.Actions, "delete") && !slices.Contains(d.Actions, "create")
}

// expire records that s has expired over the drifted resource addr, once.
func (r *Result) expire(s Snooze, addr string) {
	for i := range r.ExpiredSnoozes {
		e := &r.ExpiredSnoozes[i]
		if reflect.DeepEqual(e.Snooze, s) {
			if !slices.Contains(e.Resources, addr) {
				e.Resources = append(e.Resources, addr)
			}
			return
		}
	}
	r.ExpiredSnoozes = append(r.ExpiredSnoozes, ExpiredSnooze{Snooze: s, Resources: []string{addr}})
}
