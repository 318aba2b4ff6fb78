package policy

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/open-policy-agent/opa/v1/ast"
)

// maskedPlan holds the canary instance type everywhere terraform writes an
// attribute value: changes, drift, planned values, prior state, the
// configuration's constant, and a variable feeding it. A value matching the
// value mask sits in an output.
const maskedPlan = `{
  "format_version": "1.2",
  "variables": {"size": {"value": "canary-9f2c1e"}},
  "resource_changes": [
    {"address": "aws_instance.web", "mode": "managed", "type": "aws_instance", "name": "web",
     "change": {"actions": ["update"],
       "before": {"instance_type": "canary-9f2c1e", "tags": {"env": "prod"}, "disk": [{"size": 10, "kind": "canary-9f2c1e"}]},
       "after": {"instance_type": "canary-9f2c1e", "tags": {"env": "prod", "key": "AKIAABCDEFGHIJKLMNOP"}, "disk": [{"size": 20, "kind": "canary-9f2c1e"}]},
       "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {"disk": [{}]}}}
  ],
  "resource_drift": [
    {"address": "aws_instance.web", "mode": "managed", "type": "aws_instance", "name": "web",
     "change": {"actions": ["update"], "before": {"instance_type": "small"}, "after": {"instance_type": "canary-9f2c1e"},
       "before_sensitive": false, "after_sensitive": {}}}
  ],
  "planned_values": {"root_module": {"child_modules": [{"resources": [
    {"address": "module.m.aws_instance.web", "values": {"instance_type": "canary-9f2c1e"}, "sensitive_values": {}}]}]},
    "outputs": {"key": {"sensitive": false, "value": "AKIAABCDEFGHIJKLMNOP"}}},
  "prior_state": {"values": {"root_module": {"resources": [
    {"address": "aws_instance.web", "values": {"instance_type": "canary-9f2c1e"}, "sensitive_values": {}}]}}},
  "output_changes": {"key": {"actions": ["create"], "before": null, "after": "AKIAABCDEFGHIJKLMNOP", "before_sensitive": false, "after_sensitive": false}},
  "configuration": {"root_module": {"resources": [
    {"address": "aws_instance.web", "expressions": {"instance_type": {"constant_value": "canary-9f2c1e"},
      "disk": [{"kind": {"constant_value": "canary-9f2c1e"}, "size": {"constant_value": 20}}]}}],
    "module_calls": {"m": {"module": {"resources": [
      {"address": "aws_instance.web", "expressions": {"instance_type": {"constant_value": "canary-9f2c1e"}}}]}}}}}
}`

var testMasks = Masks{Paths: []string{"instance_type", "disk[*].kind"}, Values: []*regexp.Regexp{regexp.MustCompile(`AKIA[0-9A-Z]{16}`)}}

func TestNewInputMasks(t *testing.T) {
	t.Parallel()
	raw, err := ParsePlan([]byte(maskedPlan))
	if err != nil {
		t.Fatal(err)
	}
	in := NewInput(raw, drift.Result{}, RunContext{}, testMasks)
	text := in.Value.String()
	for _, leak := range []string{"canary-9f2c1e", "AKIAABCDEFGHIJKLMNOP"} {
		if strings.Contains(text, leak) {
			t.Errorf("the input still holds the masked value %s:\n%s", leak, text)
		}
	}
	get := func(path string) any {
		ref := ast.MustParseRef("x." + path)
		v, err := in.Value.Find(ref[1:])
		if err != nil {
			t.Fatalf("input.%s: %v", path, err)
		}
		j, _ := ast.JSON(v)
		return j
	}
	tests := []struct {
		name string
		path string
		want any
	}{
		{"masked path replaced", `resource_changes["aws_instance.web"].change.after.instance_type`, drift.Sensitive},
		{"and marked sensitive", `resource_changes["aws_instance.web"].change.after_sensitive`, map[string]any{"instance_type": true, "disk": []any{map[string]any{"kind": true}}, "tags": map[string]any{"key": true}}},
		{"sensitivity from nothing", `resource_changes["aws_instance.web"].change.before_sensitive`, map[string]any{"instance_type": true, "disk": []any{map[string]any{"kind": true}}}},
		{"other values kept", `resource_changes["aws_instance.web"].change.after.disk[0].size`, json.Number("20")},
		{"drift", `resource_drift["aws_instance.web"].change.after.instance_type`, drift.Sensitive},
		{"drift before that is not masked by value", `resource_drift["aws_instance.web"].change.before.instance_type`, drift.Sensitive},
		{"drift sensitivity false becomes a tree", `resource_drift["aws_instance.web"].change.before_sensitive`, map[string]any{"instance_type": true}},
		{"raw is the masked plan", `raw.resource_changes[0].change.before.instance_type`, drift.Sensitive},
		{"planned values in child modules", `raw.planned_values.root_module.child_modules[0].resources[0].values.instance_type`, drift.Sensitive},
		{"planned sensitive values", `raw.planned_values.root_module.child_modules[0].resources[0].sensitive_values`, map[string]any{"instance_type": true}},
		{"prior state", `raw.prior_state.values.root_module.resources[0].values.instance_type`, drift.Sensitive},
		{"configuration constant", `raw.configuration.root_module.resources[0].expressions.instance_type.constant_value`, drift.Sensitive},
		{"configuration nested block", `raw.configuration.root_module.resources[0].expressions.disk[0].kind.constant_value`, drift.Sensitive},
		{"configuration of a module", `raw.configuration.root_module.module_calls.m.module.resources[0].expressions.instance_type.constant_value`, drift.Sensitive},
		{"variable holding the masked value", `variables.size.value`, drift.Sensitive},
		{"value mask in outputs", `output_changes.key.after`, drift.Sensitive},
		{"value mask in planned outputs", `raw.planned_values.outputs.key.value`, drift.Sensitive},
		{"value mask in attributes", `resource_changes["aws_instance.web"].change.after.tags.key`, drift.Sensitive},
		{"addresses untouched", `resource_changes["aws_instance.web"].address`, "aws_instance.web"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, get(tt.path)); diff != "" {
				t.Errorf("input.%s (-want +got):\n%s", tt.path, diff)
			}
		})
	}
	// The plan the caller holds is not changed.
	if !strings.Contains(raw.Value.String(), "canary-9f2c1e") {
		t.Errorf("NewInput changed the caller's plan")
	}
}

func TestEvalRedactsMasked(t *testing.T) {
	t.Parallel()
	dir := writePolicies(t, map[string]string{"leak.rego": `package leak

# Policies can rebuild a secret they cannot see; messages are still redacted.
warn contains "instance canary-9f2c1e is masked by path" if { true }
warn contains {"msg": "key AKIAZYXWVUTSRQPONMLK matches a value mask", "resource": "canary-9f2c1e"} if { true }
warn contains "db CANARY-db-secret is sensitive to terraform" if { true }
warn contains sprintf("type is %s", [input.resource_changes["aws_instance.web"].change.after.instance_type]) if { true }
`})
	e, err := Load(context.Background(), Dirs(dir), Set{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		plan  string
		masks Masks
		want  []string
	}{
		{"masks apply", maskedPlan, testMasks, []string{
			": db CANARY-db-secret is sensitive to terraform", // not in this plan
			": instance (sensitive) is masked by path",
			": type is (sensitive)",
			"(sensitive): key (sensitive) matches a value mask",
		}},
		{"no masks, terraform's sensitive values", planJSON, Masks{}, []string{
			": db (sensitive) is sensitive to terraform",
			": instance canary-9f2c1e is masked by path",
			"canary-9f2c1e: key AKIAZYXWVUTSRQPONMLK matches a value mask",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			raw, err := ParsePlan([]byte(tt.plan))
			if err != nil {
				t.Fatal(err)
			}
			rs := evalRedacted(t, e, NewInput(raw, drift.Result{}, RunContext{}, tt.masks), tt.masks)
			var got []string
			for _, r := range rs {
				got = append(got, r.Resource+": "+r.Msg)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckOverrides(t *testing.T) {
	t.Parallel()
	dir := writePolicies(t, map[string]string{
		"a.rego": "package terraform.cost\n\ndeny contains 1 if { false }\n",
		"b.rego": "package terraform.security.network\n\ndeny contains 1 if { false }\n",
		"c.rego": "package terraform.drift\n\ndeny contains 1 if { false }\n",
	})
	set := Set{Default: Advisory, Entries: []SetEntry{{Name: "terraform.security.*", Level: HardMandatory}, {Name: "terraform.cost", Level: SoftMandatory}}}
	e, err := Load(context.Background(), Dirs(dir), set, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const listed = "the policies are: terraform.cost (soft-mandatory), terraform.drift (advisory), terraform.security.network (hard-mandatory)"
	tests := []struct {
		name      string
		overrides []Override
		want      []string // substrings of the error; none: no error
	}{
		{name: "soft-mandatory by name", overrides: []Override{{Name: "terraform.cost", Source: "flag"}}},
		{name: "advisory does no harm", overrides: []Override{{Name: "terraform.drift", Source: "config"}}},
		{name: "glob over soft-mandatory", overrides: []Override{{Name: "terraform.c*", Source: "input"}}},
		{name: "no such policy", overrides: []Override{{Name: "terraform.costs", Source: "label", By: "alice"}},
			want: []string{"override \"terraform.costs\" (label by \"alice\") names no loaded policy", listed}},
		{name: "glob matching nothing", overrides: []Override{{Name: "aws.*", Source: "config"}},
			want: []string{"override \"aws.*\" (config) names no loaded policy", listed}},
		{name: "hard-mandatory", overrides: []Override{{Name: "terraform.security.network", Source: "label", By: "(unknown)"}},
			want: []string{"override \"terraform.security.network\" (label by \"(unknown)\") names hard-mandatory terraform.security.network", listed}},
		{name: "glob reaching a hard-mandatory policy", overrides: []Override{{Name: "terraform.*", Source: "flag"}},
			want: []string{"override \"terraform.*\" (flag) names hard-mandatory terraform.security.network"}},
		{name: "every bad one is named", overrides: []Override{{Name: "x", Source: "flag"}, {Name: "terraform.cost", Source: "flag"}, {Name: "y", Source: "input"}},
			want: []string{"override \"x\" (flag)", "override \"y\" (input)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := e.CheckOverrides(tt.overrides)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("want an error, got none")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}
