package gitops

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/github"
)

// TestPermissionRefusals takes the calls GitHub refused for want of a
// permission out of Sync's joined errors, once per permission; any other
// failure (a server error, a rate limit, which names no permission) stays
// an error.
func TestPermissionRefusals(t *testing.T) {
	t.Parallel()
	list := func(status int) error {
		return fmt.Errorf("remedypr: infra/a: %w", &github.APIError{Op: github.OpListPullRequests, Status: status, Permission: "pull-requests: read"})
	}
	server := fmt.Errorf("remedypr: infra/c: %w", &github.APIError{Op: github.OpListPullRequests, Status: http.StatusBadGateway})
	limited := fmt.Errorf("remedypr: infra/d: %w", &github.APIError{Op: github.OpListPullRequests, Status: http.StatusForbidden})
	tests := []struct {
		name        string
		err         error
		wantRefused []string
		wantRest    string
	}{
		{name: "none", err: nil},
		{name: "one refused", err: errors.Join(list(http.StatusForbidden)), wantRefused: []string{"pull-requests: read"}},
		{name: "refused twice, hidden once", err: errors.Join(list(http.StatusForbidden), list(http.StatusNotFound), list(http.StatusForbidden)), wantRefused: []string{"pull-requests: read"}},
		{name: "not joined", err: list(http.StatusForbidden), wantRefused: []string{"pull-requests: read"}},
		{name: "others stay errors", err: errors.Join(server, list(http.StatusForbidden), limited), wantRefused: []string{"pull-requests: read"}, wantRest: server.Error() + "\n" + limited.Error()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			refused, rest := permissionRefusals(tc.err)
			var got []string
			for _, r := range refused {
				got = append(got, r.Permission)
			}
			if diff := cmp.Diff(tc.wantRefused, got); diff != "" {
				t.Errorf("refused (-want +got):\n%s", diff)
			}
			gotRest := ""
			if rest != nil {
				gotRest = rest.Error()
			}
			if diff := cmp.Diff(tc.wantRest, gotRest); diff != "" {
				t.Errorf("rest (-want +got):\n%s", diff)
			}
		})
	}
}
