package app

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/github/githubtest"
	"github.com/myorg/drift-action/internal/tftest"
)

// withCause lists changes as "address actions cause".
func withCause(rs []drift.Resource) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.Address+" "+strings.Join(r.Actions, ",")+" "+r.Cause)
	}
	return out
}

// TestDetectCauseWithTerraformAndTofu plans the same worlds with terraform
// and with OpenTofu: each finds the same drift and gives each pending
// change the same cause (a change made outside, in code, or both), from
// its own plan JSON.
func TestDetectCauseWithTerraformAndTofu(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// given returns the root's directory (relative to the scenario)
		// after applying it and changing the world.
		given       func(s *scenario) string
		wantDrift   []string
		wantChanges []string
		wantStatus  drift.Status
		wantCode    int
	}{
		{
			name: "cloud changed outside",
			given: func(s *scenario) string {
				root, cloud := s.cloudRoot("app", webInstance)
				s.env.Apply(s.t, root)
				cloud.EditInstance(s.t, "web", func(i map[string]any) { i["tags"].(map[string]any)["team"] = "payments" })
				return "app"
			},
			wantDrift:   []string{"fakecloud_instance.web update"},
			wantChanges: []string{"fakecloud_instance.web update drift"},
			wantStatus:  drift.StatusDrifted, wantCode: 2,
		},
		{
			name: "file edited by hand",
			given: func(s *scenario) string {
				root := localFileRoot(s)
				s.env.Apply(s.t, root)
				if err := os.WriteFile(filepath.Join(root, "app.conf"), []byte("workers = 64\n"), 0o644); err != nil {
					s.t.Fatal(err)
				}
				return "files"
			},
			wantDrift:   []string{"local_file.app delete"},
			wantChanges: []string{"local_file.app create drift"},
			wantStatus:  drift.StatusDrifted, wantCode: 2,
		},
		{
			name: "code changed",
			given: func(s *scenario) string {
				root, _ := s.cloudRoot("app", webInstance)
				s.env.Apply(s.t, root)
				tftest.WriteRoot(s.t, s.dir, "app", map[string]string{"extra.tf": `resource "terraform_data" "new" { input = "pending" }` + "\n"})
				return "app"
			},
			wantDrift:   []string{},
			wantChanges: []string{"terraform_data.new create code"},
			wantStatus:  drift.StatusChanged, wantCode: ExitPending,
		},
		{
			name: "cloud and code changed on one resource",
			given: func(s *scenario) string {
				root, cloud := s.cloudRoot("app", webInstance)
				s.env.Apply(s.t, root)
				cloud.EditInstance(s.t, "web", func(i map[string]any) { i["tags"].(map[string]any)["team"] = "payments" })
				s.cloudRoot("app", strings.Replace(webInstance, `env = "prod"`, `env = "staging"`, 1))
				return "app"
			},
			wantDrift:   []string{"fakecloud_instance.web update"},
			wantChanges: []string{"fakecloud_instance.web update drift+code"},
			wantStatus:  drift.StatusDrifted, wantCode: 2,
		},
	}
	for _, p := range tftest.Planners(t) {
		for _, tc := range tests {
			t.Run(p.Name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				s := newScenarioWith(t, p.Env)
				dir := tc.given(s)
				doc, code, stderr := s.detect(dir)
				r := only(t, doc)
				if r.Error != "" {
					t.Fatalf("%s failed: %s\n%s", p.Name, r.Error, stderr)
				}
				if diff := cmp.Diff(tc.wantDrift, addresses(r.Drift)); diff != "" {
					t.Errorf("drift (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tc.wantChanges, withCause(r.Changes)); diff != "" {
					t.Errorf("changes with cause (-want +got):\n%s", diff)
				}
				if r.Status != tc.wantStatus || code != tc.wantCode {
					t.Errorf("status %s exit %d, want %s and %d", r.Status, code, tc.wantStatus, tc.wantCode)
				}
			})
		}
	}
}

// TestTofuRemediateApplyThenClean heals with OpenTofu: mode remediate with
// apply applies the evaluated plan, the log on the remote says
// self-healed, and OpenTofu's next plan of the root is clean.
func TestTofuRemediateApplyThenClean(t *testing.T) {
	t.Parallel()
	env := tftest.SetupTofu(t)
	ws := driftedWorkspace(t, env, "pw-tofu-heal")
	remote := gitWorkspace(t, ws)
	gh := githubtest.NewServer(t, githubtest.WithToken("ghs_testtoken"))
	res := runnerRun{t: t, env: env, workspace: ws, event: "schedule", vars: gitopsVars, apiURL: gh.URL(),
		inputs: map[string]string{"mode": "remediate", "remediation": "apply"}}.run()
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stdout)
	}
	if got := teams(t, tftest.Cloud{Path: filepath.Join(ws, "cloud.json")}); got["web"] != "platform" {
		t.Errorf("web's team tag after the heal = %q, want platform (as in the code)", got["web"])
	}
	if kinds := logKinds(t, remoteFile(t, remote, "drift/drift-log.yaml")); !strings.Contains(strings.Join(kinds, ","), "self-healed") {
		t.Errorf("log events %v, want self-healed", kinds)
	}
	if !strings.Contains(res.summary, "infra/app (default): self-healed by apply in run 42") {
		t.Errorf("the summary does not say what was applied:\n%s", res.summary)
	}
	// -detailed-exitcode: 0 is a plan with no changes, 2 one with changes.
	env.Run(t, filepath.Join(ws, "infra", "app"), "plan", "-input=false", "-detailed-exitcode")
}

// TestTofuRecordCommitsReportAndLog records with OpenTofu: mode record
// pushes the DriftReport and the drift log's detected event to the remote.
func TestTofuRecordCommitsReportAndLog(t *testing.T) {
	t.Parallel()
	env := tftest.SetupTofu(t)
	ws := driftedWorkspace(t, env, "pw-tofu-record")
	remote := gitWorkspace(t, ws)
	res := runnerRun{t: t, env: env, workspace: ws, event: "schedule", inputs: map[string]string{"mode": "record"}, vars: gitopsVars}.run()
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stdout)
	}
	rep := remoteFile(t, remote, "drift/drift-report.yaml")
	for _, w := range []string{"kind: DriftReport", "fakecloud_instance.web", "tags.team", "infra-drift-infra-app-default"} {
		if !strings.Contains(rep, w) {
			t.Errorf("the committed report lacks %q:\n%s", w, rep)
		}
	}
	log := remoteFile(t, remote, "drift/drift-log.yaml")
	if diff := cmp.Diff([]string{"detected"}, logKinds(t, log)); diff != "" {
		t.Errorf("log events (-want +got):\n%s", diff)
	}
	for name, text := range map[string]string{"report": rep, "log": log, "summary": res.summary} {
		if strings.Contains(text, canary) || strings.Contains(text, "pw-tofu-record") {
			t.Errorf("the %s leaks a sensitive value", name)
		}
	}
}

// encryption is OpenTofu's state and plan encryption, configured through
// TF_ENCRYPTION as a pipeline would from a secret.
const encryption = `key_provider "pbkdf2" "k" { passphrase = "drift-action-test-passphrase" }
method "aes_gcm" "m" { keys = key_provider.pbkdf2.k }
state { method = method.aes_gcm.m }
plan { method = method.aes_gcm.m }`

// TestTofuEncryptedStateAndPlan detects drift in a root whose state and
// saved plan OpenTofu encrypts (terraform has no such feature): drift-action
// passes its environment to tofu, which decrypts both for plan and show.
func TestTofuEncryptedStateAndPlan(t *testing.T) {
	t.Parallel()
	env := *tftest.SetupTofu(t)
	env.Environ = append(slices.Clone(env.Environ), "TF_ENCRYPTION="+encryption)
	s := newScenarioWith(t, &env)
	root, cloud := s.cloudRoot("app", webInstance)
	env.Apply(t, root)
	state, err := os.ReadFile(filepath.Join(root, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(state), `"encrypted_data"`) || strings.Contains(string(state), "fakecloud_instance") {
		t.Fatalf("the state is not encrypted:\n%s", state)
	}
	cloud.EditInstance(t, "web", func(i map[string]any) { i["tags"].(map[string]any)["team"] = "payments" })
	doc, code, stderr := s.detect("app")
	r := only(t, doc)
	if r.Error != "" {
		t.Fatalf("detect failed: %s\n%s", r.Error, stderr)
	}
	if diff := cmp.Diff([]string{"fakecloud_instance.web update drift"}, withCause(r.Changes)); diff != "" {
		t.Errorf("changes with cause (-want +got):\n%s", diff)
	}
	if r.Status != drift.StatusDrifted || code != 2 {
		t.Errorf("status %s exit %d, want drifted and 2", r.Status, code)
	}
}
