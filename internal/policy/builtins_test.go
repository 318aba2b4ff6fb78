package policy

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/myorg/drift-action/internal/drift"
)

// A builtin error inside a deny used to leave the rule undefined, so the
// deny passed silently; it must fail the evaluation instead.
func TestEvalBuiltinErrorFailsClosed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"json.unmarshal of bad input", `deny contains "bad json" if {
	doc := json.unmarshal(input.context.root)
	doc.x
}`, []string{"p.rego:4:", "json.unmarshal"}},
		{"division by zero", `deny contains "divided" if {
	n := count(input.context.target)
	100 / n > 1
}`, []string{"p.rego:5:", "div"}},
		{"type error", `deny contains "typed" if {
	input.context.root + 1 > 0
}`, []string{"p.rego:4:", "plus", "string"}},
		{"to_number of a word", `deny contains "number" if {
	to_number(input.context.root) > 1
}`, []string{"p.rego:4:", "to_number"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := writePolicies(t, map[string]string{"p.rego": "package p\n\n" + tt.body + "\n"})
			e, err := Load(context.Background(), Dirs(dir), Set{}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			rs, err := e.Eval(context.Background(), NewInput(Plan{}, drift.Result{}, RunContext{Root: "{not json", Target: ""}, Masks{}), nil)
			if err == nil {
				t.Fatalf("a builtin error must fail the evaluation, got results %+v", rs)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}

// `policy test` must see the same builtin errors as evaluation: a test that
// passes only because a deny silently failed is an error.
func TestRunTestsBuiltinErrorIsAnError(t *testing.T) {
	t.Parallel()
	dir := writePolicies(t, map[string]string{
		"p.rego":      "package p\n\ndeny contains \"bad\" if {\n\tdoc := json.unmarshal(input.raw)\n\tdoc.open\n}\n",
		"p_test.rego": "package p_test\n\nimport data.p\n\ntest_not_denied if { count(p.deny) == 0 with input as {\"raw\": \"{nope\"} }\n",
	})
	var out strings.Builder
	sum, err := RunTests(context.Background(), Dirs(dir), Set{}, &out, time.Minute, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(TestSummary{Errored: 1}, sum); diff != "" {
		t.Errorf("summary (-want +got):\n%s\noutput:\n%s", diff, out.String())
	}
	if !strings.Contains(out.String(), "json.unmarshal") {
		t.Errorf("output does not name the builtin:\n%s", out.String())
	}
}
