package record

import "fmt"

// ParseLogLenient reads a log as ParseLog does, for readers that only show
// it (the dashboard): fields and event kinds this version does not know
// are passed over instead of refused, so a log a newer drift-action wrote
// still reads. Syntax, times, roots and targets are checked as strictly,
// and errors give the file and line. Events of unknown kinds are kept with
// their kind; callers skip what they do not know.
func ParseLogLenient(name string, data []byte) (Log, error) {
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
		if err := decodeChunkAs(name, c, &e, false); err != nil {
			return Log{}, fmt.Errorf("parse log: %w", err)
		}
		e.Line = c.line
		var bad string
		switch {
		case e.Time.IsZero():
			bad = "event has no time; add time: <RFC 3339>"
		case e.Event == "":
			bad = fmt.Sprintf("event has no kind; add event: <one of %v>", EventKinds)
		case e.Root == "" || e.Target == "":
			bad = "event has no root or target; add both"
		}
		if bad != "" {
			return Log{}, fmt.Errorf("parse log: %s:%d: %s", name, c.line, bad)
		}
		l.Events = append(l.Events, e)
	}
	return l, nil
}

// ParseReportsLenient reads a report file as ParseReports does, passing
// over fields this version does not know (see ParseLogLenient).
func ParseReportsLenient(name string, data []byte, group string) ([]Report, error) {
	if group == "" {
		group = DefaultGroup
	}
	chunks, err := split(name, data)
	if err != nil {
		return nil, fmt.Errorf("parse reports: %w", err)
	}
	var out []Report
	for _, c := range chunks {
		if c.blank() {
			continue
		}
		var r Report
		if err := decodeChunkAs(name, c, &r, false); err != nil {
			return nil, fmt.Errorf("parse reports: %w", err)
		}
		if err := r.check(group); err != nil {
			return nil, fmt.Errorf("parse reports: %s:%d: %w", name, c.line, err)
		}
		out = append(out, r)
	}
	return out, nil
}
