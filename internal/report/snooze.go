package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/myorg/drift-action/internal/drift"
)

// until shows when a snooze ends: the date alone when it ends at midnight
// UTC (as a date in drift.yaml does), else the time in UTC.
func until(t time.Time) string {
	t = t.UTC()
	if t.Equal(t.Truncate(24 * time.Hour)) {
		return t.Format(time.DateOnly)
	}
	return t.Format(time.RFC3339)
}

// snoozeLabel is "snoozed until DATE: REASON" in one line.
func snoozeLabel(s *drift.Snooze) string {
	if s == nil {
		return ""
	}
	return "snoozed until " + until(s.Until) + ": " + oneLine(s.Reason)
}

// heldBack names the changes held back because they would undo snoozed
// drift, as "address (actions)".
func heldBack(r drift.Result) string {
	names := make([]string, 0, len(r.SnoozedChanges))
	for _, c := range r.SnoozedChanges {
		names = append(names, c.Address+" ("+actionLabel(c)+")")
	}
	return strings.Join(names, ", ")
}

// expiredLabel says which snooze expired over which drift.
func expiredLabel(e drift.ExpiredSnooze) string {
	s := fmt.Sprintf("snooze on %s expired %s", strings.Join(e.Resources, ", "), until(e.Until))
	if e.Source != "" {
		s += " (" + e.Source + ")"
	}
	return s + ": " + oneLine(e.Reason) + " — drift again; renew or remove the entry"
}
