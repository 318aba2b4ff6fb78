package app

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/tftest"
)

// A plan whose only news is a failing check block changes nothing and
// terraform exits 0 with a summary of zeros; only the stream's warnings say
// so. The check is still reported, in every format, and `checks: error`
// fails the target, whether the assertion failed or a data source nested in
// the check did.
func TestDetectFailingCheckOnly(t *testing.T) {
	const applied = `
resource "terraform_data" "release" {
  input = "v1"
}
`
	tests := []struct {
		name       string
		check      string
		files      map[string]string
		wantChecks []drift.Check
		wantSay    string
	}{
		{
			name: "assertion fails",
			check: `
check "release_pinned" {
  assert {
    condition     = terraform_data.release.input == "v2"
    error_message = "release must be v2 (token ` + checkCanary + `)"
  }
}
`,
			wantChecks: []drift.Check{{Address: "check.release_pinned", Kind: "check", Status: drift.CheckFail,
				Problems: []string{"release must be v2 (token " + drift.Sensitive + ")"}}},
			wantSay: "release must be v2",
		},
		{
			name: "nested data source fails",
			check: `
check "upstream_readable" {
  data "terraform_remote_state" "upstream" {
    backend = "local"
    config  = { path = "${path.module}/upstream.tfstate" }
  }
  assert {
    condition     = data.terraform_remote_state.upstream.outputs != null
    error_message = "upstream state is unreadable"
  }
}
`,
			files: map[string]string{"upstream.tfstate": "not a state file"},
			wantChecks: []drift.Check{{Address: "check.upstream_readable", Kind: "check", Status: drift.CheckFail,
				Problems: []string{"2 problems:\n\n- Unsupported state file format: The state file could not be parsed as JSON: syntax error at byte offset 2.\n- Unsupported state file format: The state file does not have a \"version\" attribute, which is required to identify the format version."}}},
			wantSay: "Unsupported state file format",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newScenario(t)
			root := tftest.WriteRoot(t, s.dir, "rel", map[string]string{"main.tf": applied})
			s.env.Apply(t, root)
			files := map[string]string{"main.tf": applied + tc.check}
			for k, v := range tc.files {
				files[k] = v
			}
			tftest.WriteRoot(t, s.dir, "rel", files)
			tftest.WriteRoot(t, s.dir, ".github", map[string]string{"drift.yaml": "mask:\n  values: ['CANARY-[a-z0-9-]+']\n"})

			doc, code, stderr := s.detect("rel")
			r := only(t, doc)
			if r.Error != "" || len(r.Drift) != 0 || len(r.Changes) != 0 {
				t.Fatalf("status %s exit %d error %q drift %v changes %v, want only the check\n%s", r.Status, code, r.Error, r.Drift, r.Changes, stderr)
			}
			if diff := cmp.Diff(tc.wantChecks, r.Checks); diff != "" {
				t.Errorf("checks (-want +got):\n%s", diff)
			}
			if doc.Summary.FailedChecks != 1 {
				t.Errorf("summary failed_checks = %d, want 1", doc.Summary.FailedChecks)
			}
			for _, format := range config.Formats {
				var stdout, errOut bytes.Buffer
				err := Run(context.Background(), []string{"detect", "--format", format, "rel"}, s.cfgEnv(), &stdout, &errOut)
				if got := Code(err, &errOut); got != code {
					t.Fatalf("%s: exit %d, want %d as with json\n%s", format, got, code, errOut.String())
				}
				out := stdout.String()
				for _, w := range []string{tc.wantChecks[0].Address, tc.wantSay} {
					if !strings.Contains(out, w) {
						t.Errorf("%s output does not say %q:\n%s", format, w, out)
					}
				}
				if strings.Contains(out+errOut.String(), checkCanary) {
					t.Errorf("%s output leaks the masked value in the check message:\n%s", format, out)
				}
			}

			// checks: error makes the failing check fail the target.
			tftest.WriteRoot(t, s.dir, ".github", map[string]string{"drift.yaml": "checks: error\nmask:\n  values: ['CANARY-[a-z0-9-]+']\n"})
			doc, code, _ = s.detect("rel")
			r = only(t, doc)
			if r.Status != drift.StatusError || code != ExitError || !strings.Contains(r.Error, tc.wantChecks[0].Address+" fail") {
				t.Errorf("with checks: error: status %s exit %d error %q, want error, %d and the check named", r.Status, code, r.Error, ExitError)
			}
		})
	}
}
