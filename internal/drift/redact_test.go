package drift_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	tfjson "github.com/hashicorp/terraform-json"
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
	r := drift.NewRedactor([]string{canary, "abcdefgh", "efghijkl", "abc"}, []*regexp.Regexp{regexp.MustCompile(`AKIA[0-9A-Z]{16}`)})
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

// A mask that is a literal (a target's secret from the environment) is
// hidden in every form, as a secret is; a pattern only as it matches.
func TestRedactorLiteralMaskEveryForm(t *testing.T) {
	t.Parallel()
	lit := "m4sk <i> \"x\"\nline-two 3c2d"
	r := drift.NewRedactor(nil, []*regexp.Regexp{regexp.MustCompile(regexp.QuoteMeta(lit)), regexp.MustCompile(`tok-[0-9a-f]{8}`)})
	tests := []struct {
		name, text, want string
	}{
		{"as is", "a " + lit + " b", "a (sensitive) b"},
		{"JSON-escaped", mustJSON(t, []string{lit}), `["(sensitive)"]`},
		{"one line of it", "error:\n│ line-two 3c2d\n", "error:\n│ (sensitive)\n"},
		{"quoted", fmt.Sprintf("%q", lit), `"(sensitive)"`},
		{"pattern", "id tok-1a2b3c4d.", "id (sensitive)."},
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

// Result redacts every string of a verdict a consumer can show and leaves
// its identities; a snooze it shares with another verdict is not changed.
func TestRedactResult(t *testing.T) {
	t.Parallel()
	const s = "s3cr3t-value"
	shared := &drift.Snooze{Address: "a.b", Reason: "waiting on " + s}
	res := drift.Result{
		Dir: "infra", Target: "default", Status: drift.StatusDrifted, Error: "plan: " + s,
		Drift: []drift.Resource{{Address: "a.b", Type: "a", Actions: []string{"update"}, Snooze: shared, Attributes: []drift.Attribute{
			{Path: "tags.k", Before: "x", After: map[string]any{"nested": []any{"pre " + s}, s: 1.0}, Snooze: shared},
		}}},
		Changes:        []drift.Resource{{Address: "a.c", Type: "a", Actions: []string{"no-op"}, Importing: true, ImportID: "id-" + s}},
		Checks:         []drift.Check{{Address: "check.x", Kind: "check", Status: drift.CheckFail, Problems: []string{"bad " + s}}},
		ExpiredSnoozes: []drift.ExpiredSnooze{{Snooze: drift.Snooze{Address: "a.*", Reason: s}, Resources: []string{"a.b"}}},
	}
	drift.NewRedactor([]string{s}, nil).Result(&res)
	hidden := &drift.Snooze{Address: "a.b", Reason: "waiting on (sensitive)"}
	want := drift.Result{
		Dir: "infra", Target: "default", Status: drift.StatusDrifted, Error: "plan: (sensitive)",
		Drift: []drift.Resource{{Address: "a.b", Type: "a", Actions: []string{"update"}, Snooze: hidden, Attributes: []drift.Attribute{
			{Path: "tags.k", Before: "x", After: map[string]any{"nested": []any{"pre (sensitive)"}, "(sensitive)": 1.0}, Snooze: hidden},
		}}},
		Changes:        []drift.Resource{{Address: "a.c", Type: "a", Actions: []string{"no-op"}, Importing: true, ImportID: "id-(sensitive)"}},
		Checks:         []drift.Check{{Address: "check.x", Kind: "check", Status: drift.CheckFail, Problems: []string{"bad (sensitive)"}}},
		ExpiredSnoozes: []drift.ExpiredSnooze{{Snooze: drift.Snooze{Address: "a.*", Reason: "(sensitive)"}, Resources: []string{"a.b"}}},
	}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("Result (-want +got):\n%s", diff)
	}
	if shared.Reason != "waiting on "+s {
		t.Errorf("the shared snooze was changed: %q", shared.Reason)
	}
}

// Secrets finds every value terraform marks sensitive wherever the plan
// holds it, what mask paths cover and what value masks match; nothing
// else.
func TestSecrets(t *testing.T) {
	t.Parallel()
	const plan = `{
  "format_version": "1.2",
  "variables": {"pw": {"value": "CANARY-var-value"}, "plain": {"value": "visible-var"}},
  "resource_changes": [{"address": "x.a", "mode": "managed", "type": "x", "name": "a", "change": {"actions": ["update"],
    "before": {"token": "CANARY-before", "name": "visible-a", "nested": {"password": "CANARY-path"}},
    "after": {"token": "CANARY-after", "name": "visible-b", "nested": {"password": "CANARY-path2"}, "note": "has AKIAABCDEFGHIJKLMNOP in it"},
    "before_sensitive": {"token": true}, "after_sensitive": {"token": true}}}],
  "output_changes": {"o": {"actions": ["update"], "before": "visible-o", "after": "CANARY-output", "before_sensitive": false, "after_sensitive": true}},
  "prior_state": {"format_version": "1.0", "values": {"root_module": {"child_modules": [{"resources": [
    {"address": "module.m.data.v.s", "values": {"data": {"token": "CANARY-data-token"}, "path": "visible-path"}, "sensitive_values": {"data": {"token": true}}}]}]}}},
  "planned_values": {"outputs": {"p": {"sensitive": true, "value": ["CANARY-planned-output"]}, "q": {"sensitive": false, "value": "visible-q"}}},
  "configuration": {"root_module": {"variables": {"pw": {"sensitive": true, "default": "CANARY-var-default"}, "plain": {"default": "visible-default"}}}}
}`
	var p tfjson.Plan
	if err := json.Unmarshal([]byte(plan), &p); err != nil {
		t.Fatal(err)
	}
	o := drift.Options{MaskPaths: []string{"**.password"}, MaskValues: []*regexp.Regexp{regexp.MustCompile(`AKIA[0-9A-Z]{16}`)}}
	want := []string{"CANARY-after", "CANARY-before", "CANARY-data-token", "CANARY-output", "CANARY-path", "CANARY-path2",
		"CANARY-planned-output", "CANARY-var-default", "CANARY-var-value", "has AKIAABCDEFGHIJKLMNOP in it"}
	if diff := cmp.Diff(want, drift.Secrets(&p, o)); diff != "" {
		t.Errorf("Secrets (-want +got):\n%s", diff)
	}
}
