package policy

import (
	"fmt"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/open-policy-agent/opa/v1/ast"
)

// RunContext says where and why a plan was made.
type RunContext struct {
	Event     string `json:"event"`
	Root      string `json:"root"`
	Target    string `json:"target"`
	Workspace string `json:"workspace"`
}

// ParsePlan reads terraform's plan JSON (from `terraform show -json` or any
// tool producing that format) into an OPA value.
func ParsePlan(data []byte) (ast.Value, error) {
	return parsePlan(data, nil)
}

func parsePlan(data []byte, skip map[string]bool) (ast.Value, error) {
	v, err := parseJSONSkipping(data, skip)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(ast.Object)
	if !ok {
		return nil, fmt.Errorf("a plan JSON document is an object, got %s", ast.ValueName(v))
	}
	if err := validatePlan(obj); err != nil {
		return nil, fmt.Errorf("not a terraform plan: %w", err)
	}
	return v, nil
}

var sensitiveText = ast.StringTerm(drift.Sensitive)

// inputValue builds the Sentinel tfplan/v2-shaped input (see
// docs/policy-input.md) from the raw plan, the drift verdict and the run
// context. Subterms of raw are shared, not copied, so the input costs little
// beyond the plan itself.
func inputValue(raw ast.Value, res drift.Result, rc RunContext) ast.Value {
	plan, _ := raw.(ast.Object)
	if plan == nil {
		plan = ast.NewObject()
	}
	in := ast.NewObject(
		[2]*ast.Term{ast.StringTerm("resource_changes"), ast.NewTerm(byAddress(plan.Get(ast.StringTerm("resource_changes"))))},
		[2]*ast.Term{ast.StringTerm("resource_drift"), ast.NewTerm(byAddress(plan.Get(ast.StringTerm("resource_drift"))))},
		[2]*ast.Term{ast.StringTerm("output_changes"), ast.NewTerm(outputs(plan.Get(ast.StringTerm("output_changes"))))},
		[2]*ast.Term{ast.StringTerm("variables"), ast.NewTerm(variables(plan))},
		[2]*ast.Term{ast.StringTerm("raw"), ast.NewTerm(plan)},
		[2]*ast.Term{ast.StringTerm("drift"), ast.NewTerm(driftValue(res))},
		[2]*ast.Term{ast.StringTerm("context"), ast.ObjectTerm(
			[2]*ast.Term{ast.StringTerm("event"), ast.StringTerm(rc.Event)},
			[2]*ast.Term{ast.StringTerm("root"), ast.StringTerm(rc.Root)},
			[2]*ast.Term{ast.StringTerm("target"), ast.StringTerm(rc.Target)},
			[2]*ast.Term{ast.StringTerm("workspace"), ast.StringTerm(rc.Workspace)},
		)},
	)
	return in
}

func byAddress(t *ast.Term) ast.Object {
	out := ast.NewObject()
	arr, ok := termValue(t).(*ast.Array)
	if !ok {
		return out
	}
	arr.Foreach(func(e *ast.Term) {
		obj, ok := e.Value.(ast.Object)
		if !ok {
			return
		}
		if addr := obj.Get(ast.StringTerm("address")); addr != nil {
			out.Insert(addr, e)
		}
	})
	return out
}

func termValue(t *ast.Term) ast.Value {
	if t == nil {
		return nil
	}
	return t.Value
}

// outputs adds `sensitive` and hides sensitive values.
func outputs(t *ast.Term) ast.Object {
	out := ast.NewObject()
	obj, ok := termValue(t).(ast.Object)
	if !ok {
		return out
	}
	obj.Foreach(func(name, v *ast.Term) {
		ch, ok := v.Value.(ast.Object)
		if !ok {
			return
		}
		sens := isTrue(ch.Get(ast.StringTerm("before_sensitive"))) || isTrue(ch.Get(ast.StringTerm("after_sensitive")))
		entry := ast.NewObject([2]*ast.Term{ast.StringTerm("sensitive"), ast.BooleanTerm(sens)})
		for _, k := range []string{"actions", "before", "after", "after_unknown"} {
			val := ch.Get(ast.StringTerm(k))
			if val == nil {
				continue
			}
			if sens && (k == "before" || k == "after") {
				val = sensitiveText
			}
			entry.Insert(ast.StringTerm(k), val)
		}
		out.Insert(name, ast.NewTerm(entry))
	})
	return out
}

// variables hides values of variables declared sensitive.
func variables(plan ast.Object) ast.Object {
	out := ast.NewObject()
	vars, ok := termValue(plan.Get(ast.StringTerm("variables"))).(ast.Object)
	if !ok {
		return out
	}
	sensitive := map[string]bool{}
	if cfg, ok := termValue(plan.Get(ast.StringTerm("configuration"))).(ast.Object); ok {
		if rm, ok := termValue(cfg.Get(ast.StringTerm("root_module"))).(ast.Object); ok {
			if vs, ok := termValue(rm.Get(ast.StringTerm("variables"))).(ast.Object); ok {
				vs.Foreach(func(k, v *ast.Term) {
					if o, ok := v.Value.(ast.Object); ok && isTrue(o.Get(ast.StringTerm("sensitive"))) {
						if s, ok := k.Value.(ast.String); ok {
							sensitive[string(s)] = true
						}
					}
				})
			}
		}
	}
	vars.Foreach(func(k, v *ast.Term) {
		if s, ok := k.Value.(ast.String); ok && sensitive[string(s)] {
			v = ast.ObjectTerm([2]*ast.Term{ast.StringTerm("value"), sensitiveText})
		}
		out.Insert(k, v)
	})
	return out
}

func isTrue(t *ast.Term) bool {
	b, ok := termValue(t).(ast.Boolean)
	return ok && bool(b)
}

func driftValue(res drift.Result) ast.Object {
	drifted := make([]*ast.Term, 0, len(res.Drift))
	attrs := ast.NewObject()
	for _, d := range res.Drift {
		drifted = append(drifted, ast.StringTerm(d.Address))
		paths := make([]*ast.Term, 0, len(d.Attributes))
		for _, a := range d.Attributes {
			paths = append(paths, ast.StringTerm(a.Path))
		}
		attrs.Insert(ast.StringTerm(d.Address), ast.ArrayTerm(paths...))
	}
	snoozed := make([]*ast.Term, 0, len(res.Snoozed))
	for _, d := range res.Snoozed {
		snoozed = append(snoozed, ast.StringTerm(d.Address))
	}
	return ast.NewObject(
		[2]*ast.Term{ast.StringTerm("status"), ast.StringTerm(string(res.Status))},
		[2]*ast.Term{ast.StringTerm("drifted"), ast.ArrayTerm(drifted...)},
		[2]*ast.Term{ast.StringTerm("attributes"), ast.NewTerm(attrs)},
		[2]*ast.Term{ast.StringTerm("snoozed"), ast.ArrayTerm(snoozed...)},
	)
}

// secrets adds to found the string values terraform marks sensitive in the
// plan: resource attributes, outputs and variables declared sensitive, so
// messages a policy builds from them can be redacted.
func secrets(raw ast.Value, found map[string]bool) {
	plan, ok := raw.(ast.Object)
	if !ok {
		return
	}
	for _, key := range []string{"resource_changes", "resource_drift"} {
		arr, ok := termValue(plan.Get(ast.StringTerm(key))).(*ast.Array)
		if !ok {
			continue
		}
		arr.Foreach(func(e *ast.Term) {
			obj, ok := e.Value.(ast.Object)
			if !ok {
				return
			}
			ch, ok := termValue(obj.Get(ast.StringTerm("change"))).(ast.Object)
			if !ok {
				return
			}
			collect(ch.Get(ast.StringTerm("before")), ch.Get(ast.StringTerm("before_sensitive")), false, found)
			collect(ch.Get(ast.StringTerm("after")), ch.Get(ast.StringTerm("after_sensitive")), false, found)
		})
	}
	if outs, ok := termValue(plan.Get(ast.StringTerm("output_changes"))).(ast.Object); ok {
		outs.Foreach(func(_, v *ast.Term) {
			if ch, ok := v.Value.(ast.Object); ok {
				collect(ch.Get(ast.StringTerm("before")), ch.Get(ast.StringTerm("before_sensitive")), false, found)
				collect(ch.Get(ast.StringTerm("after")), ch.Get(ast.StringTerm("after_sensitive")), false, found)
			}
		})
	}
	// variables() shows these as (sensitive); their values stay in raw.
	hiddenVars := variables(plan)
	if vars, ok := termValue(plan.Get(ast.StringTerm("variables"))).(ast.Object); ok {
		vars.Foreach(func(k, v *ast.Term) {
			if h := hiddenVars.Get(k); h != nil && h != v {
				if o, ok := v.Value.(ast.Object); ok {
					collect(o.Get(ast.StringTerm("value")), ast.BooleanTerm(true), false, found)
				}
			}
		})
	}
}

func collect(v, sens *ast.Term, under bool, found map[string]bool) {
	if v == nil {
		return
	}
	under = under || isTrue(sens)
	switch x := v.Value.(type) {
	case ast.String:
		// Very short values would redact ordinary words; they are not worth hiding.
		if under && len(x) >= 4 {
			found[string(x)] = true
		}
	case ast.Object:
		x.Foreach(func(k, e *ast.Term) {
			var sub *ast.Term
			if so, ok := termValue(sens).(ast.Object); ok {
				sub = so.Get(k)
			}
			collect(e, sub, under, found)
		})
	case *ast.Array:
		for i := 0; i < x.Len(); i++ {
			var sub *ast.Term
			if sa, ok := termValue(sens).(*ast.Array); ok && i < sa.Len() {
				sub = sa.Elem(i)
			}
			collect(x.Elem(i), sub, under, found)
		}
	}
}
