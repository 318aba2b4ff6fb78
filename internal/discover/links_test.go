package discover

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/gitrepo"
	"github.com/myorg/drift-action/internal/tftest"
)

// prRepo is a real git repository in which a test makes a base commit on
// main and a pull request's head commit on a branch.
type prRepo struct {
	t    *testing.T
	dir  string
	base string
}

var gitEnv = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")

func newPRRepo(t *testing.T) *prRepo {
	t.Helper()
	tftest.Long(t)
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatalf("git is needed for this test: %v", err)
	}
	r := &prRepo{t: t, dir: t.TempDir()}
	r.git("init")
	return r
}

func gitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "init.defaultBranch=main", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "protocol.file.allow=always"}, args...)...)
	cmd.Dir = dir
	cmd.Env = gitEnv
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v in %s: %v\n%s", args, dir, err, out)
	}
	return strings.TrimSpace(string(out))
}

func (r *prRepo) git(args ...string) string { r.t.Helper(); return gitIn(r.t, r.dir, args...) }

func (r *prRepo) write(p, body string) {
	r.t.Helper()
	writeFile(r.t, filepath.Join(r.dir, p), body)
}

func writeFile(t *testing.T, p, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// link makes (or replaces) the symlink p pointing at target, as written.
func (r *prRepo) link(p, target string) {
	r.t.Helper()
	p = filepath.Join(r.dir, p)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	os.Remove(p)
	if err := os.Symlink(target, p); err != nil {
		r.t.Fatal(err)
	}
}

func (r *prRepo) remove(p string) {
	r.t.Helper()
	if err := os.RemoveAll(filepath.Join(r.dir, p)); err != nil {
		r.t.Fatal(err)
	}
}

// commitBase commits everything as main's base and starts the pull
// request's branch.
func (r *prRepo) commitBase() {
	r.t.Helper()
	r.git("add", "-A")
	r.git("commit", "-m", "base")
	r.base = r.git("rev-parse", "HEAD")
	r.git("checkout", "-b", "feature")
}

// selection commits the pull request's head and selects the roots of
// drift.yaml (config) its changes affect, as a pull request run does:
// changed files from git, dependencies from the checkout.
func (r *prRepo) selection(cfg File) Selection {
	r.t.Helper()
	return r.choose(cfg, r.commitHead())
}

// commitHead commits the pull request's head; git is the source of its
// changed files.
func (r *prRepo) commitHead() ChangedFiles {
	r.t.Helper()
	r.git("add", "-A")
	r.git("commit", "--allow-empty", "-m", "head")
	head := r.git("rev-parse", "HEAD")
	return GitChanges{Dir: r.dir, Base: r.base, Head: head, Runner: gitrepo.ExecRunner{Env: gitEnv}}
}

func (r *prRepo) choose(f File, sources ...ChangedFiles) Selection {
	r.t.Helper()
	targets, err := Targets(Request{Cwd: r.dir, RepoRoot: r.dir, File: f})
	if err != nil {
		r.t.Fatal(err)
	}
	ch := CollectChanges(context.Background(), sources...)
	if ch.Unknown != "" {
		r.t.Fatalf("changed files unknown: %s", ch.Unknown)
	}
	_, sel, err := Choose(targets, Choice{Cwd: r.dir, RepoRoot: r.dir, File: f, Changes: &ch})
	if err != nil {
		r.t.Fatal(err)
	}
	if sel == nil {
		r.t.Fatal("no selection for a pull request")
	}
	return *sel
}

// rootsFile is a drift.yaml listing dirs as its roots.
func rootsFile(dirs ...string) File {
	f := File{Path: ".github/drift.yaml"}
	for _, d := range dirs {
		f.Roots = append(f.Roots, Root{Dir: d})
	}
	return f
}

// twoRoots is drift.yaml's roots infra/app and infra/db; twoRootsYAML
// says it in YAML.
var twoRoots = rootsFile("infra/app", "infra/db")

const twoRootsYAML = "roots:\n  - dir: infra/app\n  - dir: infra/db\n"

// picked is the part of a selection these tests compare.
type picked struct {
	Planned []Planned
	Skipped []string
	Note    string
}

func pick(s Selection) picked { return picked{s.Planned, s.Skipped, s.Note} }

func TestAffectedThroughSymlinkedFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cfg    File
		base   func(r *prRepo)
		change func(r *prRepo)
		want   picked
	}{
		{
			name: "a root's .tf file links to a shared file that changed",
			cfg:  twoRoots,
			base: func(r *prRepo) {
				r.write("shared/common.tf", "# v1\n")
				r.link("infra/app/common.tf", "../../shared/common.tf")
			},
			change: func(r *prRepo) { r.write("shared/common.tf", "# v2\n") },
			want: picked{Planned: []Planned{{"infra/app", []string{"changed through symlink infra/app/common.tf: shared/common.tf"}}},
				Skipped: []string{"infra/db"}},
		},
		{
			name: "a root's own symlink retargeted: its own change, named once",
			cfg:  twoRoots,
			base: func(r *prRepo) {
				r.write("shared/a.tf", "# a\n")
				r.write("shared/b.tf", "# b\n")
				r.link("infra/app/common.tf", "../../shared/a.tf")
			},
			change: func(r *prRepo) { r.link("infra/app/common.tf", "../../shared/b.tf") },
			want:   picked{Planned: []Planned{{"infra/app", []string{"changed: infra/app/common.tf"}}}, Skipped: []string{"infra/db"}},
		},
		{
			name: "an absolute symlink into the repository",
			cfg:  twoRoots,
			base: func(r *prRepo) {
				r.write("shared/common.tf", "# v1\n")
				r.link("infra/app/common.tf", filepath.Join(r.dir, "shared/common.tf"))
			},
			change: func(r *prRepo) { r.write("shared/common.tf", "# v2\n") },
			want: picked{Planned: []Planned{{"infra/app", []string{"changed through symlink infra/app/common.tf: shared/common.tf"}}},
				Skipped: []string{"infra/db"}},
		},
		{
			name: "the shared file deleted: the link dangles",
			cfg:  twoRoots,
			base: func(r *prRepo) {
				r.write("shared/common.tf", "# v1\n")
				r.link("infra/app/common.tf", "../../shared/common.tf")
			},
			change: func(r *prRepo) { r.remove("shared/common.tf") },
			want: picked{Planned: []Planned{{"infra/app", []string{"changed through symlink infra/app/common.tf: shared/common.tf"}}},
				Skipped: []string{"infra/db"}},
		},
		{
			name: "a symlink in the chain retargeted",
			cfg:  twoRoots,
			base: func(r *prRepo) {
				r.write("shared/v1.tf", "# v1\n")
				r.write("shared/v2.tf", "# v2\n")
				r.link("links/common.tf", "../shared/v1.tf")
				r.link("infra/app/common.tf", "../../links/common.tf")
			},
			change: func(r *prRepo) { r.link("links/common.tf", "../shared/v2.tf") },
			want:   picked{Planned: []Planned{{"infra/app", []string{"symlink links/common.tf changed"}}}, Skipped: []string{"infra/db"}},
		},
		{
			name: "a symlinked directory inside the root",
			cfg:  twoRoots,
			base: func(r *prRepo) {
				r.write("shared/templates/user-data.tpl", "v1\n")
				r.link("infra/app/templates", "../../shared/templates")
			},
			change: func(r *prRepo) { r.write("shared/templates/user-data.tpl", "v2\n") },
			want: picked{Planned: []Planned{{"infra/app", []string{"changed through symlink infra/app/templates: shared/templates/user-data.tpl"}}},
				Skipped: []string{"infra/db"}},
		},
		{
			name: "a var-file that is a symlink",
			cfg: File{Path: ".github/drift.yaml", Roots: []Root{
				{Dir: "infra/app", Targets: []TargetConfig{{Name: "prod", VarFiles: []string{"prod.tfvars"}}}}, {Dir: "infra/db"}}},
			base: func(r *prRepo) {
				r.write("shared/prod.tfvars", "x = 1\n")
				r.link("infra/app/prod.tfvars", "../../shared/prod.tfvars")
			},
			change: func(r *prRepo) { r.write("shared/prod.tfvars", "x = 2\n") },
			want: picked{Planned: []Planned{{"infra/app", []string{
				"changed through symlink infra/app/prod.tfvars: shared/prod.tfvars",
				"var-file infra/app/prod.tfvars changed through symlink infra/app/prod.tfvars: shared/prod.tfvars",
			}}}, Skipped: []string{"infra/db"}},
		},
		{
			name: "a depends-on path that is a symlinked directory",
			cfg:  File{Path: ".github/drift.yaml", Roots: []Root{{Dir: "infra/app"}, {Dir: "infra/db", DependsOn: []string{"data/**/*.json"}}}},
			base: func(r *prRepo) {
				r.write("vendor/regions/eu.json", "[]\n")
				r.link("data/regions", "../vendor/regions")
			},
			change: func(r *prRepo) { r.write("vendor/regions/eu.json", "[1]\n") },
			want: picked{Planned: []Planned{{"infra/db", []string{"depends-on data/**/*.json: changed through symlink data/regions: vendor/regions/eu.json"}}},
				Skipped: []string{"infra/app"}},
		},
		{
			name: "the config file is a symlink: every root",
			cfg:  twoRoots,
			base: func(r *prRepo) {
				r.write("shared/drift.yaml", twoRootsYAML)
				r.link(".github/drift.yaml", "../shared/drift.yaml")
			},
			change: func(r *prRepo) { r.write("shared/drift.yaml", twoRootsYAML+"parallelism: 2\n") },
			want: picked{
				Planned: []Planned{
					{"infra/app", []string{"config changed: shared/drift.yaml through symlink .github/drift.yaml"}},
					{"infra/db", []string{"config changed: shared/drift.yaml through symlink .github/drift.yaml"}},
				},
				Note: "config changed (shared/drift.yaml through symlink .github/drift.yaml): planned every root",
			},
		},
		{
			name: "a shared file no root links to affects nothing",
			cfg:  twoRoots,
			base: func(r *prRepo) {
				r.write("shared/common.tf", "# v1\n")
				r.write("shared/other.tf", "# v1\n")
				r.link("infra/app/common.tf", "../../shared/common.tf")
			},
			change: func(r *prRepo) { r.write("shared/other.tf", "# v2\n") },
			want: picked{Skipped: []string{"infra/app", "infra/db"},
				Note: "no root is affected by this pull request's changes: nothing to plan"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newPRRepo(t)
			r.write("infra/app/main.tf", "# app\n")
			r.write("infra/db/main.tf", "# db\n")
			tt.base(r)
			r.commitBase()
			tt.change(r)
			if diff := cmp.Diff(tt.want, pick(r.selection(tt.cfg))); diff != "" {
				t.Errorf("selection (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAffectedThroughSymlinkedModuleDir(t *testing.T) {
	t.Parallel()
	callNet := "module \"net\" {\n  source = \"../../mods/net\"\n}\n"
	tests := []struct {
		name   string
		base   func(r *prRepo)
		change func(r *prRepo)
		want   picked
	}{
		{
			name: "a module reached through a symlinked directory",
			base: func(r *prRepo) {
				r.write("infra/app/main.tf", callNet)
				r.write("modules/net/main.tf", "# net v1\n")
				r.link("mods", "modules")
			},
			change: func(r *prRepo) { r.write("modules/net/main.tf", "# net v2\n") },
			want: picked{Planned: []Planned{{"infra/app", []string{"module mods/net changed through symlink mods: modules/net/main.tf"}}},
				Skipped: []string{"infra/db"}},
		},
		{
			name: "the symlinked directory retargeted",
			base: func(r *prRepo) {
				r.write("infra/app/main.tf", callNet)
				r.write("modules/net/main.tf", "# net v1\n")
				r.write("modules-v2/net/main.tf", "# net v2\n")
				r.link("mods", "modules")
			},
			change: func(r *prRepo) { r.link("mods", "modules-v2") },
			want:   picked{Planned: []Planned{{"infra/app", []string{"symlink mods changed"}}}, Skipped: []string{"infra/db"}},
		},
		{
			name: "a symlink inside a module's directory",
			base: func(r *prRepo) {
				r.write("infra/app/main.tf", "module \"net\" {\n  source = \"../../modules/net\"\n}\n")
				r.write("modules/net/main.tf", "# net\n")
				r.write("shared/net/locals.tf", "# v1\n")
				r.link("modules/net/locals.tf", "../../shared/net/locals.tf")
			},
			change: func(r *prRepo) { r.write("shared/net/locals.tf", "# v2\n") },
			want: picked{Planned: []Planned{{"infra/app", []string{"module modules/net changed through symlink modules/net/locals.tf: shared/net/locals.tf"}}},
				Skipped: []string{"infra/db"}},
		},
		{
			name: "a module directory linking to itself is read once",
			base: func(r *prRepo) {
				r.write("infra/app/main.tf", "module \"loop\" {\n  source = \"../../modules/loop\"\n}\n")
				r.write("modules/loop/main.tf", "module \"again\" {\n  source = \"./self\"\n}\n")
				r.link("modules/loop/self", ".")
			},
			change: func(r *prRepo) { r.write("modules/loop/vars.tf", "# new\n") },
			want:   picked{Planned: []Planned{{"infra/app", []string{"module modules/loop changed"}}}, Skipped: []string{"infra/db"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newPRRepo(t)
			r.write("infra/db/main.tf", "# db\n")
			tt.base(r)
			r.commitBase()
			tt.change(r)
			if diff := cmp.Diff(tt.want, pick(r.selection(twoRoots))); diff != "" {
				t.Errorf("selection (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLocalModulesThroughSelfLink: a module directory that links to itself
// is one module, not one per path through the link.
func TestLocalModulesThroughSelfLink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "root/main.tf"), "module \"loop\" {\n  source = \"../modules/loop\"\n}\n")
	writeFile(t, filepath.Join(dir, "modules/loop/main.tf"), "module \"again\" {\n  source = \"./self\"\n}\n")
	if err := os.Symlink(".", filepath.Join(dir, "modules/loop/self")); err != nil {
		t.Fatal(err)
	}
	targets, err := Targets(Request{Cwd: dir, RepoRoot: dir, Args: []string{"root"}})
	if err != nil {
		t.Fatal(err)
	}
	got := Dependencies(targets, dir, File{})
	if diff := cmp.Diff([]string{"modules/loop"}, got[0].Modules); diff != "" {
		t.Errorf("modules (-want +got):\n%s", diff)
	}
}

// submoduleRepo is a repository to add as a submodule: lib/modules/net
// holds a module; it has a root of its own in stack/.
func submoduleRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	gitIn(t, dir, "init")
	writeFile(t, filepath.Join(dir, "modules/net/main.tf"), "# net v1\n")
	writeFile(t, filepath.Join(dir, "stack/main.tf"), "# stack v1\n")
	gitIn(t, dir, "add", "-A")
	gitIn(t, dir, "commit", "-m", "v1")
	return dir
}

// bump commits a change to the submodule's own repository and moves the
// submodule at path to it.
func (r *prRepo) bump(upstream, path string) {
	r.t.Helper()
	writeFile(r.t, filepath.Join(upstream, "modules/net/main.tf"), "# net v2\n")
	gitIn(r.t, upstream, "commit", "-am", "v2")
	sub := filepath.Join(r.dir, path)
	gitIn(r.t, sub, "fetch", "origin", "main")
	gitIn(r.t, sub, "checkout", "--detach", "FETCH_HEAD")
	r.git("add", path)
}

func TestAffectedBySubmoduleBump(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cfg   File
		base  func(r *prRepo, upstream string)
		bumps string // the submodule path the pull request bumps
		want  picked
	}{
		{
			name: "a submodule bumped above the module's directory",
			cfg:  twoRoots,
			base: func(r *prRepo, upstream string) {
				r.write("infra/app/main.tf", "module \"net\" {\n  source = \"../../vendor/lib/modules/net\"\n}\n")
				r.git("submodule", "add", upstream, "vendor/lib")
			},
			bumps: "vendor/lib",
			want:  picked{Planned: []Planned{{"infra/app", []string{"submodule vendor/lib changed"}}}, Skipped: []string{"infra/db"}},
		},
		{
			name: "a submodule that is the module's directory",
			cfg:  twoRoots,
			base: func(r *prRepo, upstream string) {
				r.write("infra/app/main.tf", "module \"lib\" {\n  source = \"../../vendor/lib\"\n}\n")
				r.git("submodule", "add", upstream, "vendor/lib")
			},
			bumps: "vendor/lib",
			want:  picked{Planned: []Planned{{"infra/app", []string{"submodule vendor/lib changed"}}}, Skipped: []string{"infra/db"}},
		},
		{
			name: "a root inside a submodule",
			cfg:  rootsFile("infra/app", "infra/db", "vendor/lib/stack"),
			base: func(r *prRepo, upstream string) {
				r.write("infra/app/main.tf", "# app\n")
				r.git("submodule", "add", upstream, "vendor/lib")
			},
			bumps: "vendor/lib",
			want: picked{Planned: []Planned{{"vendor/lib/stack", []string{"submodule vendor/lib changed"}}},
				Skipped: []string{"infra/app", "infra/db"}},
		},
		{
			name: "a submodule whose .gitmodules entry says ignore = all",
			cfg:  twoRoots,
			base: func(r *prRepo, upstream string) {
				r.write("infra/app/main.tf", "module \"net\" {\n  source = \"../../vendor/lib/modules/net\"\n}\n")
				r.git("submodule", "add", upstream, "vendor/lib")
				r.git("config", "-f", ".gitmodules", "submodule.vendor/lib.ignore", "all")
			},
			bumps: "vendor/lib",
			want:  picked{Planned: []Planned{{"infra/app", []string{"submodule vendor/lib changed"}}}, Skipped: []string{"infra/db"}},
		},
		{
			name: "a submodule no root uses",
			cfg:  twoRoots,
			base: func(r *prRepo, upstream string) {
				r.write("infra/app/main.tf", "# app\n")
				r.git("submodule", "add", upstream, "vendor/lib")
			},
			bumps: "vendor/lib",
			want: picked{Skipped: []string{"infra/app", "infra/db"},
				Note: "no root is affected by this pull request's changes: nothing to plan"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			upstream := submoduleRepo(t)
			r := newPRRepo(t)
			r.write("infra/db/main.tf", "# db\n")
			tt.base(r, upstream)
			r.commitBase()
			r.bump(upstream, tt.bumps)
			if diff := cmp.Diff(tt.want, pick(r.selection(tt.cfg))); diff != "" {
				t.Errorf("selection (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAffectedUnknownPathPlansAndSaysWhy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		base     func(r *prRepo)
		change   func(r *prRepo)
		checkout func(r *prRepo) // the checkout after the head commit
		extra    []string        // paths another source (the GitHub API) names
		want     picked
	}{
		{
			name:   "a symlink loop no root reaches: every root, saying why",
			base:   func(r *prRepo) {},
			change: func(r *prRepo) { r.link("shared/a.tf", "b.tf"); r.link("shared/b.tf", "a.tf") },
			want: picked{
				Planned: []Planned{
					{"infra/app", []string{"cannot tell: shared/a.tf: symlinks loop at shared/a.tf", "cannot tell: shared/b.tf: symlinks loop at shared/b.tf"}},
					{"infra/db", []string{"cannot tell: shared/a.tf: symlinks loop at shared/a.tf", "cannot tell: shared/b.tf: symlinks loop at shared/b.tf"}},
				},
				Note: "cannot tell which roots shared/a.tf affects (symlinks loop at shared/a.tf): planned every root",
			},
		},
		{
			name: "a symlink a root reaches now points outside the repository",
			base: func(r *prRepo) {
				r.write("shared/ext.tf", "# v1\n")
				r.link("infra/app/ext.tf", "../../shared/ext.tf")
			},
			change: func(r *prRepo) { r.link("shared/ext.tf", "/etc/drift-shared/ext.tf") },
			want: picked{Planned: []Planned{{"infra/app", []string{
				"symlink shared/ext.tf changed",
				`cannot tell: shared/ext.tf: symlink shared/ext.tf points outside the repository (to "/etc/drift-shared/ext.tf")`,
			}}}, Skipped: []string{"infra/db"}},
		},
		{
			name:   "a changed path the checkout has under a symlink",
			base:   func(r *prRepo) { r.write("shared/x.tf", "# v1\n") },
			change: func(r *prRepo) { r.write("shared/x.tf", "# v2\n") },
			checkout: func(r *prRepo) {
				// The checkout is not the head's tree (a merge with a base
				// that moved on): shared is a symlink there.
				r.remove("shared")
				r.link("shared", "infra/app")
			},
			want: picked{
				Planned: []Planned{
					{"infra/app", []string{"cannot tell: shared/x.tf: the checkout has shared as a symlink, not the directory the pull request changes"}},
					{"infra/db", []string{"cannot tell: shared/x.tf: the checkout has shared as a symlink, not the directory the pull request changes"}},
				},
				Note: "cannot tell which roots shared/x.tf affects (the checkout has shared as a symlink, not the directory the pull request changes): planned every root",
			},
		},
		{
			name:   "a path outside the repository from another source",
			base:   func(r *prRepo) {},
			change: func(r *prRepo) {},
			extra:  []string{"../elsewhere/main.tf"},
			want: picked{
				Planned: []Planned{
					{"infra/app", []string{"cannot tell: ../elsewhere/main.tf: not a path inside the repository"}},
					{"infra/db", []string{"cannot tell: ../elsewhere/main.tf: not a path inside the repository"}},
				},
				Note: "cannot tell which roots ../elsewhere/main.tf affects (not a path inside the repository): planned every root",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newPRRepo(t)
			r.write("infra/app/main.tf", "# app\n")
			r.write("infra/db/main.tf", "# db\n")
			tt.base(r)
			r.commitBase()
			tt.change(r)
			var src ChangedFiles = source{name: "GitHub API", files: tt.extra}
			if tt.extra == nil {
				src = r.commitHead()
			}
			if tt.checkout != nil {
				tt.checkout(r)
			}
			got := r.choose(twoRoots, src)
			if diff := cmp.Diff(tt.want, pick(got)); diff != "" {
				t.Errorf("selection (-want +got):\n%s", diff)
			}
		})
	}
}
