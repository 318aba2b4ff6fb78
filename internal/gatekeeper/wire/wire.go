// Package wire is the JSON contract between drift-action and its Gatekeeper
// companion binary: what `drift-action-gatekeeper evaluate` prints on
// stdout and drift-action reads. It imports nothing but the standard
// library, so both sides link it at no cost.
package wire

import (
	"encoding/json"
	"fmt"
	"io"
)

// Violation is one object a constraint rejects or warns about.
type Violation struct {
	Constraint        string `json:"Constraint"`        // Kind/name of the constraint, e.g. K8sNoPrivileged/no-privileged-containers
	Template          string `json:"Template"`          // ConstraintTemplate name, e.g. k8snoprivileged
	Resource          string `json:"Resource"`          // "apiVersion kind namespace/name" of the reviewed object ("apiVersion kind name" if cluster-scoped)
	File              string `json:"File"`              // path:line of the reviewed object's document (path alone for JSON)
	Msg               string `json:"Msg"`               // Gatekeeper's message
	EnforcementAction string `json:"EnforcementAction"` // deny, warn or dryrun; for a scoped constraint the strongest action at gator's enforcement point
	Severity          string `json:"Severity"`          // low, medium, high or critical
}

// Report is the outcome of evaluating manifests.
type Report struct {
	Violations  []Violation `json:"Violations"`
	Objects     int         `json:"Objects"` // documents that are neither templates nor constraints
	Templates   int         `json:"Templates"`
	Constraints int         `json:"Constraints"`
}

// Write prints the report as the companion does: one JSON document.
func Write(w io.Writer, r Report) error {
	return json.NewEncoder(w).Encode(r)
}

// Read parses what the companion printed.
func Read(data []byte) (Report, error) {
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return Report{}, fmt.Errorf("read gatekeeper report: %w", err)
	}
	return r, nil
}
