package serve

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseTFE(t *testing.T) {
	t.Parallel()
	drifted := string(readTestdata(t, "tfe-assessment-drifted.json"))
	tests := []struct {
		name    string
		body    string
		want    Event
		wantErr string
	}{
		{name: "verification", body: string(readTestdata(t, "tfe-verification.json")),
			want: Event{Source: SourceTFE, Trigger: "verification", Ignored: "verification"}},
		{name: "run errored", body: string(readTestdata(t, "tfe-run-errored.json")),
			want: Event{Source: SourceTFE, Trigger: "run:errored", Organization: "acme", Workspace: "app-prod",
				URL:     "https://app.terraform.io/app/acme/workspaces/app-prod/runs/run-FwnENkvDnrpyFC7M",
				Summary: "HCP Terraform run:errored in acme/app-prod",
				Key:     "hcp-terraform\x00nc-AeUQ2zfKZzW9TiGZ\x00run-FwnENkvDnrpyFC7M\x00run:errored"}},
		{name: "run completed is not drift",
			body: `{"payload_version":1,"notification_configuration_id":"nc-1","run_id":"run-1","workspace_name":"w","notifications":[{"trigger":"run:completed"}]}`,
			want: Event{Source: SourceTFE, Trigger: "run:completed", Workspace: "w", Ignored: "trigger run:completed is not drift",
				Key: "hcp-terraform\x00nc-1\x00run-1\x00run:completed"}},
		{name: "assessment drifted, version as a string", body: drifted,
			want: Event{Source: SourceTFE, Trigger: "assessment:drifted", Organization: "acme", Workspace: "app-prod",
				URL:     "https://app.terraform.io/api/v2/assessment-results/asmtres-vRVQxpqq64EA9V5a",
				Summary: "HCP Terraform assessment:drifted in acme/app-prod",
				Key:     "hcp-terraform\x00https://app.terraform.io/api/v2/notification-configurations/nc-SZ3V3cLFxK6sqLKn\x00asmtres-vRVQxpqq64EA9V5a\x00assessment:drifted"}},
		{name: "assessment check failure, version as a number",
			body: `{"payload_version":2,"notification_configuration_url":"nc","trigger_scope":"assessment","trigger":"assessment:check_failure","details":{"new_assessment_result":{"id":"a1","drifted":false,"checks_failed":2},"workspace_name":"w"}}`,
			want: Event{Source: SourceTFE, Trigger: "assessment:check_failure", Workspace: "w",
				Summary: "HCP Terraform assessment:check_failure in w", Key: "hcp-terraform\x00nc\x00a1\x00assessment:check_failure"}},
		{name: "assessment failed is not drift",
			body: `{"payload_version":"2","trigger_scope":"assessment","trigger":"assessment:failed","details":{"workspace_name":"w"}}`,
			want: Event{Source: SourceTFE, Trigger: "assessment:failed", Workspace: "w", Ignored: "trigger assessment:failed is not drift"}},
		{name: "drift without a workspace", body: `{"payload_version":"2","trigger":"assessment:drifted"}`, wantErr: "names no workspace"},
		{name: "version 3", body: `{"payload_version":3}`, wantErr: "payload_version 3 is not supported"},
		{name: "no version", body: `{"trigger":"assessment:drifted"}`, wantErr: "no payload_version"},
		{name: "version as an object", body: `{"payload_version":{}}`, wantErr: "payload_version"},
		{name: "no notifications", body: `{"payload_version":1}`, wantErr: "no notifications"},
		{name: "no trigger", body: `{"payload_version":"2"}`, wantErr: "no trigger"},
		{name: "not json", body: `payload_version=1`, wantErr: "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseTFE([]byte(tt.body))
			checkParse(t, tt.want, got, tt.wantErr, err)
		})
	}
}

func checkParse(t *testing.T, want, got Event, wantErr string, err error) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) || !errors.Is(err, ErrPayload) {
			t.Fatalf("error = %v, want an ErrPayload containing %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatalf("error: %v", err)
	}
	if want.Key == "" {
		got.Key = "" // a body digest
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("event (-want +got):\n%s", diff)
	}
}

func TestParseArgoCD(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		want    Event
		wantErr string
	}{
		{name: "out of sync",
			body: `{"app":"guestbook","namespace":"argocd","project":"default","sync_status":"OutOfSync","revision":"abc123","url":"https://argocd.example.com/applications/argocd/guestbook"}`,
			want: Event{Source: SourceArgoCD, Trigger: "on-out-of-sync", App: "guestbook", URL: "https://argocd.example.com/applications/argocd/guestbook",
				Summary: "Argo CD: guestbook is OutOfSync at abc123", Key: "argocd\x00argocd\x00guestbook\x00abc123\x00OutOfSync"}},
		{name: "synced is ignored", body: `{"app":"guestbook","namespace":"argocd","sync_status":"Synced","revision":"abc123"}`,
			want: Event{Source: SourceArgoCD, Trigger: "on-out-of-sync", App: "guestbook", Ignored: "sync status Synced is not OutOfSync",
				Key: "argocd\x00argocd\x00guestbook\x00abc123\x00Synced"}},
		{name: "custom trigger, no revision", body: `{"app":"guestbook","trigger":"on-drift"}`,
			want: Event{Source: SourceArgoCD, Trigger: "on-drift", App: "guestbook", Summary: "Argo CD: guestbook is OutOfSync",
				Key: "argocd\x00\x00guestbook\x00\x00OutOfSync"}},
		{name: "empty sync status is out of sync, keyed the same", body: `{"sync_status":"","revision":"r1","app":"guestbook","namespace":"argocd","url":"u","extra":1}`,
			want: Event{Source: SourceArgoCD, Trigger: "on-out-of-sync", App: "guestbook", URL: "u", Summary: "Argo CD: guestbook is OutOfSync at r1",
				Key: "argocd\x00argocd\x00guestbook\x00r1\x00OutOfSync"}},
		{name: "no app", body: `{"sync_status":"OutOfSync"}`, wantErr: "names no application"},
		{name: "app not a string", body: `{"app":1}`, wantErr: "not valid JSON"},
		{name: "not json", body: `<xml/>`, wantErr: "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseArgoCD([]byte(tt.body))
			checkParse(t, tt.want, got, tt.wantErr, err)
		})
	}
}

func TestParseGeneric(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		want    Event
		wantErr string
	}{
		{name: "everything", body: `{"id":"d-1","source":"nightly scan","workspace":"app-prod","roots":["infra/app"],"url":"https://scan.example.com/1","trigger":"scan"}`,
			want: Event{Source: SourceGeneric, Workspace: "app-prod", Roots: []string{"infra/app"}, URL: "https://scan.example.com/1", Trigger: "scan",
				Summary: "nightly scan", DeliveryID: "d-1", Key: "generic\x00d-1"}},
		{name: "empty object", body: `{}`, want: Event{Source: SourceGeneric, Summary: "drift report"}},
		{name: "root outside", body: `{"roots":["../etc"]}`, wantErr: "inside the repository"},
		{name: "absolute root", body: `{"roots":["/infra"]}`, wantErr: "inside the repository"},
		{name: "empty root", body: `{"roots":[" "]}`, wantErr: "empty"},
		{name: "roots not a list", body: `{"roots":"infra"}`, wantErr: "must be a JSON object"},
		{name: "trailing data", body: `{}{}`, wantErr: "data after"},
		{name: "list", body: `[]`, wantErr: "must be a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseGeneric([]byte(tt.body))
			checkParse(t, tt.want, got, tt.wantErr, err)
		})
	}
}

// fuzzEvent checks what every parser promises: an error is an ErrPayload,
// and an event it returns has a source, a dedupe key and, unless ignored,
// a summary and roots inside the repository.
func fuzzEvent(t *testing.T, ev Event, err error) {
	if err != nil {
		if !errors.Is(err, ErrPayload) {
			t.Fatalf("error %v is not an ErrPayload", err)
		}
		return
	}
	if ev.Source == "" || ev.Key == "" {
		t.Fatalf("event without a source or key: %+v", ev)
	}
	if ev.Ignored == "" && ev.Summary == "" {
		t.Fatalf("event to dispatch without a summary: %+v", ev)
	}
	for _, r := range ev.Roots {
		if checkRoot(r) != nil {
			t.Fatalf("root %q outside the repository", r)
		}
	}
	if n := len(keysOf(t, ClientPayload(ev, Target{Repo: "o/r", Roots: ev.Roots}))); n > 10 {
		t.Fatalf("client_payload has %d keys", n)
	}
}

func FuzzParseTFE(f *testing.F) {
	for _, name := range []string{"tfe-verification.json", "tfe-run-errored.json", "tfe-assessment-drifted.json"} {
		f.Add(readTestdata(f, name))
	}
	f.Add([]byte(`{"payload_version":2,"trigger":"assessment:check_failure","details":{"workspace_name":"w"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := ParseTFE(body)
		fuzzEvent(t, ev, err)
	})
}

func FuzzParseArgoCD(f *testing.F) {
	f.Add([]byte(`{"app":"guestbook","namespace":"argocd","sync_status":"OutOfSync","revision":"abc123"}`))
	f.Add([]byte(`{"app":"x","sync_status":"Synced"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := ParseArgoCD(body)
		fuzzEvent(t, ev, err)
	})
}

func FuzzParseGeneric(f *testing.F) {
	f.Add([]byte(`{"id":"d-1","source":"scan","roots":["infra/app"]}`))
	f.Add([]byte(`{"roots":["../x"]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := ParseGeneric(body)
		fuzzEvent(t, ev, err)
	})
}
