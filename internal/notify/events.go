// Package notify tells Slack about the lifecycle of drift: it derives
// events from a run's report compared with the previous state (Derive),
// composes them into one run's messages (Compose: pure, golden-tested),
// and posts them through an incoming webhook or a bot token (Notifier).
// A run with news posts one top-level message; with a bot token each
// target's details are a reply in its thread. What was told is kept in a
// small YAML file (State) committed beside the record, so that the next
// run, on another runner, tells only what changed. Advisory policy
// results are never news, and an improvement is told as one.
package notify

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/report"
)

// Kind is the kind of a Slack event.
type Kind string

// Event kinds, in the order one target's events are posted.
const (
	DriftDetected   Kind = "drift-detected"   // a new drift episode
	DriftChanged    Kind = "drift-changed"    // resources drifted that had not
	DriftReduced    Kind = "drift-reduced"    // an improvement: fewer resources drifted, none new
	PolicyViolation Kind = "policy-violation" // mandatory denies failing that were not
	PolicyResolved  Kind = "policy-resolved"  // an improvement: fewer mandatory denies failing, none new
	SnoozeExpired   Kind = "snooze-expired"
	PROpened        Kind = "remediation-pr-opened"
	PRClosed        Kind = "remediation-pr-closed"
	SelfHealed      Kind = "self-healed" // ends the episode
	Recovered       Kind = "recovered"   // ends the episode
	Heartbeat       Kind = "heartbeat"   // nothing changed (opt-in)
)

var kindOrder = []Kind{DriftDetected, DriftChanged, DriftReduced, PolicyViolation, PolicyResolved, SnoozeExpired, PROpened, PRClosed, SelfHealed, Recovered, Heartbeat}

// Ends reports whether the event closes the drift episode.
func (k Kind) Ends() bool { return k == SelfHealed || k == Recovered }

// Improves reports whether the event tells that things got better.
func (k Kind) Improves() bool {
	switch k {
	case DriftReduced, PolicyResolved, PRClosed, SelfHealed, Recovered:
		return true
	}
	return false
}

// Resource is one drifted resource as a message shows it: never a value.
type Resource struct {
	Address  string
	Type     string
	Action   string // changed, deleted or created outside terraform
	Severity string // the highest severity of the policy results naming it
}

// Policy is one failed policy result as a message shows it: advisory,
// waived and overridden results are counted, never listed.
type Policy struct {
	Policy, Rule, Level, Severity, Resource, Msg string
	New                                          bool // not failing in the last run told
}

// Counts are the numbers a drift message leads with.
type Counts struct {
	Drifted      int // resources drifted outside terraform
	CauseDrift   int // pending changes that only undo drift
	CauseCode    int // pending changes from the configuration
	CauseBoth    int // pending changes that do both
	Snoozed      int
	FailedPolicy int
	// Policy counts the target's results by outcome, in the words of
	// every other output.
	Policy policy.Summary
}

// Event is one thing Slack is told about one target (or, for a
// heartbeat, about the run).
type Event struct {
	Kind      Kind
	Key       report.Key // zero for a heartbeat
	Workspace string
	Counts    Counts
	Resources []Resource // the drifted set, most severe first
	Added     []string   // DriftChanged, DriftReduced
	Removed   []string   // DriftChanged, DriftReduced, Recovered
	Policies  []Policy   // PolicyViolation, PolicyResolved: the failures that stand, new first
	Resolved  []string   // PolicyResolved: failures no longer failing (policy.rule@resource)
	Applied   []string   // SelfHealed: the resources applied
	By        string     // SelfHealed: which run
	PR        string     // PROpened, PRClosed
	Snoozes   []Snooze   // SnoozeExpired
	Since     time.Time  // when the episode began; zero when unknown
	Targets   int        // Heartbeat: targets checked
	Drifting  int        // Heartbeat: targets still drifted (unchanged)
}

// Snooze is an expired snooze over drift still there.
type Snooze struct {
	Until     time.Time
	Reason    string
	Resources []string
}

// Activity is what the run did for one target beyond planning.
type Activity struct {
	Healed   []string // resources applied to self-heal
	HealedBy string   // e.g. "run 123"
	PROpened string
	PRClosed string
}

// Input is what Derive compares.
type Input struct {
	Doc       report.Document
	Prev      State
	Activity  map[report.Key]Activity
	Now       time.Time
	Heartbeat bool
}

// Derive returns the events of this run, in posting order, and the
// threads it changes (a nil thread ends one). Targets whose plan failed say
// nothing and keep their thread: an error is not a recovery.
func Derive(in Input) ([]Event, map[report.Key]*Thread) {
	var events []Event
	changes := map[report.Key]*Thread{}
	drifting := 0
	for _, root := range in.Doc.Roots {
		if root.Status == drift.StatusError {
			continue
		}
		k := report.Key{Dir: root.Dir, Target: root.Target}
		prev := in.Prev.Get(k)
		act := in.Activity[k]
		cur := addresses(root.Drift)
		failed := failedKeys(root.Policy)
		expired := snoozeKeys(root.ExpiredSnoozes)
		base := Event{Key: k, Workspace: root.Workspace, Counts: counts(root), Resources: resources(root)}
		if prev != nil {
			base.Since = prev.Since.Time
		}
		next := &Thread{Root: k.Dir, Target: k.Target, Resources: cur, Policies: failed, Expired: expired}
		if prev != nil {
			next.Channel, next.TS, next.Since = prev.Channel, prev.TS, prev.Since
		}
		var evs []Event
		add := func(kind Kind, f func(*Event)) {
			e := base
			e.Kind = kind
			if f != nil {
				f(&e)
			}
			evs = append(evs, e)
		}
		was := prev != nil && len(prev.Resources) > 0
		switch {
		case len(act.Healed) > 0:
		case len(cur) > 0 && !was:
			add(DriftDetected, nil)
			next.Since = Time{in.Now.UTC().Truncate(time.Second)}
		case len(cur) > 0 && len(minus(cur, prev.Resources)) > 0:
			add(DriftChanged, func(e *Event) { e.Added, e.Removed = minus(cur, prev.Resources), minus(prev.Resources, cur) })
		case len(cur) > 0 && !slices.Equal(cur, prev.Resources):
			// Only fewer: told as the improvement it is.
			add(DriftReduced, func(e *Event) { e.Removed = minus(prev.Resources, cur) })
		case len(cur) > 0:
			drifting++
		}
		var prevFailed, prevExpired []string
		if prev != nil {
			prevFailed, prevExpired = prev.Policies, prev.Expired
		}
		switch {
		case len(minus(failed, prevFailed)) > 0:
			add(PolicyViolation, func(e *Event) { e.Policies = policies(root.Policy, prevFailed) })
		case len(minus(prevFailed, failed)) > 0 && len(act.Healed) == 0 && !(len(cur) == 0 && was):
			// Fewer failures, none new: an improvement (a heal or a
			// recovery, told below, says it otherwise).
			add(PolicyResolved, func(e *Event) { e.Policies, e.Resolved = policies(root.Policy, prevFailed), minus(prevFailed, failed) })
		}
		if len(expired) > 0 && len(minus(expired, prevExpired)) > 0 {
			add(SnoozeExpired, func(e *Event) {
				for _, ex := range root.ExpiredSnoozes {
					e.Snoozes = append(e.Snoozes, Snooze{Until: ex.Until, Reason: ex.Reason, Resources: ex.Resources})
				}
			})
		}
		if act.PROpened != "" {
			add(PROpened, func(e *Event) { e.PR = act.PROpened })
		}
		if act.PRClosed != "" {
			add(PRClosed, func(e *Event) { e.PR = act.PRClosed })
		}
		switch {
		case len(act.Healed) > 0:
			add(SelfHealed, func(e *Event) { e.Applied, e.By = act.Healed, act.HealedBy })
		case len(cur) == 0 && was:
			add(Recovered, func(e *Event) { e.Removed = prev.Resources })
		}
		events = append(events, evs...)
		ends := len(evs) > 0 && evs[len(evs)-1].Kind.Ends()
		switch {
		case ends || (len(cur) == 0 && len(failed) == 0 && len(expired) == 0):
			if prev != nil {
				changes[k] = nil
			}
		case prev == nil || !prev.same(next):
			changes[k] = next
		}
	}
	if len(events) == 0 && in.Heartbeat {
		events = append(events, Event{Kind: Heartbeat, Targets: len(in.Doc.Roots), Drifting: drifting})
	}
	return events, changes
}

func addresses(rs []drift.Resource) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.Address)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

func failedKeys(ps []policy.Result) []string {
	var out []string
	for _, p := range ps {
		if p.Failed {
			out = append(out, policyKey(p))
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

func policyKey(p policy.Result) string { return fmt.Sprintf("%s.%s@%s", p.Policy, p.Rule, p.Resource) }

func snoozeKeys(es []drift.ExpiredSnooze) []string {
	var out []string
	for _, e := range es {
		out = append(out, fmt.Sprintf("%s %s %s", e.Root, e.Address, e.Until.UTC().Format(time.RFC3339)))
	}
	sort.Strings(out)
	return slices.Compact(out)
}

func minus(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

func counts(r report.Root) Counts {
	c := Counts{Drifted: len(r.Drift), Snoozed: len(r.Snoozed)}
	for _, ch := range r.Changes {
		switch ch.Cause {
		case drift.CauseDrift:
			c.CauseDrift++
		case drift.CauseCode:
			c.CauseCode++
		case drift.CauseDriftAndCode:
			c.CauseBoth++
		}
	}
	c.Policy = policy.Summarize(r.Policy)
	c.FailedPolicy = c.Policy.Failed
	return c
}

var severityRank = map[string]int{"critical": 4, "high": 3, "medium": 2, "low": 1}

// resources are the drifted set, most severe first, then by address. A
// resource's severity is that of the failed or overridden denies naming
// it: an advisory policy that denies every drift grades nothing.
func resources(r report.Root) []Resource {
	sev := map[string]string{}
	for _, p := range r.Policy {
		if o := p.Outcome(); o != policy.OutcomeFailed && o != policy.OutcomeOverridden {
			continue
		}
		if p.Resource != "" && severityRank[p.Severity] > severityRank[sev[p.Resource]] {
			sev[p.Resource] = p.Severity
		}
	}
	var out []Resource
	for _, d := range r.Drift {
		out = append(out, Resource{Address: d.Address, Type: d.Type, Action: action(d.Actions), Severity: sev[d.Address]})
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := severityRank[out[i].Severity], severityRank[out[j].Severity]
		if a != b {
			return a > b
		}
		return out[i].Address < out[j].Address
	})
	return out
}

func action(as []string) string {
	switch {
	case slices.Equal(as, []string{"delete"}):
		return "deleted"
	case slices.Equal(as, []string{"create"}):
		return "created"
	}
	return "changed"
}

// policies are the failed denies, the ones not failing in the last run
// told (prevFailed) first, then by severity. Advisory results are never
// listed: they are counted (Counts.Policy).
func policies(ps []policy.Result, prevFailed []string) []Policy {
	var out []Policy
	for _, p := range ps {
		if !p.Failed {
			continue
		}
		out = append(out, Policy{Policy: p.Policy, Rule: p.Rule, Level: string(p.Level), Severity: p.Severity, Resource: p.Resource, Msg: p.Msg,
			New: !slices.Contains(prevFailed, policyKey(p))})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].New != out[j].New {
			return out[i].New
		}
		return severityRank[out[i].Severity] > severityRank[out[j].Severity]
	})
	return out
}
