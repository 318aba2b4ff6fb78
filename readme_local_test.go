package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/myorg/drift-action/internal/tftest"
)

// TestReadmeTryItLocally runs README's "Try it locally" commands as
// written, from the repository's root as from a fresh clone, and checks
// they show what the section says: the record's diff, a pull request's
// body, heal's decision, Slack's text, and a local commit.
func TestReadmeTryItLocally(t *testing.T) {
	tftest.Long(t)
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## Try it locally\n")
	if !ok {
		t.Fatal(`README.md has no "## Try it locally" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	_, script, ok := strings.Cut(section, "```sh\n")
	if !ok {
		t.Fatal("the section has no ```sh block")
	}
	script, _, _ = strings.Cut(script, "```")
	for _, tool := range []string{"go", "terraform", "git", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not on PATH: the section's commands need it: %v", tool, err)
		}
	}
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	// The user's environment, less what would change the commands'
	// meaning: a runner's variables and Slack or GitHub settings.
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "GITHUB_") || strings.HasPrefix(k, "DRIFT_ACTION_") || strings.HasPrefix(k, "TF_CLI_") {
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, "TMPDIR="+t.TempDir()) // mktemp -d, cleaned up
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("README's commands failed: %v\n%s", err, out)
	}
	for _, w := range []string{
		"diff --git a/drift/drift-log.yaml b/drift/drift-log.yaml",
		"+++ b/drift/drift-report.yaml",
		"=== dry run: remediation pull requests",
		"title: drift: Undo drift in app (2 resource(s))",
		"## 🟠 Drift in <code>app</code>",
		"app (default): would apply the saved plan this run evaluated: 2 to add, 0 to change, 0 to destroy",
		"network (default): not applied (skipped): nothing to heal: no pending change undoes drift",
		"text: Drift check: 1 new drift",
		"drift: 1 of 2 roots drifted (run local)", // git log of the real, local record
		" drift/drift-log.yaml ",
	} {
		if !strings.Contains(string(out), w) {
			t.Errorf("README's commands do not show %q:\n%s", w, out)
		}
	}
	if strings.Contains(string(out), "demo-canary-s3cr3t") {
		t.Errorf("the demo's sensitive variable leaked")
	}
}
