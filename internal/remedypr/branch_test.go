package remedypr

import (
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBranchName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, root, target, want, record string
	}{
		{"root only", "envs/prod", "", "drift/envs/prod", "drift/remediation/envs/prod.md"},
		{"default target left out", "envs/prod", "default", "drift/envs/prod", "drift/remediation/envs/prod.md"},
		{"named target", "envs/prod", "eu", "drift/envs/prod/eu", "drift/remediation/envs/prod/eu.md"},
		{"repository root", ".", "", "drift/_root", "drift/remediation/_root.md"},
		{"trailing slash", "net/", "", "drift/net", "drift/remediation/net.md"},
		{"space and colon", "my env", "a:b", "drift/my-env/a-b-b6643e", "drift/remediation/my-env/a-b-b6643e.md"},
		{"dots and lock", ".hidden", "x.lock", "drift/_hidden/x-lock-fa0a0c", "drift/remediation/_hidden/x-lock-fa0a0c.md"},
		{"double dot", "a..b", "", "drift/a-b-f62b42", "drift/remediation/a-b-f62b42.md"},
	}
	valid := regexp.MustCompile(`^drift/[^ ~^:?*\[\\]+$`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := BranchName(tt.root, tt.target)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("BranchName(%q, %q) (-want +got):\n%s", tt.root, tt.target, diff)
			}
			if !valid.MatchString(got) || strings.Contains(got, "..") || strings.Contains(got, "/.") {
				t.Errorf("BranchName(%q, %q) = %q, not a valid ref name", tt.root, tt.target, got)
			}
			if diff := cmp.Diff(tt.record, RecordPath(tt.root, tt.target)); diff != "" {
				t.Errorf("RecordPath(%q, %q) (-want +got):\n%s", tt.root, tt.target, diff)
			}
		})
	}
}
