package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseEventHeadSHA(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, event, payload, want string
	}{
		{"pull request names its head commit", "pull_request",
			`{"pull_request": {"number": 3, "head": {"sha": "0123456789abcdef0123456789abcdef01234567", "repo": {"full_name": "acme/infra"}}, "base": {"repo": {"full_name": "acme/infra"}}}}`,
			"0123456789abcdef0123456789abcdef01234567"},
		{"pull request without a head sha", "pull_request",
			`{"pull_request": {"number": 3, "head": {"repo": {"full_name": "acme/infra"}}, "base": {"repo": {"full_name": "acme/infra"}}}}`, ""},
		{"other events have none", "schedule", `{"schedule": "0 6 * * *"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := filepath.Join(t.TempDir(), "event.json")
			if err := os.WriteFile(p, []byte(tt.payload), 0o644); err != nil {
				t.Fatal(err)
			}
			ev, err := ParseEvent(tt.event, p)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, ev.HeadSHA); diff != "" {
				t.Errorf("HeadSHA (-want +got):\n%s", diff)
			}
		})
	}
}
