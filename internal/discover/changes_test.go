package discover

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/gitrepo"
)

// gitRepo is a repository with a base commit on main and a pull request's
// head commit on a branch: one file modified, one added, one deleted, one
// renamed, one with a space in its name.
func gitRepo(t *testing.T) (dir, base, head string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatalf("git is needed for this test: %v", err)
	}
	dir = t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "init.defaultBranch=main", "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	write := func(p, body string) {
		t.Helper()
		p = filepath.Join(dir, p)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git("init")
	write("infra/app/main.tf", "# app\n")
	write("infra/db/main.tf", "# db\n")
	write("modules/net/main.tf", "# net\n")
	write("old/name.tfvars", "x = 1\n")
	git("add", ".")
	git("commit", "-m", "base")
	base = git("rev-parse", "HEAD")
	git("checkout", "-b", "feature")
	write("infra/app/main.tf", "# app v2\n")
	write("infra/app/extra vars.tf", "# new\n")
	os.Remove(filepath.Join(dir, "modules/net/main.tf"))
	os.MkdirAll(filepath.Join(dir, "new"), 0o755)
	git("mv", "old/name.tfvars", "new/name.tfvars")
	git("add", "-A")
	git("commit", "-m", "head")
	head = git("rev-parse", "HEAD")
	// main moves on: the three-dot diff is against the merge base, so
	// this change is not the pull request's.
	git("checkout", "main")
	write("infra/db/main.tf", "# db v2\n")
	git("commit", "-am", "main moves")
	return dir, base, head
}

func TestGitChanges(t *testing.T) {
	t.Parallel()
	dir, base, head := gitRepo(t)
	tip, err := exec.Command("git", "-C", dir, "rev-parse", "main").Output()
	if err != nil {
		t.Fatal(err)
	}
	runner := gitrepo.ExecRunner{Env: append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")}
	tests := []struct {
		name            string
		base, head      string
		want            []string
		wantUnavailable bool
	}{
		{name: "both commits here", base: base, head: head,
			want: []string{"infra/app/extra vars.tf", "infra/app/main.tf", "modules/net/main.tf", "new/name.tfvars", "old/name.tfvars"}},
		{name: "against a base that moved on: from the merge base", base: strings.TrimSpace(string(tip)), head: head,
			want: []string{"infra/app/extra vars.tf", "infra/app/main.tf", "modules/net/main.tf", "new/name.tfvars", "old/name.tfvars"}},
		{name: "base commit not fetched", base: strings.Repeat("ab", 20), head: head, wantUnavailable: true},
		{name: "no commits in the event", wantUnavailable: true},
		{name: "not a commit hash", base: "--output=/tmp/x", head: head, wantUnavailable: true},
		{name: "a revision expression", base: base + "^", head: head, wantUnavailable: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := GitChanges{Dir: dir, Base: tt.base, Head: tt.head, Runner: runner}.ChangedFiles(t.Context())
			if tt.wantUnavailable {
				if !errors.Is(err, ErrUnavailable) {
					t.Fatalf("error %v, want one wrapping ErrUnavailable", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("changed files (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRaw(t *testing.T) {
	t.Parallel()
	rec := func(old, new, status, p string) string {
		return ":" + old + " " + new + " " + strings.Repeat("a", 40) + " " + strings.Repeat("b", 40) + " " + status + "\x00" + p + "\x00"
	}
	tests := []struct {
		name      string
		out       string
		wantFiles []string
		wantKinds map[string]string
		wantErr   string
	}{
		{name: "a file, a submodule, a symlink made a file", out: rec("100644", "100644", "M", "a b.tf") + rec("160000", "160000", "M", "vendor/lib") + rec("120000", "100644", "T", "x.tf"),
			wantFiles: []string{"a b.tf", "vendor/lib", "x.tf"}, wantKinds: map[string]string{"vendor/lib": "submodule", "x.tf": "symlink"}},
		{name: "a symlink deleted: the base side's mode", out: rec("120000", "000000", "D", "link"), wantFiles: []string{"link"}, wantKinds: map[string]string{"link": "symlink"}},
		{name: "nothing changed", out: "", wantFiles: []string{}, wantKinds: map[string]string{}},
		{name: "a record without a path", out: ":100644 100644 a b M\x00", wantErr: `unexpected output ":100644 100644 a b M"`},
		{name: "not a raw record", out: "a.tf\x00", wantErr: `unexpected output "a.tf"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files, kinds, err := parseRaw([]byte(tt.out))
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantFiles, files); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantKinds, kinds); diff != "" {
				t.Errorf("kinds (-want +got):\n%s", diff)
			}
		})
	}
}
