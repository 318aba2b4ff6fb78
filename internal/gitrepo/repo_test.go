package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCommitStagesOnlyNamedFiles(t *testing.T) {
	t.Parallel()
	bare := newRemote(t)
	dir := clone(t, bare)
	// Local work the record must not pick up: a staged edit, an unstaged
	// edit and an untracked file.
	writeFile(t, filepath.Join(dir, "README.md"), "staged edit\n")
	git(t, dir, "add", "README.md")
	writeFile(t, filepath.Join(dir, "README.md"), "unstaged edit\n")
	writeFile(t, filepath.Join(dir, "plan.tfplan"), "untracked\n")

	var s sleeps
	repo := New(dir, testOptions(&s))
	res, err := repo.Commit(context.Background(), Change{
		Files: []string{"drift/log.yaml", "drift/report.md"},
		Regenerate: func(cur map[string][]byte) (map[string][]byte, string, error) {
			if diff := cmp.Diff(map[string][]byte{"drift/log.yaml": nil, "drift/report.md": nil}, cur); diff != "" {
				t.Errorf("current contents (-want +got):\n%s", diff)
			}
			return map[string][]byte{"drift/log.yaml": []byte("- a\n"), "drift/report.md": []byte("# report\n")},
				"drift: 1 of 3 roots drifted (run 7-1)\n", nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	head := git(t, bare, "rev-parse", "refs/heads/main")
	if diff := cmp.Diff(Result{Changed: true, Branch: "main", Commit: head, Attempts: 1, Synced: true}, res); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	got := map[string]string{
		"changed files":   git(t, bare, "diff-tree", "--no-commit-id", "--name-only", "-r", head),
		"message":         git(t, bare, "log", "-1", "--format=%B", head),
		"author":          git(t, bare, "log", "-1", "--format=%an <%ae>", head),
		"log":             showFile(t, bare, head, "drift/log.yaml"),
		"README remote":   showFile(t, bare, head, "README.md"),
		"local HEAD":      git(t, dir, "rev-parse", "HEAD"),
		"local staged":    git(t, dir, "diff", "--cached", "--name-only"),
		"local unstaged":  git(t, dir, "diff", "--name-only"),
		"local untracked": git(t, dir, "ls-files", "--others", "--exclude-standard"),
	}
	logOnDisk, err := os.ReadFile(filepath.Join(dir, "drift/log.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	got["log on disk"] = string(logOnDisk)
	want := map[string]string{
		"changed files":   "drift/log.yaml\ndrift/report.md",
		"message":         "drift: 1 of 3 roots drifted (run 7-1)",
		"author":          "Test Writer <writer@example.com>",
		"log":             "- a\n",
		"README remote":   "hello\n",
		"local HEAD":      head,
		"local staged":    "README.md",
		"local unstaged":  "README.md",
		"local untracked": "plan.tfplan",
		"log on disk":     "- a\n",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("repository state (-want +got):\n%s", diff)
	}
}

func TestCommitDefaultIdentity(t *testing.T) {
	t.Parallel()
	bare := newRemote(t)
	dir := clone(t, bare)
	git(t, dir, "config", "--unset", "user.name")
	git(t, dir, "config", "--unset", "user.email")
	var s sleeps
	if _, err := New(dir, testOptions(&s)).Commit(context.Background(), Change{
		Files: []string{"log"}, Regenerate: appendLine("log", "a", nil),
	}); err != nil {
		t.Fatal(err)
	}
	got := git(t, bare, "log", "-1", "--format=%an <%ae>|%cn <%ce>", "main")
	want := "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>|github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("identity (-want +got):\n%s", diff)
	}
}

func TestCommitRegeneratesOnNewTip(t *testing.T) {
	t.Parallel()
	bare := newRemote(t)
	dir, rival := clone(t, bare), clone(t, bare)
	rec := &recorder{inner: testRunner, before: rivalBeforeFirstPush(t, rival)}
	var s sleeps
	opts := testOptions(&s)
	opts.Runner = rec
	var seen []string
	res, err := New(dir, opts).Commit(context.Background(), Change{
		Files: []string{"drift/log"}, Regenerate: appendLine("drift/log", "from-us", &seen),
	})
	if err != nil {
		t.Fatal(err)
	}
	type state struct {
		Seen     []string
		Final    string
		Attempts int
		Sleeps   []time.Duration
		History  string
		Synced   bool
	}
	got := state{seen, showFile(t, bare, "main", "drift/log"), res.Attempts, s.all(), git(t, bare, "log", "--format=%s", "main"), res.Synced}
	want := state{
		Seen:     []string{"", "from-rival\n"}, // the tip, then the new tip
		Final:    "from-rival\nfrom-us\n",
		Attempts: 2,
		Sleeps:   []time.Duration{7500 * time.Microsecond}, // 10ms base, equal jitter at 0.5
		History:  "record from-us\nrecord from-rival\ninit",
		Synced:   true,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestCommitBase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// prepare changes the checkout (dir) and the remote (through rival)
		// before the record.
		prepare func(t *testing.T, dir, rival string)
		// wantParent names the record's parent: "remote" (main before the
		// record) or "local" (the checkout's HEAD).
		wantParent string
		wantSynced bool
		branch     string
	}{
		{"up to date", func(*testing.T, string, string) {}, "remote", true, "main"},
		{"behind the remote", func(t *testing.T, _, rival string) { commitFile(t, rival, "other", "push") }, "remote", true, "main"},
		{"local commits not pushed yet", func(t *testing.T, dir, _ string) { commitFile(t, dir, "local", "") }, "local", true, "main"},
		{"diverged", func(t *testing.T, dir, rival string) {
			commitFile(t, dir, "local", "")
			commitFile(t, rival, "other", "push")
		}, "remote", false, "main"},
		{"branch not on the remote yet", func(t *testing.T, dir, _ string) {
			git(t, dir, "checkout", "--quiet", "-b", "drift-log")
		}, "local", true, "drift-log"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bare := newRemote(t)
			dir, rival := clone(t, bare), clone(t, bare)
			tt.prepare(t, dir, rival)
			head, remote := git(t, dir, "rev-parse", "HEAD"), git(t, bare, "rev-parse", "main")
			res, err := New(dir, testOptions(&sleeps{})).Commit(context.Background(), Change{Files: []string{"log"}, Regenerate: appendLine("log", "x", nil)})
			if err != nil {
				t.Fatal(err)
			}
			wantParent := map[string]string{"remote": remote, "local": head}[tt.wantParent]
			wantHead := head
			if tt.wantSynced {
				wantHead = res.Commit
			}
			type state struct {
				Parent, Branch, RemoteBranch, Head string
				Synced                             bool
			}
			got := state{git(t, bare, "rev-parse", res.Commit+"^"), res.Branch, git(t, bare, "rev-parse", "refs/heads/"+res.Branch), git(t, dir, "rev-parse", "HEAD"), res.Synced}
			want := state{wantParent, tt.branch, res.Commit, wantHead, tt.wantSynced}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// rivalBeforeFirstPush returns a recorder hook with which another run
// (rival, a clone) records "from-rival" to drift/log just before our first
// push, so that push is rejected.
func rivalBeforeFirstPush(t *testing.T, rival string) func(Cmd) {
	pushes := 0
	return func(c Cmd) {
		if c.Args[0] != "push" {
			return
		}
		if pushes++; pushes == 1 {
			writeFile(t, filepath.Join(rival, "drift/log"), "from-rival\n")
			git(t, rival, "add", "drift/log")
			git(t, rival, "commit", "--quiet", "-m", "record from-rival")
			git(t, rival, "push", "--quiet", "origin", "HEAD:main")
		}
	}
}

// commitFile commits a new file in dir, and pushes it to main if push is set.
func commitFile(t *testing.T, dir, name, push string) {
	t.Helper()
	writeFile(t, filepath.Join(dir, name), name+"\n")
	git(t, dir, "add", name)
	git(t, dir, "commit", "--quiet", "-m", "add "+name)
	if push != "" {
		git(t, dir, "push", "--quiet", "origin", "HEAD:main")
	}
}

func TestCommitNoChange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		regen RegenerateFunc
	}{
		{"same contents", func(cur map[string][]byte) (map[string][]byte, string, error) {
			return map[string][]byte{"README.md": cur["README.md"], "absent": nil}, "msg", nil
		}},
		{"nothing returned", func(map[string][]byte) (map[string][]byte, string, error) {
			return nil, "", nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bare := newRemote(t)
			dir := clone(t, bare)
			before := git(t, bare, "rev-parse", "main")
			rec := &recorder{inner: testRunner}
			opts := testOptions(&sleeps{})
			opts.Runner = rec
			res, err := New(dir, opts).Commit(context.Background(), Change{Files: []string{"README.md", "absent"}, Regenerate: tt.regen})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(Result{Branch: "main", Attempts: 1}, res); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			if after := git(t, bare, "rev-parse", "main"); after != before {
				t.Errorf("remote moved from %s to %s", before, after)
			}
			for _, c := range rec.commands() {
				if slices.Contains([]string{"push", "commit-tree", "hash-object"}, c.Args[0]) {
					t.Errorf("ran %s with nothing to record", c)
				}
			}
		})
	}
}

func TestCommitDeletesFile(t *testing.T) {
	t.Parallel()
	bare := newRemote(t)
	dir := clone(t, bare)
	res, err := New(dir, testOptions(&sleeps{})).Commit(context.Background(), Change{
		Files: []string{"README.md"},
		Regenerate: func(map[string][]byte) (map[string][]byte, string, error) {
			return map[string][]byte{"README.md": nil}, "remove readme", nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := git(t, bare, "ls-tree", "--name-only", res.Commit)
	if diff := cmp.Diff("", got); diff != "" {
		t.Errorf("tree (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(filepath.Join(dir, "README.md")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("README.md still in the synced checkout: %v", err)
	}
}

func TestReadOnlyRunsNoGit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		reason  string
		call    func(*Repo) error
		wantMsg string
	}{
		{"commit from fork", "pull requests from forks never write to the repository", func(r *Repo) error {
			_, err := r.Commit(context.Background(), Change{Files: []string{"log"}, Regenerate: appendLine("log", "x", nil)})
			return err
		}, "gitrepo: commit: writing to the repository is not allowed in this run (pull requests from forks never write to the repository)"},
		{"push branch, no reason", "", func(r *Repo) error {
			return r.PushBranch(context.Background(), strings.Repeat("a", 40), "drift/record-1")
		}, "gitrepo: push branch: writing to the repository is not allowed in this run (the caller did not allow writing)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			err := tt.call(New(t.TempDir(), Options{Runner: rec, ReadOnlyReason: tt.reason}))
			if !errors.Is(err, ErrReadOnly) {
				t.Fatalf("error = %v, want ErrReadOnly", err)
			}
			if !strings.HasPrefix(err.Error(), tt.wantMsg) {
				t.Errorf("error = %q, want prefix %q", err, tt.wantMsg)
			}
			if diff := cmp.Diff([]Cmd(nil), rec.commands()); diff != "" {
				t.Errorf("git commands (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCommitDetachedHead(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		branch  string
		wantErr error
	}{
		{"no branch named", "", ErrDetachedHead},
		{"branch named", "main", nil},
		{"branch missing on the remote", "drift-log", ErrNoBranch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bare := newRemote(t)
			dir := clone(t, bare)
			git(t, dir, "checkout", "--quiet", "--detach")
			opts := testOptions(&sleeps{})
			opts.Branch = tt.branch
			res, err := New(dir, opts).Commit(context.Background(), Change{Files: []string{"log"}, Regenerate: appendLine("log", "x", nil)})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				wantText := map[error]string{ErrDetachedHead: "`ref: <branch>`", ErrNoBranch: "create the branch first"}[tt.wantErr]
				if !strings.Contains(err.Error(), wantText) {
					t.Errorf("error %q does not say what to do (%q)", err, wantText)
				}
				return
			}
			got := []string{showFile(t, bare, "main", "log"), fmt.Sprint(res.Synced), fmt.Sprint(git(t, dir, "rev-parse", "HEAD") == res.Commit)}
			if diff := cmp.Diff([]string{"x\n", "false", "false"}, got); diff != "" {
				t.Errorf("remote log, synced, HEAD moved (-want +got):\n%s", diff)
			}
			if tracking := git(t, dir, "rev-parse", "refs/remotes/origin/main"); tracking != res.Commit {
				t.Errorf("origin/main = %s, want %s", tracking, res.Commit)
			}
		})
	}
}

// actions/checkout clones with depth 1 by default.
func TestCommitShallowCheckout(t *testing.T) {
	t.Parallel()
	bare := newRemote(t)
	rival := clone(t, bare)
	commitFile(t, rival, "second", "push")
	dir := filepath.Join(t.TempDir(), "shallow")
	git(t, filepath.Dir(dir), "clone", "--quiet", "--depth=1", "file://"+bare, dir)
	commitFile(t, rival, "third", "push") // the checkout is behind
	opts := testOptions(&sleeps{})
	opts.Runner = &recorder{inner: testRunner, before: rivalBeforeFirstPush(t, rival)}
	res, err := New(dir, opts).Commit(context.Background(), Change{Files: []string{"drift/log"}, Regenerate: appendLine("drift/log", "from-us", nil)})
	if err != nil {
		t.Fatal(err)
	}
	got := []string{showFile(t, bare, "main", "drift/log"), fmt.Sprint(res.Attempts), fmt.Sprint(res.Synced), git(t, dir, "rev-parse", "HEAD")}
	want := []string{"from-rival\nfrom-us\n", "2", "true", res.Commit}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log, attempts, synced, HEAD (-want +got):\n%s", diff)
	}
}

// scripted is a Runner answering from a table keyed by the git subcommand,
// for flows that need no repository.
type scripted map[string]Output

func (s scripted) Run(_ context.Context, c Cmd) (Output, error) {
	out, ok := s[c.Args[0]]
	if !ok {
		return Output{}, fmt.Errorf("unexpected %s", c)
	}
	return out, nil
}

func TestDetachedHeadRunsOnlySymbolicRef(t *testing.T) {
	t.Parallel()
	rec := &recorder{inner: scripted{"symbolic-ref": {ExitCode: 1}}}
	_, err := New("/checkout", Options{AllowWrite: true, Runner: rec}).Commit(context.Background(),
		Change{Files: []string{"log"}, Regenerate: appendLine("log", "x", nil)})
	if !errors.Is(err, ErrDetachedHead) {
		t.Fatalf("error = %v, want ErrDetachedHead", err)
	}
	want := []Cmd{{Dir: "/checkout", Args: []string{"symbolic-ref", "--quiet", "HEAD"}}}
	if diff := cmp.Diff(want, rec.commands()); diff != "" {
		t.Errorf("git commands (-want +got):\n%s", diff)
	}
}

// Preview regenerates on HEAD and writes nothing: no fetch (the remote is
// gone), no object, no ref, no file.
func TestPreviewWritesNothing(t *testing.T) {
	t.Parallel()
	bare := newRemote(t)
	dir := clone(t, bare)
	git(t, dir, "remote", "set-url", "origin", filepath.Join(t.TempDir(), "gone.git"))
	objects := git(t, dir, "count-objects", "-v")
	repo := New(dir, Options{Runner: testRunner}) // read-only: Preview needs no write
	p, err := repo.Preview(context.Background(), Change{
		Files: []string{"README.md", "drift/log.yaml"},
		Regenerate: func(cur map[string][]byte) (map[string][]byte, string, error) {
			return map[string][]byte{"README.md": cur["README.md"], "drift/log.yaml": []byte("- a\n")}, "drift: record\n", nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Preview{Branch: "main", Base: git(t, dir, "rev-parse", "HEAD"), Message: "drift: record\n",
		Files: []FileChange{{Path: "drift/log.yaml", New: []byte("- a\n")}}}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("preview (-want +got):\n%s", diff)
	}
	if got := git(t, dir, "count-objects", "-v"); got != objects {
		t.Errorf("objects were written:\n%s\nwas\n%s", got, objects)
	}
	if got := git(t, dir, "for-each-ref", "refs/drift-action"); got != "" {
		t.Errorf("a ref was written: %s", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "drift")); !os.IsNotExist(err) {
		t.Errorf("a file was written: %v", err)
	}
}

// Options.Local commits on HEAD and moves the checkout, without fetching
// or pushing: the remote may be unreachable and stays as it was.
func TestCommitLocalNeverPushes(t *testing.T) {
	t.Parallel()
	bare := newRemote(t)
	dir := clone(t, bare)
	remoteHead := git(t, bare, "rev-parse", "main")
	git(t, dir, "remote", "set-url", "origin", filepath.Join(t.TempDir(), "gone.git"))
	var s sleeps
	o := testOptions(&s)
	o.Local = true
	res, err := New(dir, o).Commit(context.Background(), Change{
		Files: []string{"drift/log.yaml"},
		Regenerate: func(map[string][]byte) (map[string][]byte, string, error) {
			return map[string][]byte{"drift/log.yaml": []byte("- a\n")}, "drift: record\n", nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	head := git(t, dir, "rev-parse", "HEAD")
	if diff := cmp.Diff(Result{Changed: true, Branch: "main", Commit: head, Attempts: 1, Synced: true}, res); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	got := map[string]string{"parent": git(t, dir, "rev-parse", "HEAD~1"), "remote": git(t, bare, "rev-parse", "main"),
		"status": git(t, dir, "status", "--porcelain"), "log": showFile(t, dir, "HEAD", "drift/log.yaml")}
	want := map[string]string{"parent": remoteHead, "remote": remoteHead, "status": "", "log": "- a\n"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("repository state (-want +got):\n%s", diff)
	}
}
