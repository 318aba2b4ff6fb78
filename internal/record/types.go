package record

import (
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/myorg/drift-action/internal/apigroup"
)

// Defaults.
const (
	DefaultReportPath = "drift/drift-report.yaml"
	DefaultLogPath    = "drift/drift-log.yaml"
	DefaultGroup      = apigroup.Default
	// Version is the API version of DriftReport.
	Version = "v1"
	// Kind is the kind of the report documents.
	Kind = "DriftReport"
	// ManagedBy is the app.kubernetes.io/managed-by label of every report.
	ManagedBy = "drift-action"
)

// Target statuses, as drift.Status.
const (
	StatusClean   = "clean"
	StatusDrifted = "drifted"
	StatusChanged = "changed"
	StatusError   = "error"
)

// Causes of a planned change, as the drift package classifies them.
const (
	CauseDrift = "drift"      // the real world moved away from the state
	CauseCode  = "code"       // the configuration changed
	CauseBoth  = "drift+code" // both
)

// Run is the run being recorded.
type Run struct {
	// Time is when the run planned: the time of every target that does not
	// carry its own PlannedAt.
	Time       time.Time
	RunURL     string // link to the workflow run
	Commit     string // commit the run planned
	Repository string // owner/name
	Group      string // API group of DriftReport; DefaultGroup when empty
	// Now is the recording process's clock, when known: a record later
	// than it was written by a runner whose clock is ahead, and a skip
	// says so.
	Now time.Time
}

// Target is one planned root and target, narrowed to what the record keeps.
type Target struct {
	Root      string // directory of the root, as the run names it
	Target    string // target name (workspace or var-file set)
	Workspace string
	Status    string     // clean, drifted, changed or error
	Drift     []Resource // resources that drifted
	Changes   []Resource // resources the configuration changes
	Policy    []PolicyResult
	Error     string // why the plan failed, when Status is error
	Notes     []Note // what the caller did or learned for this target
	// Snoozed is the drift active snoozes hold in this plan (not in
	// Drift), with each snooze's reason and end.
	Snoozed []SnoozedResource
	// PlannedAt is when the plan behind this target was made; its events
	// carry this time and ordering against the record uses it, so an older
	// plan (a slow shard, a re-run) never overwrites a newer state. Zero
	// means Run.Time.
	PlannedAt time.Time
}

// Resource is a drifted or changed resource. It never carries values.
type Resource struct {
	Address string   `yaml:"address"`
	Type    string   `yaml:"type,omitempty"`
	Actions []string `yaml:"actions,omitempty"`
	Paths   []string `yaml:"paths,omitempty"` // attribute paths, never values
	Cause   string   `yaml:"cause,omitempty"` // drift, code or drift+code
}

// PolicyResult is one policy deny or warn for a target.
type PolicyResult struct {
	Policy       string   `yaml:"policy"`
	Rule         string   `yaml:"rule,omitempty"`
	Level        string   `yaml:"level,omitempty"`    // advisory, soft-mandatory, hard-mandatory
	Severity     string   `yaml:"severity,omitempty"` // low, medium, high, critical
	Resource     string   `yaml:"resource,omitempty"`
	Failed       bool     `yaml:"failed"`               // a mandatory deny that stands
	Waived       bool     `yaml:"waived,omitempty"`     // an exception rule waived this deny
	WaivedBy     string   `yaml:"waivedBy,omitempty"`   // which exception, in which package
	Overridden   bool     `yaml:"overridden,omitempty"` // a soft-mandatory deny overridden
	OverriddenBy []string `yaml:"overriddenBy,omitempty"`
	Msg          string   `yaml:"msg,omitempty"`
}

// SnoozedResource is drift an active snooze holds: reported, not counted as
// drift, until Until.
type SnoozedResource struct {
	Address string   `yaml:"address"`
	Paths   []string `yaml:"paths,omitempty"` // the attribute paths held; none: the whole resource
	Until   Time     `yaml:"until"`
	Reason  string   `yaml:"reason,omitempty"`
}

// Note is an event the caller reports for a target: something it did (opened
// a remediation PR, applied to self-heal) or learned (a snooze). Record logs
// notes after the events it derives.
type Note struct {
	Kind      EventKind // one of NoteKinds
	Resources []string  // the resources it concerns; empty means all drifted
	PR        string    // remediation PR URL
	Until     time.Time // snoozed: until when
	By        string    // who, when known
	Reason    string
}

// EventKind is the kind of a log event.
type EventKind string

// Event kinds.
const (
	Detected            EventKind = "detected"
	Changed             EventKind = "changed"
	Recovered           EventKind = "recovered"
	SelfHealed          EventKind = "self-healed"
	RemediationPROpened EventKind = "remediation-pr-opened"
	RemediationPRClosed EventKind = "remediation-pr-closed"
	PolicyViolation     EventKind = "policy-violation"
	Override            EventKind = "override"
	Snoozed             EventKind = "snoozed"
	SnoozeExpired       EventKind = "snooze-expired"
)

// EventKinds lists every kind, in the order Record logs a target's events.
var EventKinds = []EventKind{
	Detected, Changed, Recovered, PolicyViolation, Override,
	SelfHealed, RemediationPROpened, RemediationPRClosed, Snoozed, SnoozeExpired,
}

// NoteKinds are the kinds a caller may report in Target.Notes; Record derives
// the others.
var NoteKinds = []EventKind{SelfHealed, RemediationPROpened, RemediationPRClosed, Snoozed, SnoozeExpired}

func (k EventKind) valid(kinds []EventKind) bool {
	for _, v := range kinds {
		if k == v {
			return true
		}
	}
	return false
}

// Event is one entry of the log.
type Event struct {
	Time       Time      `yaml:"time"`
	Event      EventKind `yaml:"event"`
	Root       string    `yaml:"root"`
	Target     string    `yaml:"target"`
	Workspace  string    `yaml:"workspace,omitempty"`
	RunURL     string    `yaml:"runURL,omitempty"`
	Commit     string    `yaml:"commit,omitempty"`
	Repository string    `yaml:"repository,omitempty"`
	// Resources: the drifted set after detected and changed; the resources
	// that left it for recovered and self-healed; the resources the policies
	// named for policy-violation and override; what a note concerns.
	Resources []string      `yaml:"resources"`
	Added     []string      `yaml:"added,omitempty"`   // changed
	Removed   []string      `yaml:"removed,omitempty"` // changed
	Policies  []PolicyEntry `yaml:"policies,omitempty"`
	PR        string        `yaml:"pr,omitempty"`
	Until     *Time         `yaml:"until,omitempty"`
	By        string        `yaml:"by,omitempty"`
	Reason    string        `yaml:"reason,omitempty"`
	Counts    Counts        `yaml:"counts"`

	// Line is where the event starts in the log it was parsed from.
	Line int `yaml:"-"`
}

// PolicyEntry names a policy result in a policy-violation or override event.
type PolicyEntry struct {
	Policy       string   `yaml:"policy"`
	Rule         string   `yaml:"rule,omitempty"`
	Level        string   `yaml:"level,omitempty"`
	Severity     string   `yaml:"severity,omitempty"`
	Resource     string   `yaml:"resource,omitempty"`
	OverriddenBy []string `yaml:"overriddenBy,omitempty"`
}

// Counts summarise the target in the run that logged an event.
type Counts struct {
	Drifted    int `yaml:"drifted"`    // drifted resources the plan showed
	Changes    int `yaml:"changes"`    // resources the configuration changes
	Failed     int `yaml:"failed"`     // mandatory policy denies that stand
	Overridden int `yaml:"overridden"` // soft-mandatory denies overridden
}

// Time is a UTC instant written as RFC 3339 with seconds.
type Time struct{ time.Time }

// NewTime truncates t to seconds in UTC.
func NewTime(t time.Time) Time { return Time{t.UTC().Truncate(time.Second)} }

// MarshalYAML writes RFC 3339.
func (t Time) MarshalYAML() (any, error) { return t.UTC().Format(time.RFC3339), nil }

// UnmarshalYAML reads RFC 3339 only, so a typo is an error, not a guess.
func (t *Time) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want an RFC 3339 time such as 2026-01-02T15:04:05Z", n.Line)
	}
	v, err := time.Parse(time.RFC3339, n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not an RFC 3339 time such as 2026-01-02T15:04:05Z", n.Line, n.Value)
	}
	*t = NewTime(v)
	return nil
}
