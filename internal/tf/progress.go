package tf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Progress is how far one terraform command has got, as its -json stream
// tells it: resources refreshed, data sources read, resources applied, and
// which have started and not finished. It is a reducer's state: Observe
// folds in one hook message, Status reads it; neither does I/O, and the
// stream is never parsed again for it (streamParser hands over the type and
// the address it already found).
type Progress struct {
	Refreshing, Refreshed int // refresh_start, refresh_complete
	Reading, Read         int // apply_start and apply_complete of a data source read (during plan)
	Applying, Applied     int // apply_start and apply_complete/apply_errored of a change
	// pending are the resources started and not finished, with when each
	// started (the caller's clock at the message).
	pending map[string]time.Time
}

// Hook message types terraform writes as it works on a resource.
const (
	msgRefreshStart    = "refresh_start"
	msgRefreshComplete = "refresh_complete"
	msgApplyStart      = "apply_start"
	msgApplyComplete   = "apply_complete"
	msgApplyErrored    = "apply_errored"
)

// Observe folds one hook message in: its type, the resource's address and
// the hook's action (apply_* messages: "read" for a data source), seen at.
// Other types change nothing.
func (p *Progress) Observe(typ, addr, action string, at time.Time) {
	read := action == "read"
	switch typ {
	case msgRefreshStart:
		p.Refreshing++
	case msgApplyStart:
		if read {
			p.Reading++
		} else {
			p.Applying++
		}
	case msgRefreshComplete:
		p.Refreshed++
		delete(p.pending, addr)
		return
	case msgApplyComplete, msgApplyErrored:
		if read {
			p.Read++
		} else {
			p.Applied++
		}
		delete(p.pending, addr)
		return
	default:
		return
	}
	if p.pending == nil {
		p.pending = map[string]time.Time{}
	}
	if _, ok := p.pending[addr]; !ok {
		p.pending[addr] = at
	}
}

// Status is a Progress at one moment, for a progress line.
type Status struct {
	Refreshing, Refreshed int
	Reading, Read         int
	Applying, Applied     int
	// Waiting is the resource started longest ago and not finished ("" when
	// none), waited on for For; Pending counts every such resource.
	Waiting string
	For     time.Duration
	Pending int
}

// Status is p at now. Finding the oldest pending resource walks them all,
// at most terraform's parallelism in a healthy run: cheap at a tick.
func (p *Progress) Status(now time.Time) Status {
	s := Status{Refreshing: p.Refreshing, Refreshed: p.Refreshed, Reading: p.Reading, Read: p.Read,
		Applying: p.Applying, Applied: p.Applied, Pending: len(p.pending)}
	var oldest time.Time
	for addr, at := range p.pending {
		if s.Waiting == "" || at.Before(oldest) || (at.Equal(oldest) && addr < s.Waiting) {
			s.Waiting, oldest = addr, at
		}
	}
	if s.Waiting != "" {
		s.For = max(now.Sub(oldest), 0)
	}
	return s
}

// String says where terraform is, e.g. "refreshed 12 of 40 started, 3 data
// source(s) read, waiting on aws_instance.web (31s)". Terraform never says
// how many resources a plan will refresh before it is done, so the count
// is of those started so far. The address is terraform's, which can carry
// any text in an instance key: control characters are escaped, so it
// stays one line.
func (s Status) String() string {
	var parts []string
	if s.Refreshing > 0 {
		parts = append(parts, fmt.Sprintf("refreshed %d of %d started", s.Refreshed, s.Refreshing))
	}
	if s.Reading > 0 {
		parts = append(parts, fmt.Sprintf("read %d of %d data source(s) started", s.Read, s.Reading))
	}
	if s.Applying > 0 {
		parts = append(parts, fmt.Sprintf("applied %d of %d started", s.Applied, s.Applying))
	}
	if len(parts) == 0 {
		parts = append(parts, "no resource started yet")
	}
	if s.Waiting != "" {
		w := fmt.Sprintf("waiting on %s (%s)", oneLine(s.Waiting), s.For.Round(time.Second))
		if s.Pending > 1 {
			w += fmt.Sprintf(" and %d more", s.Pending-1)
		}
		parts = append(parts, w)
	}
	return strings.Join(parts, ", ")
}

// oneLine escapes what could break a log line or be read as something
// else: control characters and other non-printing runes.
func oneLine(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) < 0 {
		return s
	}
	q := fmt.Sprintf("%+q", s)
	return q[1 : len(q)-1]
}

// hookField is the value of the first string member named key in a hook
// line (`"addr":"..."`, `"action":"..."`), unescaped; "" when there is
// none or it does not decode. Members before the hook are strings
// (@message and friends), whose quotes are escaped, so the first match is
// the hook's. Only progress reads it, never a verdict.
func hookField(line []byte, key []byte) string {
	i := bytes.Index(line, key)
	if i < 0 {
		return ""
	}
	rest := line[i+len(key):]
	escaped := false
	for j := 0; j < len(rest); j++ {
		switch rest[j] {
		case '\\':
			escaped = true
			j++ // the escaped byte
		case '"':
			if !escaped {
				return string(rest[:j])
			}
			var s string
			if err := json.Unmarshal(line[i+len(key)-1:i+len(key)+j+1], &s); err != nil {
				return ""
			}
			return s
		}
	}
	return ""
}

var (
	addrKey   = []byte(`"addr":"`)
	actionKey = []byte(`"action":"`)
)

// Report is a progress line's content: which step of a target's terraform
// is running, for how long, and (plan and apply) where its stream is.
type Report struct {
	Step    string        // init, workspace, plan, show
	Elapsed time.Duration // since the step started
	Status  Status
	// Streaming is true for the steps whose -json stream feeds Status.
	Streaming bool
}

// String is e.g. "plan running for 1m30s: refreshed 12 of 40 started,
// waiting on aws_instance.web (31s)".
func (r Report) String() string {
	s := fmt.Sprintf("%s running for %s", r.Step, r.Elapsed.Round(time.Second))
	if r.Streaming {
		s += ": " + r.Status.String()
	}
	return s
}

// watch is one target's progress, written by the stream parser and read by
// the ticker, which calls Options.Progress at Options.ProgressEvery.
type watch struct {
	mu        sync.Mutex
	step      string
	stepAt    time.Time
	streaming bool
	p         Progress
	now       func() time.Time
}

// observe folds in a hook line of type typ.
func (w *watch) observe(typ string, line []byte) {
	if w == nil {
		return
	}
	addr := hookField(line, addrKey)
	var action string
	if typ != msgRefreshStart && typ != msgRefreshComplete {
		action = hookField(line, actionKey)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.p.Observe(typ, addr, action, w.now())
}

// begin marks the start of a step; streaming steps feed the Status.
func (w *watch) begin(step string, streaming bool) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.step, w.stepAt, w.streaming = step, w.now(), streaming
}

func (w *watch) report() Report {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	return Report{Step: w.step, Elapsed: now.Sub(w.stepAt), Status: w.p.Status(now), Streaming: w.streaming}
}

// startWatch returns the session's watch and a stop function; with
// o.Progress and o.ProgressEvery set, a ticker reports to o.Progress until
// stop, which returns once the last report is done, so none comes after
// the command. Without them the watch is nil and costs nothing.
func startWatch(o Options) (*watch, func()) {
	if o.Progress == nil || o.ProgressEvery <= 0 {
		return nil, func() {}
	}
	w := &watch{now: time.Now}
	w.stepAt = w.now()
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(o.ProgressEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				o.Progress(w.report())
			}
		}
	}()
	return w, func() {
		close(done)
		<-finished
	}
}
