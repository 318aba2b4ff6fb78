package record

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"time"

	"go.yaml.in/yaml/v3"
)

// logHeader opens a new log.
const logHeader = "# drift-action record log: one event per document, oldest first.\n" +
	"# Append only: drift-action adds events at the end and never rewrites these lines.\n"

// Log is a parsed event log.
type Log struct {
	Events []Event
}

// ParseLog reads a log. name is used in errors, which give the line. An
// empty or nil log has no events.
func ParseLog(name string, data []byte) (Log, error) {
	return parseLog(name, data, true)
}

// parseLog reads a log, strictly (unknown fields and kinds refused) or
// not (ParseLogLenient); both check times, kinds, roots and targets.
func parseLog(name string, data []byte, strict bool) (Log, error) {
	chunks, err := split(name, data)
	if err != nil {
		return Log{}, fmt.Errorf("parse log: %w", err)
	}
	var l Log
	for _, c := range chunks {
		if c.blank() {
			continue
		}
		var e Event
		if err := decodeChunkAs(name, c, &e, strict); err != nil {
			return Log{}, fmt.Errorf("parse log: %w", err)
		}
		e.Line = c.line
		kinds := EventKinds
		if !strict {
			kinds = nil // any kind but none: callers skip what they do not know
		}
		if err := e.check(kinds); err != nil {
			return Log{}, fmt.Errorf("parse log: %s:%d: %w", name, c.line, err)
		}
		l.Events = append(l.Events, e)
	}
	return l, nil
}

// check says what a log event lacks; kinds are the kinds accepted, nil
// for any (but none).
func (e Event) check(kinds []EventKind) error {
	switch {
	case e.Time.IsZero():
		return fmt.Errorf("event has no time; add time: <RFC 3339>")
	case e.Event == "":
		return fmt.Errorf("event has no kind; add event: <one of %v>", EventKinds)
	case kinds != nil && !e.Event.valid(kinds):
		return fmt.Errorf("event %q is not one of %v", e.Event, EventKinds)
	case e.Root == "" || e.Target == "":
		return fmt.Errorf("event has no root or target; add both")
	}
	return nil
}

// key identifies a root and target.
type key struct{ root, target string }

// state is what the log says about one target at its end.
type state struct {
	open    map[string]time.Time // drifted address -> when it entered the drift
	since   time.Time            // detected event that opened the current drift
	last    time.Time            // latest event
	commit  string               // of the latest event
	snoozed time.Time
	pr      string
}

func (s *state) apply(e Event) {
	t := e.Time.Time
	if t.After(s.last) || (t.Equal(s.last) && e.Commit > s.commit) {
		s.last, s.commit = t, e.Commit
	}
	switch e.Event {
	case Detected, Changed:
		next := map[string]time.Time{}
		for _, a := range e.Resources {
			if at, ok := s.open[a]; ok {
				next[a] = at
			} else {
				next[a] = t
			}
		}
		if len(s.open) == 0 {
			s.since = t
		}
		s.open = next
	case Recovered, SelfHealed:
		if len(e.Resources) == 0 {
			s.open = nil
		}
		for _, a := range e.Resources {
			delete(s.open, a)
		}
	case Snoozed:
		s.snoozed = time.Time{}
		if e.Until != nil {
			s.snoozed = e.Until.Time
		}
	case SnoozeExpired:
		s.snoozed = time.Time{}
	case RemediationPROpened:
		s.pr = e.PR
	case RemediationPRClosed:
		if e.PR == "" || e.PR == s.pr {
			s.pr = ""
		}
	}
	if len(s.open) == 0 {
		s.open, s.since = nil, time.Time{}
	}
}

func (l Log) states() map[key]*state {
	out := map[key]*state{}
	for _, e := range l.Events {
		k := key{e.Root, e.Target}
		if out[k] == nil {
			out[k] = &state{}
		}
		out[k].apply(e)
	}
	return out
}

// DriftInfo is the current continuous drift of a target, from the log.
type DriftInfo struct {
	Since     time.Time            // detected event that opened it; zero when not drifted
	Resources map[string]time.Time // address -> when it joined the drift
}

// Drift tells how long root/target has been drifted, and since when each
// drifted resource has been.
func (l Log) Drift(root, target string) DriftInfo {
	s := l.states()[key{root, target}]
	if s == nil || len(s.open) == 0 {
		return DriftInfo{}
	}
	return DriftInfo{Since: s.since, Resources: s.open}
}

// Age writes a drift age for people: "less than a minute", "5 minutes",
// "1 hour", "3 days".
func Age(d time.Duration) string {
	unit := func(n int64, s string) string {
		if n == 1 {
			return "1 " + s
		}
		return fmt.Sprintf("%d %ss", n, s)
	}
	switch {
	case d < time.Minute:
		return "less than a minute"
	case d < time.Hour:
		return unit(int64(d/time.Minute), "minute")
	case d < 48*time.Hour:
		return unit(int64(d/time.Hour), "hour")
	default:
		return unit(int64(d/(24*time.Hour)), "day")
	}
}

// AppendEvents renders events to append to a log whose bytes are prev. The
// result only adds bytes: prev + the result is the new log, and prev's bytes
// are never re-rendered. A new (empty) log gets a header comment first.
func AppendEvents(prev []byte, events []Event) ([]byte, error) {
	if len(events) == 0 {
		return nil, nil
	}
	var b bytes.Buffer
	if len(prev) == 0 {
		b.WriteString(logHeader)
	} else if prev[len(prev)-1] != '\n' {
		b.WriteByte('\n')
	}
	for _, e := range events {
		b.WriteString("---\n")
		if err := encode(&b, e); err != nil {
			return nil, fmt.Errorf("append events: %w", err)
		}
	}
	return b.Bytes(), nil
}

func encode(b *bytes.Buffer, v any) error {
	enc := yaml.NewEncoder(b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return enc.Close()
}

// sortedKeys returns a set's members in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// uniq sorts and deduplicates, never returning nil (so YAML shows []).
func uniq(in []string) []string {
	out := slices.Clone(in)
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []string{}
	}
	return out
}
