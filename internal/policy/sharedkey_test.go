package policy

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/open-policy-agent/opa/v1/ast"
)

// Two inputs that differ only in input.context share a key exactly when no
// policy can read the context; no key is given when a policy calls a
// nondeterministic builtin, wherever the call is.
func TestSharedKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		policy     string
		wantOK     bool
		wantShared bool // the two contexts get one key
	}{
		{"verdict and plan read", `package p
deny contains msg if {
	input.drift.status == "drifted"
	count(input.resource_changes) > 0
	msg := "drifted"
}`, true, true},
		{"context read", `package p
warn contains msg if { msg := input.context.root }`, true, false},
		{"context read through an import", `package p
import input.context as ctx
warn contains msg if { msg := ctx.target }`, true, false},
		{"input read whole", `package p
warn contains msg if { some k; input[k]; msg := k }`, true, false},
		{"time in a body", `package p
warn contains msg if { time.now_ns() > 0; msg := "now" }`, false, false},
		{"random number in a comprehension", `package p
warn contains msg if { xs := [x | some x in [1, 2]; rand.intn("r", 10) > x]; count(xs) > 0; msg := "lucky" }`, false, false},
		{"uuid in a head", `package p
warn contains uuid.rfc4122("seed") if { true }`, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "p.rego"), []byte(tt.policy+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			e, err := Load(context.Background(), Dirs(dir), Set{}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			clean := drift.Result{Status: drift.StatusClean}
			empty := Plan{Value: ast.NewObject()}
			a := NewInput(empty, clean, RunContext{Event: "schedule", Root: "infra/a", Target: "default"}, Masks{})
			b := NewInput(empty, clean, RunContext{Event: "schedule", Root: "infra/b", Target: "default"}, Masks{})
			ka, okA := e.SharedKey(a)
			kb, okB := e.SharedKey(b)
			if okA != tt.wantOK || okB != tt.wantOK {
				t.Fatalf("SharedKey ok = %v, %v; want %v", okA, okB, tt.wantOK)
			}
			if !tt.wantOK {
				return
			}
			if shared := ka == kb; shared != tt.wantShared {
				t.Errorf("inputs differing only in context share a key: %v, want %v (keys %s and %s)", shared, tt.wantShared, ka, kb)
			}
			changed := NewInput(empty, drift.Result{Status: drift.StatusDrifted}, RunContext{Event: "schedule", Root: "infra/a", Target: "default"}, Masks{})
			if kc, _ := e.SharedKey(changed); kc == ka {
				t.Errorf("a different verdict got the same key %s", kc)
			}
		})
	}
}
