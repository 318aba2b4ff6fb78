package policy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/open-policy-agent/opa/v1/ast"
)

// rc is one resource change with a valid shape; edit() replaces its JSON.
const rc = `{"address": "aws_instance.a", "mode": "managed", "type": "aws_instance", "name": "a", "change": {"actions": ["update"], "before": {}, "after": {}}}`

func TestParsePlanRejectsWrongShapes(t *testing.T) {
	t.Parallel()
	plan := func(body string) string { return `{"format_version": "1.2"` + body + `}` }
	tests := []struct {
		name, plan, want string
	}{
		{"no format_version", `{"resource_changes": []}`, "format_version: missing"},
		{"format_version a number", `{"format_version": 1.2}`, "format_version: want a string such as \"1.2\", got number"},
		{"format_version 0.x", `{"format_version": "0.2"}`, `format_version: "0.2" is not supported`},
		{"format_version 2.x", `{"format_version": "2.0"}`, `format_version: "2.0" is not supported`},
		{"resource_changes an object", plan(`, "resource_changes": {"aws_instance.a": ` + rc + `}`), "resource_changes: want an array of objects, got object"},
		{"resource_changes null", plan(`, "resource_changes": null`), "resource_changes: want an array of objects, got null"},
		{"null entry", plan(`, "resource_changes": [` + rc + `, null]`), "resource_changes[1]: want an object, got null"},
		{"actions a string", plan(`, "resource_changes": [` + rc + `, ` + rc + `, ` + strings.Replace(rc, `["update"]`, `"update"`, 1) + `]`), "resource_changes[2].change.actions: want an array of strings, got string"},
		{"actions missing", plan(`, "resource_changes": [` + strings.Replace(rc, `"actions": ["update"], `, "", 1) + `]`), "resource_changes[0].change.actions: missing"},
		{"actions empty", plan(`, "resource_changes": [` + strings.Replace(rc, `["update"]`, `[]`, 1) + `]`), "resource_changes[0].change.actions: empty"},
		{"unknown action", plan(`, "resource_changes": [` + strings.Replace(rc, `"update"`, `"upgrade"`, 1) + `]`), `resource_changes[0].change.actions[0]: unknown action "upgrade"`},
		{"action a number", plan(`, "resource_changes": [` + strings.Replace(rc, `["update"]`, `["update", 1]`, 1) + `]`), "resource_changes[0].change.actions[1]: want a string, got number"},
		{"change missing", plan(`, "resource_drift": [{"address": "a.b", "mode": "managed", "type": "a"}]`), "resource_drift[0].change: missing"},
		{"change null", plan(`, "resource_drift": [{"address": "a.b", "mode": "managed", "type": "a", "change": null}]`), "resource_drift[0].change: want an object, got null"},
		{"address missing", plan(`, "resource_changes": [` + strings.Replace(rc, `"address": "aws_instance.a", `, "", 1) + `]`), "resource_changes[0].address: missing: want a string"},
		{"type a number", plan(`, "resource_changes": [` + strings.Replace(rc, `"type": "aws_instance"`, `"type": 7`, 1) + `]`), "resource_changes[0].type: want a string, got number"},
		{"unknown mode", plan(`, "resource_changes": [` + strings.Replace(rc, `"managed"`, `"ephemeral"`, 1) + `]`), `resource_changes[0].mode: want managed or data, got "ephemeral"`},
		{"after_sensitive a string", plan(`, "resource_changes": [` + strings.Replace(rc, `"after": {}`, `"after": {}, "after_sensitive": "true"`, 1) + `]`), "resource_changes[0].change.after_sensitive: want a boolean, an object or an array, got string"},
		{"output_changes an array", plan(`, "output_changes": []`), "output_changes: want an object, got array"},
		{"output change without actions", plan(`, "output_changes": {"ip": {"before": 1, "after": 2}}`), "output_changes.ip.actions: missing"},
		{"output change a string", plan(`, "output_changes": {"my ip": "1.2.3.4"}`), `output_changes["my ip"]: want an object, got string`},
		{"variables a list", plan(`, "variables": ["region"]`), "variables: want an object, got array"},
		{"sensitive not a boolean", plan(`, "configuration": {"root_module": {"variables": {"pw": {"sensitive": "yes"}}}}`), "configuration.root_module.variables.pw.sensitive: want a boolean, got string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if !json.Valid([]byte(tt.plan)) {
				t.Fatalf("test plan is not JSON: %s", tt.plan)
			}
			// Refused alike when the members no policy reads are left out:
			// what redaction reads of them is checked all the same.
			for name, r := range map[string]RawReads{"whole": {All: true}, "views only": {}} {
				_, err := ParsePlanFor([]byte(tt.plan), r)
				if err == nil {
					t.Fatalf("%s: want an error naming %q, got none", name, tt.want)
				}
				if !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s: error %q does not contain %q", name, err, tt.want)
				}
			}
		})
	}
}

// Plans terraform wrote (the classifier's fixtures), the ones the other
// tests use and a large generated one all pass.
func TestParsePlanAcceptsTerraformPlans(t *testing.T) {
	t.Parallel()
	for name, b := range testPlans(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := ParsePlan(b); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// testPlans are the plans terraform wrote (the classifier's fixtures), the
// one the other tests use and a large generated one, by name.
func testPlans(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "drift", "testdata", "plans", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no plan fixtures: %v", err)
	}
	plans := map[string][]byte{"planJSON": []byte(planJSON), "bigPlan": bigPlan(50)}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		plans[filepath.Base(f)] = b
	}
	return plans
}

// FuzzParsePlan: the hand-written parser and the shape check never panic,
// accept only valid JSON, and what they accept is safe for Input and
// Secrets (pipeline.FuzzReadPlan covers the verdict).
func FuzzParsePlan(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "drift", "testdata", "plans", "*.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(planJSON))
	f.Add([]byte(`{"format_version": "1.2", "resource_changes": [` + rc + `, null]}`))
	f.Add([]byte(`{"format_version": "1.2", "output_changes": {"a": {"actions": "update"}}}`))
	f.Add([]byte(`{"format_version": "1.2", "resource_changes": "x\u00e9\\ud800"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, perr := parseJSON(data)
		if valid := json.Valid(data); valid != (perr == nil) {
			t.Fatalf("parseJSON error %v, but encoding/json says valid=%v", perr, valid)
		}
		if perr == nil {
			var want any
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			got, err := ast.JSON(v)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(normalise(want), normalise(got)); diff != "" {
				t.Errorf("parsed value differs from encoding/json (-want +got):\n%s", diff)
			}
		}
		raw, err := ParsePlan(data)
		if err != nil {
			return
		}
		NewInput(raw, drift.Result{}, RunContext{}, Masks{Paths: []string{"*"}})
	})
}

// normalise makes numbers comparable across the two decoders.
func normalise(v any) any {
	b, _ := json.Marshal(v)
	var out any
	json.Unmarshal(b, &out)
	return out
}
