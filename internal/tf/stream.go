package tf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Events is what the `plan -json` stream told us before any `show`: enough to
// decide whether there is anything to detail, and terraform's own error text.
type Events struct {
	Drifted     int // resource_drift messages
	Planned     int // planned_change messages other than no-op and read
	Outputs     int // output changes other than no-op
	Diagnostics []string
	Resources   int // refresh/apply hooks seen, for progress reporting
	// Checks counts warnings about a check block's assertion (failed, or
	// unknown until apply). Terraform neither fails the plan for them nor
	// counts them as changes: it exits 0 with a summary of zeros.
	Checks int
	// CheckReads counts planned reads of data sources nested in check
	// blocks; terraform plans one for each of them on every plan.
	CheckReads int
	// Warnings counts every warning diagnostic. A data source nested in a
	// check block that fails fails its check, and terraform says so only
	// with the data source's own error, turned into a warning.
	Warnings int
	// ReadTimes are how long each provider read took (a resource's
	// refresh, a data source's read), by the provider's implied name
	// (the resource type's prefix, e.g. "aws"), timed from the stream's
	// own timestamps; nil unless Options.TimeReads.
	ReadTimes map[string][]time.Duration
	// Summary is the plan's change_summary, which terraform writes only once
	// it has finished planning; nil means the stream never got there.
	Summary *ChangeSummary
}

// ChangeSummary is the count of planned actions terraform announces when a
// plan is complete.
type ChangeSummary struct {
	Add    int `json:"add"`
	Change int `json:"change"`
	Import int `json:"import"`
	Remove int `json:"remove"`
	Forget int `json:"forget"` // dropped from state only (removed blocks); absent from older terraform
}

// empty is true when the summary counts nothing. Not a sum: the bytes come
// from outside, and -1 and 1 must not cancel out.
func (c ChangeSummary) empty() bool { return c == ChangeSummary{} }

// NeedsShow reports whether the plan has something worth reading in full.
// The summary counts too: if its planned_change lines went missing, the plan
// file still says what would change. So do failing checks, which only the
// plan file's "checks" detail: a failed assertion, or any warning in a plan
// that reads data sources nested in check blocks (such a data source's
// error is a warning, without the check's name).
func (e Events) NeedsShow() bool {
	return e.Drifted > 0 || e.Planned > 0 || e.Outputs > 0 || (e.Summary != nil && !e.Summary.empty()) ||
		e.Checks > 0 || (e.CheckReads > 0 && e.Warnings > 0)
}

// ErrorText joins terraform's error diagnostics.
func (e Events) ErrorText() string { return strings.Join(e.Diagnostics, "\n") }

// streamParser is an io.Writer for the machine-readable UI stream. It parses
// line by line as terraform writes, so a 10,000-resource plan is never held
// in memory whole.
type streamParser struct {
	ev      Events
	partial []byte
	// watch, when set, is told about each hook message (a resource
	// started or finished), for progress lines.
	watch *watch
	// reads, when set, times each provider read.
	reads *readClock
}

type uiMessage struct {
	Type       string `json:"type"`
	Level      string `json:"@level"`
	Diagnostic *struct {
		Severity string `json:"severity"`
		Summary  string `json:"summary"`
		Detail   string `json:"detail"`
		Address  string `json:"address"`
		Range    *struct {
			Filename string `json:"filename"`
			Start    struct {
				Line int `json:"line"`
			} `json:"start"`
		} `json:"range"`
		Snippet *struct {
			Context *string `json:"context"`
		} `json:"snippet"`
	} `json:"diagnostic"`
	Change *struct {
		Action string `json:"action"`
		Reason string `json:"reason"`
	} `json:"change"`
	Outputs map[string]struct {
		Action string `json:"action"`
	} `json:"outputs"`
	Changes *struct {
		ChangeSummary
		Operation string `json:"operation"`
	} `json:"changes"`
}

// Message types that matter; everything else is skipped without decoding.
// The verdict's types are decoded; hook types only move progress, and are
// read without decoding (hookField).
var (
	typeKey   = []byte(`"type":"`)
	verdictOf = map[string]bool{"diagnostic": true, "resource_drift": true, "planned_change": true, "outputs": true, "change_summary": true}
	hookOf    = map[string]bool{msgRefreshStart: true, msgRefreshComplete: true, msgApplyStart: true, msgApplyComplete: true, msgApplyErrored: true}
)

// lineType is the type a line names, of those that matter, and whether it
// is a verdict's (those win). Every `"type":"` is looked at, nested ones
// too, so a line is never skipped because of where its type sits: the
// decoder then says what the line is.
func lineType(l []byte) (typ string, verdict bool) {
	var hook string
	for {
		i := bytes.Index(l, typeKey)
		if i < 0 {
			return hook, false
		}
		l = l[i+len(typeKey):]
		end := bytes.IndexByte(l, '"')
		if end < 0 {
			return hook, false
		}
		// No allocation: the compiler looks maps up by a []byte key converted in place.
		if verdictOf[string(l[:end])] {
			return string(l[:end]), true
		}
		if hook == "" && hookOf[string(l[:end])] {
			hook = string(l[:end])
		}
		l = l[end:]
	}
}

func (s *streamParser) Write(p []byte) (int, error) {
	n := len(p)
	if len(s.partial) > 0 {
		p = append(s.partial, p...)
		s.partial = s.partial[:0]
	}
	for {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			s.partial = append(s.partial, p...)
			return n, nil
		}
		s.line(p[:i])
		p = p[i+1:]
	}
}

// Close handles a last line without a newline.
func (s *streamParser) Close() error {
	if len(s.partial) > 0 {
		s.line(s.partial)
		s.partial = nil
	}
	return nil
}

func (s *streamParser) line(l []byte) {
	typ, verdict := lineType(l)
	if typ == "" {
		return
	}
	if !verdict {
		if typ == msgRefreshComplete {
			s.ev.Resources++
		}
		s.watch.observe(typ, l)
		s.reads.observe(typ, l)
		return
	}
	var m uiMessage
	if err := json.Unmarshal(l, &m); err != nil {
		return // not a UI message (terraform prints plain text on some failures)
	}
	switch m.Type {
	case "diagnostic":
		d := m.Diagnostic
		if d == nil {
			break
		}
		switch d.Severity {
		case "error":
			s.ev.Diagnostics = append(s.ev.Diagnostics, formatDiagnostic(d.Summary, d.Detail, d.Address, d.Range))
		case "warning":
			s.ev.Warnings++
			if strings.HasPrefix(d.Summary, "Check block assertion") ||
				(d.Snippet != nil && d.Snippet.Context != nil && strings.HasPrefix(*d.Snippet.Context, `check "`)) {
				s.ev.Checks++
			}
		}
	case "resource_drift":
		if m.Change == nil || (m.Change.Action != "noop" && m.Change.Action != "no-op") {
			s.ev.Drifted++
		}
	case "planned_change":
		switch {
		case m.Change == nil || m.Change.Action == "noop":
		case m.Change.Action == "read":
			if m.Change.Reason == "read_because_check_nested" {
				s.ev.CheckReads++
			}
		default:
			s.ev.Planned++
		}
	case "outputs":
		for _, o := range m.Outputs {
			if o.Action != "noop" {
				s.ev.Outputs++
			}
		}
	case "change_summary":
		// Apply and destroy runs have summaries too; only a plan's counts.
		if c := m.Changes; c != nil && c.Operation == "plan" {
			sum := c.ChangeSummary
			s.ev.Summary = &sum
		}
	}
}

func formatDiagnostic(summary, detail, address string, rng *struct {
	Filename string `json:"filename"`
	Start    struct {
		Line int `json:"line"`
	} `json:"start"`
}) string {
	var b strings.Builder
	b.WriteString("Error: ")
	b.WriteString(summary)
	if rng != nil && rng.Filename != "" {
		b.WriteString(" (")
		b.WriteString(rng.Filename)
		if rng.Start.Line > 0 {
			b.WriteString(":")
			b.WriteString(strconv.Itoa(rng.Start.Line))
		}
		b.WriteString(")")
	}
	if address != "" {
		b.WriteString(" [" + address + "]")
	}
	if detail = strings.TrimSpace(detail); detail != "" {
		b.WriteString(": ")
		b.WriteString(detail)
	}
	return b.String()
}

// finished checks that the stream shows a plan terraform completed, agreeing
// with its exit code (hasChanges is -detailed-exitcode's 2). Without this a
// cut-short or empty stream reads as "nothing to do", that is, clean.
//
// Terraform 1.11 exits 0 when the only news is drift (resource_drift lines,
// a summary of zeros) or a failed check assertion, and 2 when resources or
// outputs would change or a check block reads a data source. So exit 2 must
// come with something in the stream; exit 0 with planned changes is
// not checked here: NeedsShow is true then, and the plan file decides.
func (e Events) finished(hasChanges bool) error {
	if e.Summary == nil {
		return fmt.Errorf("%w: terraform's plan stream ended without its change summary (the stream was cut short or terraform was killed); treat this target as unknown, not clean", ErrIncompletePlan)
	}
	// Data sources nested in check blocks are planned to be read again on
	// apply, which alone makes terraform exit 2.
	if hasChanges && e.Drifted == 0 && e.Planned == 0 && e.Outputs == 0 && e.CheckReads == 0 && e.Summary.empty() {
		return fmt.Errorf("%w: terraform exited 2 (changes present) but its plan stream reported no change, drift, output change or check read (part of the stream is missing); treat this target as unknown, not clean", ErrIncompletePlan)
	}
	return nil
}
