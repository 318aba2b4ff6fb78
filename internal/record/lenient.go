package record

import "fmt"

// ParseLogLenient reads a log as ParseLog does, for readers that only show
// it (the dashboard): fields and event kinds this version does not know
// are passed over instead of refused, so a log a newer drift-action wrote
// still reads. Syntax, times, roots and targets are checked as strictly,
// and errors give the file and line. Events of unknown kinds are kept with
// their kind; callers skip what they do not know.
func ParseLogLenient(name string, data []byte) (Log, error) {
	return parseLog(name, data, false)
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
