package discover

import (
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/glob"
	"github.com/myorg/drift-action/internal/tfsource"
)

// Selection says which roots a pull request run plans, each with why, and
// which it skips because the pull request's changes do not affect them.
type Selection struct {
	Mode    string // config.PullRequestAffected
	Source  string // where the changed files came from (config.Changes.Source)
	Planned []Planned
	Skipped []string // root directories, as Target.Dir
	// Note says what the reader should know about the selection as a whole:
	// why every root was planned, or that none is affected.
	Note string
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
	Path string
	Kind string // "config", "policy"
}

// maxListed is how many changed files one reason names before counting the rest.
const maxListed = 3

// Affect decides which roots a pull request's changes affect. A root is
// affected when a file changed in its directory (files under a nested root
// belong to that root alone), in a local module it calls (transitively), in
// a var-file or backend file one of its targets names, or matching one of
// its depends-on globs. A change to a global path (the config file, a
// policy) affects every root, and so does a change list that is not known
// in full. roots are planned in the order given.
func Affect(roots []RootDeps, globals []Global, ch config.Changes) Selection {
	sel := Selection{Mode: config.PullRequestAffected, Source: ch.Source}
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
	for _, g := range globals {
		if hit := under(files, g.Path); len(hit) > 0 {
			sel.Note = fmt.Sprintf("%s changed (%s): planned every root", g.Kind, hit[0])
			return all(fmt.Sprintf("%s changed: %s", g.Kind, hit[0]))
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
	for _, r := range roots {
		var reasons []string
		var own []string
		for _, f := range files {
			if owner[f] == r.Rel {
				own = append(own, f)
			}
		}
		if len(own) > 0 {
			reasons = append(reasons, "changed: "+listed(own))
		}
		for _, m := range r.Modules {
			if len(under(files, m)) > 0 {
				reasons = append(reasons, fmt.Sprintf("module %s changed", m))
			}
		}
		for _, tf := range r.Files {
			if slices.Contains(files, tf.Path) {
				reasons = append(reasons, fmt.Sprintf("%s %s changed", tf.Kind, tf.Path))
			}
		}
		for _, g := range r.DependsOn {
			if hit := matching(files, g); len(hit) > 0 {
				reasons = append(reasons, fmt.Sprintf("depends-on %s: %s changed", g, listed(hit)))
			}
		}
		reasons = slices.Compact(reasons) // two targets may name one file
		if len(reasons) > 0 {
			sel.Planned = append(sel.Planned, Planned{Root: r.Dir, Reasons: reasons})
		} else {
			sel.Skipped = append(sel.Skipped, r.Dir)
		}
	}
	if len(sel.Planned) == 0 {
		sel.Note = "no root is affected by this pull request's changes: nothing to plan"
	}
	return sel
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
// modules (with hcl, transitively), its targets' var-files and drift.yaml's
// depends-on globs for it. Roots come once each, in target order.
func Dependencies(targets []Target, repoRoot string, f config.File) []RootDeps {
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
	return out
}

// Globals are the paths a change to which affects every root: the config
// file (where it is and where it is looked for) and, when policies run, the
// policy directories and set file.
func Globals(c config.Detect) []Global {
	rel := func(p string) string {
		if !filepath.IsAbs(p) {
			p = filepath.Join(c.Cwd, p)
		}
		return display(c.RepoRoot, p)
	}
	out := []Global{{Path: config.DefaultFile, Kind: "config"}}
	if c.File.Path != "" {
		out = append(out, Global{Path: rel(c.File.Path), Kind: "config"})
	}
	if !c.Policy.Disabled {
		for _, d := range c.Policy.Dirs {
			out = append(out, Global{Path: rel(d), Kind: "policy"})
		}
		if c.Policy.SetFile != "" {
			out = append(out, Global{Path: rel(c.Policy.SetFile), Kind: "policy"})
		}
	}
	return out
}

// Choose is Select for a detect configuration, the one rule for detect and
// for the matrix of mode: list: the dispatched roots (c.OnlyRoots), then,
// on a pull request planning affected roots (c.Changes set), the targets of
// the roots its changes affect, then this job's shard (c.Shard). The
// selection is nil unless c.Changes is set; it describes every job's
// roots, not one shard's.
func Choose(targets []Target, c config.Detect) ([]Target, *Selection, error) {
	targets, err := Select(targets, c.RepoRoot, c.OnlyRoots, config.Shard{})
	if err != nil {
		return nil, nil, err
	}
	var sel *Selection
	if c.Changes != nil {
		s := Affect(Dependencies(targets, c.RepoRoot, c.File), Globals(c), *c.Changes)
		sel = &s
		planned := map[string]bool{}
		for _, p := range s.Planned {
			planned[p.Root] = true
		}
		targets = slices.DeleteFunc(slices.Clone(targets), func(t Target) bool { return !planned[t.Dir] })
	}
	if c.Shard.IsSet() {
		targets = Shard(targets, c.Shard.Index, c.Shard.Count)
	}
	return targets, sel, nil
}
