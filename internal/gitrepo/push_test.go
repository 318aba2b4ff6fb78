package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/execfile"
)

func TestParsePorcelain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		stdout string
		want   []pushStatus
	}{
		{"fast-forward", "To /tmp/r.git\n \tabc:refs/heads/main\tb446a7b..3a52e39\nDone\n",
			[]pushStatus{{Flag: ' ', From: "abc", To: "refs/heads/main", Summary: "b446a7b..3a52e39"}}},
		{"new branch", "To https://github.com/o/r\n*\tabc:refs/heads/drift/record-1\t[new branch]\nDone\n",
			[]pushStatus{{Flag: '*', From: "abc", To: "refs/heads/drift/record-1", Summary: "[new branch]"}}},
		{"fetch first", "To /tmp/r.git\n!\tHEAD:refs/heads/main\t[rejected] (fetch first)\nDone\n",
			[]pushStatus{{Flag: '!', From: "HEAD", To: "refs/heads/main", Summary: "[rejected]", Reason: "fetch first"}}},
		{"protected branch", "To https://github.com/o/r\r\n!\tabc:refs/heads/main\t[remote rejected] (protected branch hook declined)\r\nDone\r\n",
			[]pushStatus{{Flag: '!', From: "abc", To: "refs/heads/main", Summary: "[remote rejected]", Reason: "protected branch hook declined"}}},
		{"nothing", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, parsePorcelain(tt.stdout)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestClassifyPush(t *testing.T) {
	t.Parallel()
	tests := []struct {
		flag    byte
		summary string
		reason  string
		want    pushOutcome
	}{
		{' ', "a..b", "", pushOK},
		{'*', "[new branch]", "", pushOK},
		{'=', "[up to date]", "", pushOK},
		{'!', "[rejected]", "non-fast-forward", pushConflict},
		{'!', "[rejected]", "fetch first", pushConflict},
		{'!', "[remote rejected]", "failed to update ref", pushConflict},
		{'!', "[remote rejected]", "cannot lock ref 'refs/heads/main': is at 1 but expected 2", pushConflict},
		{'!', "[remote rejected]", "protected branch hook declined", pushRefused},
		{'!', "[remote rejected]", "pre-receive hook declined", pushRefused},
		{'!', "[remote rejected]", "push declined due to repository rule violations", pushRefused},
		{'!', "[rejected]", "already exists", pushRefused},
		{'!', "[remote failure]", "remote failed to report status", pushFailed},
		{'!', "[no match]", "", pushFailed},
		{'+', "a...b", "forced update", pushFailed}, // never asked for: not trusted
	}
	for _, tt := range tests {
		t.Run(tt.summary+" "+tt.reason, func(t *testing.T) {
			t.Parallel()
			got := classifyPush(pushStatus{Flag: tt.flag, Summary: tt.summary, Reason: tt.reason})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestRemoteMessages(t *testing.T) {
	t.Parallel()
	stderr := "remote: error: GH006: Protected branch update failed for refs/heads/main.        \n" +
		"remote: error: Changes must be made through a pull request.\x1b[K\nremote: \n" +
		"error: failed to push some refs to 'https://github.com/o/r'\n"
	want := []string{"error: GH006: Protected branch update failed for refs/heads/main.", "error: Changes must be made through a pull request."}
	if diff := cmp.Diff(want, remoteMessages(stderr)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestPushFailureHint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		stderr string
		want   string
	}{
		{"remote: Permission to o/r.git denied to github-actions[bot].\nfatal: unable to access 'https://github.com/o/r/': The requested URL returned error: 403",
			"grant `permissions: contents: write`"},
		{"remote: Write access to repository not granted.", "grant `permissions: contents: write`"},
		{"fatal: could not read Username for 'https://github.com': terminal prompts disabled", "persist-credentials: true"},
		{"fatal: unable to access 'https://github.com/o/r/': Could not resolve host: github.com", ""},
	}
	for _, tt := range tests {
		got := pushFailureHint(tt.stderr)
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("pushFailureHint(%q) = %q, want it to contain %q", tt.stderr, got, tt.want)
		}
	}
}

// installHook makes the bare remote's pre-receive hook refuse pushes to
// main the way GitHub's branch protection does, and accept other branches.
func installHook(t *testing.T, bare string) {
	t.Helper()
	hook := `#!/bin/sh
while read old new ref; do
	if [ "$ref" = refs/heads/main ]; then
		echo "error: GH006: Protected branch update failed for refs/heads/main." >&2
		echo "error: Changes must be made through a pull request." >&2
		exit 1
	fi
done
`
	if err := execfile.Write(filepath.Join(bare, "hooks", "pre-receive"), []byte(hook)); err != nil {
		t.Fatal(err)
	}
}

func TestPushRefusedFallsBackToBranch(t *testing.T) {
	t.Parallel()
	bare := newRemote(t)
	installHook(t, bare)
	dir := clone(t, bare)
	before := git(t, bare, "rev-parse", "main")
	repo := New(dir, testOptions(&sleeps{}))
	res, err := repo.Commit(context.Background(), Change{Files: []string{"drift/log"}, Regenerate: appendLine("drift/log", "x", nil)})
	var refused *PushRefusedError
	if !errors.As(err, &refused) || !errors.Is(err, ErrPushRefused) {
		t.Fatalf("error = %v, want a *PushRefusedError", err)
	}
	got := *refused
	got.Commit = ""
	want := PushRefusedError{
		Branch:   "main",
		Reason:   "pre-receive hook declined",
		Messages: []string{"error: GH006: Protected branch update failed for refs/heads/main.", "error: Changes must be made through a pull request."},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("refusal (-want +got):\n%s", diff)
	}
	for _, s := range []string{"pre-receive hook declined", "GH006", "PushBranch", "pull request"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
	if res.Changed || git(t, bare, "rev-parse", "main") != before {
		t.Errorf("refused push changed the branch: %+v", res)
	}
	branch := FallbackBranch("42-1")
	if err := repo.PushBranch(context.Background(), refused.Commit, branch); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(refused.Commit, git(t, bare, "rev-parse", "refs/heads/"+branch)); diff != "" {
		t.Errorf("fallback branch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(before, git(t, bare, "rev-parse", refused.Commit+"^")); diff != "" {
		t.Errorf("fallback commit's parent (-want +got):\n%s", diff)
	}
	// Pushing again is a no-op; pushing another commit to it is refused
	// without forcing.
	if err := repo.PushBranch(context.Background(), refused.Commit, branch); err != nil {
		t.Errorf("pushing the same commit again: %v", err)
	}
	err = repo.PushBranch(context.Background(), before, branch)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("pushing an older commit over the fallback branch: error = %v, want \"already exists\"", err)
	}
}

func TestCommitGivesUpAfterAttempts(t *testing.T) {
	t.Parallel()
	bare := newRemote(t)
	dir, rival := clone(t, bare), clone(t, bare)
	n := 0
	rec := &recorder{inner: testRunner, before: func(c Cmd) {
		if c.Args[0] != "push" {
			return
		}
		// Another run lands just before each of our pushes.
		n++
		writeFile(t, filepath.Join(rival, "rival"), strings.Repeat("r", n))
		git(t, rival, "add", "rival")
		git(t, rival, "commit", "--quiet", "-m", "rival")
		git(t, rival, "push", "--quiet", "origin", "HEAD:main")
	}}
	var s sleeps
	opts := testOptions(&s)
	opts.Runner = rec
	opts.Attempts = 4
	var logged []string
	opts.Logf = func(format string, args ...any) { logged = append(logged, format) }
	res, err := New(dir, opts).Commit(context.Background(), Change{Files: []string{"log"}, Regenerate: appendLine("log", "x", nil)})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("error = %v, want ErrConflict", err)
	}
	if !strings.Contains(err.Error(), "all 4 pushes") || !strings.Contains(err.Error(), "concurrency") {
		t.Errorf("error %q does not say how many attempts failed and what to do", err)
	}
	got := struct {
		Attempts int
		Sleeps   []time.Duration
		Remote   string
	}{res.Attempts, s.all(), showFile(t, bare, "main", "log")}
	want := struct {
		Attempts int
		Sleeps   []time.Duration
		Remote   string
	}{4, []time.Duration{7500 * time.Microsecond, 15 * time.Millisecond, 30 * time.Millisecond}, ""}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if len(logged) != 3 {
		t.Errorf("logged %d lines, want one per retry (3): %q", len(logged), logged)
	}
}

// TestCommitCancelledWhileWaiting cancels the run while Commit waits to
// regenerate after a rejected push: it stops at once with the context's
// error, not a conflict, and pushes nothing more.
func TestCommitCancelledWhileWaiting(t *testing.T) {
	t.Parallel()
	bare := newRemote(t)
	dir, rival := clone(t, bare), clone(t, bare)
	// The deadline only keeps a broken cancel from hanging the test.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pushes := 0
	rec := &recorder{inner: testRunner, before: func(c Cmd) {
		if c.Args[0] != "push" {
			return
		}
		pushes++
		writeFile(t, filepath.Join(rival, "rival"), "r")
		git(t, rival, "add", "rival")
		git(t, rival, "commit", "--quiet", "-m", "rival")
		git(t, rival, "push", "--quiet", "origin", "HEAD:main")
	}}
	opts := testOptions(nil)
	opts.Runner = rec
	opts.BaseDelay, opts.MaxDelay = time.Hour, time.Hour
	opts.Sleep = nil // the real wait, which must honour ctx
	opts.Logf = func(format string, args ...any) {
		if strings.Contains(fmt.Sprintf(format, args...), "rejected") {
			cancel() // the retry is announced: cancel during its wait
		}
	}
	start := time.Now()
	res, err := New(dir, opts).Commit(ctx, Change{Files: []string{"log"}, Regenerate: appendLine("log", "x", nil)})
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "waiting to retry") {
		t.Errorf("error = %v, want context.Canceled while waiting to retry, not ErrConflict", err)
	}
	if waited := time.Since(start); waited > time.Minute {
		t.Errorf("Commit returned %s after the cancel", waited)
	}
	if diff := cmp.Diff([]int{1, 1}, []int{res.Attempts, pushes}); diff != "" {
		t.Errorf("[attempts, pushes] (-want +got):\n%s", diff)
	}
}

func TestPushNeverForces(t *testing.T) {
	t.Parallel()
	bare := newRemote(t)
	dir, rival := clone(t, bare), clone(t, bare)
	rec := &recorder{inner: testRunner, before: rivalBeforeFirstPush(t, rival)}
	opts := testOptions(&sleeps{})
	opts.Runner = rec
	repo := New(dir, opts)
	res, err := repo.Commit(context.Background(), Change{Files: []string{"log"}, Regenerate: appendLine("log", "b", nil)})
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.PushBranch(context.Background(), res.Commit, "drift/record-9"); err != nil {
		t.Fatal(err)
	}
	var pushes int
	for _, c := range rec.commands() {
		if c.Args[0] != "push" {
			continue
		}
		pushes++
		for _, a := range c.Args[1:] {
			if strings.HasPrefix(a, "+") || strings.HasPrefix(a, "-f") || strings.HasPrefix(a, "--force") ||
				a == "--mirror" || a == "--delete" || a == "-d" || a == "--all" || a == "--tags" {
				t.Errorf("push argument %q in %s", a, c)
			}
		}
	}
	if pushes != 3 { // rejected, retried, fallback
		t.Errorf("%d pushes, want 3", pushes)
	}
}

func TestErrorsRedactCredentials(t *testing.T) {
	t.Parallel()
	const token = "ghs_0123456789abcdefghijklmnopqrstuvwxyzAB"
	// Nothing listens on port 9: the operation using this URL fails, and
	// with GIT_TRACE git prints the URL, token included, on stderr, which
	// ends up in the error.
	const tokenURL = "http://x-access-token:" + token + "@127.0.0.1:9/o/r.git"
	tests := []struct {
		name   string
		config []string // git config key, value pairs for the checkout
	}{
		{"fetch", []string{"remote.origin.url", tokenURL}},
		{"push", []string{"remote.origin.pushurl", tokenURL}}, // fetch works, push fails
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := clone(t, newRemote(t))
			git(t, dir, "config", tt.config[0], tt.config[1])
			git(t, dir, "config", "http.extraheader", "AUTHORIZATION: basic "+token)
			var logged []string
			opts := testOptions(&sleeps{})
			opts.Logf = func(format string, args ...any) { logged = append(logged, fmt.Sprintf(format, args...)) }
			opts.Runner = ExecRunner{Env: append(testEnv(), "GIT_TRACE=1", "GIT_TRACE_CURL=1")}
			_, err := New(dir, opts).Commit(context.Background(), Change{Files: []string{"log"}, Regenerate: appendLine("log", "x", nil)})
			if err == nil {
				t.Fatal("no error from an unreachable remote")
			}
			if !strings.HasPrefix(err.Error(), "gitrepo: "+tt.name+": ") {
				t.Errorf("error %q: want it from %s", err, tt.name)
			}
			for _, s := range append(logged, err.Error()) {
				if strings.Contains(s, token) {
					t.Errorf("token printed: %q", s)
				}
			}
			if !strings.Contains(err.Error(), "http://"+Redacted+"@127.0.0.1:9/o/r.git") {
				t.Errorf("error %q: want the traced URL shown redacted", err)
			}
		})
	}
}
