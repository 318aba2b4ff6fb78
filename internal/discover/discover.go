// Package discover finds the root modules to plan and expands each into its
// targets (workspaces and/or var-files, e.g. one per region).
package discover

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/glob"
	"github.com/myorg/drift-action/internal/tfsource"
)

// DefaultTarget names the single target of a root without configured targets.
const DefaultTarget = "default"

// Target is one plan to make.
type Target struct {
	Dir       string // as shown to people: slash-separated, relative to the working directory
	AbsDir    string
	Name      string
	Workspace string
	VarFiles  []string
	// BackendConfig are init's -backend-config arguments: absolute files
	// or key=value.
	BackendConfig []string
	Vars          []string           // -var name=value, expanded
	Env           []string           // extra KEY=VALUE for terraform, expanded; never printed
	Timeout       time.Duration      // 0: the run's default
	Ignore        []drift.IgnoreRule // drift.yaml's, for every root, then its root's
	// New is drift.yaml's `new: true` for the root: it was never applied,
	// so an empty state behind a backend block is expected (see pipeline).
	New bool
	// Unset is the config's error for ${NAME} references the environment
	// does not set: the target fails with it, without running terraform.
	Unset error
}

// Request says where to look.
type Request struct {
	Cwd      string
	RepoRoot string
	Args     []string // paths or globs relative to Cwd; empty means the config's roots or the whole repo
	File     File     // drift.yaml's roots, excludes and ignore rules
}

// Targets finds roots and expands targets, sorted by directory then name.
func Targets(req Request) ([]Target, error) {
	var roots []string
	explicit := map[string]bool{}
	switch {
	case len(req.Args) > 0:
		for _, a := range req.Args {
			found, err := expand(req.Cwd, a, "argument", explicit)
			if err != nil {
				return nil, err
			}
			roots = append(roots, found...)
		}
	case len(req.File.Roots) > 0:
		for _, r := range req.File.Roots {
			found, err := expand(req.RepoRoot, r.Dir, fmt.Sprintf("%s:%d: root", req.File.Path, r.Line), explicit)
			if err != nil {
				return nil, err
			}
			roots = append(roots, found...)
		}
	default:
		found, err := walk(req.RepoRoot)
		if err != nil {
			return nil, err
		}
		roots = found
	}
	roots = dropModules(dedupe(roots), explicit)
	roots, err := exclude(roots, req)
	if err != nil {
		return nil, err
	}
	if len(roots) == 0 {
		return nil, fmt.Errorf("discover: no terraform root module found (looked for directories with .tf files%s); pass directories or list roots in %s", where(req), ConfigFile)
	}

	var out []Target
	for _, abs := range roots {
		show := display(req.Cwd, abs)
		repoRel := display(req.RepoRoot, abs)
		if err := validName(repoRel, show); err != nil {
			return nil, err
		}
		var settings []Root
		for _, r := range req.File.Roots {
			if matchDir(r.Dir, repoRel) {
				settings = append(settings, r)
			}
		}
		base := Target{Dir: show, AbsDir: abs, Name: DefaultTarget}
		base.Ignore = append(base.Ignore, req.File.Ignore...)
		var targets []TargetConfig
		for _, s := range settings {
			base.Ignore = append(base.Ignore, s.Ignore...)
			if s.Timeout > 0 {
				base.Timeout = s.Timeout
			}
			base.New = base.New || s.New
			targets = append(targets, s.Targets...)
		}
		if len(targets) == 0 {
			out = append(out, base)
			continue
		}
		for _, ct := range targets {
			if err := validTarget(show, ct, req.File.Path); err != nil {
				return nil, err
			}
			t := base
			t.Name, t.Workspace, t.Unset = ct.Name, ct.Workspace, ct.Unset
			if ct.Timeout > 0 {
				t.Timeout = ct.Timeout
			}
			for i, vf := range ct.VarFiles {
				p, err := rootFile(req.RepoRoot, abs, vf)
				if err != nil {
					return nil, fmt.Errorf("discover: %sroot %q target %q: var-file %q: %w (var-files are relative to the root directory)", at(req.File.Path, ct.VarFileLines, i), show, ct.Name, vf, err)
				}
				t.VarFiles = append(t.VarFiles, p)
			}
			for _, bc := range ct.BackendConfig {
				if strings.Contains(bc.Value, "=") { // key=value, as terraform reads it
					t.BackendConfig = append(t.BackendConfig, bc.Value)
					continue
				}
				p, err := rootFile(req.RepoRoot, abs, bc.Value)
				if err != nil {
					// A file name is no secret, but a sensitive entry is never shown.
					name := strconv.Quote(bc.Value)
					if bc.Sensitive {
						name = "(sensitive)"
						if errors.Is(err, errOutside) {
							err = errOutside // the resolved path would show the value
						}
					}
					return nil, fmt.Errorf("discover: %sroot %q target %q: backend-config file %s: %w (backend-config files are relative to the root directory)", at(req.File.Path, []int{bc.Line}, 0), show, ct.Name, name, err)
				}
				t.BackendConfig = append(t.BackendConfig, p)
			}
			for _, v := range ct.Vars {
				t.Vars = append(t.Vars, v.Key+"="+v.Value)
			}
			for _, e := range ct.Env {
				t.Env = append(t.Env, e.Key+"="+e.Value)
			}
			out = append(out, t)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Dir < out[j].Dir })
	return out, nil
}

// validName refuses a root directory whose name is not valid UTF-8: the
// record, the summary and every JSON or YAML writer would carry it
// changed (or not at all), so what Argo CD applies would differ from Git.
func validName(repoRel, show string) error {
	if utf8.ValidString(repoRel) && utf8.ValidString(show) {
		return nil
	}
	return fmt.Errorf("discover: root directory %q is not valid UTF-8, and its name would reach the record changed: rename the directory to a UTF-8 name, or keep it out of discovery (drift.yaml exclude: or roots:)", repoRel)
}

// validTarget refuses a target whose name or workspace is not valid UTF-8,
// for the same reason.
func validTarget(root string, t TargetConfig, file string) error {
	if file == "" {
		file = ConfigFile
	}
	if !utf8.ValidString(t.Name) {
		return fmt.Errorf("discover: root %q target %q: the name is not valid UTF-8, and it would reach the record changed: rename the target in %s", root, t.Name, file)
	}
	if !utf8.ValidString(t.Workspace) {
		return fmt.Errorf("discover: root %q target %q: workspace %q is not valid UTF-8: set a UTF-8 workspace in %s (or in the variable it names)", root, t.Name, t.Workspace, file)
	}
	return nil
}

// errOutside is rootFile's error for a file that resolves outside the
// repository.
var errOutside = errors.New("it resolves to a file outside the repository: terraform would read it and may print parts of it; keep the file in the repository")

// rootFile resolves a file given relative to the root directory and checks
// it is a regular file inside the repository once every symbolic link on
// its way is followed: drift.yaml may come from a pull request, and a
// var-file or backend file outside the checkout (a runner's credentials,
// /proc/self/environ) would be read by terraform, whose errors quote the
// file.
func rootFile(repoRoot, root, name string) (string, error) {
	p := name
	if !filepath.IsAbs(p) {
		p = filepath.Join(root, name)
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return "", err
	}
	repo, err := filepath.EvalSymlinks(repoRoot)
	if err != nil {
		return "", err
	}
	if rel, err := filepath.Rel(repo, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%w (%s)", errOutside, real)
	}
	if st, err := os.Stat(real); err != nil {
		return "", err
	} else if !st.Mode().IsRegular() {
		return "", errors.New("it is not a regular file")
	}
	return p, nil
}

// at is "FILE:LINE: " for item i of lines, or "" when the line is unknown
// (targets made in code).
func at(file string, lines []int, i int) string {
	if i >= len(lines) || lines[i] == 0 || file == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d: ", file, lines[i])
}

func where(req Request) string {
	if len(req.Args) > 0 {
		return " under " + strings.Join(req.Args, ", ")
	}
	return " under " + req.RepoRoot
}

// expand resolves one path or glob. A directory without .tf files is searched
// below; a root named explicitly is planned even if it lives under modules/.
func expand(base, pattern, what string, explicit map[string]bool) ([]string, error) {
	full := pattern
	if !filepath.IsAbs(full) {
		full = filepath.Join(base, pattern)
	}
	var matches []string
	isGlob := strings.ContainsAny(pattern, "*?[")
	if isGlob {
		var err error
		matches, err = globDirs(full)
		if err != nil {
			return nil, fmt.Errorf("discover: %s %q: %w", what, pattern, err)
		}
		if len(matches) == 0 {
			return nil, fmt.Errorf("discover: %s %q matches no directory", what, pattern)
		}
	} else {
		st, err := os.Stat(full)
		if err != nil {
			return nil, fmt.Errorf("discover: %s %q: no such directory", what, pattern)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("discover: %s %q is a file; pass the root module's directory", what, pattern)
		}
		matches = []string{full}
	}
	var roots []string
	for _, m := range matches {
		if st, err := os.Stat(m); err != nil || !st.IsDir() {
			continue
		}
		if hasTF(m) {
			if !isGlob {
				explicit[m] = true // named, not matched: plan it even if it is a module
			}
			roots = append(roots, m)
			continue
		}
		found, err := walk(m)
		if err != nil {
			return nil, err
		}
		roots = append(roots, found...)
	}
	return roots, nil
}

// globDirs is filepath.Glob plus `**` for any depth.
func globDirs(pattern string) ([]string, error) {
	if !strings.Contains(pattern, "**") {
		return filepath.Glob(pattern)
	}
	i := strings.Index(pattern, "**")
	prefix := filepath.Clean(pattern[:i])
	var out []string
	pat := filepath.ToSlash(pattern)
	err := filepath.WalkDir(prefix, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if p != prefix && skipDir(d.Name()) {
			return filepath.SkipDir
		}
		if glob.MatchDir(pat, filepath.ToSlash(p)) {
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

func skipDir(name string) bool {
	return strings.HasPrefix(name, ".") || name == "node_modules" || name == "modules"
}

// walk finds directories holding terraform files below dir.
func walk(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			return nil // unreadable subdirectory: skip, terraform would fail there too
		}
		if !d.IsDir() {
			return nil
		}
		if p != dir && skipDir(d.Name()) {
			return filepath.SkipDir
		}
		if hasTF(p) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("discover: %w", err)
	}
	return out, nil
}

func hasTF(dir string) bool { return len(tfsource.Files(dir)) > 0 }

func dedupe(in []string) []string {
	slices.Sort(in)
	return slices.Compact(in)
}

// dropModules removes directories another candidate calls as a local module
// (`source = "./..."`): those are modules, not roots, unless named explicitly.
func dropModules(roots []string, explicit map[string]bool) []string {
	used := map[string]bool{}
	parser := hclparse.NewParser()
	for _, r := range roots {
		for _, f := range tfsource.Files(r) {
			for _, src := range tfsource.ModuleSources(parser, f) {
				if strings.HasPrefix(src, "./") || strings.HasPrefix(src, "../") {
					used[filepath.Join(r, src)] = true
				}
			}
		}
	}
	out := roots[:0]
	for _, r := range roots {
		if used[r] && !explicit[r] {
			continue
		}
		out = append(out, r)
	}
	return out
}

func exclude(roots []string, req Request) ([]string, error) {
	if len(req.File.Exclude) == 0 {
		return roots, nil
	}
	out := roots[:0]
	for _, r := range roots {
		rel := display(req.RepoRoot, r)
		skip := false
		for _, e := range req.File.Exclude {
			if matchDir(e, rel) {
				skip = true
				break
			}
		}
		if !skip {
			out = append(out, r)
		}
	}
	return out, nil
}

// matchDir matches a repo-relative directory against a configured path or glob.
func matchDir(pattern, rel string) bool {
	return glob.MatchDir(filepath.ToSlash(filepath.Clean(pattern)), rel)
}

func display(base, abs string) string {
	rel, err := filepath.Rel(base, abs)
	if err != nil {
		return filepath.ToSlash(abs)
	}
	return filepath.ToSlash(rel)
}

// Select is the one rule choosing which targets a job plans, for detect and
// for the matrix of mode: list alike: the targets under the roots a
// dispatch named (all when none is named), then this job's shard of them
// (all when the run is not sharded). Naming roots none of which is a root
// module here is an error, never an empty clean run.
func Select(targets []Target, repoRoot string, roots []string, shard Part) ([]Target, error) {
	targets = Narrow(targets, repoRoot, roots)
	if len(targets) == 0 && len(roots) > 0 {
		quoted := make([]string, len(roots))
		for i, r := range roots {
			quoted[i] = strconv.Quote(r) // from an event payload: one line each
		}
		return nil, fmt.Errorf("discover: none of the roots %s is a root module here", strings.Join(quoted, ", "))
	}
	if shard.IsSet() {
		targets = Shard(targets, shard.Index, shard.Count)
	}
	return targets, nil
}

// Narrow keeps the targets whose directory matches one of roots (paths or
// globs relative to the repository). It is how a repository_dispatch
// payload limits a run.
func Narrow(targets []Target, repoRoot string, roots []string) []Target {
	if len(roots) == 0 {
		return targets
	}
	var out []Target
	for _, t := range targets {
		rel := display(repoRoot, t.AbsDir)
		for _, r := range roots {
			if matchDir(strings.TrimPrefix(r, "./"), rel) {
				out = append(out, t)
				break
			}
		}
	}
	return out
}

// Shard returns part index (1-based) of count of the targets: contiguous,
// near-equal chunks in the stable order Targets returns, so every job of a
// matrix computes the same split.
func Shard(targets []Target, index, count int) []Target {
	if count <= 1 {
		return targets
	}
	size := (len(targets) + count - 1) / count
	start := min((index-1)*size, len(targets))
	end := min(start+size, len(targets))
	return targets[start:end]
}
