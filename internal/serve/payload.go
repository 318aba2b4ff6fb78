package serve

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Sources of drift reports, as the client_payload's source names them.
const (
	SourceTFE     = "hcp-terraform"
	SourceArgoCD  = "argocd"
	SourceGeneric = "generic"
)

// Event is one accepted drift report, before it is resolved to a repository.
type Event struct {
	Source       string // SourceTFE, SourceArgoCD or SourceGeneric
	Trigger      string // e.g. assessment:drifted, run:errored, on-out-of-sync
	Organization string // HCP Terraform organization
	Workspace    string // HCP Terraform workspace
	App          string // Argo CD application
	Roots        []string
	URL          string // the run, assessment or application
	Summary      string // a readable description for the action's job summary
	DeliveryID   string // the generic report's "id"
	// Key identifies the report for deduplication. It comes from
	// authenticated content only: the signed body's id, (configuration,
	// assessment or run, trigger) or digest; for Argo CD, whose body the
	// bearer token does not sign, (application, revision, sync status).
	Key string
	// Ignored, when not empty, says why the delivery is acknowledged
	// without a dispatch (a verification, a trigger that is not drift).
	Ignored string
}

// ErrPayload wraps every payload that cannot be read; it is answered with 400.
var ErrPayload = errors.New("payload")

func payloadErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrPayload}, args...)...)
}

// tfeDispatching are the HCP Terraform triggers that mean drift (or that
// the infrastructure could not be checked) and so start a run of the action.
var tfeDispatching = map[string]bool{
	"assessment:drifted":       true,
	"assessment:check_failure": true,
	"run:errored":              true,
}

// ParseTFE reads an HCP Terraform / Terraform Enterprise notification:
// payload_version 1 (run events, and the verification sent when a
// notification configuration is saved) or 2 (health assessments).
func ParseTFE(body []byte) (Event, error) {
	var p struct {
		PayloadVersion json.RawMessage `json:"payload_version"`
		// Version 1.
		ConfigurationID  *string `json:"notification_configuration_id"`
		RunURL           *string `json:"run_url"`
		RunID            *string `json:"run_id"`
		WorkspaceName    *string `json:"workspace_name"`
		OrganizationName *string `json:"organization_name"`
		Notifications    []struct {
			Trigger *string `json:"trigger"`
			Message *string `json:"message"`
		} `json:"notifications"`
		// Version 2.
		ConfigurationURL *string `json:"notification_configuration_url"`
		TriggerScope     *string `json:"trigger_scope"`
		Trigger          *string `json:"trigger"`
		Details          *struct {
			NewAssessmentResult *struct {
				ID               *string `json:"id"`
				URL              *string `json:"url"`
				Drifted          *bool   `json:"drifted"`
				ResourcesDrifted *int    `json:"resources_drifted"`
				ChecksFailed     *int    `json:"checks_failed"`
			} `json:"new_assessment_result"`
			WorkspaceName    *string `json:"workspace_name"`
			OrganizationName *string `json:"organization_name"`
		} `json:"details"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return Event{}, payloadErr("hcp terraform notification is not valid JSON: %v", err)
	}
	version, err := payloadVersion(p.PayloadVersion)
	if err != nil {
		return Event{}, err
	}
	ev := Event{Source: SourceTFE}
	switch version {
	case 1:
		ev.Organization, ev.Workspace = str(p.OrganizationName), str(p.WorkspaceName)
		ev.URL = str(p.RunURL)
		if len(p.Notifications) == 0 {
			return Event{}, payloadErr("hcp terraform notification (payload_version 1) has no notifications")
		}
		// One delivery, one dispatch: the first trigger that means drift wins.
		ev.Trigger = str(p.Notifications[0].Trigger)
		for _, n := range p.Notifications {
			if tfeDispatching[str(n.Trigger)] {
				ev.Trigger = str(n.Trigger)
				break
			}
		}
		ev.Key = dedupeKey(SourceTFE, str(p.ConfigurationID), str(p.RunID), ev.Trigger, body)
	case 2:
		ev.Trigger = str(p.Trigger)
		var id string
		if d := p.Details; d != nil {
			ev.Organization, ev.Workspace = str(d.OrganizationName), str(d.WorkspaceName)
			if r := d.NewAssessmentResult; r != nil {
				id, ev.URL = str(r.ID), str(r.URL)
			}
		}
		if ev.Organization == "" {
			ev.Organization = str(p.OrganizationName)
		}
		if ev.Workspace == "" {
			ev.Workspace = str(p.WorkspaceName)
		}
		conf := str(p.ConfigurationURL)
		if conf == "" {
			conf = str(p.ConfigurationID)
		}
		ev.Key = dedupeKey(SourceTFE, conf, id, ev.Trigger, body)
	}
	switch {
	case ev.Trigger == "":
		return Event{}, payloadErr("hcp terraform notification has no trigger")
	case ev.Trigger == "verification":
		ev.Ignored = "verification"
		return ev, nil
	case !tfeDispatching[ev.Trigger]:
		ev.Ignored = "trigger " + ev.Trigger + " is not drift"
		return ev, nil
	case ev.Workspace == "":
		return Event{}, payloadErr("hcp terraform notification for %s names no workspace", ev.Trigger)
	}
	ev.Summary = fmt.Sprintf("HCP Terraform %s in %s", ev.Trigger, qualified(ev.Organization, ev.Workspace))
	return ev, nil
}

// payloadVersion reads payload_version, which HCP Terraform sends as a
// number (1) or a string ("2").
func payloadVersion(raw json.RawMessage) (int, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, payloadErr("hcp terraform notification has no payload_version")
	}
	var n json.Number
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, payloadErr("payload_version: %v", err)
		}
		n = json.Number(strings.TrimSpace(s))
	} else if err := json.Unmarshal(raw, &n); err != nil {
		return 0, payloadErr("payload_version: %v", err)
	}
	switch n.String() {
	case "1":
		return 1, nil
	case "2":
		return 2, nil
	}
	return 0, payloadErr("hcp terraform payload_version %s is not supported: want 1 (runs) or 2 (health assessments)", raw)
}

// ParseArgoCD reads the body the template in examples/argocd-notifications
// sends: {"app": ..., "sync_status": ..., "revision": ..., "url": ...}.
func ParseArgoCD(body []byte) (Event, error) {
	var p struct {
		App        string `json:"app"`
		Namespace  string `json:"namespace"`
		Project    string `json:"project"`
		SyncStatus string `json:"sync_status"`
		Revision   string `json:"revision"`
		URL        string `json:"url"`
		Trigger    string `json:"trigger"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return Event{}, payloadErr("argo cd notification is not valid JSON: %v", err)
	}
	if strings.TrimSpace(p.App) == "" {
		return Event{}, payloadErr(`argo cd notification names no application: the template must send {"app": "{{.app.metadata.name}}", ...}`)
	}
	trigger := p.Trigger
	if trigger == "" {
		trigger = "on-out-of-sync"
	}
	ev := Event{Source: SourceArgoCD, App: p.App, URL: p.URL, Trigger: trigger}
	status := strings.TrimSpace(p.SyncStatus)
	if status == "" {
		status = "OutOfSync" // the template's trigger fires on OutOfSync only
	}
	// Keyed on what decides the dispatch, not on the bytes: the same report
	// with its fields reordered, an empty field or one more field is the
	// same report. The body digest would make each of those a new run.
	ev.Key = strings.Join([]string{SourceArgoCD, strings.TrimSpace(p.Namespace), strings.TrimSpace(p.App), strings.TrimSpace(p.Revision), status}, "\x00")
	if status != "OutOfSync" {
		ev.Ignored = "sync status " + p.SyncStatus + " is not OutOfSync"
		return ev, nil
	}
	ev.Summary = "Argo CD: " + p.App + " is OutOfSync"
	if p.Revision != "" {
		ev.Summary += " at " + p.Revision
	}
	return ev, nil
}

// ParseGeneric reads a generic drift report:
// {"id": ..., "source": ..., "workspace": ..., "app": ..., "roots": [...], "url": ...};
// every field is optional. The key is "id" when given, else the body's
// digest: both covered by the signature. Delivery id headers are not, and
// are not read.
func ParseGeneric(body []byte) (Event, error) {
	var p struct {
		ID        string   `json:"id"`
		Source    string   `json:"source"`
		Workspace string   `json:"workspace"`
		App       string   `json:"app"`
		Roots     []string `json:"roots"`
		URL       string   `json:"url"`
		Trigger   string   `json:"trigger"`
	}
	// Unmarshal refuses data after the object too, without the Decoder's
	// copy of the body: this is the hot path of every delivery.
	if err := json.Unmarshal(body, &p); err != nil {
		if strings.Contains(err.Error(), "after top-level value") {
			return Event{}, payloadErr("generic drift report has data after its JSON object")
		}
		return Event{}, payloadErr(`generic drift report must be a JSON object like {"source": "...", "roots": ["infra/app"]}: %v`, err)
	}
	for _, r := range p.Roots {
		if err := checkRoot(r); err != nil {
			return Event{}, payloadErr("roots: %v", err)
		}
	}
	ev := Event{Source: SourceGeneric, Workspace: p.Workspace, App: p.App, Roots: p.Roots, URL: p.URL, Trigger: p.Trigger}
	ev.DeliveryID = p.ID
	if ev.DeliveryID != "" {
		ev.Key = SourceGeneric + "\x00" + ev.DeliveryID
	} else {
		ev.Key = dedupeKey(SourceGeneric, "", "", "", body)
	}
	ev.Summary = p.Source
	if ev.Summary == "" {
		ev.Summary = "drift report"
	}
	return ev, nil
}

// checkRoot refuses roots that leave the repository, as the action does.
func checkRoot(r string) error {
	if strings.TrimSpace(r) == "" {
		return errors.New("an entry is empty")
	}
	if strings.Contains(r, "..") || strings.HasPrefix(r, "/") || strings.HasPrefix(r, `\`) {
		return fmt.Errorf("entry %q must be a path inside the repository", r)
	}
	return nil
}

// dedupeKey is (configuration, event, trigger) when the configuration and
// event ids are known, else a digest of the body: the same report sent twice.
func dedupeKey(source, conf, id, trigger string, body []byte) string {
	if conf != "" && id != "" {
		return source + "\x00" + conf + "\x00" + id + "\x00" + trigger
	}
	sum := sha256.Sum256(body)
	return source + "\x00body\x00" + hex.EncodeToString(sum[:])
}

func qualified(org, ws string) string {
	if org == "" {
		return ws
	}
	return org + "/" + ws
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
