package policy

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/open-policy-agent/opa/v1/ast"
)

// Which members of input.raw a set of policies can read.
func TestRawReads(t *testing.T) {
	t.Parallel()
	const head = "package p\n\n"
	tests := []struct {
		name  string
		files map[string]string
		want  RawReads
	}{
		{"views only", map[string]string{"a.rego": head + `deny contains a if { some a, rc in input.resource_changes; rc.change.actions[_] == "delete" }`},
			RawReads{Keys: map[string]bool{}}},
		{"one member", map[string]string{"a.rego": head + `deny contains "x" if { input.raw.prior_state.values.root_module }`},
			RawReads{Keys: map[string]bool{"prior_state": true}}},
		{"through an import", map[string]string{"a.rego": head + "import input.raw as plan\n\n" + `deny contains "x" if { plan.planned_values.root_module; plan.format_version }`},
			RawReads{Keys: map[string]bool{"planned_values": true, "format_version": true}}},
		{"raw whole", map[string]string{"a.rego": head + `deny contains "x" if { r := input.raw; r.configuration }`}, RawReads{All: true}},
		{"raw with a computed member", map[string]string{"a.rego": head + `deny contains k if { some k; input.raw[k] }`}, RawReads{All: true}},
		{"input whole", map[string]string{"a.rego": head + `deny contains json.marshal(input) if { true }`}, RawReads{All: true}},
		{"input as an argument", map[string]string{"a.rego": head + "f(x) := x.raw.prior_state\n\n" + `deny contains "x" if { f(input) }`}, RawReads{All: true}},
		{"input with a computed member", map[string]string{"a.rego": head + `deny contains k if { some k; input[k].prior_state }`}, RawReads{All: true}},
		{"tests do not count", map[string]string{
			"a.rego":      head + `deny contains "x" if { input.drift.drifted }`,
			"a_test.rego": head + `test_a if { deny with input as {"raw": {}} ; input.raw.prior_state }`,
		}, RawReads{Keys: map[string]bool{}, Verdict: true}},
		{"the verdict through an import", map[string]string{"a.rego": head + "import input.drift as verdict\n\n" + `deny contains "x" if { verdict.status == "drifted" }`},
			RawReads{Keys: map[string]bool{}, Verdict: true}},
		{"the verdict read by tests only", map[string]string{
			"a.rego":      head + `deny contains "x" if { input.resource_changes }`,
			"a_test.rego": head + `test_a if { input.drift.status }`,
		}, RawReads{Keys: map[string]bool{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := Load(context.Background(), Dirs(writePolicies(t, tt.files)), Set{}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, e.RawReads(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("RawReads (-want +got):\n%s", diff)
			}
		})
	}
}

// A plan parsed for what the policies read is the whole plan less the
// members no policy reads, for every fixture; and the policies that read
// those members see them.
func TestParsePlanForLeavesOutOnlyUnread(t *testing.T) {
	t.Parallel()
	reads := map[string]RawReads{
		"all": {All: true}, "views only": {},
		"prior_state":                      {Keys: map[string]bool{"prior_state": true}},
		"planned_values and configuration": {Keys: map[string]bool{"planned_values": true, "configuration": true}},
	}
	for name, b := range testPlans(t) {
		for rname, r := range reads {
			t.Run(name+"/"+rname, func(t *testing.T) {
				t.Parallel()
				var want map[string]any
				if err := json.Unmarshal(b, &want); err != nil {
					t.Fatal(err)
				}
				for k := range r.skipped() {
					delete(want, k)
				}
				v, err := ParsePlanFor(b, r)
				if err != nil {
					t.Fatal(err)
				}
				got, err := ast.JSON(v.Value)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(normalise(want), normalise(got)); diff != "" {
					t.Errorf("reads %+v (-want +got):\n%s", r, diff)
				}
				// What redaction reads of configuration is read all the same.
				whole, err := ParsePlan(b)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(whole.sensitiveVars, v.sensitiveVars); diff != "" {
					t.Errorf("sensitive variables, reads %+v (-whole +parsed for reads):\n%s", r, diff)
				}
			})
		}
	}
}

// The same policies give the same results on a plan parsed whole and on
// one parsed for what they read.
func TestEvalSameOnPlansParsedForReads(t *testing.T) {
	t.Parallel()
	e, err := Load(context.Background(), Dirs(writePolicies(t, map[string]string{"a.rego": `package p

deny contains sprintf("%s drifted", [a]) if { some a, _ in input.resource_drift }

warn contains sprintf("prior %d", [count(input.raw.prior_state.values.root_module.resources)]) if { input.raw.prior_state }

warn contains sprintf("changes %d", [count(input.raw.resource_changes)]) if { true }
`})), Set{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if e.RawReads().All || !e.RawReads().Keys["prior_state"] {
		t.Fatalf("RawReads %+v, want prior_state and resource_changes only", e.RawReads())
	}
	// A plan with the bulky members terraform writes.
	var doc map[string]any
	if err := json.Unmarshal(bigPlan(20), &doc); err != nil {
		t.Fatal(err)
	}
	state := map[string]any{"values": map[string]any{"root_module": map[string]any{"resources": []any{
		map[string]any{"address": "terraform_data.a"}, map[string]any{"address": "terraform_data.b"}, map[string]any{"address": "terraform_data.c"},
	}}}}
	doc["prior_state"], doc["planned_values"] = state, state["values"]
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	results := func(raw Plan) []Result {
		t.Helper()
		rs, err := e.Eval(context.Background(), NewInput(raw, drift.Result{}, RunContext{}, Masks{}), nil)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	whole, err := ParsePlan(b)
	if err != nil {
		t.Fatal(err)
	}
	part, err := ParsePlanFor(b, e.RawReads())
	if err != nil {
		t.Fatal(err)
	}
	if got := part.Value.(ast.Object).Get(ast.StringTerm("planned_values")); got != nil {
		t.Errorf("planned_values was built though no policy reads it")
	}
	if got := part.Value.(ast.Object).Get(ast.StringTerm("prior_state")); got == nil {
		t.Errorf("prior_state was left out though a policy reads it")
	}
	want := results(whole)
	var msgs []string
	for _, r := range want {
		msgs = append(msgs, r.Msg)
	}
	if diff := cmp.Diff([]string{"changes 20", "prior 3"}, msgs, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Fatalf("results on the whole plan (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, results(part)); diff != "" {
		t.Errorf("results (-whole +parsed for reads):\n%s", diff)
	}
}

// FuzzParseSkipping: leaving members out never changes what is kept, and
// refuses exactly what the whole parse refuses (a plan given to policy
// check may be decoded by nothing else).
func FuzzParseSkipping(f *testing.F) {
	f.Add([]byte(planJSON))
	f.Add([]byte(`{"prior_state": {"a": ["x\"}", 1, {"b": "]"}]}, "k": 1}`))
	f.Add([]byte(`{"configuration": "a\\", "prior_state": -1.5e3, "planned_values": null, "z": [true]}`))
	f.Add([]byte(`{"prior_state": {"a": "\u00e9\n", "b": [01]}}`))
	f.Add([]byte(`{"planned_values": {"a": tru}, "k": 1}`))
	f.Add([]byte(`{"configuration": {"a": "\x"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		skip := map[string]bool{"prior_state": true, "planned_values": true, "configuration": true}
		whole, werr := parseJSON(data)
		part, perr := parseJSONSkipping(data, skip)
		if (werr == nil) != (perr == nil) {
			t.Fatalf("whole parse: %v; skipping parse: %v", werr, perr)
		}
		if werr != nil {
			return
		}
		obj, ok := whole.(ast.Object)
		if !ok {
			if diff := cmp.Diff(whole.String(), part.String()); diff != "" {
				t.Errorf("non-object (-whole +skipping):\n%s", diff)
			}
			return
		}
		want := ast.NewObject()
		obj.Foreach(func(k, v *ast.Term) {
			if s, ok := k.Value.(ast.String); !ok || !skip[string(s)] {
				want.Insert(k, v)
			}
		})
		if want.Compare(part) != 0 {
			t.Errorf("kept members differ:\nwant %v\ngot  %v", want, part)
		}
	})
}

// A key given twice in one object keeps its last value, as encoding/json
// (the classifier's reading) keeps it, so policies and the classifier read
// the same plan; OPA's objects would keep both and find the first.
func TestParseDuplicateKeysLastWins(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"small object", `{"a": 1, "b": 2, "a": 3}`, `{"a": 3, "b": 2}`},
		{"empty key", `{"": "", "": "x"}`, `{"": "x"}`},
		{"large object", `{"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k1":10}`, `{"k1":10,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9}`},
		{"nested", `{"o": {"x": 1, "x": 2}}`, `{"o": {"x": 2}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseJSON([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			var v any
			if err := json.Unmarshal([]byte(tc.in), &v); err != nil {
				t.Fatal(err)
			}
			fromJSON, err := ast.InterfaceToValue(v)
			if err != nil {
				t.Fatal(err)
			}
			want := ast.MustParseTerm(tc.want).Value
			if want.Compare(got) != 0 || fromJSON.Compare(got) != 0 {
				t.Errorf("parsed %v, want %v (encoding/json: %v)", got, want, fromJSON)
			}
		})
	}
}
