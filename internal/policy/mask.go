package policy

import (
	"regexp"
	"sort"
	"strconv"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/open-policy-agent/opa/v1/ast"
)

// Masks are the config's masks (drift.yaml mask.paths and mask.values):
// values policies must never see, nor print.
type Masks struct {
	Paths  []string         // attribute path globs, as drift.Options.MaskPaths
	Values []*regexp.Regexp // value patterns, as drift.Options.MaskValues
}

func (m Masks) empty() bool { return len(m.Paths) == 0 && len(m.Values) == 0 }

// Input is what the policies evaluate for one target: the tfplan/v2-shaped
// value (docs/policy-input.md) with masked values replaced, and the
// secrets a policy can read in it.
type Input struct {
	Value   ast.Value
	secrets []string
}

// Secrets are the strings of this input a policy can read and no output may
// show: values terraform marks sensitive, and what the masks hid. The
// engine returns results and errors as the policies wrote them; the
// verdict's builder redacts them with these (drift.Redactor), once, with
// the rest of the verdict.
func (in Input) Secrets() []string { return in.secrets }

// NewInput builds the input from the plan, the drift verdict and the run
// context. Values under mask paths, and strings a value mask matches, are
// replaced by drift.Sensitive throughout (raw included) and marked sensitive
// as terraform marks its own; their originals join Secrets, with every value
// terraform marks sensitive.
func NewInput(pl Plan, res drift.Result, rc RunContext, m Masks) Input {
	found := map[string]bool{}
	secrets(pl, found)
	raw := pl.Value
	if !m.empty() {
		mk := &masker{m: m, found: map[string]bool{}, matched: map[string]bool{}}
		// First find what the paths mask, so the same values are hidden
		// wherever else they appear (a variable feeding the attribute, say).
		mk.plan(raw, false)
		for s := range mk.found {
			found[s] = true
		}
		raw = mk.plan(raw, true)
		// What value masks hid is redacted in every form too, not only as
		// the pattern matches it as is.
		for s := range mk.matched {
			found[s] = true
		}
	}
	secrets := make([]string, 0, len(found))
	for s := range found {
		secrets = append(secrets, s)
	}
	sort.Strings(secrets)
	return Input{Value: inputValue(raw, pl.sensitiveVars, res, rc), secrets: secrets}
}

// masker applies the masks to a plan. In the collecting pass (rewrite
// false) it only gathers the strings under masked paths into found; in the
// rewriting pass it returns a copy of the plan with masked values replaced,
// sharing every subterm it did not change.
type masker struct {
	m       Masks
	found   map[string]bool
	matched map[string]bool // what value masks matched, in the rewriting pass
	rewrite bool
}

var hidden = ast.StringTerm(drift.Sensitive)

func (mk *masker) plan(raw ast.Value, rewrite bool) ast.Value {
	plan, ok := raw.(ast.Object)
	if !ok {
		return raw
	}
	mk.rewrite = rewrite
	return edit(plan, map[string]func(*ast.Term) *ast.Term{ // keys are plan JSON's
		"resource_changes": mk.changes,
		"resource_drift":   mk.changes,
		"planned_values":   mk.values,
		"prior_state": func(t *ast.Term) *ast.Term {
			return editTerm(t, map[string]func(*ast.Term) *ast.Term{"values": mk.values})
		},
		"configuration":  mk.configuration,
		"output_changes": func(t *ast.Term) *ast.Term { return eachValue(t, mk.outputChange) },
		"variables": func(t *ast.Term) *ast.Term {
			return eachValue(t, func(v *ast.Term) *ast.Term {
				return editTerm(v, map[string]func(*ast.Term) *ast.Term{"value": mk.loose})
			})
		},
	})
}

// changes masks resource_changes or resource_drift entries.
func (mk *masker) changes(t *ast.Term) *ast.Term {
	return eachElem(t, func(e *ast.Term) *ast.Term {
		return editTerm(e, map[string]func(*ast.Term) *ast.Term{"change": func(c *ast.Term) *ast.Term {
			ch, ok := termValue(c).(ast.Object)
			if !ok {
				return c
			}
			before, bs := mk.attrs(ch.Get(ast.StringTerm("before")), ch.Get(ast.StringTerm("before_sensitive")))
			after, as := mk.attrs(ch.Get(ast.StringTerm("after")), ch.Get(ast.StringTerm("after_sensitive")))
			return editTerm(c, map[string]func(*ast.Term) *ast.Term{
				"before": func(*ast.Term) *ast.Term { return before }, "before_sensitive": func(*ast.Term) *ast.Term { return bs },
				"after": func(*ast.Term) *ast.Term { return after }, "after_sensitive": func(*ast.Term) *ast.Term { return as },
			})
		}})
	})
}

// values masks planned_values or prior_state.values: module trees of
// resources with values and sensitive_values, and outputs.
func (mk *masker) values(t *ast.Term) *ast.Term {
	var module func(*ast.Term) *ast.Term
	module = func(m *ast.Term) *ast.Term {
		return editTerm(m, map[string]func(*ast.Term) *ast.Term{
			"resources": func(rs *ast.Term) *ast.Term {
				return eachElem(rs, func(r *ast.Term) *ast.Term {
					obj, ok := termValue(r).(ast.Object)
					if !ok {
						return r
					}
					v, s := mk.attrs(obj.Get(ast.StringTerm("values")), obj.Get(ast.StringTerm("sensitive_values")))
					return editTerm(r, map[string]func(*ast.Term) *ast.Term{
						"values": func(*ast.Term) *ast.Term { return v }, "sensitive_values": func(*ast.Term) *ast.Term { return s },
					})
				})
			},
			"child_modules": func(cs *ast.Term) *ast.Term { return eachElem(cs, module) },
		})
	}
	return editTerm(t, map[string]func(*ast.Term) *ast.Term{
		"root_module": module,
		"outputs": func(os *ast.Term) *ast.Term {
			return eachValue(os, func(o *ast.Term) *ast.Term {
				return editTerm(o, map[string]func(*ast.Term) *ast.Term{"value": mk.loose})
			})
		},
	})
}

// configuration masks the constant values of resource arguments
// (configuration.root_module, module calls included).
func (mk *masker) configuration(t *ast.Term) *ast.Term {
	// exprs walks an expressions object: an argument is {constant_value: v,
	// ...} or {references: [...]}, a nested block a list of expressions objects.
	var exprs func(segs []string, t *ast.Term) *ast.Term
	exprs = func(segs []string, t *ast.Term) *ast.Term {
		obj, ok := termValue(t).(ast.Object)
		if !ok {
			return t
		}
		fs := map[string]func(*ast.Term) *ast.Term{}
		obj.Foreach(func(k, v *ast.Term) {
			name, ok := k.Value.(ast.String)
			if !ok {
				return
			}
			at := append(segs[:len(segs):len(segs)], string(name))
			switch x := v.Value.(type) {
			case ast.Object:
				if x.Get(ast.StringTerm("constant_value")) != nil {
					fs[string(name)] = func(e *ast.Term) *ast.Term {
						return editTerm(e, map[string]func(*ast.Term) *ast.Term{"constant_value": func(c *ast.Term) *ast.Term {
							nv, _ := mk.walk(at, c, nil, true)
							return nv
						}})
					}
				}
			case *ast.Array:
				fs[string(name)] = func(e *ast.Term) *ast.Term {
					i := -1
					return eachElem(e, func(b *ast.Term) *ast.Term {
						i++
						return exprs(append(at[:len(at):len(at)], "["+strconv.Itoa(i)+"]"), b)
					})
				}
			}
		})
		if out := edit(obj, fs); out != obj {
			return ast.NewTerm(out)
		}
		return t
	}
	var module func(*ast.Term) *ast.Term
	module = func(m *ast.Term) *ast.Term {
		return editTerm(m, map[string]func(*ast.Term) *ast.Term{
			"resources": func(rs *ast.Term) *ast.Term {
				return eachElem(rs, func(r *ast.Term) *ast.Term {
					return editTerm(r, map[string]func(*ast.Term) *ast.Term{"expressions": func(e *ast.Term) *ast.Term { return exprs(nil, e) }})
				})
			},
			"module_calls": func(cs *ast.Term) *ast.Term {
				return eachValue(cs, func(c *ast.Term) *ast.Term {
					return editTerm(c, map[string]func(*ast.Term) *ast.Term{"module": module})
				})
			},
		})
	}
	return editTerm(t, map[string]func(*ast.Term) *ast.Term{"root_module": module})
}

func (mk *masker) outputChange(t *ast.Term) *ast.Term {
	return editTerm(t, map[string]func(*ast.Term) *ast.Term{"before": mk.loose, "after": mk.loose})
}

// loose masks a value that has no attribute path (a variable, an output):
// only value masks and the values hidden by path elsewhere apply.
func (mk *masker) loose(t *ast.Term) *ast.Term {
	nv, _ := mk.walk(nil, t, nil, false)
	return nv
}

// attrs masks an attribute value tree and returns it with its sensitivity
// tree, marked true wherever a value was hidden.
func (mk *masker) attrs(v, sens *ast.Term) (*ast.Term, *ast.Term) {
	nv, ns := mk.walk(nil, v, sens, true)
	return nv, ns
}

// walk masks v at attribute path segs (pathed: segs are attribute paths).
// It returns the new value and sensitivity tree; both are the originals when
// nothing changed.
func (mk *masker) walk(segs []string, v, sens *ast.Term, pathed bool) (*ast.Term, *ast.Term) {
	if v == nil {
		return v, sens
	}
	if _, null := v.Value.(ast.Null); null {
		return v, sens
	}
	if pathed && mk.pathMasked(segs) {
		mk.collect(v)
		if !mk.rewrite {
			return v, sens
		}
		return hidden, ast.BooleanTerm(true)
	}
	switch x := v.Value.(type) {
	case ast.String:
		if mk.rewrite && mk.valueMasked(string(x)) {
			for _, re := range mk.m.Values {
				for _, s := range re.FindAllString(string(x), -1) {
					if len(s) >= drift.MinSecret {
						mk.matched[s] = true
					}
				}
			}
			return hidden, ast.BooleanTerm(true)
		}
	case ast.Object:
		var out ast.Object
		var outSens *ast.Term
		x.Foreach(func(k, e *ast.Term) {
			var sub *ast.Term
			if so, ok := termValue(sens).(ast.Object); ok {
				sub = so.Get(k)
			}
			at := segs
			if name, ok := k.Value.(ast.String); ok {
				at = append(segs[:len(segs):len(segs)], string(name))
			}
			ne, ns := mk.walk(at, e, sub, pathed)
			if ne == e {
				return
			}
			if out == nil {
				out = copyObject(x)
				outSens = sens
			}
			out.Insert(k, ne)
			outSens = setSens(outSens, k, ns)
		})
		if out != nil {
			return ast.NewTerm(out), outSens
		}
	case *ast.Array:
		var elems []*ast.Term
		var outSens *ast.Term
		for i := 0; i < x.Len(); i++ {
			e := x.Elem(i)
			var sub *ast.Term
			if sa, ok := termValue(sens).(*ast.Array); ok && i < sa.Len() {
				sub = sa.Elem(i)
			}
			ne, ns := mk.walk(append(segs[:len(segs):len(segs)], "["+strconv.Itoa(i)+"]"), e, sub, pathed)
			if ne == e {
				continue
			}
			if elems == nil {
				elems = make([]*ast.Term, x.Len())
				for j := range elems {
					elems[j] = x.Elem(j)
				}
				outSens = sens
			}
			elems[i] = ne
			outSens = setSensAt(outSens, i, x.Len(), ns)
		}
		if elems != nil {
			return ast.ArrayTerm(elems...), outSens
		}
	}
	return v, sens
}

func (mk *masker) pathMasked(segs []string) bool {
	if len(segs) == 0 {
		return false
	}
	for _, p := range mk.m.Paths {
		if drift.MatchPath(p, segs) {
			return true
		}
	}
	return false
}

func (mk *masker) valueMasked(s string) bool {
	if mk.found[s] {
		return true
	}
	for _, re := range mk.m.Values {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// collect gathers the strings of a masked subtree.
func (mk *masker) collect(v *ast.Term) {
	if mk.rewrite || v == nil {
		return
	}
	switch x := v.Value.(type) {
	case ast.String:
		if len(x) >= drift.MinSecret {
			mk.found[string(x)] = true
		}
	case ast.Object:
		x.Foreach(func(_, e *ast.Term) { mk.collect(e) })
	case *ast.Array:
		x.Foreach(mk.collect)
	}
}

// setSens marks key k of a sensitivity object with s, keeping a whole-true tree.
func setSens(sens, k, s *ast.Term) *ast.Term {
	if isTrue(sens) {
		return sens
	}
	var out ast.Object
	if so, ok := termValue(sens).(ast.Object); ok {
		out = copyObject(so)
	} else {
		out = ast.NewObject()
	}
	if s == nil {
		return ast.NewTerm(out)
	}
	out.Insert(k, s)
	return ast.NewTerm(out)
}

// setSensAt marks element i of a sensitivity list of n elements with s.
func setSensAt(sens *ast.Term, i, n int, s *ast.Term) *ast.Term {
	if isTrue(sens) {
		return sens
	}
	elems := make([]*ast.Term, n)
	sa, _ := termValue(sens).(*ast.Array)
	for j := range elems {
		if sa != nil && j < sa.Len() {
			elems[j] = sa.Elem(j)
		} else {
			elems[j] = ast.BooleanTerm(false)
		}
	}
	if s != nil {
		elems[i] = s
	}
	return ast.ArrayTerm(elems...)
}

func copyObject(o ast.Object) ast.Object {
	out := ast.NewObject()
	o.Foreach(func(k, v *ast.Term) { out.Insert(k, v) })
	return out
}

// editTerm applies edit to an object term; anything else is returned as is.
func editTerm(t *ast.Term, fs map[string]func(*ast.Term) *ast.Term) *ast.Term {
	obj, ok := termValue(t).(ast.Object)
	if !ok {
		return t
	}
	out := edit(obj, fs)
	if out == obj {
		return t
	}
	return ast.NewTerm(out)
}

// edit replaces the values of the named keys by what their function returns,
// copying obj only when one of them changed.
func edit(obj ast.Object, fs map[string]func(*ast.Term) *ast.Term) ast.Object {
	var out ast.Object
	keys := make([]string, 0, len(fs))
	for k := range fs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		kt := ast.StringTerm(k)
		old := obj.Get(kt)
		if old == nil {
			continue
		}
		nv := fs[k](old)
		if nv == old {
			continue
		}
		if out == nil {
			out = copyObject(obj)
		}
		if nv == nil {
			nv = ast.NullTerm()
		}
		out.Insert(kt, nv)
	}
	if out == nil {
		return obj
	}
	return out
}

// eachElem applies f to every element of an array term.
func eachElem(t *ast.Term, f func(*ast.Term) *ast.Term) *ast.Term {
	arr, ok := termValue(t).(*ast.Array)
	if !ok {
		return t
	}
	var elems []*ast.Term
	for i := 0; i < arr.Len(); i++ {
		e := arr.Elem(i)
		ne := f(e)
		if ne == e {
			continue
		}
		if elems == nil {
			elems = make([]*ast.Term, arr.Len())
			for j := range elems {
				elems[j] = arr.Elem(j)
			}
		}
		elems[i] = ne
	}
	if elems == nil {
		return t
	}
	return ast.ArrayTerm(elems...)
}

// eachValue applies f to every value of an object term.
func eachValue(t *ast.Term, f func(*ast.Term) *ast.Term) *ast.Term {
	obj, ok := termValue(t).(ast.Object)
	if !ok {
		return t
	}
	var out ast.Object
	obj.Foreach(func(k, v *ast.Term) {
		nv := f(v)
		if nv == v {
			return
		}
		if out == nil {
			out = copyObject(obj)
		}
		out.Insert(k, nv)
	})
	if out == nil {
		return t
	}
	return ast.NewTerm(out)
}
