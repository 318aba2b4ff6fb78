package policy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// knownActions are the change actions terraform writes.
var knownActions = []string{"no-op", "create", "read", "update", "delete", "forget"}

// validatePlan checks the parts of a plan that policies and secret
// redaction read. Elsewhere a wrong shape reads as "nothing here":
// `actions` as a string or `resource_changes` as an object would pass every
// deny. Anything terraform never writes is refused with the JSON path of
// the first bad field. Values (before, after) are not inspected.
func validatePlan(plan ast.Object) error {
	v := shapeChecker{}
	v.formatVersion(plan.Get(ast.StringTerm("format_version")))
	for _, key := range []string{"resource_changes", "resource_drift"} {
		v.optionalArray(plan, key, key, v.resourceChange)
	}
	v.optionalObject(plan, "output_changes", "output_changes", func(p string, o ast.Object) {
		v.each(o, p, func(p string, o ast.Object) { v.change(p, o) })
	})
	v.optionalObject(plan, "variables", "variables", func(p string, o ast.Object) {
		v.each(o, p, func(string, ast.Object) {})
	})
	v.configuration(plan)
	return v.err
}

// configuration checks what redaction reads of the plan's configuration
// (the variables' sensitivity), also when only that was read of it.
func (v *shapeChecker) configuration(plan ast.Object) {
	v.optionalObject(plan, "configuration", "configuration", func(p string, o ast.Object) {
		v.optionalObject(o, "root_module", p+".root_module", func(p string, o ast.Object) {
			v.optionalObject(o, "variables", p+".variables", func(p string, o ast.Object) {
				v.each(o, p, func(p string, o ast.Object) {
					v.optional(o, "sensitive", p+".sensitive", "a boolean", isBoolean)
				})
			})
		})
	})
}

// shapeChecker keeps the first error; later checks are no-ops.
type shapeChecker struct{ err error }

func (v *shapeChecker) fail(path, format string, args ...any) {
	if v.err == nil {
		v.err = fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...))
	}
}

func (v *shapeChecker) formatVersion(t *ast.Term) {
	if t == nil {
		v.fail("format_version", "missing")
		return
	}
	s, ok := t.Value.(ast.String)
	if !ok {
		v.fail("format_version", "want a string such as \"1.2\", got %s", ast.ValueName(t.Value))
		return
	}
	if major, _, _ := strings.Cut(string(s), "."); major != "1" {
		v.fail("format_version", "%q is not supported: this drift-action reads plan format 1.x, written by terraform 1.1 or later", string(s))
	}
}

func (v *shapeChecker) resourceChange(p string, o ast.Object) {
	for _, k := range []string{"address", "type", "mode"} {
		v.required(o, k, p+"."+k, "a string", isString)
	}
	if m, ok := termValue(o.Get(ast.StringTerm("mode"))).(ast.String); ok && m != "managed" && m != "data" {
		v.fail(p+".mode", "want managed or data, got %q", string(m))
	}
	for _, k := range []string{"name", "provider_name", "module_address", "previous_address", "deposed"} {
		v.optional(o, k, p+"."+k, "a string", isString)
	}
	t := o.Get(ast.StringTerm("change"))
	if t == nil {
		v.fail(p+".change", "missing: terraform writes a change object for every resource")
		return
	}
	ch, ok := t.Value.(ast.Object)
	if !ok {
		v.fail(p+".change", "want an object, got %s", ast.ValueName(t.Value))
		return
	}
	v.change(p+".change", ch)
}

// change is a resource's or an output's change: before and after may be
// anything; the sensitivity and unknown trees mirror a value.
func (v *shapeChecker) change(p string, ch ast.Object) {
	t := ch.Get(ast.StringTerm("actions"))
	if t == nil {
		v.fail(p+".actions", "missing: terraform writes at least [\"no-op\"]")
		return
	}
	arr, ok := t.Value.(*ast.Array)
	if !ok {
		v.fail(p+".actions", "want an array of strings, got %s", ast.ValueName(t.Value))
		return
	}
	if arr.Len() == 0 {
		v.fail(p+".actions", "empty: terraform writes at least [\"no-op\"]")
	}
	for i := range arr.Len() {
		a, ok := arr.Elem(i).Value.(ast.String)
		if !ok {
			v.fail(fmt.Sprintf("%s.actions[%d]", p, i), "want a string, got %s", ast.ValueName(arr.Elem(i).Value))
			return
		}
		if !slices.Contains(knownActions, string(a)) {
			v.fail(fmt.Sprintf("%s.actions[%d]", p, i), "unknown action %q: terraform writes %s", string(a), strings.Join(knownActions, ", "))
			return
		}
	}
	for _, k := range []string{"after_unknown", "before_sensitive", "after_sensitive"} {
		v.optional(ch, k, p+"."+k, "a boolean, an object or an array", func(x ast.Value) bool {
			switch x.(type) {
			case ast.Boolean, ast.Object, *ast.Array:
				return true
			}
			return false
		})
	}
}

func (v *shapeChecker) required(o ast.Object, key, p, want string, ok func(ast.Value) bool) {
	if o.Get(ast.StringTerm(key)) == nil {
		v.fail(p, "missing: want %s", want)
		return
	}
	v.optional(o, key, p, want, ok)
}

func (v *shapeChecker) optional(o ast.Object, key, p, want string, ok func(ast.Value) bool) {
	if t := o.Get(ast.StringTerm(key)); t != nil && !ok(t.Value) {
		v.fail(p, "want %s, got %s", want, ast.ValueName(t.Value))
	}
}

// optionalArray checks an array of objects under key, if present.
func (v *shapeChecker) optionalArray(o ast.Object, key, p string, elem func(string, ast.Object)) {
	t := o.Get(ast.StringTerm(key))
	if t == nil {
		return
	}
	arr, ok := t.Value.(*ast.Array)
	if !ok {
		v.fail(p, "want an array of objects, got %s", ast.ValueName(t.Value))
		return
	}
	for i := 0; i < arr.Len() && v.err == nil; i++ {
		ep := fmt.Sprintf("%s[%d]", p, i)
		e, ok := arr.Elem(i).Value.(ast.Object)
		if !ok {
			v.fail(ep, "want an object, got %s", ast.ValueName(arr.Elem(i).Value))
			return
		}
		elem(ep, e)
	}
}

// optionalObject checks an object under key, if present.
func (v *shapeChecker) optionalObject(o ast.Object, key, p string, check func(string, ast.Object)) {
	t := o.Get(ast.StringTerm(key))
	if t == nil {
		return
	}
	obj, ok := t.Value.(ast.Object)
	if !ok {
		v.fail(p, "want an object, got %s", ast.ValueName(t.Value))
		return
	}
	check(p, obj)
}

// each checks that every value of o is an object.
func (v *shapeChecker) each(o ast.Object, p string, check func(string, ast.Object)) {
	for _, k := range o.Keys() {
		if v.err != nil {
			return
		}
		ep := p + pathKey(k)
		e, ok := o.Get(k).Value.(ast.Object)
		if !ok {
			v.fail(ep, "want an object, got %s", ast.ValueName(o.Get(k).Value))
			return
		}
		check(ep, e)
	}
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// pathKey writes an object key as .name, or ["odd key"] when it is not a name.
func pathKey(k *ast.Term) string {
	if s, ok := k.Value.(ast.String); ok && identifier.MatchString(string(s)) {
		return "." + string(s)
	}
	return "[" + k.String() + "]"
}

func isString(x ast.Value) bool  { _, ok := x.(ast.String); return ok }
func isBoolean(x ast.Value) bool { _, ok := x.(ast.Boolean); return ok }
