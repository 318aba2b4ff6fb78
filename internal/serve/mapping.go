package serve

import (
	"encoding/json"
	"errors"
	"strings"
)

// EventType is the repository_dispatch event_type every report is sent as;
// the action's `repository_dispatch: types: [drift-detected]` picks it up.
const EventType = "drift-detected"

// Target is where a report is dispatched: a repository and, when known, the
// root modules in it to plan.
type Target struct {
	Repo  string // OWNER/REPO
	Roots []string
}

// Mapping routes reports to repositories. Workspaces are keyed by
// "organization/workspace" or by the workspace name alone; Apps by the
// Argo CD application name. Default is the target of reports the mapping
// does not name (its Repo may be empty: such reports are refused).
type Mapping struct {
	Default    Target
	Workspaces map[string]Target
	Apps       map[string]Target
}

// ErrUnmapped is returned for a report no mapping entry or default covers.
var ErrUnmapped = errors.New("no repository for this report: add it to the mapping file or set --repo")

// Resolve finds the target of ev. Roots the report itself names (the
// generic source) win over the mapping's.
func (m Mapping) Resolve(ev Event) (Target, error) {
	t, found := Target{}, false
	if ev.Workspace != "" {
		if ev.Organization != "" {
			t, found = m.Workspaces[ev.Organization+"/"+ev.Workspace]
		}
		if !found {
			t, found = m.Workspaces[ev.Workspace]
		}
	}
	if !found && ev.App != "" {
		t, found = m.Apps[ev.App]
	}
	if !found {
		t = Target{Repo: m.Default.Repo}
	}
	if t.Repo == "" {
		t.Repo = m.Default.Repo
	}
	if len(ev.Roots) > 0 {
		t.Roots = ev.Roots
	}
	if t.Repo == "" {
		return Target{}, ErrUnmapped
	}
	return t, nil
}

// SplitRepo splits OWNER/REPO.
func SplitRepo(repo string) (owner, name string, err error) {
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return "", "", errors.New("repository " + quote(repo) + " must be OWNER/REPO")
	}
	return owner, name, nil
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

// ClientPayload is the client_payload sent with the dispatch: at most ten
// top-level keys, the ones the action reads (source, roots) and the rest for
// people and other workflows.
func ClientPayload(ev Event, t Target) json.RawMessage {
	p := struct {
		Source       string   `json:"source"`
		Roots        []string `json:"roots,omitempty"`
		Kind         string   `json:"kind"`
		Trigger      string   `json:"trigger,omitempty"`
		Organization string   `json:"organization,omitempty"`
		Workspace    string   `json:"workspace,omitempty"`
		App          string   `json:"app,omitempty"`
		URL          string   `json:"url,omitempty"`
		DeliveryID   string   `json:"delivery_id,omitempty"`
	}{
		Source: ev.Summary, Roots: t.Roots, Kind: ev.Source, Trigger: ev.Trigger,
		Organization: ev.Organization, Workspace: ev.Workspace, App: ev.App,
		URL: ev.URL, DeliveryID: ev.DeliveryID,
	}
	if p.Source == "" {
		p.Source = ev.Source
	}
	b, _ := json.Marshal(p) // strings and a list of strings: cannot fail
	return b
}
