package record

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Files are the record's previous contents (nil when a file does not exist
// yet) and their paths, used in errors.
type Files struct {
	ReportPath string // DefaultReportPath when empty
	Report     []byte
	LogPath    string // DefaultLogPath when empty
	Log        []byte
}

// Result is what Record produces.
type Result struct {
	// Report is the new report file, to replace the old one.
	Report []byte
	// LogAppend is to be appended to the log; nil when nothing happened.
	LogAppend []byte
	// Events are the events LogAppend holds.
	Events []Event
	// Skipped lists the targets left alone because their record is from a
	// newer run (or from this one).
	Skipped []Skip
	// Unchanged lists the targets whose report says what it said: no
	// event, and nothing but the checking run differs. Their documents
	// keep their bytes.
	Unchanged []Skip
	// Warnings are things recorded that a reader should hear of (a record
	// stamped in this runner's future, recorded over).
	Warnings []string
}

// Skip is a target Record left alone.
type Skip struct {
	Root, Target string
	Reason       string
	// Lost are the events recording it would have logged that matter to a
	// reader of the history (self-healed, recovered, remediation PRs): the
	// caller must not call such a skip "recorded".
	Lost []EventKind
}

// LosesHealOrRecovery says the skip drops a heal or a recovery from the
// history.
func (s Skip) LosesHealOrRecovery() bool {
	return slices.Contains(s.Lost, SelfHealed) || slices.Contains(s.Lost, Recovered)
}

// Record computes the new report file and the log events of a run. It
// touches only the reports of the targets given; the others keep their
// bytes. A target whose record is from a later run (or the same run: time,
// then commit) is skipped, so an older run never overwrites a newer record.
// Malformed files are errors naming the file and line; nothing is produced
// then.
func Record(prev Files, run Run, targets []Target) (Result, error) {
	if prev.ReportPath == "" {
		prev.ReportPath = DefaultReportPath
	}
	if prev.LogPath == "" {
		prev.LogPath = DefaultLogPath
	}
	if run.Group == "" {
		run.Group = DefaultGroup
	}
	if err := checkRun(run); err != nil {
		return Result{}, fmt.Errorf("record: %w", err)
	}
	if err := checkTargets(targets); err != nil {
		return Result{}, fmt.Errorf("record: %w", err)
	}
	log, err := ParseLog(prev.LogPath, prev.Log)
	if err != nil {
		return Result{}, fmt.Errorf("record: %w", err)
	}
	f, err := parseReports(prev.ReportPath, prev.Report, run.Group)
	if err != nil {
		return Result{}, fmt.Errorf("record: %w", err)
	}
	states := log.states()
	byID := map[key]*reportDoc{}
	used := map[string]bool{}
	for _, d := range f.docs {
		byID[key{d.r.Spec.Root, d.r.Spec.Target}] = d
		used[d.r.Metadata.Name] = true
	}

	ts := slices.Clone(targets)
	sort.Slice(ts, func(i, j int) bool {
		if ts[i].Root != ts[j].Root {
			return ts[i].Root < ts[j].Root
		}
		return ts[i].Target < ts[j].Target
	})
	var res Result
	for _, t := range ts {
		// Each target's events carry the time of the plan they come from.
		now := NewTime(run.Time)
		if !t.PlannedAt.IsZero() {
			now = NewTime(t.PlannedAt)
		}
		k := key{t.Root, t.Target}
		st := states[k]
		if st == nil {
			st = &state{}
		}
		d := byID[k]
		if at := lastTime(st, d); !run.Now.IsZero() && at.After(run.Now.Add(clockSkew)) {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s (%s): the record says %s, later than this runner's clock (%s): a runner's clock is ahead (fix it with NTP); recorded over it", t.Root, t.Target, at.Format(time.RFC3339), run.Now.UTC().Format(time.RFC3339)))
		}
		if why := newer(st, d, now.Time, run.Commit, run.Now); why != "" {
			skip := Skip{Root: t.Root, Target: t.Target, Reason: why}
			// What recording would have said (derive reads the state only):
			// the caller decides whether losing it is an error.
			var prevReport *Report
			if d != nil {
				prevReport = &d.r
			}
			for _, e := range derive(t, run, now, st, prevReport) {
				switch e.Event {
				case SelfHealed, Recovered, RemediationPROpened, RemediationPRClosed:
					if !slices.Contains(skip.Lost, e.Event) {
						skip.Lost = append(skip.Lost, e.Event)
					}
				}
			}
			res.Skipped = append(res.Skipped, skip)
			continue
		}
		var prevReport *Report
		if d != nil {
			prevReport = &d.r
		}
		events := derive(t, run, now, st, prevReport)
		for _, e := range events {
			st.apply(e)
		}
		res.Events = append(res.Events, events...)

		if d == nil {
			d = &reportDoc{}
			d.r.Metadata.Name = BaseName(t.Root, t.Target)
			if used[d.r.Metadata.Name] || len(d.r.Metadata.Name) > maxName {
				d.r.Metadata.Name = HashedName(t.Root, t.Target)
			}
			used[d.r.Metadata.Name] = true
			byID[k] = d
			f.docs = append(f.docs, d)
		}
		next := report(d.r, t, run, now, st, events)
		if d.text != nil && len(events) == 0 && sameRecord(d.r, next) {
			// Only the run that checked it would change: the document
			// keeps its bytes, so a run that learned nothing commits nothing.
			res.Unchanged = append(res.Unchanged, Skip{Root: t.Root, Target: t.Target, Reason: "nothing changed since " + d.r.Spec.LastRun.Time.Format(time.RFC3339)})
			continue
		}
		d.r, d.text = next, nil
	}
	if res.Report, err = f.render(); err != nil {
		return Result{}, fmt.Errorf("record: %w", err)
	}
	if res.LogAppend, err = AppendEvents(prev.Log, res.Events); err != nil {
		return Result{}, fmt.Errorf("record: %w", err)
	}
	return res, nil
}

func checkRun(run Run) error {
	if run.Time.IsZero() {
		return fmt.Errorf("run has no time")
	}
	return CheckGroup(run.Group)
}

func checkTargets(targets []Target) error {
	seen := map[key]bool{}
	for _, t := range targets {
		name := t.Root + " (" + t.Target + ")"
		if t.Root == "" || t.Target == "" {
			return fmt.Errorf("target %s: root and target must be set", name)
		}
		if seen[key{t.Root, t.Target}] {
			return fmt.Errorf("target %s is given twice", name)
		}
		seen[key{t.Root, t.Target}] = true
		switch t.Status {
		case StatusClean, StatusDrifted, StatusChanged, StatusError:
		default:
			return fmt.Errorf("target %s: status %q is not clean, drifted, changed or error", name, t.Status)
		}
		for _, r := range append(slices.Clone(t.Drift), t.Changes...) {
			if r.Address == "" {
				return fmt.Errorf("target %s: a resource has no address", name)
			}
			switch r.Cause {
			case "", CauseDrift, CauseCode, CauseBoth:
			default:
				return fmt.Errorf("target %s: resource %s: cause %q is not drift, code or drift+code", name, r.Address, r.Cause)
			}
		}
		for _, n := range t.Notes {
			if !n.Kind.valid(NoteKinds) {
				return fmt.Errorf("target %s: note %q is not one of %v", name, n.Kind, NoteKinds)
			}
			if n.Kind == Snoozed && n.Until.IsZero() {
				return fmt.Errorf("target %s: a snoozed note needs Until", name)
			}
		}
	}
	return nil
}

// lastRun is the time and commit of the latest record of a target, from
// the log and its report.
func lastRun(st *state, d *reportDoc) (time.Time, string) {
	last, lastCommit := st.last, st.commit
	if d != nil {
		rt := d.r.Spec.LastRun.Time.Time
		if rt.After(last) || (rt.Equal(last) && d.r.Spec.LastRun.Commit > lastCommit) {
			last, lastCommit = rt, d.r.Spec.LastRun.Commit
		}
	}
	return last, lastCommit
}

func lastTime(st *state, d *reportDoc) time.Time {
	t, _ := lastRun(st, d)
	return t
}

// clockSkew is how far a recorded time may lie ahead of this runner's clock
// before it is called a clock problem rather than a later run.
const clockSkew = time.Minute

// newer says why root/target's record is not older than this run, or "".
func newer(st *state, d *reportDoc, at time.Time, commit string, clock time.Time) string {
	last, lastCommit := lastRun(st, d)
	switch {
	case last.IsZero():
		return ""
	case last.After(at) && !clock.IsZero() && last.After(clock.Add(clockSkew)):
		// No real plan can be later than now: the runner that wrote it had
		// a clock ahead. Letting it win would silence every later run
		// until that time comes, so it is recorded over, and said.
		return ""
	case last.After(at):
		return fmt.Sprintf("recorded by a later plan (%s; this plan was made at %s)", last.Format(time.RFC3339), at.Format(time.RFC3339))
	case last.Equal(at) && lastCommit == commit:
		return "already recorded by this run"
	case last.Equal(at) && lastCommit > commit:
		return fmt.Sprintf("recorded by a run at the same time with commit %s", lastCommit)
	}
	return ""
}

// derive computes a target's events for this run, before the caller's notes
// and then with them.
func derive(t Target, run Run, now Time, st *state, prev *Report) []Event {
	counts := Counts{Drifted: len(uniqAddr(t.Drift)), Changes: len(uniqAddr(t.Changes))}
	var failed, overridden []PolicyEntry
	for _, p := range t.Policy {
		switch {
		case p.Failed:
			failed = append(failed, entry(p))
		case p.Overridden:
			overridden = append(overridden, entry(p))
		}
	}
	counts.Failed, counts.Overridden = len(failed), len(overridden)
	base := Event{
		Time: now, Root: t.Root, Target: t.Target, Workspace: t.Workspace,
		RunURL: run.RunURL, Commit: run.Commit, Repository: run.Repository, Counts: counts,
	}
	var out []Event
	add := func(kind EventKind, resources []string, f func(*Event)) {
		e := base
		e.Event, e.Resources = kind, uniq(resources)
		if f != nil {
			f(&e)
		}
		out = append(out, e)
	}
	if t.Status != StatusError {
		prevSet, cur := sortedKeys(st.open), uniqAddr(t.Drift)
		switch {
		case len(prevSet) == 0 && len(cur) > 0:
			add(Detected, cur, nil)
		case len(prevSet) > 0 && len(cur) == 0:
			add(Recovered, prevSet, nil)
		case !slices.Equal(prevSet, cur):
			add(Changed, cur, func(e *Event) {
				e.Added, e.Removed = minus(cur, prevSet), minus(prevSet, cur)
			})
		}
		var before []PolicyResult
		if prev != nil {
			before = prev.Spec.Policy
		}
		if len(failed) > 0 && !sameEntries(failed, before, func(p PolicyResult) bool { return p.Failed }) {
			add(PolicyViolation, resourcesOf(failed), func(e *Event) { e.Policies = sortEntries(failed) })
		}
		if len(overridden) > 0 && !sameEntries(overridden, before, func(p PolicyResult) bool { return p.Overridden }) {
			add(Override, resourcesOf(overridden), func(e *Event) { e.Policies = sortEntries(overridden) })
		}
	}
	for _, n := range t.Notes {
		add(n.Kind, n.Resources, func(e *Event) {
			e.PR, e.By, e.Reason = n.PR, n.By, n.Reason
			if !n.Until.IsZero() {
				u := NewTime(n.Until)
				e.Until = &u
			}
		})
	}
	return out
}

func entry(p PolicyResult) PolicyEntry {
	return PolicyEntry{
		Policy: p.Policy, Rule: p.Rule, Level: p.Level, Severity: p.Severity,
		Resource: p.Resource, OverriddenBy: uniqOrNil(p.OverriddenBy),
	}
}

func entryKey(e PolicyEntry) string {
	return strings.Join([]string{e.Policy, e.Rule, e.Resource, strings.Join(e.OverriddenBy, ",")}, "\x00")
}

func sortEntries(in []PolicyEntry) []PolicyEntry {
	out := slices.Clone(in)
	sort.SliceStable(out, func(i, j int) bool { return entryKey(out[i]) < entryKey(out[j]) })
	return slices.CompactFunc(out, func(a, b PolicyEntry) bool { return entryKey(a) == entryKey(b) })
}

// sameEntries: the previous report held exactly these (by policy, rule,
// resource and overrides), so the event was logged already.
func sameEntries(now []PolicyEntry, before []PolicyResult, pick func(PolicyResult) bool) bool {
	var a, b []string
	for _, e := range now {
		a = append(a, entryKey(e))
	}
	for _, p := range before {
		if pick(p) {
			b = append(b, entryKey(entry(p)))
		}
	}
	a, b = uniq(a), uniq(b)
	return slices.Equal(a, b)
}

func resourcesOf(es []PolicyEntry) []string {
	var out []string
	for _, e := range es {
		if e.Resource != "" {
			out = append(out, e.Resource)
		}
	}
	return out
}

func uniqAddr(rs []Resource) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Address)
	}
	return uniq(out)
}

func uniqOrNil(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	return uniq(in)
}

// minus: sorted a without b.
func minus(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

// report builds root/target's report from the previous one (zero when new),
// this run and the log's state after this run's events.
func report(old Report, t Target, run Run, now Time, st *state, events []Event) Report {
	r := Report{
		APIVersion: run.Group + "/" + Version,
		Kind:       Kind,
		Metadata:   old.Metadata,
	}
	if r.Metadata.Labels == nil {
		r.Metadata.Labels = map[string]string{}
	}
	r.Metadata.Labels["app.kubernetes.io/managed-by"] = ManagedBy
	r.Spec = old.Spec
	r.Spec.Root, r.Spec.Target = t.Root, t.Target
	if t.Workspace != "" {
		r.Spec.Workspace = t.Workspace
	}
	r.Spec.LastRun = RunRef{Time: now, URL: run.RunURL, Commit: run.Commit, Repository: run.Repository}
	r.Spec.SnoozedUntil, r.Spec.RemediationPR = nil, st.pr
	if st.snoozed.After(now.Time) {
		s := NewTime(st.snoozed)
		r.Spec.SnoozedUntil = &s
	}
	if r.Spec.Resources == nil {
		r.Spec.Resources = []string{}
	}
	if t.Status == StatusError {
		r.Spec.State, r.Spec.Error = StatusError, truncate(t.Error, 2048)
		if r.Spec.Error == "" {
			r.Spec.Error = "the plan failed"
		}
		r.Status = ReportStatus{State: r.Spec.State, Recovered: r.Spec.Recovered}
		return r
	}
	r.Spec.Error = ""
	r.Spec.LastCheckedAt = nil
	wasDrifted := len(old.Spec.Resources) > 0 || hasKind(events, Recovered, SelfHealed)

	open := sortedKeys(st.open)
	r.Spec.Resources = uniq(open)
	r.Spec.Drift = nil
	for _, res := range t.Drift {
		at, ok := st.open[res.Address]
		if !ok {
			continue // self-healed in this run
		}
		d := Drifted{Resource: normal(res)}
		if slices.Equal(res.Actions, []string{"delete"}) {
			// In resource_drift a lone delete is the object gone outside
			// terraform: say so, not every attribute it had.
			d.Deleted, d.Paths = true, nil
		}
		a := NewTime(at)
		d.DetectedAt = &a
		r.Spec.Drift = append(r.Spec.Drift, d)
	}
	sort.SliceStable(r.Spec.Drift, func(i, j int) bool { return r.Spec.Drift[i].Address < r.Spec.Drift[j].Address })
	r.Spec.Changes = nil
	for _, res := range t.Changes {
		r.Spec.Changes = append(r.Spec.Changes, normal(res))
	}
	sort.SliceStable(r.Spec.Changes, func(i, j int) bool { return r.Spec.Changes[i].Address < r.Spec.Changes[j].Address })
	r.Spec.Policy = nil
	for _, p := range t.Policy {
		p.OverriddenBy = uniqOrNil(p.OverriddenBy)
		r.Spec.Policy = append(r.Spec.Policy, p)
	}
	sort.SliceStable(r.Spec.Policy, func(i, j int) bool {
		a, b := r.Spec.Policy[i], r.Spec.Policy[j]
		return strings.Join([]string{a.Policy, a.Rule, a.Resource, a.Msg}, "\x00") <
			strings.Join([]string{b.Policy, b.Rule, b.Resource, b.Msg}, "\x00")
	})

	r.Spec.DetectedAt, r.Spec.DriftAge = nil, ""
	r.Spec.Snoozed = nil
	for _, sn := range t.Snoozed {
		sn.Paths = uniqOrNil(sn.Paths)
		r.Spec.Snoozed = append(r.Spec.Snoozed, sn)
	}
	sort.SliceStable(r.Spec.Snoozed, func(i, j int) bool { return r.Spec.Snoozed[i].Address < r.Spec.Snoozed[j].Address })
	switch {
	case len(open) > 0:
		r.Spec.State, r.Spec.Recovered, r.Spec.RecoveredAt = StatusDrifted, false, nil
		since := NewTime(st.since)
		r.Spec.DetectedAt = &since
	case len(r.Spec.Changes) > 0:
		r.Spec.State = StatusChanged
	default:
		r.Spec.State = StatusClean
	}
	if len(open) == 0 && wasDrifted {
		if !r.Spec.Recovered || r.Spec.RecoveredAt == nil {
			r.Spec.RecoveredAt = &now
		}
		r.Spec.Recovered = true
	}
	r.Status = ReportStatus{State: r.Spec.State, Recovered: r.Spec.Recovered}
	return r
}

// sameRecord: the two reports say the same to a reader, whichever run
// wrote them (lastRun) and whatever a report of an older version held that
// changed on every run (lastCheckedAt, driftAge).
func sameRecord(a, b Report) bool {
	quiet := func(r Report) Report {
		r.Spec.LastRun, r.Spec.LastCheckedAt, r.Spec.DriftAge = RunRef{}, nil, ""
		return r
	}
	// Compared as written: a list parsed empty and one built nil read alike.
	var x, y bytes.Buffer
	if encode(&x, quiet(a)) != nil || encode(&y, quiet(b)) != nil {
		return false
	}
	return bytes.Equal(x.Bytes(), y.Bytes())
}

func hasKind(events []Event, kinds ...EventKind) bool {
	for _, e := range events {
		if slices.Contains(kinds, e.Event) {
			return true
		}
	}
	return false
}

// normal sorts a resource's lists so reports diff cleanly.
func normal(r Resource) Resource {
	r.Actions = slices.Clone(r.Actions) // terraform's order (delete, create) means something
	r.Paths = uniqOrNil(r.Paths)
	return r
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
