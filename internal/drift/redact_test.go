package drift_test

import (
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
