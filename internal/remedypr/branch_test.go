package remedypr

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/tftest"
)

// namePairs are (root, target) pairs that any repository may hold at once:
// nested roots, a target named like a subdirectory, '/' in target names,
// unicode, dots, "..", ".lock", characters git refuses, case, length.
var namePairs = []struct{ root, target string }{
	{"infra/app", ""},
	{"infra/app", "eu"},
	{"infra/app/eu", ""},
	{"infra/app/eu", "default-x"},
	{"infra", "app/eu"},
	{"infra/app", "eu/west"},
	{"x", ""},
	{"x/y", ""},
	{"x/y/z", "w"},
	{".", ""},
	{".", "prod"},
	{"_root", ""},
	{"Infra/App", ""},
	{"envs/日本", "東京"},
	{"envs/café", ""},
	{"envs/cafe", ""},
	{".hidden", "x.lock"},
	{"a.lock", ""},
	{"a", "b.lock"},
	{"a..b", ""},
	{"a", ".."},
	{"a", "../b"},
	{"a", "."},
	{"-lead", "-t"},
	{"trail.", "t."},
	{"my env", "a:b"},
	{"q", "a~b^c?d*e[f\\g"},
	{"at", "@{u}"},
	{"at", "@"},
	{"ctl", "a\x01b\x7f"},
	{"long/" + strings.Repeat("segment/", 60) + "end", strings.Repeat("t", 300)},
	{"long/" + strings.Repeat("segment/", 60) + "end", strings.Repeat("t", 299)},
}

func git(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "init.defaultBranch=main", "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestBranchNamesGitAcceptsEveryPair creates the branch and the record file
// of every pair side by side in one real repository: git must take every
// name (check-ref-format, and branch, which refuses "drift/x" beside
// "drift/x/y"), and no two pairs may share a name.
func TestBranchNamesGitAcceptsEveryPair(t *testing.T) {
	t.Parallel()
	tftest.Long(t)
	dir := t.TempDir()
	if out, err := git(t, dir, "init", "-q"); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	if out, err := git(t, dir, "commit", "-q", "--allow-empty", "-m", "base"); err != nil {
		t.Fatalf("git commit: %v\n%s", err, out)
	}
	branches, records := map[string]int{}, map[string]int{}
	for i, p := range namePairs {
		b, r := BranchName(p.root, p.target), RecordPath(p.root, p.target)
		if j, dup := branches[b]; dup {
			t.Errorf("pairs %q and %q share branch %s", namePairs[j], p, b)
		}
		if j, dup := records[r]; dup {
			t.Errorf("pairs %q and %q share record %s", namePairs[j], p, r)
		}
		branches[b], records[r] = i, i
		if out, err := git(t, dir, "check-ref-format", "refs/heads/"+b); err != nil {
			t.Errorf("git check-ref-format refs/heads/%s (pair %q): %v %s", b, p, err, out)
		}
		if out, err := git(t, dir, "branch", b); err != nil {
			t.Errorf("git branch %s (pair %q): %v %s", b, p, err, out)
		}
		full := filepath.Join(dir, filepath.FromSlash(r))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(b), 0o644); err != nil {
			t.Errorf("record %s (pair %q): %v", r, p, err)
		}
	}
	if out, err := git(t, dir, "add", "-A"); err != nil {
		t.Fatalf("git add: %v\n%s", err, out)
	}
	out, err := git(t, dir, "ls-files", "-z")
	if err != nil {
		t.Fatal(err)
	}
	if got := len(strings.Split(strings.TrimRight(out, "\x00"), "\x00")); got != len(namePairs) {
		t.Errorf("git tracks %d record files, want %d", got, len(namePairs))
	}
	out, err = git(t, dir, "for-each-ref", "--format=%(refname)", "refs/heads/drift/")
	if err != nil {
		t.Fatal(err)
	}
	if got := len(strings.Fields(out)); got != len(namePairs) {
		t.Errorf("git holds %d drift branches, want %d:\n%s", got, len(namePairs), out)
	}
}

// TestBranchNameStable pins names: a branch renamed between versions would
// leave the pull requests opened under the old name behind.
func TestBranchNameStable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, root, target, want, record string
	}{
		{"root only", "envs/prod", "", "drift/envs-prod-b1bc4394e3eb", "drift/remediation/envs-prod-b1bc4394e3eb.md"},
		{"named target", "envs/prod", "eu", "drift/envs-prod--eu-008e1339c4d9", "drift/remediation/envs-prod--eu-008e1339c4d9.md"},
		{"repository root", ".", "", "drift/_root-79b9b4872519", "drift/remediation/_root-79b9b4872519.md"},
		{"dots and lock", ".hidden", "x.lock", "drift/hidden--x.lock-f837e2ab03b1", "drift/remediation/hidden--x.lock-f837e2ab03b1.md"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for range 2 {
				if diff := cmp.Diff(tt.want, BranchName(tt.root, tt.target)); diff != "" {
					t.Errorf("BranchName(%q, %q) (-want +got):\n%s", tt.root, tt.target, diff)
				}
				if diff := cmp.Diff(tt.record, RecordPath(tt.root, tt.target)); diff != "" {
					t.Errorf("RecordPath(%q, %q) (-want +got):\n%s", tt.root, tt.target, diff)
				}
			}
		})
	}
}

// TestBranchNameSameTarget: spellings of one (root, target) share a name.
func TestBranchNameSameTarget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b [2]string
	}{
		{"default target", [2]string{"envs/prod", ""}, [2]string{"envs/prod", "default"}},
		{"trailing slash", [2]string{"net/", "eu"}, [2]string{"net", "eu"}},
		{"backslashes", [2]string{`envs\prod`, ""}, [2]string{"envs/prod", ""}},
		{"repository root", [2]string{"", ""}, [2]string{".", "default"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(BranchName(tt.a[0], tt.a[1]), BranchName(tt.b[0], tt.b[1])); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
