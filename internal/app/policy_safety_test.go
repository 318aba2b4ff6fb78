package app

import (
	"strings"
	"testing"
)

// A deny whose builtin fails must put the check in error, never pass it.
func TestPolicyCheckBuiltinErrorFailsClosed(t *testing.T) {
	t.Parallel()
	c := cli{t: t, dir: t.TempDir()}
	c.write("clean.json", cleanPlan)
	c.write("strict/p.rego", "package strict\n\ndeny contains \"unreachable\" if {\n\tsome rc in input.resource_changes\n\tdoc := json.unmarshal(rc.address)\n\tdoc.open\n}\n")
	code, stdout, stderr := c.run("policy", "check", "--plan", "clean.json", "--policy", "strict")
	if code != ExitError {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, ExitError, stdout, stderr)
	}
	mustContain(t, stderr, "strict/p.rego:5:")
	mustContain(t, stderr, "json.unmarshal")
}

// Builtin errors quote their operands; a sensitive operand must not reach
// the error message.
func TestPolicyCheckBuiltinErrorRedactsSecrets(t *testing.T) {
	t.Parallel()
	c := cli{t: t, dir: t.TempDir()}
	c.write("open.json", openIngressPlan)
	c.write("leaky/p.rego", "package leaky\n\ndeny contains \"big\" if {\n\tsome rc in input.resource_changes\n\tto_number(rc.change.after.user_data) > 1\n}\n")
	code, stdout, stderr := c.run("policy", "check", "--plan", "open.json", "--policy", "leaky")
	if code != ExitError {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, ExitError, stdout, stderr)
	}
	mustContain(t, stderr, "leaky/p.rego:5:")
	mustContain(t, stderr, "to_number")
	if strings.Contains(stdout+stderr, "CANARY") {
		t.Errorf("a sensitive value reached the error:\n%s", stderr)
	}
}
