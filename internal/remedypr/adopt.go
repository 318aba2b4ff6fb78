package remedypr

import (
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/tfsource"
)

// Adoption is one drifted attribute the adopt strategy wrote into the code
// (File and Line set), or did not (Reason set, and Detail saying more).
type Adoption struct {
	Address string
	Path    string
	File    string // repository-relative path of the rewritten .tf file
	Line    int    // the resource block's line
	Reason  tfsource.Reason
	Detail  string
	// Shared (adopted only) lists the instances of a count or for_each
	// block whose one literal was changed: every instance it declares.
	Shared []string
}

// Why is the sentence for a reader of why an attribute was not adopted.
func (a Adoption) Why() string {
	s := a.Reason.Explain()
	if a.Detail != "" {
		s += " (" + a.Detail + ")"
	}
	return s
}

type adoption struct {
	adopted, refused []Adoption
	files            map[string][]byte // repository-relative path -> new content
}

func loadIndex(cfg Config, t Target) tfsource.Index {
	if cfg.RepoRoot == "" {
		return tfsource.Index{}
	}
	return tfsource.Load(filepath.Join(cfg.RepoRoot, filepath.FromSlash(t.Root)))
}

// adopt rewrites, in the root's .tf files, every drifted attribute that is a
// literal there, and says why for the others. Files are read once and
// edited in turn.
//
// The instances of a count or for_each block share its literals, so an
// attribute of theirs is adopted only when one value is right for every
// instance: all of them are known from the code, all drifted, to the same
// value. Otherwise each is refused (SharedLiteral), and goes to the pr
// strategy: rewriting the literal to one instance's value would have the
// next apply change the others.
func adopt(cfg Config, t Target, resources []drift.Resource) adoption {
	ix := loadIndex(cfg, t)
	ad := adoption{files: map[string][]byte{}}
	content := map[string][]byte{} // absolute path -> current content
	read := func(file string) ([]byte, bool) {
		if src, ok := content[file]; ok {
			return src, true
		}
		b, err := cfg.readFile(file)
		if err != nil {
			return nil, false
		}
		content[file] = b
		return b, true
	}
	// Outcomes are sorted back into resource and attribute order at the end.
	type outcome struct {
		at      [2]int
		adopted bool
		a       Adoption
	}
	var outs []outcome
	refuse := func(at [2]int, r drift.Resource, path string, reason tfsource.Reason, detail string) {
		outs = append(outs, outcome{at: at, a: Adoption{Address: r.Address, Path: path, Reason: reason, Detail: detail}})
	}
	// A group is one literal: a block's attribute path, with the drifted
	// instances that want it changed.
	type member struct {
		at  [2]int
		r   drift.Resource
		key string
		val any
	}
	type group struct {
		file, block, path string
		line              int
		members           []member
	}
	var groups []*group
	byLiteral := map[[3]string]*group{}
	for ri, r := range resources {
		if isDeletion(r) {
			refuse([2]int{ri, 0}, r, "", tfsource.Unsupported, "deleted outside terraform: remove it from the code, or merge to have it re-created")
			continue
		}
		if strings.HasPrefix(r.Address, "module.") {
			mod := strings.SplitN(r.Address, ".", 3)
			for ai, a := range r.Attributes {
				refuse([2]int{ri, ai}, r, a.Path, tfsource.ModuleInput, "module."+strings.SplitN(mod[1], "[", 2)[0])
			}
			continue
		}
		pos, found := ix.Find(r.Address)
		for ai, a := range r.Attributes {
			at := [2]int{ri, ai}
			switch {
			case a.Sensitive || masked(a.After) || masked(a.Before) || strings.Contains(a.Path, drift.Sensitive): // a masked map key
				refuse(at, r, a.Path, tfsource.Sensitive, "")
			case !found:
				refuse(at, r, a.Path, tfsource.NotFound, "no declaration found in "+t.Root)
			case !strings.HasSuffix(pos.File, ".tf"):
				refuse(at, r, a.Path, tfsource.Unsupported, "declared in a .tf.json file")
			default:
				block := tfsource.BlockAddress(r.Address)
				k := [3]string{pos.File, block, a.Path}
				g := byLiteral[k]
				if g == nil {
					g = &group{file: pos.File, block: block, path: a.Path, line: pos.Line}
					byLiteral[k] = g
					groups = append(groups, g)
				}
				key, _ := tfsource.InstanceKey(r.Address)
				g.members = append(g.members, member{at: at, r: r, key: key, val: a.After})
			}
		}
		if len(r.Attributes) == 0 {
			refuse([2]int{ri, 0}, r, "", tfsource.NotFound, "terraform reported no attribute values")
		}
	}
	for _, g := range groups {
		refuseAll := func(reason tfsource.Reason, detail string) {
			for _, m := range g.members {
				refuse(m.at, m.r, g.path, reason, detail)
			}
		}
		src, ok := read(g.file)
		if !ok {
			refuseAll(tfsource.NotFound, "cannot read "+relPath(cfg.RepoRoot, g.file))
			continue
		}
		if why := sharedProblem(src, g.block, g.path, g.members[0].r.Address, func(yield func(key string, val any) bool) {
			for _, m := range g.members {
				if !yield(m.key, m.val) {
					return
				}
			}
		}); why != "" {
			refuseAll(tfsource.SharedLiteral, why)
			continue
		}
		out, err := tfsource.Rewrite(src, g.members[0].r.Address, g.path, g.members[0].val)
		if err != nil {
			reason := tfsource.ReasonOf(err)
			detail := ""
			var re *tfsource.RefusalError
			if errors.As(err, &re) {
				detail = re.Detail
			}
			if reason == "" {
				reason, detail = tfsource.Unsupported, "the file does not parse"
			}
			refuseAll(reason, detail)
			continue
		}
		content[g.file] = out
		rel := relPath(cfg.RepoRoot, g.file)
		ad.files[rel] = out
		var shared []string
		if len(g.members) > 1 || g.members[0].key != "" {
			for _, m := range g.members {
				shared = append(shared, m.r.Address)
			}
		}
		for _, m := range g.members {
			outs = append(outs, outcome{at: m.at, adopted: true, a: Adoption{Address: m.r.Address, Path: g.path, File: rel, Line: g.line, Shared: shared}})
		}
	}
	sort.SliceStable(outs, func(i, j int) bool {
		a, b := outs[i].at, outs[j].at
		return a[0] < b[0] || a[0] == b[0] && a[1] < b[1]
	})
	for _, o := range outs {
		if o.adopted {
			ad.adopted = append(ad.adopted, o.a)
		} else {
			ad.refused = append(ad.refused, o.a)
		}
	}
	return ad
}

// sharedProblem says why one literal of block cannot be set for the drifted
// instances given (key and new value of path each), or "" when it can: the
// block is not repeated, or every one of its instances drifted to the same
// value. It names instances, never values.
func sharedProblem(src []byte, block, path, address string, drifted iter.Seq2[string, any]) string {
	in, err := tfsource.InstancesOf(src, address)
	if err != nil || !in.Repeated {
		return "" // Rewrite says what is wrong with the block, if anything
	}
	if !in.Known {
		return fmt.Sprintf("%s is repeated by %s, so which instances exist is known only to terraform; changing the literal could change instances that did not drift", block, in.Expr)
	}
	var first any
	var keys []string
	seen := map[string]bool{}
	n := 0
	differ := false
	for key, val := range drifted {
		if !in.Has(key) {
			return fmt.Sprintf("%s is not an instance the code declares", instanceAddr(block, key, in.Count >= 0))
		}
		if n == 0 {
			first = val
		} else if !sameValue(first, val) {
			differ = true
		}
		if !seen[key] {
			seen[key] = true
			keys = append(keys, instanceAddr(block, key, in.Count >= 0))
		}
		n++
	}
	if differ {
		return strings.Join(keys, ", ") + " drifted to different values"
	}
	if len(seen) < in.Len() {
		return fmt.Sprintf("only %s of the %d instances of %s drifted; the others would change on the next apply", strings.Join(keys, ", "), in.Len(), block)
	}
	return ""
}

func instanceAddr(block, key string, counted bool) string {
	if counted {
		return block + "[" + key + "]"
	}
	return block + "[" + strconv.Quote(key) + "]"
}

// sameValue compares plan values as their JSON.
func sameValue(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

func isDeletion(r drift.Resource) bool {
	for _, a := range r.Actions {
		if a == "delete" {
			return true
		}
	}
	return false
}

// masked reports whether a value is, or holds, a hidden one.
func masked(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.Contains(x, drift.Sensitive)
	case map[string]any:
		for _, e := range x {
			if masked(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if masked(e) {
				return true
			}
		}
	}
	return false
}
