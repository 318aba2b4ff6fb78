package discover

import (
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/myorg/drift-action/internal/glob"
	"github.com/myorg/drift-action/internal/tfsource"
)

// Selection says which roots a pull request run plans, each with why, and
// which it skips because the pull request's changes do not affect them; or,
// on a scheduled run with a schedule window, which targets are due now and
// when the others are (Window, with Mode "").
type Selection struct {
	Mode    string // ModeAffected; "" for a window alone
	Source  string // where the changed files came from (Changes.Source)
	Planned []Planned
	Skipped []string // root directories, as Target.Dir
	// Note says what the reader should know about the selection as a whole:
	// why every root was planned, or that none is affected.
	Note string
	// Window is the scheduled run's slot of its schedule window; nil
	// without one.
	Window *Window
}

// Planned is one root a pull request run plans, and why.
type Planned struct {
	Root    string // as Target.Dir
	Reasons []string
}

// RootDeps is what a root's plans read from the repository besides the
// files in its own directory. Paths are repository-relative and
// slash-separated.
type RootDeps struct {
	Dir       string       // as shown (Target.Dir)
	Rel       string       // the root's directory, repository-relative
	Modules   []string     // local modules it calls, directly or through other modules
	Files     []TargetFile // files its targets name
	DependsOn []string     // drift.yaml's roots[].depends-on globs
	// Links are what it reads through symlinks in the checkout, from its
	// directory and each of the above.
	Links []Link
	// Unclear are parts of it the checkout did not show (a directory that
	// could not be read): any change may affect it.
	Unclear []string
}

// TargetFile is a file a target names, of a kind such as "var-file" or
// "backend file".
type TargetFile struct {
	Path string
	Kind string
}

// Global is a path (file or directory) a change to which affects every
// root: the config file, a policy directory.
type Global struct {
	Path  string
	Kind  string // "config", "policy"
	Links []Link // what it reads through symlinks in the checkout
}

// maxListed is how many changed files one reason names before counting the rest.
const maxListed = 3

// Affect decides which roots a pull request's changes affect. A root is
// affected when a path changed in its directory (files under a nested root
// belong to that root alone), in a local module it calls (transitively), in
// a var-file or backend file one of its targets names, or matching one of
// its depends-on globs; when a changed path holds one of those (a
// submodule, a symlink or a file where a directory was); and when a
// symlink it reads through, or what the symlink leads to, changed. A change
// to a global path (the config file, a policy) affects every root, and so
// does a change list that is not known in full. A changed path the
// analysis cannot place (info[path].Unclear) plans the roots it may affect,
// or every root when none is known, saying why. roots are planned in the
// order given.
func Affect(roots []RootDeps, globals []Global, ch Changes, info map[string]PathInfo) Selection {
	sel := Selection{Mode: ModeAffected, Source: ch.Source}
	all := func(reason string) Selection {
		for _, r := range roots {
			sel.Planned = append(sel.Planned, Planned{Root: r.Dir, Reasons: []string{reason}})
		}
		return sel
	}
	if ch.Unknown != "" {
		sel.Note = ch.Unknown + ": planned every root"
		return all("changed files unknown")
	}
	files := normalize(ch.Files)
	c := changed{files: files, info: info, kinds: ch.Kinds}
	for _, g := range globals {
		if hit := c.global(g); hit != "" {
			sel.Note = fmt.Sprintf("%s changed (%s): planned every root", g.Kind, hit)
			return all(fmt.Sprintf("%s changed: %s", g.Kind, hit))
		}
	}
	// Each file in a root's tree belongs to the deepest root holding it.
	owner := map[string]string{}
	for _, f := range files {
		best := -1
		for i, r := range roots {
			if contains(r.Rel, f) && (best < 0 || len(r.Rel) > len(roots[best].Rel)) {
				best = i
			}
		}
		if best >= 0 {
			owner[f] = roots[best].Rel
		}
	}
	reasons := make([][]string, len(roots))
	placed := map[string]bool{} // unclear paths some root may read
	for i, r := range roots {
		reasons[i] = c.reasons(r, owner)
		for _, f := range files {
			if why := c.unclear(f); why != "" && (owner[f] == r.Rel || r.relates(f)) {
				reasons[i] = append(reasons[i], "cannot tell: "+f+": "+why)
				placed[f] = true
			}
		}
		if len(files) > 0 {
			for _, u := range r.Unclear {
				reasons[i] = append(reasons[i], "cannot tell: "+u)
			}
		}
	}
	// Which roots read a path the analysis cannot place is not known:
	// every root may.
	for _, f := range files {
		why := c.unclear(f)
		if why == "" || placed[f] {
			continue
		}
		if sel.Note == "" {
			sel.Note = fmt.Sprintf("cannot tell which roots %s affects (%s): planned every root", f, why)
		}
		for i := range reasons {
			reasons[i] = append(reasons[i], "cannot tell: "+f+": "+why)
		}
	}
	for i, r := range roots {
		if rs := dedupeKeepOrder(reasons[i]); len(rs) > 0 {
			sel.Planned = append(sel.Planned, Planned{Root: r.Dir, Reasons: rs})
		} else {
			sel.Skipped = append(sel.Skipped, r.Dir)
		}
	}
	if len(sel.Planned) == 0 {
		sel.Note = "no root is affected by this pull request's changes: nothing to plan"
	}
	return sel
}

// changed is a pull request's changed paths with what git and the checkout
// say about them.
type changed struct {
	files []string
	info  map[string]PathInfo
	kinds map[string]string
}

func (c changed) kind(f string) string {
	if k := c.info[f].Kind; k != "" {
		return k
	}
	return c.kinds[f]
}

// unclear says why the analysis cannot place f, "" when it can.
func (c changed) unclear(f string) string {
	if why := c.info[f].Unclear; why != "" {
		return why
	}
	if !inRepo(f) {
		return "not a path inside the repository"
	}
	return ""
}

// above names f, a changed path holding a dependency: it was or became a
// submodule, a symlink or a file where the dependency's directory was.
func (c changed) above(f string) string {
	switch k := c.kind(f); k {
	case "submodule", "symlink":
		return k + " " + f
	default:
		return f
	}
}

// global says which change (if any) touches g, as a reason shows it.
func (c changed) global(g Global) string {
	p := path.Clean(filepath.ToSlash(g.Path))
	for _, f := range c.files {
		if contains(p, f) {
			if c.kind(f) == "submodule" {
				return "submodule " + f
			}
			return f
		}
		if isAbove(f, p) {
			return c.above(f)
		}
	}
	for _, l := range g.Links {
		for _, f := range c.files {
			if slices.Contains(l.Via, f) || l.Target != "" && (contains(l.Target, f) || isAbove(f, l.Target)) || aboveAny(f, l.Via) {
				return f + " through symlink " + firstOr(l.Via, l.As)
			}
		}
	}
	return ""
}

// reasons are why the changes affect r, in a stable order: its own files,
// changed paths holding it, its modules, its targets' files, its
// depends-on globs, then what it reads through symlinks.
func (c changed) reasons(r RootDeps, owner map[string]string) []string {
	var reasons []string
	direct := map[string]bool{} // files a reason already names
	var own []string
	for _, f := range c.files {
		if owner[f] == r.Rel {
			own = append(own, f)
			direct[f] = true
		}
	}
	if len(own) > 0 {
		reasons = append(reasons, "changed: "+listed(own))
	}
	aboveReason := func(f string) {
		reasons = append(reasons, c.above(f)+" changed")
		direct[f] = true
	}
	for _, f := range c.files {
		if isAbove(f, r.Rel) {
			aboveReason(f)
		}
	}
	for _, m := range r.Modules {
		hit := under(c.files, m)
		switch {
		case slices.Contains(hit, m) && c.kind(m) == "submodule":
			reasons = append(reasons, fmt.Sprintf("submodule %s changed", m))
		case len(hit) > 0:
			reasons = append(reasons, fmt.Sprintf("module %s changed", m))
		}
		for _, f := range hit {
			direct[f] = true
		}
		for _, f := range c.files {
			if isAbove(f, m) {
				aboveReason(f)
			}
		}
	}
	for _, tf := range r.Files {
		for _, f := range c.files {
			switch {
			case f == tf.Path:
				reasons = append(reasons, fmt.Sprintf("%s %s changed", tf.Kind, tf.Path))
				direct[f] = true
			case isAbove(f, tf.Path):
				aboveReason(f)
			}
		}
	}
	for _, g := range r.DependsOn {
		if hit := matching(c.files, g); len(hit) > 0 {
			reasons = append(reasons, fmt.Sprintf("depends-on %s: %s changed", g, listed(hit)))
			for _, f := range hit {
				direct[f] = true
			}
		}
	}
	// Through symlinks: a changed symlink on the way, or a change where
	// one leads (named once, by the first symlink of the way there).
	type key struct{ dep, name, via string }
	var order []key
	through := map[key][]string{}
	for _, l := range r.Links {
		for _, f := range c.files {
			switch {
			case slices.Contains(l.Via, f) && !direct[f]:
				if k := c.kind(f); k == "" || k == "symlink" {
					reasons = append(reasons, "symlink "+f+" changed")
				} else {
					aboveReason(f)
				}
			case aboveAny(f, l.Via) || l.Target != "" && isAbove(f, l.Target):
				aboveReason(f)
			case l.Target != "" && contains(l.Target, f) && !direct[f]:
				if l.Dep == "depends-on" && len(matching([]string{path.Join(l.As, relTo(l.Target, f))}, l.Name)) == 0 {
					continue // below the glob's fixed part, but not matching it
				}
				k := key{l.Dep, l.Name, firstOr(l.Via, l.As)}
				if _, ok := through[k]; !ok {
					order = append(order, k)
				}
				if !slices.Contains(through[k], f) {
					through[k] = append(through[k], f)
				}
			}
		}
	}
	for _, k := range order {
		files := through[k]
		slices.Sort(files)
		switch k.dep {
		case "":
			reasons = append(reasons, fmt.Sprintf("changed through symlink %s: %s", k.via, listed(files)))
		case "depends-on":
			reasons = append(reasons, fmt.Sprintf("depends-on %s: changed through symlink %s: %s", k.name, k.via, listed(files)))
		default:
			reasons = append(reasons, fmt.Sprintf("%s %s changed through symlink %s: %s", k.dep, k.name, k.via, listed(files)))
		}
	}
	return reasons
}

// relates reports whether r may read f: f is in, at or above one of the
// paths r reads.
func (r RootDeps) relates(f string) bool {
	near := func(p string) bool { return p != "" && (contains(p, f) || isAbove(f, p)) }
	if isAbove(f, r.Rel) || slices.ContainsFunc(r.Modules, near) {
		return true
	}
	for _, tf := range r.Files {
		if near(tf.Path) {
			return true
		}
	}
	for _, g := range r.DependsOn {
		if len(matching([]string{f}, g)) > 0 {
			return true
		}
	}
	for _, l := range r.Links {
		if near(l.Target) || slices.ContainsFunc(l.Via, near) {
			return true
		}
	}
	return false
}

// isAbove reports whether dir is a proper ancestor of p.
func isAbove(dir, p string) bool {
	return dir != "." && strings.HasPrefix(p, dir+"/")
}

func aboveAny(f string, paths []string) bool {
	return slices.ContainsFunc(paths, func(p string) bool { return isAbove(f, p) })
}

func firstOr(s []string, or string) string {
	if len(s) > 0 {
		return s[0]
	}
	return or
}

func dedupeKeepOrder(in []string) []string {
	seen := map[string]bool{}
	out := in[:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func normalize(in []string) []string {
	out := make([]string, 0, len(in))
	for _, f := range in {
		f = path.Clean(strings.TrimPrefix(filepath.ToSlash(f), "./"))
		if f != "." && f != "" {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// contains reports whether dir ("." for the repository root) holds file
// at any depth.
func contains(dir, file string) bool {
	return dir == "." || file == dir || strings.HasPrefix(file, dir+"/")
}

// under returns the files at or below p (a file or a directory).
func under(files []string, p string) []string {
	p = path.Clean(filepath.ToSlash(p))
	var out []string
	for _, f := range files {
		if contains(p, f) {
			out = append(out, f)
		}
	}
	return out
}

// matching returns the files a depends-on glob matches: the file itself or
// a directory holding it.
func matching(files []string, pattern string) []string {
	pattern = strings.Trim(path.Clean(strings.TrimPrefix(pattern, "./")), "/")
	var out []string
	for _, f := range files {
		for p := f; p != "." && p != "/"; p = path.Dir(p) {
			if glob.MatchDir(pattern, p) {
				out = append(out, f)
				break
			}
		}
	}
	return out
}

func listed(files []string) string {
	if len(files) <= maxListed {
		return strings.Join(files, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(files[:maxListed], ", "), len(files)-maxListed)
}

// Dependencies reads what each root of targets depends on: its local
// modules (with hcl, transitively), its targets' var-files and backend
// files, drift.yaml's depends-on globs for it, and what it and each of
// those read through symlinks in the checkout at repoRoot. Roots come once
// each, in target order.
func Dependencies(targets []Target, repoRoot string, f File) []RootDeps {
	parser := hclparse.NewParser()
	var out []RootDeps
	index := map[string]int{}
	for _, t := range targets {
		i, seen := index[t.AbsDir]
		if !seen {
			rel := display(repoRoot, t.AbsDir)
			d := RootDeps{Dir: t.Dir, Rel: rel}
			for _, m := range tfsource.LocalModules(parser, t.AbsDir) {
				d.Modules = append(d.Modules, display(repoRoot, m))
			}
			for _, r := range f.Roots {
				if matchDir(r.Dir, rel) {
					d.DependsOn = append(d.DependsOn, r.DependsOn...)
				}
			}
			i = len(out)
			index[t.AbsDir] = i
			out = append(out, d)
		}
		for _, vf := range t.VarFiles {
			out[i].Files = append(out[i].Files, TargetFile{Path: display(repoRoot, vf), Kind: "var-file"})
		}
		for _, bc := range t.BackendConfig {
			// Files are absolute here; key=value settings name no file.
			if filepath.IsAbs(bc) {
				out[i].Files = append(out[i].Files, TargetFile{Path: display(repoRoot, bc), Kind: "backend file"})
			}
		}
	}
	res := newResolver(repoRoot)
	// A root's walk leaves out the directories of the roots nested in it:
	// their files are their own.
	skip := map[string]bool{}
	for _, d := range out {
		skip[d.Rel] = true
	}
	for i := range out {
		d := &out[i]
		follow := func(dep, name, start string) {
			if !inRepo(start) {
				return // outside the repository: no change of a pull request reaches it
			}
			links, problems := res.links(dep, name, start, skip)
			d.Links = append(d.Links, links...)
			d.Unclear = append(d.Unclear, problems...)
		}
		follow("", "", d.Rel)
		for _, m := range d.Modules {
			follow("module", m, m)
		}
		for _, tf := range d.Files {
			follow(tf.Kind, tf.Path, tf.Path)
		}
		for _, g := range d.DependsOn {
			follow("depends-on", g, fixedPrefix(strings.Trim(path.Clean(strings.TrimPrefix(g, "./")), "/")))
		}
		d.Unclear = dedupeKeepOrder(d.Unclear)
	}
	return out
}

// Globals are the paths a change to which affects every root: the config
// file (where it is and where it is looked for) and the policies the run
// evaluates (c.Policies).
func Globals(c Choice) []Global {
	rel := func(p string) string {
		if !filepath.IsAbs(p) {
			p = filepath.Join(c.Cwd, p)
		}
		return display(c.RepoRoot, p)
	}
	out := []Global{{Path: ConfigFile, Kind: "config"}}
	if c.File.Path != "" {
		out = append(out, Global{Path: rel(c.File.Path), Kind: "config"})
	}
	for _, p := range c.Policies {
		out = append(out, Global{Path: rel(p), Kind: "policy"})
	}
	return out
}

// GlobalLinks adds to each global what it reads through symlinks in the
// checkout at repoRoot.
func GlobalLinks(repoRoot string, globals []Global) []Global {
	res := newResolver(repoRoot)
	for i, g := range globals {
		if p := path.Clean(filepath.ToSlash(g.Path)); inRepo(p) {
			globals[i].Links, _ = res.links(g.Kind, p, p, nil)
		}
	}
	return globals
}

// Choice is what decides which of the targets found a job plans.
type Choice struct {
	Cwd, RepoRoot string
	// OnlyRoots are the roots a dispatch named (paths or globs relative to
	// the repository); none plans every root.
	OnlyRoots []string
	// Changes are a pull request's changed files, when it plans only the
	// roots they affect; nil plans every root.
	Changes *Changes
	// Window is a scheduled run's schedule window; the zero value plans
	// every target.
	Window Schedule
	Shard  Part // this job's part of a matrix run
	// File is drift.yaml: where it is and its roots' depends-on.
	File File
	// Policies are the policy directories and set file the run evaluates,
	// relative to Cwd: a change to one affects every root. None when
	// policies are off.
	Policies []string
}

// Choose is Select for a detect run, the one rule for detect and for the
// matrix of mode: list: the dispatched roots (c.OnlyRoots), then, on a
// pull request planning affected roots (c.Changes set), the targets of the
// roots its changes affect, then, on a scheduled run with a schedule
// window (c.Window set), the targets due in its slot, then this job's shard
// (c.Shard) of those. The selection is nil unless c.Changes or c.Window is
// set; it describes every job's roots, not one shard's.
func Choose(targets []Target, c Choice) ([]Target, *Selection, error) {
	targets, err := Select(targets, c.RepoRoot, c.OnlyRoots, Part{})
	if err != nil {
		return nil, nil, err
	}
	var sel *Selection
	if c.Changes != nil {
		s := Affect(Dependencies(targets, c.RepoRoot, c.File), GlobalLinks(c.RepoRoot, Globals(c)), *c.Changes, Inspect(c.RepoRoot, *c.Changes))
		sel = &s
		planned := map[string]bool{}
		for _, p := range s.Planned {
			planned[p.Root] = true
		}
		targets = slices.DeleteFunc(slices.Clone(targets), func(t Target) bool { return !planned[t.Dir] })
	}
	if c.Window.IsSet() {
		// Before the shard: each job plans its share of the targets due now.
		var w *Window
		targets, w = Spread(targets, c.RepoRoot, c.Window)
		if sel == nil {
			sel = &Selection{}
		}
		sel.Window = w
	}
	if c.Shard.IsSet() {
		targets = Shard(targets, c.Shard.Index, c.Shard.Count)
	}
	return targets, sel, nil
}
