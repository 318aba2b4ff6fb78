// Package drift decides, from terraform's plan JSON alone, what drifted outside
// terraform and what code change is pending. It is pure: no I/O, no clock.
package drift

import (
	"fmt"
	"strings"
	"time"
)

// Status is the verdict for one target.
type Status string

// Statuses, from best to worst for a reader; error is never reported as clean.
const (
	StatusClean   Status = "clean"
	StatusDrifted Status = "drifted"
	StatusChanged Status = "changed"
	StatusError   Status = "error"
)

// Sensitive is what every output shows instead of a sensitive or masked value.
const Sensitive = "(sensitive)"

// Unknown is shown for a value terraform will only know after apply.
const Unknown = "(known after apply)"

// Attribute is one attribute path whose value differs between before and after.
type Attribute struct {
	Path      string `json:"path"`
	Before    any    `json:"before"`
	After     any    `json:"after"`
	Sensitive bool   `json:"sensitive"`
	// Snooze (drift only) is the active snooze that covers this attribute
	// when only some of a resource's attributes are snoozed.
	Snooze *Snooze `json:"snooze,omitempty"`
}

// Causes of a pending change: what applying it would do.
const (
	CauseDrift        = "drift"      // only undoes drift
	CauseCode         = "code"       // comes from the configuration
	CauseDriftAndCode = "drift+code" // both, on one resource
)

// Resource is one drifted or changed resource instance.
type Resource struct {
	Address string   `json:"address"`
	Type    string   `json:"type"`
	Actions []string `json:"actions"`
	// Cause (changes only) says whether applying the change undoes drift,
	// applies code, or both; see docs/json-format.md for the rule.
	Cause string `json:"cause,omitempty"`
	// PreviousAddress (changes only) is where a pending move comes from.
	PreviousAddress string `json:"previous_address,omitempty"`
	// Importing (changes only) marks a pending import; ImportID is the ID
	// it imports.
	Importing bool   `json:"importing,omitempty"`
	ImportID  string `json:"import_id,omitempty"`
	// ActionReason (changes only) is terraform's reason for the action, e.g.
	// replace_because_cannot_update.
	ActionReason string `json:"action_reason,omitempty"`
	// ReplacePaths (replacements only) are the attributes that force it.
	ReplacePaths []string    `json:"replace_paths,omitempty"`
	Attributes   []Attribute `json:"attributes,omitempty"`
	// Snooze is set on every resource of Result.Snoozed and
	// Result.SnoozedChanges, and only there: the snooze that holds it.
	Snooze *Snooze `json:"snooze,omitempty"`
}

// Undoes reports whether the change undoes drift (wholly or in part).
func (r Resource) Undoes() bool { return r.Cause == CauseDrift || r.Cause == CauseDriftAndCode }

// FromCode reports whether the change applies configuration (wholly or in part).
func (r Resource) FromCode() bool { return r.Cause == CauseCode || r.Cause == CauseDriftAndCode }

// Check statuses other than pass, as terraform writes them.
const (
	CheckFail    = "fail"
	CheckError   = "error"
	CheckUnknown = "unknown"
)

// Check is one check block, precondition or postcondition instance that did
// not pass in the plan.
type Check struct {
	Address  string   `json:"address"`
	Kind     string   `json:"kind"`   // check, resource or output_value
	Status   string   `json:"status"` // fail, error or unknown
	Problems []string `json:"problems,omitempty"`
}

// Failing reports whether the check failed (unknown is not a failure: the
// values it needs are known only after apply).
func (c Check) Failing() bool { return c.Status == CheckFail || c.Status == CheckError }

// CheckLevel is what a failing check does to its target (drift.yaml checks).
type CheckLevel string

// Check levels; the zero value is CheckWarn.
const (
	CheckWarn   CheckLevel = "warn"   // reported, the verdict is unchanged
	CheckErrors CheckLevel = "error"  // a failing check puts the target in error
	CheckIgnore CheckLevel = "ignore" // not reported
)

// Ignored names one drifted attribute dropped by an ignore rule, so that it is
// counted rather than silently lost. It never carries a value.
type Ignored struct {
	Address string `json:"address"`
	Path    string `json:"path"`
}

// Result is the verdict for one target (a root module planned with one set of
// var-files and workspace).
type Result struct {
	Dir       string     `json:"dir"`
	Target    string     `json:"target"`
	Workspace string     `json:"workspace,omitempty"`
	Status    Status     `json:"status"`
	Drift     []Resource `json:"drift"`
	Changes   []Resource `json:"changes"`
	Outputs   []string   `json:"output_changes,omitempty"`
	Checks    []Check    `json:"checks,omitempty"`
	Ignored   []Ignored  `json:"ignored,omitempty"`
	// Snoozed is drift wholly covered by active snoozes (ApplySnoozes):
	// reported, never alarmed and never healed. Drift holds the rest.
	Snoozed []Resource `json:"snoozed,omitempty"`
	// SnoozedChanges are the pending changes with cause drift on resources
	// in Snoozed: applying them would undo snoozed drift. They are not in
	// Changes, yet the saved plan (PlanFile) still contains them.
	SnoozedChanges []Resource `json:"snoozed_changes,omitempty"`
	// ExpiredSnoozes are snoozes whose until has passed while drift they
	// matched is still here (reported in Drift again).
	ExpiredSnoozes []ExpiredSnooze `json:"expired_snoozes,omitempty"`
	Error          string          `json:"error,omitempty"`
	// PlannedAt is when terraform was started for this verdict's plan (the
	// cloud was read after it): snoozes expire against it, and the record
	// orders verdicts by it, also when a matrix aggregate records them
	// later.
	PlannedAt time.Time     `json:"planned_at,omitzero"`
	Duration  time.Duration `json:"-"`
	// PlanFile is the saved plan the verdict was made from; later stages apply
	// exactly this file. It is local to the run and never rendered.
	PlanFile string `json:"-"`
}

// SetStatus derives Status from the contents; an error always wins.
func (r *Result) SetStatus() {
	switch {
	case r.Error != "":
		r.Status = StatusError
	case len(r.Drift) > 0:
		r.Status = StatusDrifted
	case len(r.Changes) > 0:
		r.Status = StatusChanged
	default:
		r.Status = StatusClean
	}
}

// Counts are the numbers a reviewer acts on.
type Counts struct {
	Drifted    int // resources changed or deleted outside terraform
	UndoDrift  int // pending changes that undo drift (cause drift or drift+code)
	Code       int // pending changes from the configuration (cause code or drift+code)
	FailChecks int // checks that failed or errored
	Snoozed    int // drifted resources wholly snoozed
}

// Count counts r's drift, changes by cause and failing checks.
func (r Result) Count() Counts {
	c := Counts{Drifted: len(r.Drift), Snoozed: len(r.Snoozed)}
	for _, ch := range r.Changes {
		if ch.Undoes() {
			c.UndoDrift++
		}
		if ch.FromCode() {
			c.Code++
		}
	}
	for _, ck := range r.Checks {
		if ck.Failing() {
			c.FailChecks++
		}
	}
	return c
}

// ApplyCheckLevel enforces the drift.yaml checks level: ignore drops the
// checks, error puts a target with a failing check in error (its findings
// kept). A target already in error keeps its own message.
func (r *Result) ApplyCheckLevel(l CheckLevel) {
	switch l {
	case CheckIgnore:
		r.Checks = nil
	case CheckErrors:
		var msgs []string
		for _, c := range r.Checks {
			if c.Failing() {
				m := c.Address + " " + c.Status
				if len(c.Problems) > 0 {
					m += ": " + strings.Join(c.Problems, "; ")
				}
				msgs = append(msgs, m)
			}
		}
		if len(msgs) > 0 && r.Error == "" {
			r.Fail(fmt.Sprintf("%d check(s) failed and drift.yaml sets checks: error:\n%s", len(msgs), strings.Join(msgs, "\n")))
		}
	}
}

// Fail marks the result as an error with msg, dropping nothing already found.
func (r *Result) Fail(msg string) {
	r.Error = msg
	r.Status = StatusError
}
