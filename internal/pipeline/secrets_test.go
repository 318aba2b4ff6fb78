package pipeline

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	tfjson "github.com/hashicorp/terraform-json"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/policy"
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

// A plan read for policies alone has the secrets redaction finds in the
// plan decoded for it (decodePlan, what ReadPlanFor decoded for every such
// plan before), under no masks and under masks alike, for every plan fixture, the
// secrets plan, and plans that mark something only through a member name
// encoding/json matches as written otherwise (case folded, escaped):
// whether its secrets come from the one pass (nothing marked) or from a
// decoding, none is lost.
func TestOnePassSecretsAgree(t *testing.T) {
	t.Parallel()
	plans := planFixtures(t)
	plans["secrets"] = []byte(secretsPlan)
	folded := `{"format_version": "1.2", "resource_changes": [{"address": "x.a", "mode": "managed", "type": "x", "name": "a", "change": {"actions": ["update"],
    "before": {"token": "CANARY-folded-before"}, "after": {"token": "CANARY-folded-after"}, "Before_Sensitive": {"token": true}, "AFTER_SENSITIVE": {"token": true}}}]}`
	plans["case-folded names"] = []byte(folded)
	// Each of these marks only through the one name it changes.
	plans["escaped name"] = []byte(strings.NewReplacer(`"Before_Sensitive"`, `"before_\u0073ensitive"`, `"AFTER_SENSITIVE"`, `"after_x"`).Replace(folded))
	plans["long s name"] = []byte(strings.NewReplacer(`"AFTER_SENSITIVE"`, `"after_ſensitive"`, `"Before_Sensitive"`, `"before_x"`).Replace(folded))
	masks := []struct {
		name string
		o    drift.Options
	}{
		{"no masks", drift.Options{}},
		{"mask path", drift.Options{MaskPaths: []string{"*.input", "token", "*.name"}}},
		{"mask value", drift.Options{MaskValues: []*regexp.Regexp{regexp.MustCompile(`r-1|visible|CANARY`)}}},
	}
	for name, data := range plans {
		for _, m := range masks {
			t.Run(name+"/"+m.name, func(t *testing.T) {
				t.Parallel()
				plan, err := ReadPlanFor(data, policy.RawReads{})
				if err != nil {
					t.Skipf("not a plan policies read: %v", err)
				}
				decoded, err := decodePlan(bytes.NewReader(data), false)
				if err != nil {
					t.Fatal(err)
				}
				got, err := plan.Secrets(m.o)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(drift.Secrets(decoded, m.o), got, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("secrets (-want +got):\n%s", diff)
				}
			})
		}
	}
	// Not vacuous: the marked plans are decoded, and secrets are found.
	for _, name := range []string{"secrets", "case-folded names", "escaped name", "long s name"} {
		plan, err := ReadPlanFor(plans[name], policy.RawReads{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !plan.Raw.MarksSensitive() {
			t.Errorf("%s: the one pass saw nothing marked sensitive", name)
		}
	}
	plan, err := ReadPlanFor(plans["secrets"], policy.RawReads{})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := plan.Secrets(drift.Options{}); len(got) != 6 {
		t.Errorf("secrets plan: secrets %q, want its 6 canaries", got)
	}
}
