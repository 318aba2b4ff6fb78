package policy

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	tfjson "github.com/hashicorp/terraform-json"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/policies"
)

// Load leaves the tests (*_test.rego) out: it changes no result. The
// bundled policies loaded with their tests and without give the same
// results on every plan fixture, with the verdict the classifier makes.
func TestLoadWithoutTestsSameResults(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srcs := []Source{{FS: policies.FS, Dir: "."}}
	lean, err := Load(ctx, srcs, Set{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	full, err := load(ctx, srcs, Set{}, Options{}, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(lean.compiler.Modules) >= len(full.compiler.Modules) {
		t.Fatalf("Load compiled %d modules, with tests %d: the tests were not left out", len(lean.compiler.Modules), len(full.compiler.Modules))
	}
	if diff := cmp.Diff(full.RawReads(), lean.RawReads()); diff != "" {
		t.Errorf("RawReads (-with tests +without):\n%s", diff)
	}
	for name, data := range testPlans(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var tp tfjson.Plan
			if err := json.Unmarshal(data, &tp); err != nil {
				t.Fatal(err)
			}
			r := drift.Classify(&tp, drift.Options{})
			r.SetStatus()
			raw, err := ParsePlan(data)
			if err != nil {
				t.Fatal(err)
			}
			in := NewInput(raw, r, RunContext{Event: "schedule", Root: "infra/app", Target: "default"}, Masks{})
			want, err := full.Eval(ctx, in, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := lean.Eval(ctx, in, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 && len(r.Drift)+len(r.Changes) > 0 {
				t.Fatalf("no results for a plan with %d drifted and %d changed: the comparison would be empty", len(r.Drift), len(r.Changes))
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("results (-with tests +without):\n%s", diff)
			}
		})
	}
}

func BenchmarkLoadBundled(b *testing.B) {
	for b.Loop() {
		if _, err := Load(context.Background(), []Source{{FS: policies.FS, Dir: "."}}, Set{}, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
