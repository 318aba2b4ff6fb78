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

// Plan is terraform's plan JSON (`terraform show -json`) as the policies
// read it.
type Plan struct {
	// Value is input.raw: the plan as printed, less the members no loaded
	// policy reads (ParsePlanFor).
	Value ast.Value
	// sensitiveVars are the root module's variables declared sensitive.
	// Terraform writes that only in configuration, which Value leaves out
	// when no policy reads it; the input's views and redaction need it
	// whatever the policies read, so it is read all the same.
	sensitiveVars map[string]bool
	// marks: see MarksSensitive.
	marks bool
}

// MarksSensitive says whether the plan may mark any value sensitive,
// wherever it is, built into Value or not: false means terraform marks
// nothing in it (no *_sensitive, sensitive_values or sensitive member
// holds a true), so drift.Secrets finds nothing in it but what masks hide.
// It errs towards true (see jsonParser.noteMember).
func (p Plan) MarksSensitive() bool { return p.marks }

// ParsePlan reads terraform's plan JSON (from `terraform show -json` or any
// tool producing that format) into an OPA value.
func ParsePlan(data []byte) (Plan, error) {
	return parsePlan(data, nil)
}

// sensitivity is what is read of a configuration left out of input.raw:
// whether each root module variable is declared sensitive.
var sensitivity = keep{"root_module": {"variables": {"*": {"sensitive": nil}}}}

func parsePlan(data []byte, skip map[string]bool) (Plan, error) {
	var prune map[string]keep
	if skip["configuration"] {
		prune = map[string]keep{"configuration": sensitivity}
	}
	v, pruned, marks, err := parseJSONMarking(data, skip, prune)
	if err != nil {
		return Plan{}, err
	}
	obj, ok := v.(ast.Object)
	if !ok {
		return Plan{}, fmt.Errorf("a plan JSON document is an object, got %s", ast.ValueName(v))
	}
	if err := validatePlan(obj); err != nil {
		return Plan{}, fmt.Errorf("not a terraform plan: %w", err)
	}
	cfg := obj
	if c, ok := pruned["configuration"]; ok {
		// What was read of a configuration left out is checked as it is
		// when built, so a plan is refused or accepted alike either way.
		cfg = ast.NewObject([2]*ast.Term{ast.StringTerm("configuration"), c})
		sc := shapeChecker{}
		sc.configuration(cfg)
		if sc.err != nil {
			return Plan{}, fmt.Errorf("not a terraform plan: %w", sc.err)
		}
	}
	return Plan{Value: v, sensitiveVars: sensitiveVariables(cfg), marks: marks}, nil
}

var sensitiveText = ast.StringTerm(drift.Sensitive)

// inputValue builds the Sentinel tfplan/v2-shaped input (see
// docs/policy-input.md) from the raw plan, the drift verdict and the run
// context. Subterms of raw are shared, not copied, so the input costs little
// beyond the plan itself.
func inputValue(raw ast.Value, sensitiveVars map[string]bool, res drift.Result, rc RunContext) ast.Value {
	plan, _ := raw.(ast.Object)
	if plan == nil {
		plan = ast.NewObject()
	}
	in := ast.NewObject(
		[2]*ast.Term{ast.StringTerm("resource_changes"), ast.NewTerm(byAddress(plan.Get(keyResourceChanges)))},
		[2]*ast.Term{ast.StringTerm("resource_drift"), ast.NewTerm(byAddress(plan.Get(keyResourceDrift)))},
		[2]*ast.Term{ast.StringTerm("output_changes"), ast.NewTerm(outputs(plan.Get(keyOutputChanges)))},
		[2]*ast.Term{ast.StringTerm("variables"), ast.NewTerm(variables(plan, sensitiveVars))},
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
		if addr := obj.Get(keyAddress); addr != nil {
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
		sens := isTrue(ch.Get(keyBeforeSensitive)) || isTrue(ch.Get(keyAfterSensitive))
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
func variables(plan ast.Object, sensitive map[string]bool) ast.Object {
	out := ast.NewObject()
	vars, ok := termValue(plan.Get(keyVariables)).(ast.Object)
	if !ok {
		return out
	}
	vars.Foreach(func(k, v *ast.Term) {
		if s, ok := k.Value.(ast.String); ok && sensitive[string(s)] {
			v = ast.ObjectTerm([2]*ast.Term{ast.StringTerm("value"), sensitiveText})
		}
		out.Insert(k, v)
	})
	return out
}

// sensitiveVariables names the variables plan.configuration.root_module
// declares sensitive.
func sensitiveVariables(plan ast.Object) map[string]bool {
	sensitive := map[string]bool{}
	each(plan, []string{"configuration", "root_module", "variables"}, func(name string, decl ast.Object) {
		if isTrue(decl.Get(keySensitive)) {
			sensitive[name] = true
		}
	})
	return sensitive
}

// each calls f with every member of the object at path in o that is an
// object itself.
func each(o ast.Object, path []string, f func(string, ast.Object)) {
	for _, k := range path {
		next, ok := termValue(o.Get(ast.StringTerm(k))).(ast.Object)
		if !ok {
			return
		}
		o = next
	}
	o.Foreach(func(k, v *ast.Term) {
		name, ok := k.Value.(ast.String)
		obj, isObj := v.Value.(ast.Object)
		if ok && isObj {
			f(string(name), obj)
		}
	})
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

// secrets adds to found the string values terraform marks sensitive in
// the plan, wherever a policy can read them: resource attributes (changes,
// drift, and planned values and prior state when built: data sources are
// only there), outputs, and the values and defaults of variables declared
// sensitive; so messages a policy builds from them can be redacted.
func secrets(pl Plan, found map[string]bool) {
	plan, ok := pl.Value.(ast.Object)
	if !ok {
		return
	}
	change := func(ch ast.Object) {
		collect(ch.Get(keyBefore), ch.Get(keyBeforeSensitive), false, found)
		collect(ch.Get(keyAfter), ch.Get(keyAfterSensitive), false, found)
	}
	for _, key := range []string{"resource_changes", "resource_drift"} {
		arr, ok := termValue(plan.Get(ast.StringTerm(key))).(*ast.Array)
		if !ok {
			continue
		}
		arr.Foreach(func(e *ast.Term) {
			if obj, ok := e.Value.(ast.Object); ok {
				if ch, ok := termValue(obj.Get(keyChange)).(ast.Object); ok {
					change(ch)
				}
			}
		})
	}
	each(plan, []string{"output_changes"}, func(_ string, ch ast.Object) { change(ch) })
	// State-shaped values: module trees of resources with their
	// sensitive_values, and outputs marked sensitive.
	values := func(vs ast.Object) {
		var module func(m ast.Object)
		module = func(m ast.Object) {
			for _, key := range []string{"resources", "child_modules"} {
				arr, ok := termValue(m.Get(ast.StringTerm(key))).(*ast.Array)
				if !ok {
					continue
				}
				arr.Foreach(func(e *ast.Term) {
					obj, ok := e.Value.(ast.Object)
					switch {
					case !ok:
					case key == "resources":
						collect(obj.Get(ast.StringTerm("values")), obj.Get(ast.StringTerm("sensitive_values")), false, found)
					default:
						module(obj)
					}
				})
			}
		}
		if rm, ok := termValue(vs.Get(ast.StringTerm("root_module"))).(ast.Object); ok {
			module(rm)
		}
		each(vs, []string{"outputs"}, func(_ string, o ast.Object) {
			collect(o.Get(keyValue), o.Get(keySensitive), false, found)
		})
	}
	if pv, ok := termValue(plan.Get(ast.StringTerm("planned_values"))).(ast.Object); ok {
		values(pv)
	}
	each(plan, []string{"prior_state"}, func(k string, vs ast.Object) {
		if k == "values" {
			values(vs)
		}
	})
	// input.variables shows these as (sensitive); their values stay in raw.
	each(plan, []string{"variables"}, func(name string, v ast.Object) {
		if pl.sensitiveVars[name] {
			collect(v.Get(keyValue), ast.BooleanTerm(true), false, found)
		}
	})
	each(plan, []string{"configuration", "root_module", "variables"}, func(name string, decl ast.Object) {
		if pl.sensitiveVars[name] {
			collect(decl.Get(ast.StringTerm("default")), ast.BooleanTerm(true), false, found)
		}
	})
}

func collect(v, sens *ast.Term, under bool, found map[string]bool) {
	if v == nil {
		return
	}
	under = under || isTrue(sens)
	if !under {
		// Nothing below is marked unless the sensitivity tree goes on.
		switch termValue(sens).(type) {
		case ast.Object, *ast.Array:
		default:
			return
		}
	}
	switch x := v.Value.(type) {
	case ast.String:
		if under && len(x) >= drift.MinSecret {
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
