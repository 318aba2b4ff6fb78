// Package ecs renders the record's event log as NDJSON in the Elastic
// Common Schema: one document per event, ready for Elasticsearch's _bulk
// API or Filebeat. It is pure: a parsed log in, bytes to an io.Writer out.
//
// The ECS categorization values are ECS's allowed ones only:
//
//   - event.kind is "alert" for detected, changed and policy-violation
//     ("a notable event, triggered by a detection rule executing
//     externally to the Elastic Stack", which drift-action is), "event"
//     for the rest (something happened);
//   - event.category is "configuration" (settings of a system created,
//     changed or deleted), the one category that fits infrastructure code;
//   - event.type is "change" for the events that move the drifted set
//     (detected, changed, recovered, self-healed), "info" for the others;
//   - event.outcome, from the point of view of "the infrastructure matches
//     its code": "failure" for detected, changed and policy-violation,
//     "success" for recovered and self-healed, "unknown" for the rest
//     (ECS leaves info events without an outcome as a rule; one is set on
//     every document so a filter on it never drops events silently).
//
// drift-action's own fields sit under drift_action.*.
package ecs

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/myorg/drift-action/internal/record"
)

// Version is the ECS version the documents follow.
const Version = "8.17.0"

// Dataset is every document's event.dataset.
const Dataset = "drift_action.log"

// Options shape the output.
type Options struct {
	// Index, when set, puts a _bulk create action for that index (or data
	// stream, which takes create only) before each document, with the
	// event's id as _id so sending the same log again adds nothing.
	Index string
}

// NDJSON writes one line per event of l, oldest first as the log holds
// them.
func NDJSON(w io.Writer, l record.Log, o Options) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, e := range l.Events {
		d := document(e)
		if o.Index != "" {
			if err := enc.Encode(bulkAction{Create: bulkTarget{Index: o.Index, ID: d.Event.ID}}); err != nil {
				return fmt.Errorf("ndjson: %w", err)
			}
		}
		if err := enc.Encode(d); err != nil {
			return fmt.Errorf("ndjson: event at line %d: %w", e.Line, err)
		}
	}
	return bw.Flush()
}

type kindECS struct {
	kind, typ, outcome string
}

var kinds = map[record.EventKind]kindECS{
	record.Detected:            {"alert", "change", "failure"},
	record.Changed:             {"alert", "change", "failure"},
	record.PolicyViolation:     {"alert", "info", "failure"},
	record.Recovered:           {"event", "change", "success"},
	record.SelfHealed:          {"event", "change", "success"},
	record.Override:            {"event", "info", "unknown"},
	record.RemediationPROpened: {"event", "info", "unknown"},
	record.RemediationPRClosed: {"event", "info", "unknown"},
	record.Snoozed:             {"event", "info", "unknown"},
	record.SnoozeExpired:       {"event", "info", "unknown"},
}

func document(e record.Event) doc {
	k, ok := kinds[e.Event]
	if !ok { // ParseLog refuses other kinds; a new kind must be mapped above
		k = kindECS{"event", "info", "unknown"}
	}
	d := doc{
		Timestamp: e.Time.UTC().Format(time.RFC3339),
		ECS:       ecsField{Version: Version},
		Event: eventField{
			Kind: k.kind, Category: []string{"configuration"}, Type: []string{k.typ},
			Action: string(e.Event), Outcome: k.outcome, Dataset: Dataset, ID: eventID(e),
		},
		Message: message(e),
		Product: product{
			Root: e.Root, Target: e.Target, Workspace: e.Workspace, Commit: e.Commit, Repository: e.Repository,
			Resources: nonNil(e.Resources), Added: e.Added, Removed: e.Removed, PR: e.PR, Reason: e.Reason,
			Counts: counts{Drifted: e.Counts.Drifted, Changes: e.Counts.Changes, Failed: e.Counts.Failed, Overridden: e.Counts.Overridden},
		},
	}
	if e.RunURL != "" {
		d.URL = &urlField{Full: e.RunURL}
	}
	if e.By != "" {
		d.User = &userField{Name: e.By}
	}
	if e.Until != nil {
		d.Product.Until = e.Until.UTC().Format(time.RFC3339)
	}
	for _, p := range e.Policies {
		d.Product.Policies = append(d.Product.Policies, policyField{Policy: p.Policy, Rule: p.Rule, Level: p.Level,
			Severity: p.Severity, Resource: p.Resource, OverriddenBy: p.OverriddenBy})
	}
	return d
}

// eventID is a hash of the event's content (not its line): the same event
// exported twice has one id.
func eventID(e record.Event) string {
	e.Line = 0
	b, _ := json.Marshal(e) // plain strings, ints and times: cannot fail
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:16])
}

func message(e record.Event) string {
	s := fmt.Sprintf("%s %s (%s)", e.Event, e.Root, e.Target)
	switch e.Event {
	case record.Detected, record.Changed:
		return s + fmt.Sprintf(": %d drifted resource(s)", len(e.Resources))
	case record.Recovered, record.SelfHealed:
		if len(e.Resources) == 0 {
			return s + ": no drift left"
		}
		return s + fmt.Sprintf(": %d resource(s) no longer drifted", len(e.Resources))
	case record.PolicyViolation, record.Override:
		return s + fmt.Sprintf(": %d policy result(s)", len(e.Policies))
	case record.RemediationPROpened, record.RemediationPRClosed:
		if e.PR != "" {
			return s + ": " + e.PR
		}
	}
	return s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

type (
	bulkAction struct {
		Create bulkTarget `json:"create"`
	}
	bulkTarget struct {
		Index string `json:"_index"`
		ID    string `json:"_id"`
	}
	doc struct {
		Timestamp string     `json:"@timestamp"`
		ECS       ecsField   `json:"ecs"`
		Event     eventField `json:"event"`
		Message   string     `json:"message"`
		URL       *urlField  `json:"url,omitempty"`
		User      *userField `json:"user,omitempty"`
		Product   product    `json:"drift_action"`
	}
	ecsField struct {
		Version string `json:"version"`
	}
	eventField struct {
		Kind     string   `json:"kind"`
		Category []string `json:"category"`
		Type     []string `json:"type"`
		Action   string   `json:"action"`
		Outcome  string   `json:"outcome"`
		Dataset  string   `json:"dataset"`
		ID       string   `json:"id"`
	}
	urlField struct {
		Full string `json:"full"`
	}
	userField struct {
		Name string `json:"name"`
	}
	product struct {
		Root       string        `json:"root"`
		Target     string        `json:"target"`
		Workspace  string        `json:"workspace,omitempty"`
		Commit     string        `json:"commit,omitempty"`
		Repository string        `json:"repository,omitempty"`
		Resources  []string      `json:"resources"`
		Added      []string      `json:"added,omitempty"`
		Removed    []string      `json:"removed,omitempty"`
		Policies   []policyField `json:"policies,omitempty"`
		PR         string        `json:"pr,omitempty"`
		Until      string        `json:"until,omitempty"`
		Reason     string        `json:"reason,omitempty"`
		Counts     counts        `json:"counts"`
	}
	policyField struct {
		Policy       string   `json:"policy"`
		Rule         string   `json:"rule,omitempty"`
		Level        string   `json:"level,omitempty"`
		Severity     string   `json:"severity,omitempty"`
		Resource     string   `json:"resource,omitempty"`
		OverriddenBy []string `json:"overridden_by,omitempty"`
	}
	counts struct {
		Drifted    int `json:"drifted"`
		Changes    int `json:"changes"`
		Failed     int `json:"failed"`
		Overridden int `json:"overridden"`
	}
)
