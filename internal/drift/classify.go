package drift

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/myorg/drift-action/internal/glob"
)

// IgnoreRule drops known noise: drifted attributes whose path matches one of
// Paths on resources whose type matches Type (a glob; empty means any).
type IgnoreRule struct {
	Type  string
	Paths []string
}

// Options tune classification for one target.
type Options struct {
	Ignore []IgnoreRule
	// MaskPaths are attribute path globs whose values are shown as (sensitive)
	// even when terraform does not mark them so.
	MaskPaths []string
	// MaskValues hide any string value (or part of free text) they match.
	MaskValues []*regexp.Regexp
}

// Classify reads a plan (as `terraform show -json` prints it) and returns what
// drifted and what is pending. Dir, Target and Status are left to the caller's
// SetStatus so an error found elsewhere is never overwritten.
func Classify(p *tfjson.Plan, o Options) Result {
	var r Result
	if p == nil {
		return r
	}
	for _, rc := range p.ResourceDrift {
		if rc == nil || rc.Change == nil || rc.Mode == tfjson.DataResourceMode || isNoop(rc.Change.Actions) {
			continue
		}
		res := Resource{Address: rc.Address, Type: rc.Type, Actions: actionStrings(rc.Change.Actions)}
		attrs := o.diff(rc.Change, false)
		kept := attrs[:0]
		for _, a := range attrs {
			if o.ignored(rc.Type, a.segs) {
				r.Ignored = append(r.Ignored, Ignored{Address: rc.Address, Path: a.Path})
				continue
			}
			kept = append(kept, a)
		}
		// An in-place drift whose every difference is ignored (or invisible)
		// is noise; a deletion is always real.
		if len(kept) == 0 && !rc.Change.Actions.Delete() && !rc.Change.Actions.Replace() {
			continue
		}
		res.Attributes = exported(kept)
		r.Drift = append(r.Drift, res)
	}
	drifts := map[string]*tfjson.ResourceChange{}
	for _, rc := range p.ResourceDrift {
		if rc != nil && rc.Change != nil && rc.Mode != tfjson.DataResourceMode && !isNoop(rc.Change.Actions) {
			drifts[rc.Address] = rc
		}
	}
	for _, rc := range p.ResourceChanges {
		if rc == nil || rc.Change == nil || rc.Mode == tfjson.DataResourceMode || rc.Change.Actions.Read() {
			continue
		}
		moved := rc.PreviousAddress != "" && rc.PreviousAddress != rc.Address
		importing := rc.Change.Importing != nil
		// A pending move or import is a change of its own even when the
		// object stays as it is (no-op): applying it rewrites the state.
		if isNoop(rc.Change.Actions) && !moved && !importing {
			continue
		}
		res := Resource{Address: rc.Address, Type: rc.Type, Actions: actionStrings(rc.Change.Actions), ActionReason: string(rc.ActionReason)}
		if moved {
			res.PreviousAddress = rc.PreviousAddress
		}
		if importing {
			res.Importing = true
			res.ImportID = rc.Change.Importing.ID
		}
		if rc.Change.Actions.Update() || rc.Change.Actions.Replace() {
			res.Attributes = exported(o.diff(rc.Change, true))
		}
		if rc.Change.Actions.Replace() {
			res.ReplacePaths = replacePaths(rc.Change.ReplacePaths, o)
		}
		d := drifts[rc.Address]
		if d == nil && moved {
			d = drifts[rc.PreviousAddress]
		}
		res.Cause = cause(rc.Change, d)
		r.Changes = append(r.Changes, res)
	}
	r.Checks = checks(p.Checks)
	for name, oc := range p.OutputChanges {
		if oc != nil && !isNoop(oc.Actions) {
			r.Outputs = append(r.Outputs, name)
		}
	}
	sort.Strings(r.Outputs)
	r.SetStatus()
	return r
}

// replacePaths renders terraform's replace_paths (lists of attribute names
// and indexes) as attribute paths.
func replacePaths(ps []any, o Options) []string {
	var out []string
	for _, p := range ps {
		steps, ok := p.([]any)
		if !ok {
			continue
		}
		segs := make([]string, 0, len(steps))
		for _, st := range steps {
			switch x := st.(type) {
			case string:
				segs = append(segs, x)
			default:
				segs = append(segs, "["+fmt.Sprint(x)+"]")
			}
		}
		out = append(out, o.renderPath(segs))
	}
	return out
}

// checks lists the check results that did not pass, by instance, in plan
// order. Their messages are terraform's, as written: the verdict's builder
// redacts them with the rest of the verdict (Redactor.Result).
func checks(cs []tfjson.CheckResultStatic) []Check {
	var out []Check
	for _, c := range cs {
		if c.Status == tfjson.CheckStatusPass || c.Status == "" {
			continue
		}
		kind := string(c.Address.Kind)
		if len(c.Instances) == 0 {
			out = append(out, Check{Address: c.Address.ToDisplay, Kind: kind, Status: string(c.Status)})
			continue
		}
		for _, in := range c.Instances {
			if in.Status == tfjson.CheckStatusPass {
				continue
			}
			ck := Check{Address: in.Address.ToDisplay, Kind: kind, Status: string(in.Status)}
			if ck.Address == "" {
				ck.Address = c.Address.ToDisplay
			}
			for _, pr := range in.Problems {
				ck.Problems = append(ck.Problems, pr.Message)
			}
			out = append(out, ck)
		}
	}
	return out
}

func isNoop(a tfjson.Actions) bool { return len(a) == 0 || a.NoOp() }

func actionStrings(a tfjson.Actions) []string {
	out := make([]string, len(a))
	for i, x := range a {
		out[i] = string(x)
	}
	return out
}

// attr is an Attribute plus its path segments, kept for ignore matching.
type attr struct {
	Attribute
	segs []string
}

func exported(as []attr) []Attribute {
	if len(as) == 0 {
		return nil
	}
	out := make([]Attribute, len(as))
	for i, a := range as {
		out[i] = a.Attribute
	}
	return out
}

func (o Options) ignored(typ string, segs []string) bool {
	for _, rule := range o.Ignore {
		if rule.Type != "" && !glob.Wildcard(rule.Type, typ) {
			continue
		}
		for _, p := range rule.Paths {
			if MatchPath(p, segs) {
				return true
			}
		}
	}
	return false
}

// diff lists the leaf attributes that differ between before and after.
// Sensitivity from either side, user masks and unknown-after are honoured at
// every depth: a sensitive subtree is compared whole and never descended into.
func (o Options) diff(c *tfjson.Change, withUnknown bool) []attr {
	w := walker{o: o}
	var au any
	if withUnknown {
		au = c.AfterUnknown
	}
	w.walk(nil, c.Before, c.After, c.BeforeSensitive, c.AfterSensitive, au)
	return w.out
}

type walker struct {
	o   Options
	out []attr
}

func (w *walker) walk(segs []string, before, after, bs, as, au any) {
	sens := isTrue(bs) || isTrue(as) || w.masked(segs)
	if isTrue(au) {
		w.emit(segs, before, Unknown, sens || anyTrue(as) || w.hiddenInside(segs, before, bs))
		return
	}
	if sens {
		if !reflect.DeepEqual(before, after) {
			w.emit(segs, before, after, true)
		}
		return
	}
	bm, bIsMap := before.(map[string]any)
	am, aIsMap := after.(map[string]any)
	if (bIsMap || before == nil) && (aIsMap || after == nil) && (bIsMap || aIsMap) {
		keys := make([]string, 0, len(bm)+len(am))
		for k := range bm {
			keys = append(keys, k)
		}
		for k := range am {
			if _, ok := bm[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			w.walk(append(slices.Clip(segs), k), bm[k], am[k], child(bs, k), child(as, k), child(au, k))
		}
		return
	}
	bl, bIsList := before.([]any)
	al, aIsList := after.([]any)
	if (bIsList || before == nil) && (aIsList || after == nil) && (bIsList || aIsList) {
		for i := range max(len(bl), len(al)) {
			k := strconv.Itoa(i)
			w.walk(append(slices.Clip(segs), "["+k+"]"), at(bl, i), at(al, i), child(bs, i), child(as, i), child(au, i))
		}
		return
	}
	if !reflect.DeepEqual(before, after) {
		// Shapes differ (an object became a list, say): the values are shown
		// whole, so any sensitive part anywhere inside hides all of it.
		w.emit(segs, before, after, w.hiddenInside(segs, before, bs) || w.hiddenInside(segs, after, as))
	}
}

// hiddenInside reports whether anything at or below segs in v is sensitive
// to terraform, under a masked path, or matches a masked value.
func (w *walker) hiddenInside(segs []string, v, sens any) bool {
	if isTrue(sens) || w.masked(segs) {
		return true
	}
	switch x := v.(type) {
	case string:
		return w.valueMasked(x)
	case map[string]any:
		for k, e := range x {
			if w.hiddenInside(append(slices.Clip(segs), k), e, child(sens, k)) {
				return true
			}
		}
	case []any:
		for i, e := range x {
			if w.hiddenInside(append(slices.Clip(segs), "["+strconv.Itoa(i)+"]"), e, child(sens, i)) {
				return true
			}
		}
	}
	return anyTrue(sens)
}

// anyTrue reports whether a sensitivity tree marks anything at all.
func anyTrue(tree any) bool {
	switch t := tree.(type) {
	case bool:
		return t
	case map[string]any:
		for _, v := range t {
			if anyTrue(v) {
				return true
			}
		}
	case []any:
		for _, v := range t {
			if anyTrue(v) {
				return true
			}
		}
	}
	return false
}

func (w *walker) emit(segs []string, before, after any, sensitive bool) {
	if sensitive {
		before, after = hide(before), hide(after)
	}
	// segs stay as terraform wrote them, for ignore rules; the path shown
	// has user-masked values hidden in map keys too.
	w.out = append(w.out, attr{Attribute: Attribute{Path: w.o.renderPath(segs), Before: before, After: after, Sensitive: sensitive}, segs: segs})
}

// renderPath is RenderPath with user-masked values hidden in every key:
// a map key is data (an access key as a key of a map of users, say), and
// a path is shown wherever its value is.
func (o Options) renderPath(segs []string) string {
	if len(o.MaskValues) == 0 {
		return RenderPath(segs)
	}
	shown := make([]string, len(segs))
	for i, s := range segs {
		shown[i] = s
		if !strings.HasPrefix(s, "[") { // list indexes are ours
			for _, re := range o.MaskValues {
				shown[i] = re.ReplaceAllString(shown[i], Sensitive)
			}
		}
	}
	return RenderPath(shown)
}

func hide(v any) any {
	if v == nil || v == Unknown {
		return v
	}
	return Sensitive
}

func (w *walker) masked(segs []string) bool {
	if len(segs) == 0 {
		return false
	}
	for _, p := range w.o.MaskPaths {
		if MatchPath(p, segs) {
			return true
		}
	}
	return false
}

// valueMasked reports whether any string inside v matches a user mask.
func (w *walker) valueMasked(v any) bool {
	if len(w.o.MaskValues) == 0 {
		return false
	}
	switch x := v.(type) {
	case string:
		for _, re := range w.o.MaskValues {
			if re.MatchString(x) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if w.valueMasked(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if w.valueMasked(e) {
				return true
			}
		}
	}
	return false
}

func isTrue(v any) bool { b, ok := v.(bool); return ok && b }

// child descends a sensitivity or unknown tree, where true covers a subtree.
func child[K string | int](tree any, k K) any {
	if isTrue(tree) {
		return true
	}
	switch t := tree.(type) {
	case map[string]any:
		if s, ok := any(k).(string); ok {
			return t[s]
		}
	case []any:
		if i, ok := any(k).(int); ok {
			return at(t, i)
		}
	}
	return nil
}

func at(l []any, i int) any {
	if i < len(l) {
		return l[i]
	}
	return nil
}

// RenderPath writes segments as `tags.env`, `disk[0].size` or
// `labels["app.kubernetes.io/name"]`.
func RenderPath(segs []string) string {
	var b strings.Builder
	for i, s := range segs {
		switch {
		case strings.HasPrefix(s, "["):
			b.WriteString(s)
		case isIdent(s):
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s)
		default:
			b.WriteString("[" + strconv.Quote(s) + "]")
		}
	}
	return b.String()
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
