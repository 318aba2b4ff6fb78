package pipeline

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	tfjson "github.com/hashicorp/terraform-json"
	"github.com/myorg/drift-action/internal/drift"
)

// secretsPlan holds sensitive values in every member redaction reads,
// among bulky ones it reads past.
const secretsPlan = `{
  "format_version": "1.2", "terraform_version": "1.11.4",
  "variables": {"pw": {"value": "CANARY-var-value"}, "plain": {"value": "visible-var"}},
  "resource_changes": [{"address": "x.a", "mode": "managed", "type": "x", "name": "a", "change": {"actions": ["update"],
    "before": {"token": "CANARY-before"}, "after": {"token": "CANARY-after"}, "before_sensitive": {"token": true}, "after_sensitive": {"token": true}}}],
  "prior_state": {"format_version": "1.0", "values": {"root_module": {"resources": [
    {"address": "x.plain", "values": {"name": "visible-state"}, "sensitive_values": {}},
    {"address": "x.a", "values": {"token": "CANARY-before"}, "sensitive_values": {"token": true}}],
    "child_modules": [{"resources": [
    {"address": "module.m.data.v.s", "values": {"data": {"token": "CANARY-data-token"}, "path": "visible-path"}, "sensitive_values": {"data": {"token": true}}}]}]}}},
  "planned_values": {"outputs": {"p": {"sensitive": true, "value": ["CANARY-planned-output"]}, "q": {"sensitive": false, "value": "visible-q"}},
    "root_module": {"resources": [{"address": "x.a", "values": {"token": "CANARY-after"}, "sensitive_values": {"token": true}}]}},
  "configuration": {"root_module": {"resources": [{"address": "x.a", "expressions": {"token": {"references": ["var.pw"]}}}],
    "variables": {"pw": {"sensitive": true, "default": "CANARY-var-default"}, "plain": {"default": "visible-default"}}}}
}`

// Redaction reads of a plan what it would of the plan decoded whole: the
// lean reading of the bulky members drops nothing it needs. Read for no
// verdict, only the members policies may leave unread are read, and every
// secret only they hold is found.
func TestDecodedSecretsAgree(t *testing.T) {
	t.Parallel()
	var whole tfjson.Plan
	if err := json.Unmarshal([]byte(secretsPlan), &whole); err != nil {
		t.Fatal(err)
	}
	all := drift.Secrets(&whole, drift.Options{})
	tests := []struct {
		name    string
		verdict bool
		want    []string
	}{
		{"for a verdict", true, all},
		{"for policies alone", false, []string{"CANARY-after", "CANARY-before", "CANARY-data-token", "CANARY-planned-output", "CANARY-var-default", "CANARY-var-value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := decodePlan(bytes.NewReader([]byte(secretsPlan)), tt.verdict)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, drift.Secrets(p, drift.Options{})); diff != "" {
				t.Errorf("secrets (-want +got):\n%s", diff)
			}
		})
	}
	if len(all) != 6 {
		t.Errorf("the whole plan has %d secrets, want 6: %q", len(all), all)
	}
}
