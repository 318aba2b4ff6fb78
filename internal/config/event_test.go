package config

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseEvent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pr := func(head string) string {
		h := `null`
		if head != "" {
			h = `{"full_name": "` + head + `"}`
		}
		return `{"pull_request": {"number": 12, "title": "t", "head": {"ref": "f", "repo": ` + h + `}, "base": {"repo": {"full_name": "acme/infra"}}, "labels": [{"name": "drift-override:terraform.cost"}, {"name": "bug"}]}}`
	}
	tests := []struct {
		name, event, payload string
		want                 Event
		wantErr              string
	}{
		{name: "schedule without payload", event: "schedule", want: Event{Name: "schedule"}},
		{name: "pull request from the repository", event: "pull_request", payload: pr("acme/infra"),
			want: Event{Name: "pull_request", PR: 12, HeadRef: "f", PRTitle: "t", PRLabels: []string{"drift-override:terraform.cost", "bug"}}},
		{name: "pull request from a fork", event: "pull_request", payload: pr("mallory/infra"),
			want: Event{Name: "pull_request", PR: 12, Fork: true, HeadRef: "f", PRTitle: "t", PRLabels: []string{"drift-override:terraform.cost", "bug"}}},
		{name: "deleted fork is a fork", event: "pull_request", payload: pr(""),
			want: Event{Name: "pull_request", PR: 12, Fork: true, HeadRef: "f", PRTitle: "t", PRLabels: []string{"drift-override:terraform.cost", "bug"}}},
		{name: "pull request with its base and head commits", event: "pull_request",
			payload: `{"pull_request": {"number": 3, "head": {"ref": "f", "sha": "h1", "repo": {"full_name": "acme/infra"}}, "base": {"sha": "b1", "repo": {"full_name": "acme/infra"}}}}`,
			want:    Event{Name: "pull_request", PR: 3, HeadRef: "f", HeadSHA: "h1", BaseSHA: "b1"}},
		{name: "pull_request_target never writes", event: "pull_request_target", payload: pr("acme/infra"),
			want: Event{Name: "pull_request_target", PR: 12, Target: true, HeadRef: "f", PRTitle: "t", PRLabels: []string{"drift-override:terraform.cost", "bug"}}},
		{name: "dispatch with roots and a source string", event: "repository_dispatch",
			payload: `{"action": "drift-detected", "client_payload": {"roots": ["infra/app", "stacks/*"], "source": "argocd"}}`,
			want:    Event{Name: "repository_dispatch", DispatchType: "drift-detected", Roots: []string{"infra/app", "stacks/*"}, Source: "argocd"}},
		{name: "dispatch with a source object", event: "repository_dispatch",
			payload: `{"action": "drift-detected", "client_payload": {"source": {"name": "HCP Terraform assessment", "id": 1}}}`,
			want:    Event{Name: "repository_dispatch", DispatchType: "drift-detected", Source: "HCP Terraform assessment"}},
		{name: "dispatch without payload", event: "repository_dispatch", payload: `{"action": "drift-detected"}`,
			want: Event{Name: "repository_dispatch", DispatchType: "drift-detected"}},
		{name: "roots must be a list", event: "repository_dispatch", payload: `{"action": "drift-detected", "client_payload": {"roots": "infra/app"}}`,
			wantErr: "client_payload.roots must be a list"},
		{name: "roots stay inside the repository", event: "repository_dispatch", payload: `{"client_payload": {"roots": ["/etc"]}}`,
			wantErr: "must be a path inside the repository"},
		{name: "payload not JSON", event: "pull_request", payload: `{`, wantErr: "is not valid JSON"},
		{name: "pull request without payload path", event: "pull_request", wantErr: "GITHUB_EVENT_PATH is not set"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := ""
			if tt.payload != "" {
				path = write(strings.ReplaceAll(tt.name, " ", "-")+".json", tt.payload)
			}
			_ = i
			got, err := ParseEvent(tt.event, path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseEvent (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEventOverrides(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pr := `"pull_request": {"number": 12, "head": {"repo": {"full_name": "acme/infra"}}, "base": {"repo": {"full_name": "acme/infra"}},
	  "labels": [{"name": "drift-override:terraform.cost"}, {"name": "bug"}, {"name": "drift-override: terraform.drift "}]}`
	tests := []struct {
		name, payload string
		want          []Override
	}{
		{name: "labeled event names who added its label", payload: `{"action": "labeled", "label": {"name": "drift-override:terraform.cost"}, "sender": {"login": "alice"}, ` + pr + `}`,
			want: []Override{{Name: "terraform.cost", Source: OverrideLabel, By: "alice"}, {Name: "terraform.drift", Source: OverrideLabel, By: UnknownAuthor}}},
		{name: "labeled with another label", payload: `{"action": "labeled", "label": {"name": "bug"}, "sender": {"login": "alice"}, ` + pr + `}`,
			want: []Override{{Name: "terraform.cost", Source: OverrideLabel, By: UnknownAuthor}, {Name: "terraform.drift", Source: OverrideLabel, By: UnknownAuthor}}},
		{name: "synchronize: the sender pushed, did not label", payload: `{"action": "synchronize", "sender": {"login": "bob"}, ` + pr + `}`,
			want: []Override{{Name: "terraform.cost", Source: OverrideLabel, By: UnknownAuthor}, {Name: "terraform.drift", Source: OverrideLabel, By: UnknownAuthor}}},
		{name: "labeled without a sender", payload: `{"action": "labeled", "label": {"name": "drift-override:terraform.cost"}, ` + pr + `}`,
			want: []Override{{Name: "terraform.cost", Source: OverrideLabel, By: UnknownAuthor}, {Name: "terraform.drift", Source: OverrideLabel, By: UnknownAuthor}}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, strconv.Itoa(i)+".json")
			writeFile(t, path, tt.payload)
			ev, err := ParseEvent("pull_request", path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, ev.Overrides()); diff != "" {
				t.Errorf("Overrides (-want +got):\n%s", diff)
			}
		})
	}
}
