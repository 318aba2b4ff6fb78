package pipeline

import (
	"encoding/json"
	"fmt"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/open-policy-agent/opa/v1/ast"
)

// Plan is one plan's JSON as terraform printed it (`terraform show -json
// PLANFILE`) and its two readings, each parsed once from those bytes and
// never encoded again: the classifier reads TF, policies read Raw.
type Plan struct {
	JSON []byte       // as printed; nil for a target with nothing to detail
	TF   *tfjson.Plan // nil when JSON is
	Raw  ast.Value    // an empty object when JSON is nil
}

// ReadPlan parses plan JSON from any source (a file given to `policy check`,
// or terraform's output): first into OPA values, whose shape check names
// the JSON path of anything terraform never writes, then into terraform-json
// structs as terraform-exec decodes them (numbers kept as json.Number).
func ReadPlan(data []byte) (Plan, error) {
	raw, err := policy.ParsePlan(data)
	if err != nil {
		return Plan{}, err
	}
	var p tfjson.Plan
	p.UseJSONNumber(true)
	if err := json.Unmarshal(data, &p); err != nil {
		return Plan{}, fmt.Errorf("decode plan: %w", err)
	}
	return Plan{JSON: data, TF: &p, Raw: raw}, nil
}

// shownPlan is the plan of a target terraform detailed: tf has decoded the
// bytes into terraform-json already, so only the policy reading remains.
// Nothing to detail (nil data) is an empty plan: every resource no-op.
func shownPlan(data []byte, p *tfjson.Plan) (Plan, error) {
	if data == nil {
		return Plan{Raw: ast.NewObject()}, nil
	}
	raw, err := policy.ParsePlan(data)
	if err != nil {
		return Plan{}, err
	}
	return Plan{JSON: data, TF: p, Raw: raw}, nil
}

// Classify is the one verdict of a plan, for detect and `policy check`
// alike: what drifted and what would change (drift.Classify), with the
// status set.
func (p Plan) Classify(o drift.Options) drift.Result {
	r := drift.Classify(p.TF, o)
	r.SetStatus()
	return r
}

// PolicyInput is what policies evaluate for one plan: terraform's JSON as
// printed (input.raw), the verdict (input.drift) and the run context, with
// masked values replaced (policy.NewInput). Detect and `policy check` both
// build their input here, so the same plan gives the same input.
func PolicyInput(p Plan, r drift.Result, rc policy.RunContext, m policy.Masks) policy.Input {
	return policy.NewInput(p.Raw, r, rc, m)
}
