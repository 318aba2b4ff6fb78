package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/open-policy-agent/opa/v1/ast"
)

// bigPlan is a terraform_data plan of n creates, shaped as terraform writes it.
func bigPlan(n int) []byte {
	rcs := make([]map[string]any, n)
	for i := range rcs {
		rcs[i] = map[string]any{
			"address": fmt.Sprintf("terraform_data.r[%d]", i), "mode": "managed", "type": "terraform_data", "name": "r", "index": i,
			"provider_name": "terraform.io/builtin/terraform",
			"change": map[string]any{"actions": []string{"create"}, "before": nil,
				"after":         map[string]any{"input": map[string]any{"index": i, "name": fmt.Sprintf("r-%d", i)}, "triggers_replace": nil},
				"after_unknown": map[string]any{"id": true, "input": map[string]any{}, "output": true}, "before_sensitive": false,
				"after_sensitive": map[string]any{"input": map[string]any{}, "output": true}},
		}
	}
	b, _ := json.Marshal(map[string]any{"format_version": "1.2", "terraform_version": "1.11.4", "resource_changes": rcs})
	return b
}

const benchPolicy = `package main

noop(rc) if rc.change.actions == ["no-op"]

deny contains msg if {
	changed := [rc.address | some rc in input.resource_changes; not noop(rc)]
	count(changed) > 0
	msg := sprintf("%d resources have pending changes", [count(changed)])
}
`

func BenchmarkParsePlan(b *testing.B) {
	data := bigPlan(10000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePlan(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValueFromReaderBaseline(b *testing.B) {
	data := bigPlan(10000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			b.Fatal(err)
		}
		if _, err := ast.InterfaceToValue(v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEval(b *testing.B) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.rego"), []byte(benchPolicy), 0o644); err != nil {
		b.Fatal(err)
	}
	e, err := Load(context.Background(), Dirs(dir), Set{}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	raw, err := ParsePlan(bigPlan(10000))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		rs, err := e.Eval(context.Background(), NewInput(raw, drift.Result{}, RunContext{}, Masks{}), nil)
		if err != nil || len(rs) != 1 {
			b.Fatal(err, rs)
		}
	}
}

func BenchmarkInputAndSecrets(b *testing.B) {
	raw, err := ParsePlan(bigPlan(10000))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		NewInput(raw, drift.Result{}, RunContext{}, Masks{})
	}
}
