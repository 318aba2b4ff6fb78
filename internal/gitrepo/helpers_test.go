package gitrepo

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// requireGit fails under CI=true (git is part of the CI image) and skips,
// saying why, elsewhere.
func requireGit(tb testing.TB) {
	tb.Helper()
	if testing.Short() {
		tb.Skip("runs real git; run without -short")
	}
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("git is not installed: %v", err)
		}
		tb.Skipf("git is not installed: %v", err)
	}
}

// testEnv keeps the user's and the system's git configuration out of the
// tests, so identity and defaults are the same everywhere, and skips fsync:
// test repositories need not survive a power cut.
func testEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_") {
			env = append(env, kv)
		}
	}
	return append(env, "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=core.fsync", "GIT_CONFIG_VALUE_0=none")
}

var testRunner = ExecRunner{Env: testEnv()}

// git runs a git command for test setup and returns its trimmed stdout.
func git(tb testing.TB, dir string, args ...string) string {
	tb.Helper()
	out, err := testRunner.Run(context.Background(), Cmd{Dir: dir, Args: args})
	if err != nil || out.ExitCode != 0 {
		tb.Fatalf("git %s in %s: exit %d, %v: %s", strings.Join(args, " "), dir, out.ExitCode, err, out.Stderr)
	}
	return strings.TrimSpace(string(out.Stdout))
}

// newRemote creates a bare repository with one commit on main holding
// README.md and returns its path.
func newRemote(tb testing.TB) string {
	tb.Helper()
	requireGit(tb)
	root := tb.TempDir()
	bare := filepath.Join(root, "remote.git")
	git(tb, root, "init", "--quiet", "--bare", "--initial-branch=main", bare)
	// The stand-in for GitHub: no gc after each push (git clears GIT_CONFIG_*
	// for the receiving side of a local push, so set it in the repository).
	git(tb, bare, "config", "receive.autogc", "false")
	git(tb, bare, "config", "core.fsync", "none")
	seed := filepath.Join(root, "seed")
	git(tb, root, "clone", "--quiet", bare, seed)
	writeFile(tb, filepath.Join(seed, "README.md"), "hello\n")
	git(tb, seed, "add", "README.md")
	git(tb, seed, "-c", "user.name=seed", "-c", "user.email=seed@example.com", "commit", "--quiet", "-m", "init")
	git(tb, seed, "push", "--quiet", "origin", "HEAD:refs/heads/main")
	return bare
}

// clone makes a working clone of bare with a configured identity.
func clone(tb testing.TB, bare string) string {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "work")
	git(tb, filepath.Dir(dir), "clone", "--quiet", bare, dir)
	git(tb, dir, "config", "user.name", "Test Writer")
	git(tb, dir, "config", "user.email", "writer@example.com")
	return dir
}

func writeFile(tb testing.TB, name, content string) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// showFile returns path at rev in the repository at dir ("" when absent).
func showFile(tb testing.TB, dir, rev, path string) string {
	tb.Helper()
	out, err := testRunner.Run(context.Background(), Cmd{Dir: dir, Args: []string{"show", rev + ":" + path}})
	if err != nil {
		tb.Fatal(err)
	}
	if out.ExitCode != 0 {
		return ""
	}
	return string(out.Stdout)
}

// recorder is a Runner that records every command before running it.
type recorder struct {
	inner Runner
	// before, when set, runs before each command (e.g. to push a competing
	// commit just before our push).
	before func(Cmd)

	mu   sync.Mutex
	cmds []Cmd
}

func (r *recorder) Run(ctx context.Context, c Cmd) (Output, error) {
	r.mu.Lock()
	r.cmds = append(r.cmds, c)
	r.mu.Unlock()
	if r.before != nil {
		r.before(c)
	}
	if r.inner == nil {
		return Output{}, nil
	}
	return r.inner.Run(ctx, c)
}

func (r *recorder) commands() []Cmd {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Cmd(nil), r.cmds...)
}

// sleeps records the delays Commit asked for, without waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return nil
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// testOptions are writable options for a test checkout, with no waiting.
func testOptions(s *sleeps) Options {
	return Options{
		AllowWrite: true,
		Runner:     testRunner,
		Attempts:   5,
		BaseDelay:  10 * time.Millisecond,
		MaxDelay:   40 * time.Millisecond,
		Sleep:      s.sleep,
		Rand:       func() float64 { return 0.5 },
	}
}

// appendLine is a RegenerateFunc appending one line to a text log.
func appendLine(file, entry string, calls *[]string) RegenerateFunc {
	return func(cur map[string][]byte) (map[string][]byte, string, error) {
		if calls != nil {
			*calls = append(*calls, string(cur[file]))
		}
		return map[string][]byte{file: append(cur[file], entry+"\n"...)}, "record " + entry, nil
	}
}
