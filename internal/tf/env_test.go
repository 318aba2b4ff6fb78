package tf

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-exec/tfexec"
	"github.com/myorg/drift-action/internal/tfsetting"
)

// TestTargetEnvMayNotRedirectTerraform holds the rule: a target's env may
// not change where terraform reads its CLI configuration, credentials,
// providers or data, what it runs, or where it logs; it may set what the
// target's terraform and providers read.
func TestTargetEnvMayNotRedirectTerraform(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		reserved bool
	}{
		{"TF_CLI_CONFIG_FILE", true},
		{"TERRAFORM_CONFIG", true},
		{"TF_PLUGIN_CACHE_DIR", true},
		{"TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE", true},
		{"TF_PLUGIN_MAGIC_COOKIE", true},
		{"TF_DATA_DIR", true},
		{"TF_TOKEN_app_terraform_io", true},
		{"TF_REGISTRY_DISCOVERY_RETRY", true},
		{"TF_REGISTRY_CLIENT_TIMEOUT", true},
		{"TF_CLI_ARGS", true},
		{"TF_CLI_ARGS_plan", true},
		{"TF_LOG_PATH", true},
		{"TF_LOG_PROVIDER_AWS", true},
		{"TF_WORKSPACE", true},
		{"TF_IN_AUTOMATION", true},
		{"TF_FORCE_LOCAL_BACKEND", true},
		{"HOME", true},
		{"XDG_DATA_HOME", true},
		{"TF_VAR_region", false},
		{"TF_VAR_TF_CLI_CONFIG_FILE", false},
		{"TF_CLOUD_ORGANIZATION", false},
		{"AWS_PROFILE", false},
		{"GOOGLE_APPLICATION_CREDENTIALS", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			why, reserved := tfsetting.ReservedEnv(tt.name)
			if reserved != tt.reserved || reserved == (why == "") {
				t.Fatalf("tfsetting.ReservedEnv(%s) = %q, %v; want reserved %v, with a reason when reserved", tt.name, why, reserved, tt.reserved)
			}
			_, _, err := environment(nil, []string{tt.name + "=canary-value"}, "")
			if got := err != nil; got != tt.reserved {
				t.Fatalf("environment with %s set by the target: error %v, want one: %v", tt.name, err, tt.reserved)
			}
			if err != nil {
				if want := "target environment: " + tt.name + " is set by drift-action, not by a target (" + why + ")"; err.Error() != want {
					t.Errorf("error (-want +got):\n%s", cmp.Diff(want, err.Error()))
				}
				if strings.Contains(err.Error(), "canary") {
					t.Errorf("error shows the value: %v", err)
				}
			}
		})
	}
}

// TestReservedEnvCoversTerraformExec keeps the rule a superset of the
// variables terraform-exec keeps to itself.
func TestReservedEnvCoversTerraformExec(t *testing.T) {
	t.Parallel()
	for _, k := range []string{"TF_CLI_ARGS", "TF_CLI_ARGS_apply", "TF_INPUT", "TF_IN_AUTOMATION", "TF_LOG", "TF_LOG_CORE", "TF_LOG_PATH",
		"TF_LOG_PROVIDER", "TF_REATTACH_PROVIDERS", "TF_APPEND_USER_AGENT", "TF_WORKSPACE", "TF_DISABLE_PLUGIN_TLS", "TF_SKIP_PROVIDER_VERIFY"} {
		if len(tfexec.ProhibitedEnv(map[string]string{k: ""})) == 0 {
			t.Errorf("%s: terraform-exec no longer keeps it; update this list", k)
		}
		if _, reserved := tfsetting.ReservedEnv(k); !reserved {
			t.Errorf("terraform-exec keeps %s to itself, but a target may set it", k)
		}
	}
}
