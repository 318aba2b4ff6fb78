// Package drift decides, from terraform's plan JSON alone, what drifted outside
// terraform and what code change is pending. It is pure: no I/O, no clock.
package drift

import "time"

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
}

// Resource is one drifted or changed resource instance.
type Resource struct {
	Address    string      `json:"address"`
	Type       string      `json:"type"`
	Actions    []string    `json:"actions"`
	Attributes []Attribute `json:"attributes,omitempty"`
}

// Ignored names one drifted attribute dropped by an ignore rule, so that it is
// counted rather than silently lost. It never carries a value.
type Ignored struct {
	Address string `json:"address"`
	Path    string `json:"path"`
}

// Result is the verdict for one target (a root module planned with one set of
// var-files and workspace).
type Result struct {
	Dir       string        `json:"dir"`
	Target    string        `json:"target"`
	Workspace string        `json:"workspace,omitempty"`
	Status    Status        `json:"status"`
	Drift     []Resource    `json:"drift"`
	Changes   []Resource    `json:"changes"`
	Outputs   []string      `json:"output_changes,omitempty"`
	Ignored   []Ignored     `json:"ignored,omitempty"`
	Error     string        `json:"error,omitempty"`
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

// Fail marks the result as an error with msg, dropping nothing already found.
func (r *Result) Fail(msg string) {
	r.Error = msg
	r.Status = StatusError
}
