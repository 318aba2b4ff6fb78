package policy

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/drift"
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

// evalRedacted evaluates as the verdict's builder does: the engine returns
// what the policies wrote, and the builder redacts it with the input's
// secrets and the masks (pipeline).
func evalRedacted(t *testing.T, e *Engine, in Input, m Masks, overrides ...Override) []Result {
	t.Helper()
	rs, err := e.Eval(context.Background(), in, overrides)
	if err != nil {
		t.Fatal(err)
	}
	r := drift.NewRedactor(in.Secrets(), m.Values)
	for i := range rs {
		rs[i].Msg, rs[i].Resource = r.Redact(rs[i].Msg), r.Redact(rs[i].Resource)
	}
	return rs
}

// Policies print a sensitive value in every form Rego can write it; each
// result is redacted with the input's secrets.
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
	rs := evalRedacted(t, e, NewInput(raw, drift.Result{}, RunContext{}, Masks{}), Masks{})
	var got []string
	for _, r := range rs {
		got = append(got, r.Resource+" | "+r.Msg)
	}
	// In the order of the messages as written: the engine sorts them, the
	// builder redacts them.
	want := []string{
		" | as is: (sensitive)",
		" | (sensitive) / (sensitive)",
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
	rs := evalRedacted(t, e, NewInput(raw, drift.Result{}, RunContext{}, Masks{}), Masks{})
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
