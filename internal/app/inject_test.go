package app

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/myorg/drift-action/internal/actions/actionstest"
	"github.com/myorg/drift-action/internal/tftest"
)

// payload is what an attacker puts in any text field: a line break, then
// workflow commands, old and new syntax.
const payload = "x\n::set-output name=pwned::1\n::add-mask::pwned\n::error title=pwned::pwned\n::warning::pwned\n::stop-commands::pwned\n##[set-output name=pwned;]1\n::group::pwned"

// injected lists the commands the runner would execute that came from
// untrusted text: every payload command carries "pwned" in its name,
// properties or as its whole message, which no command the program means
// to issue does (its messages may quote the payload, but never are it).
func injected(log string) []actionstest.Command {
	var bad []actionstest.Command
	for _, c := range actionstest.Execute(log) {
		hit := c.Data == "pwned" || strings.Contains(c.Name, "pwned") || c.Name == "set-output"
		for k, v := range c.Props {
			hit = hit || strings.Contains(k, "pwned") || v == "pwned"
		}
		if c.Name == "stop-commands" && c.Data == "pwned" {
			hit = true
		}
		if hit {
			bad = append(bad, c)
		}
	}
	return bad
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Every event field and every error path: no command escapes the log.
func TestActionNoCommandInjection(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	ws := t.TempDir()
	root := tftest.WriteRoot(t, ws, "infra/app", map[string]string{"main.tf": `resource "terraform_data" "x" { input = 1 }` + "\n"})
	env.Apply(t, root)
	pr := func(extra map[string]any) string {
		p := map[string]any{
			"action": payload,
			"number": 3,
			"pull_request": map[string]any{
				"number": 3, "title": payload,
				"head":   map[string]any{"ref": payload, "repo": map[string]any{"full_name": "acme/infra"}},
				"base":   map[string]any{"repo": map[string]any{"full_name": "acme/infra"}},
				"labels": []any{map[string]any{"name": payload}, map[string]any{"name": "drift-override:" + payload}},
			},
			"sender": map[string]any{"login": payload},
		}
		for k, v := range extra {
			p[k] = v
		}
		return mustJSON(p)
	}
	tests := []struct {
		name    string
		event   string
		payload string
		inputs  map[string]string
	}{
		{"dispatch type", "repository_dispatch", mustJSON(map[string]any{"action": payload}), nil},
		{"dispatch roots that match nothing", "repository_dispatch", mustJSON(map[string]any{"action": "drift-detected", "client_payload": map[string]any{"roots": []string{payload}}}), nil},
		{"dispatch roots outside the repository", "repository_dispatch", mustJSON(map[string]any{"action": "drift-detected", "client_payload": map[string]any{"roots": []string{"../" + payload}}}), nil},
		{"dispatch roots of the wrong type", "repository_dispatch", mustJSON(map[string]any{"action": "drift-detected", "client_payload": map[string]any{"roots": payload}}), nil},
		{"dispatch source string", "repository_dispatch", mustJSON(map[string]any{"action": "drift-detected", "client_payload": map[string]any{"source": payload}}), nil},
		{"dispatch source object", "repository_dispatch", mustJSON(map[string]any{"action": "drift-detected", "client_payload": map[string]any{"source": map[string]any{"name": payload}, payload: payload}}), nil},
		{"dispatch payload not an object", "repository_dispatch", mustJSON(map[string]any{"action": "drift-detected", "client_payload": []string{payload}}), nil},
		{"payload not JSON", "repository_dispatch", payload, nil},
		{"pull request fields", "pull_request", pr(nil), nil},
		{"pull request from a fork", "pull_request", strings.Replace(pr(nil), `"head":{"ref"`, `"head":{"repo":{"full_name":"evil/infra"},"ref"`, 1), nil},
		{"input mode", "schedule", "{}", map[string]string{"mode": payload}},
		{"input config", "schedule", "{}", map[string]string{"config": payload}},
		{"input working-directories", "schedule", "{}", map[string]string{"working-directories": payload}},
		{"input policies", "schedule", "{}", map[string]string{"policies": payload}},
		{"input policy-overrides", "schedule", "{}", map[string]string{"policy-overrides": payload}},
		{"input manifests", "schedule", "{}", map[string]string{"manifests": payload}},
		{"input shard", "schedule", "{}", map[string]string{"shard": payload}},
		{"input parallelism", "schedule", "{}", map[string]string{"parallelism": payload}},
		{"input terraform-binary", "schedule", "{}", map[string]string{"terraform-binary": payload}},
		{"input results", "schedule", "{}", map[string]string{"mode": "aggregate", "results": payload}},
		{"input fail-on-drift", "schedule", "{}", map[string]string{"fail-on-drift": payload}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := runnerRun{t: t, env: env, workspace: ws, event: tt.event, payload: tt.payload, inputs: tt.inputs}.run()
			if bad := injected(res.stdout); len(bad) > 0 {
				t.Errorf("the runner would execute %d command(s) from untrusted text: %+v\nlog:\n%s", len(bad), bad, res.stdout)
			}
			// Quoted, an untrusted value stays on one line in every message.
			for _, c := range actionstest.Execute(res.stdout) {
				if strings.Contains(c.Data, "\n::set-output") {
					t.Errorf("%s annotation quotes untrusted text unescaped: %q", c.Name, c.Data)
				}
			}
			if !strings.HasPrefix(res.stdout, "::stop-commands::") {
				t.Errorf("the log does not switch commands off before its first line:\n%s", res.stdout)
			}
		})
	}
}
