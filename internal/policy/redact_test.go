package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/open-policy-agent/opa/v1/ast"
)

// canary is a secret with every character text escapes: quotes, a
// backslash, a newline, and <, > and & (which json.Marshal writes as
// \u003c, \u003e and \u0026).
const canary = "cAnary \"q\" <b> & co\nline two \\ end"

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRedactEveryForm(t *testing.T) {
	t.Parallel()
	r := NewRedactor([]string{canary, "abcdefgh", "efghijkl", "abc"}, []*regexp.Regexp{regexp.MustCompile(`AKIA[0-9A-Z]{16}`)})
	lines := strings.Split(canary, "\n")
	tests := []struct {
		name, text, want string
	}{
		{"as is", "password: " + canary + "!", "password: (sensitive)!"},
		{"JSON-escaped inside json.Marshal of an object", mustJSON(t, map[string]any{"pw": canary, "n": 1}), `{"n":1,"pw":"(sensitive)"}`},
		{"JSON-escaped without HTML escaping", func() string {
			var b strings.Builder
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			_ = enc.Encode([]string{canary})
			return strings.TrimSpace(b.String())
		}(), `["(sensitive)"]`},
		{"%q", fmt.Sprintf("got %q", canary), `got "(sensitive)"`},
		{"%+q", fmt.Sprintf("got %+q", canary+"é"), `got "(sensitive)\u00e9"`},
		{"split across lines", "first: " + lines[0] + "\n  second: " + lines[1], "first: (sensitive)\n  second: (sensitive)"},
		{"re-indented with CRLF", "  " + lines[0] + "\r\n  " + lines[1] + "\r\n", "  (sensitive)\r\n  (sensitive)\r\n"},
		{"inside a sprintf'd map", fmt.Sprintf("%v", map[string]any{"pw": canary}), "map[pw:(sensitive)]"},
		{"inside an object as Rego prints it", ast.MustInterfaceToValue(map[string]any{"pw": canary}).String(), `{"pw": "(sensitive)"}`},
		{"JSON inside JSON", mustJSON(t, map[string]string{"doc": mustJSON(t, map[string]string{"pw": canary})}), `{"doc":"{\"pw\":\"(sensitive)\"}"}`},
		{"quoted JSON", fmt.Sprintf("%q", mustJSON(t, []string{canary})), `"[\"(sensitive)\"]"`},
		{"overlapping secrets are one span", "x abcdefghijkl y", "x (sensitive) y"},
		{"touching secrets", "abcdefghabcdefgh", "(sensitive)"},
		{"shorter than worth hiding", "abc is kept", "abc is kept"},
		{"value mask", "key AKIAABCDEFGHIJKLMNOP", "key (sensitive)"},
		{"nothing secret", "plain text & <tags>", "plain text & <tags>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, r.Redact(tt.text)); diff != "" {
				t.Errorf("Redact(%q) (-want +got):\n%s", tt.text, diff)
			}
		})
	}
}

// Policies print a sensitive value in every form Rego can write it; each
// result the engine returns is redacted, and nothing else redacts.
func TestEvalRedactsEveryForm(t *testing.T) {
	t.Parallel()
	dir := writePolicies(t, map[string]string{"leak.rego": `package leak

pw := input.raw.variables.db_password.value

warn contains sprintf("as is: %s", [pw])
warn contains json.marshal({"pw": pw, "n": 1})
warn contains json.marshal_with_options({"pw": pw}, {"pretty": true, "indent": "  "})
warn contains sprintf("map: %v", [{"pw": pw}])
warn contains sprintf("lines: %v", [split(pw, "\n")])
warn contains concat(" / ", split(pw, "\n"))
warn contains yaml.marshal({"pw": pw})
warn contains {"msg": "named", "resource": json.marshal([pw])}
`})
	e, err := Load(context.Background(), Dirs(dir), Set{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	plan := strings.Replace(planJSON, `"CANARY-var-secret"`, mustJSON(t, canary), 1)
	raw, err := ParsePlan([]byte(plan))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := e.Eval(context.Background(), NewInput(raw, drift.Result{}, RunContext{}, Masks{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rs {
		got = append(got, r.Resource+" | "+r.Msg)
	}
	want := []string{
		" | (sensitive) / (sensitive)",
		" | as is: (sensitive)",
		" | lines: [\"(sensitive)\", \"(sensitive)\"]",
		" | map: {\"pw\": \"(sensitive)\"}",
		" | pw: |-\n  (sensitive)\n  (sensitive)\n",
		" | {\n  \"pw\": \"(sensitive)\"\n}",
		" | {\"n\":1,\"pw\":\"(sensitive)\"}",
		"[\"(sensitive)\"] | named",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
}

// Every place terraform marks a value sensitive that a policy can read is
// a secret: data sources are only in prior_state, a sensitive variable's
// default only in configuration.
func TestSecretsWherePoliciesCanRead(t *testing.T) {
	t.Parallel()
	const plan = `{
  "format_version": "1.2",
  "variables": {"pw": {"value": "CANARY-var-value"}},
  "prior_state": {"values": {"root_module": {"child_modules": [{"resources": [
    {"address": "module.m.data.vault_secret.s", "values": {"data": {"token": "CANARY-data-token"}, "path": "kv/app"}, "sensitive_values": {"data": {"token": true}}}]}]}}},
  "planned_values": {"outputs": {"o": {"sensitive": true, "value": "CANARY-planned-output"}}},
  "configuration": {"root_module": {"variables": {"pw": {"sensitive": true, "default": "CANARY-var-default"}}}}
}`
	dir := writePolicies(t, map[string]string{"leak.rego": `package leak

warn contains json.marshal(input.raw.prior_state)
warn contains json.marshal(input.raw.planned_values)
warn contains json.marshal(input.raw.configuration)
warn contains json.marshal(input.raw.variables)
`})
	e, err := Load(context.Background(), Dirs(dir), Set{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := ParsePlanFor([]byte(plan), e.RawReads())
	if err != nil {
		t.Fatal(err)
	}
	rs, err := e.Eval(context.Background(), NewInput(raw, drift.Result{}, RunContext{}, Masks{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rs {
		got = append(got, r.Msg)
	}
	want := []string{
		`{"outputs":{"o":{"sensitive":true,"value":"(sensitive)"}}}`,
		`{"pw":{"value":"(sensitive)"}}`,
		`{"root_module":{"variables":{"pw":{"default":"(sensitive)","sensitive":true}}}}`,
		`{"values":{"root_module":{"child_modules":[{"resources":[{"address":"module.m.data.vault_secret.s","sensitive_values":{"data":{"token":true}},"values":{"data":{"token":"(sensitive)"},"path":"kv/app"}}]}]}}}`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
}
