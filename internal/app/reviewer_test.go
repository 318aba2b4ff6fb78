package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/tftest"
)

// causes lists each pending change as "address actions cause".
func causes(rs []drift.Resource) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.Address+" "+strings.Join(r.Actions, ",")+" "+r.Cause)
	}
	return out
}

// TestDetectChangeCauses plans real roots where a change undoes drift,
// applies code, or both, and checks each change's cause and the counts.
func TestDetectChangeCauses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// setup applies a root under s.dir, changes the world or the code,
		// and returns the root's directory relative to s.dir.
		setup    func(t *testing.T, s *scenario) string
		want     []string
		wantExit int
		wantSum  [3]int // drifted resources, changes undoing drift, code changes
	}{
		{
			name: "in-place drift is undone",
			setup: func(t *testing.T, s *scenario) string {
				root, cloud := s.cloudRoot("app", webInstance)
				s.env.Apply(t, root)
				cloud.EditInstance(t, "web", func(i map[string]any) { i["instance_type"] = "xlarge" })
				return "app"
			},
			want:     []string{"fakecloud_instance.web update drift"},
			wantExit: ExitDrift,
			wantSum:  [3]int{1, 1, 0},
		},
		{
			name: "a file deleted outside terraform is re-created: drift",
			setup: func(t *testing.T, s *scenario) string {
				root := localFileRoot(s)
				s.env.Apply(t, root)
				if err := os.Remove(filepath.Join(root, "app.conf")); err != nil {
					t.Fatal(err)
				}
				return "files"
			},
			want:     []string{"local_file.app create drift"},
			wantExit: ExitDrift,
			wantSum:  [3]int{1, 1, 0},
		},
		{
			name: "a code change without drift",
			setup: func(t *testing.T, s *scenario) string {
				root, _ := s.cloudRoot("app", webInstance)
				s.env.Apply(t, root)
				tftest.WriteRoot(t, s.dir, "app", map[string]string{"main.tf": strings.Replace(
					mustRead(t, filepath.Join(root, "main.tf")), `instance_type = "small"`, `instance_type = "large"`, 1)})
				return "app"
			},
			want:     []string{"fakecloud_instance.web update code"},
			wantExit: ExitPending,
			wantSum:  [3]int{0, 0, 1},
		},
		{
			name: "drift and a code change on one resource",
			setup: func(t *testing.T, s *scenario) string {
				root, cloud := s.cloudRoot("app", webInstance)
				s.env.Apply(t, root)
				cloud.EditInstance(t, "web", func(i map[string]any) { i["instance_type"] = "xlarge" })
				tftest.WriteRoot(t, s.dir, "app", map[string]string{"main.tf": strings.Replace(
					mustRead(t, filepath.Join(root, "main.tf")), `team = "platform"`, `team = "payments"`, 1)})
				return "app"
			},
			want:     []string{"fakecloud_instance.web update drift+code"},
			wantExit: ExitDrift,
			wantSum:  [3]int{1, 1, 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScenario(t)
			rel := tt.setup(t, s)
			// Policies would judge the upgrades (cost); this test is about causes.
			doc, code, stderr := s.detect("--no-policy", rel)
			r := only(t, doc)
			if r.Error != "" {
				t.Fatalf("target failed: %s\n%s", r.Error, stderr)
			}
			if diff := cmp.Diff(tt.want, causes(r.Changes)); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantExit, code); diff != "" {
				t.Errorf("exit code (-want +got):\n%s", diff)
			}
			got := [3]int{doc.Summary.DriftedResources, doc.Summary.UndoDriftChanges, doc.Summary.CodeChanges}
			if diff := cmp.Diff(tt.wantSum, got); diff != "" {
				t.Errorf("summary [drifted, undo drift, code] (-want +got):\n%s", diff)
			}
		})
	}
}

// checkCanary is in a failing check's message and masked by drift.yaml.
const checkCanary = "CANARY-check-5e1f"

const checksAndMoveRoot = `
resource "terraform_data" "renamed" {
  input = "v1"
}

moved {
  from = terraform_data.original
  to   = terraform_data.renamed
}

check "release_pinned" {
  assert {
    condition     = terraform_data.renamed.input == "v2"
    error_message = "release must be v2 (token ` + checkCanary + `)"
  }
}
`

// TestDetectFailingCheckAndMove plans a root whose only news is a pending
// move and a failing check block: it is not clean, every format says both,
// and the masked value in the check's message shows nowhere.
func TestDetectFailingCheckAndMove(t *testing.T) {
	s := newScenario(t)
	root := tftest.WriteRoot(t, s.dir, "rel", map[string]string{"main.tf": `
resource "terraform_data" "original" {
  input = "v1"
}
`})
	s.env.Apply(t, root)
	tftest.WriteRoot(t, s.dir, "rel", map[string]string{"main.tf": checksAndMoveRoot})
	tftest.WriteRoot(t, s.dir, ".github", map[string]string{"drift.yaml": "mask:\n  values: ['CANARY-[a-z0-9-]+']\n"})

	doc, code, stderr := s.detect("rel")
	r := only(t, doc)
	if r.Status != drift.StatusChanged || code != ExitPending {
		t.Fatalf("status %s exit %d error %q, want changed and %d\n%s", r.Status, code, r.Error, ExitPending, stderr)
	}
	wantChanges := []drift.Resource{{Address: "terraform_data.renamed", Type: "terraform_data", Actions: []string{"no-op"},
		Cause: drift.CauseCode, PreviousAddress: "terraform_data.original"}}
	if diff := cmp.Diff(wantChanges, r.Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	wantChecks := []drift.Check{{Address: "check.release_pinned", Kind: "check", Status: drift.CheckFail,
		Problems: []string{"release must be v2 (token " + drift.Sensitive + ")"}}}
	if diff := cmp.Diff(wantChecks, r.Checks); diff != "" {
		t.Errorf("checks (-want +got):\n%s", diff)
	}
	if doc.Summary.FailedChecks != 1 {
		t.Errorf("summary failed_checks = %d, want 1", doc.Summary.FailedChecks)
	}
	for _, format := range config.Formats {
		var stdout, errOut bytes.Buffer
		err := Run(context.Background(), []string{"detect", "--format", format, "rel"}, s.cfgEnv(), &stdout, &errOut)
		if got := Code(err, &errOut); got != ExitPending {
			t.Fatalf("%s: exit %d, want %d\n%s", format, got, ExitPending, errOut.String())
		}
		out := stdout.String()
		for _, w := range []string{"check.release_pinned", "release must be v2", "terraform_data.original"} {
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
	if r.Status != drift.StatusError || code != ExitError || !strings.Contains(r.Error, "check.release_pinned fail") {
		t.Errorf("with checks: error: status %s exit %d error %q, want error, 1 and the check named", r.Status, code, r.Error)
	}
	if strings.Contains(r.Error, checkCanary) {
		t.Errorf("the error leaks the masked value: %q", r.Error)
	}
}
