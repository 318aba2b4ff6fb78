package serve

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/myorg/drift-action/internal/config"
)

func keysOf(t testing.TB, payload json.RawMessage) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(payload, &m); err != nil {
		t.Fatalf("client_payload %s: %v", payload, err)
	}
	return m
}

func TestResolve(t *testing.T) {
	t.Parallel()
	m := Mapping{
		Default: Target{Repo: "acme/infra"},
		Workspaces: map[string]Target{
			"acme/app-prod": {Repo: "acme/app", Roots: []string{"infra/prod"}},
			"app-dev":       {Roots: []string{"infra/dev"}},
		},
		Apps: map[string]Target{"guestbook": {Repo: "acme/k8s", Roots: []string{"apps/guestbook"}}},
	}
	tests := []struct {
		name    string
		mapping Mapping
		ev      Event
		want    Target
		wantErr error
	}{
		{name: "organization and workspace", mapping: m, ev: Event{Organization: "acme", Workspace: "app-prod"},
			want: Target{Repo: "acme/app", Roots: []string{"infra/prod"}}},
		{name: "workspace alone, default repo", mapping: m, ev: Event{Organization: "acme", Workspace: "app-dev"},
			want: Target{Repo: "acme/infra", Roots: []string{"infra/dev"}}},
		{name: "app", mapping: m, ev: Event{App: "guestbook"}, want: Target{Repo: "acme/k8s", Roots: []string{"apps/guestbook"}}},
		{name: "unknown falls back to the default", mapping: m, ev: Event{App: "other"}, want: Target{Repo: "acme/infra"}},
		{name: "report's roots win", mapping: m, ev: Event{App: "guestbook", Roots: []string{"x"}}, want: Target{Repo: "acme/k8s", Roots: []string{"x"}}},
		{name: "no default", mapping: Mapping{}, ev: Event{Workspace: "w"}, wantErr: ErrUnmapped},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.mapping.Resolve(tt.ev)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Resolve error = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("target (-want +got):\n%s", diff)
			}
		})
	}
}

// TestClientPayloadReadByTheAction checks the dispatch contract end to end:
// what the receiver sends is what the action's repository_dispatch handling
// reads.
func TestClientPayloadReadByTheAction(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		ev         Event
		target     Target
		wantRoots  []string
		wantSource string
	}{
		{name: "hcp terraform",
			ev: Event{Source: SourceTFE, Trigger: "assessment:drifted", Organization: "acme", Workspace: "app-prod",
				URL: "https://app.terraform.io/x", Summary: "HCP Terraform assessment:drifted in acme/app-prod", DeliveryID: "d"},
			target:    Target{Repo: "acme/app", Roots: []string{"infra/prod", "stacks/*/prod"}},
			wantRoots: []string{"infra/prod", "stacks/*/prod"}, wantSource: "HCP Terraform assessment:drifted in acme/app-prod"},
		{name: "argo cd without roots", ev: Event{Source: SourceArgoCD, App: "guestbook", Summary: "Argo CD: guestbook is OutOfSync"},
			target: Target{Repo: "acme/k8s"}, wantSource: "Argo CD: guestbook is OutOfSync"},
		{name: "no summary", ev: Event{Source: SourceGeneric}, target: Target{Repo: "a/b"}, wantSource: SourceGeneric},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			payload := ClientPayload(tt.ev, tt.target)
			if n := len(keysOf(t, payload)); n > 10 {
				t.Errorf("client_payload has %d top-level keys, GitHub allows 10", n)
			}
			event, _ := json.Marshal(map[string]any{"action": EventType, "client_payload": payload})
			path := filepath.Join(t.TempDir(), "event.json")
			if err := os.WriteFile(path, event, 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := config.ParseEvent("repository_dispatch", path)
			if err != nil {
				t.Fatalf("the action cannot read the dispatch: %v", err)
			}
			if diff := cmp.Diff(config.Event{Name: "repository_dispatch", DispatchType: EventType, Roots: tt.wantRoots, Source: tt.wantSource}, got); diff != "" {
				t.Errorf("event as the action reads it (-want +got):\n%s", diff)
			}
		})
	}
}
