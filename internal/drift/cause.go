package drift

import (
	"reflect"
	"strconv"

	tfjson "github.com/hashicorp/terraform-json"
)

// cause decides whether a pending change undoes drift, applies code, or
// both, from the change and the drift terraform found on the same resource
// (nil when none). The rule, per leaf attribute the change alters (values
// known only after apply are consequences and not counted):
//
//   - the change puts back the value the attribute had before drift, and
//     drift had changed it: undoing drift;
//   - anything else: code.
//
// A re-create of a resource deleted outside terraform is drift, unless the
// new object differs from the deleted one, which is drift+code. Moves,
// imports, deletions and resources without drift are code.
func cause(c *tfjson.Change, d *tfjson.ResourceChange) string {
	if d == nil || d.Change == nil || c.Importing != nil {
		return CauseCode
	}
	dc := d.Change
	if dc.Actions.Delete() && c.Actions.Create() {
		// Deleted outside terraform and planned anew: compare the new
		// object with the one that was deleted.
		if diffLeaves(dc.Before, c.After, c.AfterUnknown, func(_ []string, _, _ any) bool { return false }) {
			return CauseDriftAndCode
		}
		return CauseDrift
	}
	if c.Actions.Delete() && !c.Actions.Create() {
		return CauseCode
	}
	undo, code := 0, 0
	diffLeaves(c.Before, c.After, c.AfterUnknown, func(segs []string, _, after any) bool {
		was, is := lookup(dc.Before, segs), lookup(dc.After, segs)
		if !reflect.DeepEqual(was, is) && reflect.DeepEqual(after, was) {
			undo++
		} else {
			code++
		}
		return true
	})
	switch {
	case undo > 0 && code > 0:
		return CauseDriftAndCode
	case undo > 0:
		return CauseDrift
	case code > 0:
		return CauseCode
	}
	// Nothing known differs (every new value is known only after apply):
	// the drift is what terraform is acting on.
	return CauseDrift
}

// diffLeaves walks the leaves where before and after differ, skipping those
// unknown after apply, and calls fn for each; fn returning false stops the
// walk. It reports whether any leaf differed.
func diffLeaves(before, after, unknown any, fn func(segs []string, before, after any) bool) bool {
	found := false
	var walk func(segs []string, b, a, u any) bool
	walk = func(segs []string, b, a, u any) bool {
		if isTrue(u) {
			return true
		}
		bm, bIsMap := b.(map[string]any)
		am, aIsMap := a.(map[string]any)
		if (bIsMap || b == nil) && (aIsMap || a == nil) && (bIsMap || aIsMap) {
			for k := range union(bm, am) {
				if !walk(append(segs[:len(segs):len(segs)], k), bm[k], am[k], child(u, k)) {
					return false
				}
			}
			return true
		}
		bl, bIsList := b.([]any)
		al, aIsList := a.([]any)
		if (bIsList || b == nil) && (aIsList || a == nil) && (bIsList || aIsList) {
			for i := range max(len(bl), len(al)) {
				if !walk(append(segs[:len(segs):len(segs)], "["+strconv.Itoa(i)+"]"), at(bl, i), at(al, i), child(u, i)) {
					return false
				}
			}
			return true
		}
		if reflect.DeepEqual(b, a) {
			return true
		}
		found = true
		return fn(segs, b, a)
	}
	walk(nil, before, after, unknown)
	return found
}

func union(a, b map[string]any) map[string]struct{} {
	out := make(map[string]struct{}, len(a)+len(b))
	for k := range a {
		out[k] = struct{}{}
	}
	for k := range b {
		out[k] = struct{}{}
	}
	return out
}

// lookup follows segments (keys, and "[n]" for list indexes) into v.
func lookup(v any, segs []string) any {
	for _, s := range segs {
		switch x := v.(type) {
		case map[string]any:
			v = x[s]
		case []any:
			if len(s) < 3 || s[0] != '[' {
				return nil
			}
			i, err := strconv.Atoi(s[1 : len(s)-1])
			if err != nil || i < 0 {
				return nil
			}
			v = at(x, i)
		default:
			return nil
		}
	}
	return v
}
