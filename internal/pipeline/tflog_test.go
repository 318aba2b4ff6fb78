package pipeline

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/tftest"
)

// sensitiveRoot holds a sensitive value in its state: terraform's DEBUG log
// prints a resource's stored attributes when it upgrades its state.
func sensitiveRoot(value string) string {
	return `variable "pw" {
  type      = string
  sensitive = true
  default   = "` + value + `"
}
resource "terraform_data" "x" {
  input = var.pw
}
`
}

// TestTerraformLogHoldsNoSecret: with --terraform-log-dir each target's
// terraform log is a file of terraform's DEBUG log, and the value the plan
// marks sensitive, which terraform wrote into it, is redacted, whether the
// plan is clean (shown for the log alone) or has changes.
func TestTerraformLogHoldsNoSecret(t *testing.T) {
	tftest.Long(t)
	t.Parallel()
	env := tftest.Setup(t)
	const canary = "CANARY-tf-log-s3cr3t"
	tests := []struct {
		name       string
		code       string // the root's code after it was applied with the canary
		wantStatus drift.Status
	}{
		{name: "clean", code: sensitiveRoot(canary), wantStatus: drift.StatusClean},
		{name: "pending change", code: sensitiveRoot("another-value"), wantStatus: drift.StatusChanged},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			root := tftest.WriteRoot(t, dir, "infra/app", map[string]string{"main.tf": sensitiveRoot(canary)})
			env.Apply(t, root)
			tftest.WriteRoot(t, dir, "infra/app", map[string]string{"main.tf": tc.code})
			c := detectConfig(env, dir, nil, "infra/app")
			c.TerraformLogDir, c.Terraform.LogLevel = filepath.Join(dir, "logs"), "DEBUG"
			var progress bytes.Buffer
			run, err := Detect(context.Background(), c, &progress, nil)
			defer run.Close()
			if err != nil {
				t.Fatalf("Detect: %v\n%s", err, progress.String())
			}
			v := run.Verdicts[0]
			if v.Result.Status != tc.wantStatus {
				t.Fatalf("status %s (%s), want %s", v.Result.Status, v.Result.Error, tc.wantStatus)
			}
			if tc.wantStatus == drift.StatusClean && v.PlanJSONFile != "" {
				t.Errorf("a clean plan got a plan JSON file for the verdict (%s): logging changed the verdict's input", v.PlanJSONFile)
			}
			if filepath.Dir(v.TerraformLog) != c.TerraformLogDir {
				t.Fatalf("terraform log %q, want a file in %s", v.TerraformLog, c.TerraformLogDir)
			}
			data, err := os.ReadFile(v.TerraformLog)
			if err != nil {
				t.Fatal(err)
			}
			log := string(data)
			if !strings.Contains(log, "[DEBUG]") || !strings.Contains(log, "UpgradeResourceState") {
				t.Fatalf("%s is not terraform's DEBUG log of the plan:\n%.2000s", v.TerraformLog, log)
			}
			if strings.Contains(log, canary) {
				t.Errorf("terraform's log holds the sensitive value %s", canary)
			}
			if !strings.Contains(log, drift.Sensitive) {
				t.Errorf("terraform's log shows no %s where it printed the value", drift.Sensitive)
			}
			if strings.Contains(progress.String(), canary) {
				t.Errorf("the progress output holds the sensitive value:\n%s", progress.String())
			}
		})
	}
}
