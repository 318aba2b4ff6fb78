package policy

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
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
	v.formatVersion(plan.Get(keyFormatVersion))
	for _, key := range []*ast.Term{keyResourceChanges, keyResourceDrift} {
		v.optionalArray(plan, key, nil, v.resourceChange)
	}
	v.optionalObject(plan, keyOutputChanges, nil, func(p *at, o ast.Object) {
		v.each(o, p, func(p *at, o ast.Object) { v.change(p, o) })
	})
	v.optionalObject(plan, keyVariables, nil, func(p *at, o ast.Object) {
		v.each(o, p, func(*at, ast.Object) {})
	})
	v.configuration(plan)
	return v.err
}

// configuration checks what redaction reads of the plan's configuration
// (the variables' sensitivity), also when only that was read of it.
func (v *shapeChecker) configuration(plan ast.Object) {
	v.optionalObject(plan, keyConfiguration, nil, func(p *at, o ast.Object) {
		v.optionalObject(o, keyRootModule, p, func(p *at, o ast.Object) {
			v.optionalObject(o, keyVariables, p, func(p *at, o ast.Object) {
				v.each(o, p, func(p *at, o ast.Object) {
					v.optional(o, keySensitive, p, "a boolean", isBoolean)
				})
			})
		})
	})
}

// Keys the checks and the input read, made once: a 10,000-resource plan
// is looked up hundreds of thousands of times.
var (
	keyFormatVersion   = ast.StringTerm("format_version")
	keyResourceChanges = ast.StringTerm("resource_changes")
	keyResourceDrift   = ast.StringTerm("resource_drift")
	keyOutputChanges   = ast.StringTerm("output_changes")
	keyVariables       = ast.StringTerm("variables")
	keyConfiguration   = ast.StringTerm("configuration")
	keyRootModule      = ast.StringTerm("root_module")
	keySensitive       = ast.StringTerm("sensitive")
	keyAddress         = ast.StringTerm("address")
	keyType            = ast.StringTerm("type")
	keyMode            = ast.StringTerm("mode")
	keyChange          = ast.StringTerm("change")
	keyActions         = ast.StringTerm("actions")
	keyBefore          = ast.StringTerm("before")
	keyAfter           = ast.StringTerm("after")
	keyBeforeSensitive = ast.StringTerm("before_sensitive")
	keyAfterSensitive  = ast.StringTerm("after_sensitive")
	keyAfterUnknown    = ast.StringTerm("after_unknown")
	keyValue           = ast.StringTerm("value")
	// optionalStrings are a resource change's optional string members.
	optionalStrings = []*ast.Term{ast.StringTerm("name"), ast.StringTerm("provider_name"), ast.StringTerm("module_address"), ast.StringTerm("previous_address"), ast.StringTerm("deposed")}
	// changeTrees are a change's sensitivity and unknown trees.
	changeTrees = []*ast.Term{keyAfterUnknown, keyBeforeSensitive, keyAfterSensitive}
)

// at is a JSON path into the plan, rendered only when a check fails: a
// member (key) or an element (index) of its parent; nil is the plan.
type at struct {
	parent *at
	key    *ast.Term
	index  int
}

func (p *at) member(k *ast.Term) *at { return &at{parent: p, key: k} }
func (p *at) elem(i int) *at         { return &at{parent: p, index: i} }

func (p *at) String() string {
	if p == nil {
		return ""
	}
	if p.key == nil {
		return p.parent.String() + "[" + strconv.Itoa(p.index) + "]"
	}
	if p.parent == nil {
		if s, ok := p.key.Value.(ast.String); ok {
			return string(s)
		}
	}
	return p.parent.String() + pathKey(p.key)
}

// shapeChecker keeps the first error; later checks are no-ops.
type shapeChecker struct{ err error }

func (v *shapeChecker) fail(p *at, format string, args ...any) {
	if v.err == nil {
		v.err = fmt.Errorf("%s: %s", p, fmt.Sprintf(format, args...))
	}
}

func (v *shapeChecker) formatVersion(t *ast.Term) {
	p := (*at)(nil).member(keyFormatVersion)
	if t == nil {
		v.fail(p, "missing")
		return
	}
	s, ok := t.Value.(ast.String)
	if !ok {
		v.fail(p, "want a string such as \"1.2\", got %s", ast.ValueName(t.Value))
		return
	}
	if major, _, _ := strings.Cut(string(s), "."); major != "1" {
		v.fail(p, "%q is not supported: this drift-action reads plan format 1.x, written by terraform 1.1 or later", string(s))
	}
}

func (v *shapeChecker) resourceChange(p *at, o ast.Object) {
	for _, k := range []*ast.Term{keyAddress, keyType, keyMode} {
		v.required(o, k, p, "a string", isString)
	}
	if m, ok := termValue(o.Get(keyMode)).(ast.String); ok && m != "managed" && m != "data" {
		v.fail(p.member(keyMode), "want managed or data, got %q", string(m))
	}
	for _, k := range optionalStrings {
		v.optional(o, k, p, "a string", isString)
	}
	t := o.Get(keyChange)
	if t == nil {
		v.fail(p.member(keyChange), "missing: terraform writes a change object for every resource")
		return
	}
	ch, ok := t.Value.(ast.Object)
	if !ok {
		v.fail(p.member(keyChange), "want an object, got %s", ast.ValueName(t.Value))
		return
	}
	v.change(p.member(keyChange), ch)
}

// change is a resource's or an output's change: before and after may be
// anything; the sensitivity and unknown trees mirror a value.
func (v *shapeChecker) change(p *at, ch ast.Object) {
	t := ch.Get(keyActions)
	if t == nil {
		v.fail(p.member(keyActions), "missing: terraform writes at least [\"no-op\"]")
		return
	}
	arr, ok := t.Value.(*ast.Array)
	if !ok {
		v.fail(p.member(keyActions), "want an array of strings, got %s", ast.ValueName(t.Value))
		return
	}
	if arr.Len() == 0 {
		v.fail(p.member(keyActions), "empty: terraform writes at least [\"no-op\"]")
	}
	for i := range arr.Len() {
		a, ok := arr.Elem(i).Value.(ast.String)
		if !ok {
			v.fail(p.member(keyActions).elem(i), "want a string, got %s", ast.ValueName(arr.Elem(i).Value))
			return
		}
		if !slices.Contains(knownActions, string(a)) {
			v.fail(p.member(keyActions).elem(i), "unknown action %q: terraform writes %s", string(a), strings.Join(knownActions, ", "))
			return
		}
	}
	for _, k := range changeTrees {
		v.optional(ch, k, p, "a boolean, an object or an array", isTree)
	}
}

func isTree(x ast.Value) bool {
	switch x.(type) {
	case ast.Boolean, ast.Object, *ast.Array:
		return true
	}
	return false
}

// required checks o's member key; p is o's path.
func (v *shapeChecker) required(o ast.Object, key *ast.Term, p *at, want string, ok func(ast.Value) bool) {
	if o.Get(key) == nil {
		v.fail(p.member(key), "missing: want %s", want)
		return
	}
	v.optional(o, key, p, want, ok)
}

// optional checks o's member key, if present; p is o's path.
func (v *shapeChecker) optional(o ast.Object, key *ast.Term, p *at, want string, ok func(ast.Value) bool) {
	if t := o.Get(key); t != nil && !ok(t.Value) {
		v.fail(p.member(key), "want %s, got %s", want, ast.ValueName(t.Value))
	}
}

// optionalArray checks an array of objects under key, if present; p is o's
// path.
func (v *shapeChecker) optionalArray(o ast.Object, key *ast.Term, p *at, elem func(*at, ast.Object)) {
	t := o.Get(key)
	if t == nil {
		return
	}
	p = p.member(key)
	arr, ok := t.Value.(*ast.Array)
	if !ok {
		v.fail(p, "want an array of objects, got %s", ast.ValueName(t.Value))
		return
	}
	for i := 0; i < arr.Len() && v.err == nil; i++ {
		e, ok := arr.Elem(i).Value.(ast.Object)
		if !ok {
			v.fail(p.elem(i), "want an object, got %s", ast.ValueName(arr.Elem(i).Value))
			return
		}
		elem(p.elem(i), e)
	}
}

// optionalObject checks an object under key, if present; p is o's path.
func (v *shapeChecker) optionalObject(o ast.Object, key *ast.Term, p *at, check func(*at, ast.Object)) {
	t := o.Get(key)
	if t == nil {
		return
	}
	p = p.member(key)
	obj, ok := t.Value.(ast.Object)
	if !ok {
		v.fail(p, "want an object, got %s", ast.ValueName(t.Value))
		return
	}
	check(p, obj)
}

// each checks that every value of o is an object; p is o's path.
func (v *shapeChecker) each(o ast.Object, p *at, check func(*at, ast.Object)) {
	for _, k := range o.Keys() {
		if v.err != nil {
			return
		}
		e, ok := o.Get(k).Value.(ast.Object)
		if !ok {
			v.fail(p.member(k), "want an object, got %s", ast.ValueName(o.Get(k).Value))
			return
		}
		check(p.member(k), e)
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
