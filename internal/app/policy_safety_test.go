package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/tftest"
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

// netPolicy calls http.send only for a resource type no plan here has, so
// allowing it makes no request.
const netPolicy = "package net\n\ndeny contains resp.body.msg if {\n\tsome rc in input.resource_changes\n\trc.type == \"calendar_freeze\"\n\tresp := http.send({\"method\": \"GET\", \"url\": rc.address})\n}\n"

func TestPolicyNetworkBuiltinNeedsOptIn(t *testing.T) {
	t.Parallel()
	c := cli{t: t, dir: t.TempDir()}
	c.write("clean.json", cleanPlan)
	c.write("net/p.rego", netPolicy)
	c.write("net/p_test.rego", "package net_test\n\nimport data.net\n\ntest_quiet if { count(net.deny) == 0 with input as {\"resource_changes\": []} }\n")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string // in stderr
	}{
		{"check refuses http.send", []string{"policy", "check", "--plan", "clean.json", "--policy", "net"}, ExitError,
			[]string{"net/p.rego:6:", "http.send is disabled", "policy.allow-network: true", "--allow-network-builtins"}},
		{"check allows it when asked", []string{"policy", "check", "--plan", "clean.json", "--policy", "net", "--allow-network-builtins"}, 0, nil},
		{"test refuses http.send", []string{"policy", "test", "net"}, ExitError,
			[]string{"net/p.rego:6:", "http.send is disabled"}},
		{"test allows it when asked", []string{"policy", "test", "--allow-network-builtins", "net"}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := c.run(tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, stdout, stderr)
			}
			for _, w := range tt.want {
				mustContain(t, stderr, w)
			}
		})
	}
}

// drift.yaml's policy.allow-network reaches detect's policy compilation.
func TestDetectNetworkBuiltinFromDriftYAML(t *testing.T) {
	s := newScenario(t)
	tftest.WriteRoot(t, s.dir, "app", map[string]string{"main.tf": `resource "terraform_data" "x" { input = 1 }` + "\n"})
	tftest.WriteRoot(t, s.dir, "net", map[string]string{"p.rego": netPolicy})
	tftest.WriteRoot(t, s.dir, "cfg", map[string]string{
		"off.yaml": "policy:\n  dirs: [net]\n  bundled: false\n",
		"on.yaml":  "policy:\n  dirs: [net]\n  bundled: false\n  allow-network: true\n",
	})
	var stdout, stderr bytes.Buffer
	err := Run(context.Background(), []string{"detect", "--config", "cfg/off.yaml", "app"}, s.cfgEnv(), &stdout, &stderr)
	if code := Code(err, &stderr); code != ExitError {
		t.Fatalf("without the opt-in: exit %d, want %d\n%s", code, ExitError, stderr.String())
	}
	mustContain(t, stderr.String(), "net/p.rego:6:")
	mustContain(t, stderr.String(), "http.send is disabled")
	if _, statErr := os.Stat(filepath.Join(s.dir, "app", ".terraform")); statErr == nil {
		t.Errorf("terraform ran although the policies could not compile")
	}
	doc, code, errText := s.detect("--config", "cfg/on.yaml", "app")
	if code != ExitPending {
		t.Fatalf("with policy.allow-network: exit %d, want %d (pending create)\n%s", code, ExitPending, errText)
	}
	if r := only(t, doc); r.Status != drift.StatusChanged {
		t.Errorf("status %s, want %s; error %q", r.Status, drift.StatusChanged, r.Error)
	}
}

// A plan terraform could not have written is refused, naming the file and
// the JSON path, instead of passing every policy.
func TestPolicyCheckRefusesWrongPlanShape(t *testing.T) {
	t.Parallel()
	c := cli{t: t, dir: t.TempDir()}
	c.write("string-actions.json", strings.Replace(openIngressPlan, `"actions": ["update"]`, `"actions": "update"`, 1))
	c.write("object-changes.json", `{"format_version": "1.2", "resource_changes": {"aws_security_group.bastion": {}}}`)
	tests := []struct {
		name, plan, want string
	}{
		{"actions as a string", "string-actions.json", "string-actions.json: not a terraform plan: resource_changes[0].change.actions: want an array of strings, got string"},
		{"resource_changes as an object", "object-changes.json", "object-changes.json: not a terraform plan: resource_changes: want an array of objects, got object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := c.run("policy", "check", "--plan", tt.plan)
			if code != ExitError {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, ExitError, stdout, stderr)
			}
			mustContain(t, stderr, tt.want)
		})
	}
}
