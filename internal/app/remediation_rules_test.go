package app

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/remediate"
)

// drift.yaml's remediation settings and the action's input become the
// rules remediate decides with.
func TestRemediationRules(t *testing.T) {
	t.Parallel()
	f, err := config.ParseFile("drift.yaml", []byte(`remediation:
  default: auto
  safe-types: [fakecloud_instance]
  guardrails: {max-resources: 3}
  roots:
    - dir: infra/app
      strategy: apply
      types: {aws_security_group: pr}
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		input string
		want  remediate.Rules
	}{
		{
			name: "drift.yaml's default",
			want: remediate.Rules{Default: remediate.StrategyAuto, SafeTypes: []string{"fakecloud_instance"},
				Guardrails: remediate.Guardrails{MaxResources: 3, Causes: []string{"drift"}},
				Roots: []remediate.RootRule{{Dir: "infra/app", Strategy: remediate.StrategyApply, Types: []remediate.TypeRule{{Type: "aws_security_group", Strategy: remediate.StrategyPR}},
					Guardrails: remediate.Guardrails{MaxResources: 3, Causes: []string{"drift"}}}}},
		},
		{
			name: "the input sets the default", input: "pr",
			want: remediate.Rules{Default: remediate.StrategyPR, SafeTypes: []string{"fakecloud_instance"},
				Guardrails: remediate.Guardrails{MaxResources: 3, Causes: []string{"drift"}},
				Roots: []remediate.RootRule{{Dir: "infra/app", Strategy: remediate.StrategyApply, Types: []remediate.TypeRule{{Type: "aws_security_group", Strategy: remediate.StrategyPR}},
					Guardrails: remediate.Guardrails{MaxResources: 3, Causes: []string{"drift"}}}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := remediationRules(f.Remediation, tc.input)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := remediationRules(config.Remediation{}, "yolo"); err == nil {
		t.Error("remediationRules accepted remediation input \"yolo\"")
	}
}

// remediate's fallback for guardrails without max-resources is drift.yaml's
// default.
func TestRemediationDefaultsAgree(t *testing.T) {
	t.Parallel()
	if config.DefaultMaxResources != remediate.DefaultMaxResources {
		t.Errorf("config.DefaultMaxResources = %d, remediate.DefaultMaxResources = %d: keep them equal", config.DefaultMaxResources, remediate.DefaultMaxResources)
	}
}
