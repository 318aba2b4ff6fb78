package discover

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// Link is a path a root's plans read through one or more symlinks in the
// checkout: a change to any of those symlinks, or to anything where they
// lead, changes what the root reads.
type Link struct {
	// Dep is the dependency that reaches it: "" (the root's own
	// directory), "module", "var-file", "backend file" or "depends-on";
	// Name is the module directory, file or glob.
	Dep, Name string
	// As is the path the root's code reads it by.
	As string
	// Via are the symlinks passed on the way, repository-relative.
	Via []string
	// Target is where they lead, repository-relative, "" when they lead
	// nowhere the analysis can follow (Problem says why). It may not exist.
	Target  string
	Problem string
}

// maxHops is how many symlinks one path may pass, as the kernel's ELOOP.
const maxHops = 40

// resolved is a repository-relative path with its symlinks followed.
type resolved struct {
	Via     []string // symlinks passed, in order
	Target  string   // "" with a Problem
	Dir     bool     // Target is a directory
	Problem string   // a loop, a link outside the repository, an unreadable path
	// Unreadable: the checkout would not show the path (Problem says
	// which); what lies there is not known.
	Unreadable bool
}

// resolver follows symlinks in a checkout one path component at a time, as
// the kernel does when terraform reads a file, so that every symlink passed
// is known.
type resolver struct {
	repo  string // the checkout, absolute
	real  string // repo with its own symlinks evaluated: absolute links may name either
	cache map[string]resolved
	walks map[string]walked
	dirs  map[string]string // ancestorsAreDirs' answers
}

type walked struct {
	links   []string // symlinks below the directory, repository-relative
	problem string   // a subdirectory that could not be read
}

func newResolver(repo string) *resolver {
	r := &resolver{repo: filepath.Clean(repo), cache: map[string]resolved{}, walks: map[string]walked{}, dirs: map[string]string{}}
	r.real = r.repo
	if p, err := filepath.EvalSymlinks(r.repo); err == nil {
		r.real = p
	}
	return r
}

// inside turns an absolute symlink target into a repository-relative path.
func (r *resolver) inside(abs string) (string, bool) {
	abs = filepath.Clean(abs)
	for _, root := range []string{r.repo, r.real} {
		if rel, err := filepath.Rel(root, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return filepath.ToSlash(rel), true
		}
	}
	return "", false
}

func (r *resolver) abs(rel string) string { return filepath.Join(r.repo, filepath.FromSlash(rel)) }

// resolve follows the symlinks of rel. A path that does not exist resolves
// to itself (past its last existing component): a root may name a file the
// pull request deletes.
func (r *resolver) resolve(rel string) resolved {
	if res, ok := r.cache[rel]; ok {
		return res
	}
	res := r.follow(rel)
	r.cache[rel] = res
	return res
}

func (r *resolver) follow(rel string) resolved {
	var res resolved
	todo := strings.Split(rel, "/")
	cur := "."
	for hops := 0; len(todo) > 0; {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			// cur has no symlinks left in it, so its parent is the real one.
			if cur == "." {
				res.Problem = fmt.Sprintf("%s leads outside the repository", rel)
				return res
			}
			cur = path.Dir(cur)
			continue
		}
		next := path.Join(cur, c)
		fi, err := os.Lstat(r.abs(next))
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			res.Target = path.Join(append([]string{next}, todo...)...)
			if res.Target == ".." || strings.HasPrefix(res.Target, "../") {
				res.Target, res.Problem = "", fmt.Sprintf("%s leads outside the repository", rel)
			}
			return res
		}
		if err != nil {
			res.Problem, res.Unreadable = fmt.Sprintf("cannot read %s: %v", next, errors.Unwrap(err)), true
			return res
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			cur = next
			continue
		}
		if hops++; hops > maxHops {
			res.Problem = "symlinks loop at " + rel
			return res
		}
		res.Via = append(res.Via, next)
		to, err := os.Readlink(r.abs(next))
		if err != nil {
			res.Problem, res.Unreadable = fmt.Sprintf("cannot read symlink %s: %v", next, errors.Unwrap(err)), true
			return res
		}
		if filepath.IsAbs(to) {
			in, ok := r.inside(to)
			if !ok {
				res.Problem = fmt.Sprintf("symlink %s points outside the repository (to %q)", next, to)
				return res
			}
			cur, todo = ".", append(strings.Split(in, "/"), todo...)
			continue
		}
		// Relative to the symlink's directory, which cur still is.
		todo = append(strings.Split(filepath.ToSlash(to), "/"), todo...)
	}
	res.Target = cur
	if fi, err := os.Stat(r.abs(cur)); err == nil && fi.IsDir() {
		res.Dir = true
	}
	return res
}

// walk lists the symlinks below dir (repository-relative, with no symlinks
// in it), not following them and not entering skip (other roots'
// directories, whose files are their own).
func (r *resolver) walk(dir string, skip map[string]bool) walked {
	if w, ok := r.walks[dir]; ok {
		return w
	}
	var w walked
	_ = filepath.WalkDir(r.abs(dir), func(p string, d fs.DirEntry, err error) error {
		rel := filepath.ToSlash(strings.TrimPrefix(strings.TrimPrefix(p, r.repo), string(filepath.Separator)))
		if rel == "" {
			rel = "."
		}
		if err != nil {
			if w.problem == "" {
				w.problem = fmt.Sprintf("cannot read %s: %v", rel, errors.Unwrap(err))
			}
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			w.links = append(w.links, rel)
			return nil
		}
		if d.IsDir() && rel != dir && (d.Name() == ".git" || d.Name() == ".terraform" || skip[rel]) {
			return filepath.SkipDir
		}
		return nil
	})
	r.walks[dir] = w
	return w
}

// links follows one dependency of a root (its directory, a module
// directory, a file, a depends-on glob's fixed prefix) through the
// checkout: every symlink on the way to it and below it, recursively.
// problems are paths it could not read.
func (r *resolver) links(dep, name, start string, skip map[string]bool) (out []Link, problems []string) {
	seen := map[string]bool{}
	type item struct{ as, path string }
	queue := []item{{start, start}}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		res := r.resolve(it.path)
		if len(res.Via) > 0 || res.Problem != "" {
			out = append(out, Link{Dep: dep, Name: name, As: it.as, Via: res.Via, Target: res.Target, Problem: res.Problem})
		}
		if res.Unreadable {
			problems = append(problems, res.Problem)
		}
		if !res.Dir || seen[res.Target] {
			continue
		}
		seen[res.Target] = true
		w := r.walk(res.Target, skip)
		if w.problem != "" {
			problems = append(problems, w.problem)
		}
		for _, l := range w.links {
			queue = append(queue, item{as: path.Join(it.as, relTo(res.Target, l)), path: l})
		}
	}
	return out, problems
}

// relTo is file's path below dir (both repository-relative).
func relTo(dir, file string) string {
	if dir == "." {
		return file
	}
	return strings.TrimPrefix(file, dir+"/")
}

// fixedPrefix is the part of a depends-on glob before its first wildcard.
func fixedPrefix(glob string) string {
	var keep []string
	for _, seg := range strings.Split(glob, "/") {
		if strings.ContainsAny(seg, "*?") {
			break
		}
		keep = append(keep, seg)
	}
	if len(keep) == 0 {
		return "."
	}
	return path.Clean(strings.Join(keep, "/"))
}

// PathInfo is what the checkout and git say about one changed path.
type PathInfo struct {
	Kind string // "submodule", "symlink", or "" (a file, or not known)
	// Unclear says why the analysis cannot tell which roots the path
	// affects; "" when it can.
	Unclear string
}

// Inspect looks at the changed paths in the checkout at repoRoot (the
// pull request's head): which are submodules or symlinks, and which the
// analysis cannot place — a symlink that loops or leads outside the
// repository, a path the checkout holds under a symlink or a file (its
// tree is not the one the changes were listed against), a path outside
// the repository. Kinds git reported (either side of the diff) win over
// the checkout's.
func Inspect(repoRoot string, ch Changes) map[string]PathInfo {
	r := newResolver(repoRoot)
	out := map[string]PathInfo{}
	for _, f := range normalize(ch.Files) {
		info := PathInfo{Kind: ch.Kinds[f]}
		if !inRepo(f) {
			info.Unclear = "not a path inside the repository"
			out[f] = info
			continue
		}
		info.Unclear = r.ancestorsAreDirs(f)
		if fi, err := os.Lstat(r.abs(f)); err == nil && info.Unclear == "" {
			switch {
			case fi.Mode()&fs.ModeSymlink != 0:
				if info.Kind == "" {
					info.Kind = "symlink"
				}
				if res := r.resolve(f); res.Problem != "" {
					info.Unclear = res.Problem
				}
			case fi.IsDir() && info.Kind == "":
				// A diff lists a directory only as a submodule's commit.
				info.Kind = "submodule"
			}
		}
		if info != (PathInfo{}) {
			out[f] = info
		}
	}
	return out
}

// ancestorsAreDirs says why f cannot be placed when the checkout holds
// one of its parent directories as something else.
func (r *resolver) ancestorsAreDirs(f string) string {
	d := path.Dir(f)
	if d == "." {
		return ""
	}
	if why, ok := r.dirs[d]; ok {
		return why
	}
	why := ""
	fi, err := os.Lstat(r.abs(d))
	switch {
	case err != nil:
		// Deleted with f, or never checked out; its parents still count.
	case fi.Mode()&fs.ModeSymlink != 0:
		why = fmt.Sprintf("the checkout has %s as a symlink, not the directory the pull request changes", d)
	case !fi.IsDir():
		why = fmt.Sprintf("the checkout has %s as a file, not the directory the pull request changes", d)
	}
	if why == "" {
		why = r.ancestorsAreDirs(d)
	}
	r.dirs[d] = why
	return why
}

// inRepo reports whether a normalized changed path names something inside
// the repository.
func inRepo(f string) bool {
	return !path.IsAbs(f) && f != ".." && !strings.HasPrefix(f, "../") && !strings.ContainsRune(f, 0)
}
