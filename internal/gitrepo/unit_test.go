package gitrepo

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCommandBuilders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  Cmd
		want Cmd
	}{
		{"push never forces", pushCmd("/w", "origin", "abc", "main"),
			Cmd{Dir: "/w", Args: []string{"push", "--porcelain", "origin", "abc:refs/heads/main"}}},
		{"fetch one branch", fetchCmd("/w", "origin", "main"),
			Cmd{Dir: "/w", Args: []string{"fetch", "--quiet", "--no-tags", "--no-recurse-submodules", "--no-auto-gc", "origin", "+refs/heads/main:refs/remotes/origin/main"}}},
		{"read files in one process", catFileCmd("/w", "abc", []string{"a/log.yaml", "report.md"}),
			Cmd{Dir: "/w", Args: []string{"cat-file", "--batch"}, Stdin: []byte("abc:a/log.yaml\nabc:report.md\n")}},
		{"move HEAD only from where it was", updateRefCmd("/w", "HEAD", "new", "old"),
			Cmd{Dir: "/w", Args: []string{"update-ref", "-m", "drift-action: record", "HEAD", "new", "old"}}},
		{"checkout like git checkout", checkoutTreeCmd("/w", "old", "new"),
			Cmd{Dir: "/w", Args: []string{"read-tree", "-m", "-u", "old", "new"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestFastImportScript(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, time.FixedZone("", 3600))
	edits := []edit{{"drift/log.yaml", []byte("- a\n")}, {"empty", []byte{}}, {"gone", nil}, {`"quoted`, []byte("q")}}
	got := string(fastImportScript("p4r3nt", edits, "drift: 1 of 2 roots drifted\n", Identity{Name: "bot", Email: "bot@example.com"}, now))
	want := `feature done
commit refs/drift-action/record
mark :1
committer bot <bot@example.com> 1796022000 +0100
data 28
drift: 1 of 2 roots drifted

from p4r3nt
M 100644 inline drift/log.yaml
data 4
- a

M 100644 inline empty
data 0

D gone
M 100644 inline "\"quoted"
data 1
q

get-mark :1
done
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Cmd{Dir: "/w", Args: []string{"fast-import", "--quiet", "--force", "--done"}, Stdin: []byte("x")}, fastImportCmd("/w", []byte("x"))); diff != "" {
		t.Errorf("command (-want +got):\n%s", diff)
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"token in remote URL", "fatal: unable to access 'https://x-access-token:ghs_abc@github.com/o/r/'",
			"fatal: unable to access 'https://[REDACTED]@github.com/o/r/'"},
		{"user only", "git remote-http origin https://user@example.com/r", "git remote-http origin https://[REDACTED]@example.com/r"},
		{"extraheader from checkout", "http.https://github.com/.extraheader AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hz",
			"http.https://github.com/.extraheader [REDACTED]"},
		{"authorization header", "> Authorization: Bearer abc.def\n< HTTP/2 401", "> Authorization: [REDACTED]\n< HTTP/2 401"},
		{"bare GitHub tokens", "token ghp_0123456789abcdefghijABCDEFGHIJ and github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
			"token [REDACTED] and [REDACTED]"},
		{"nothing secret", "To /tmp/remote.git\n!\tabc:refs/heads/main\t[rejected] (fetch first)",
			"To /tmp/remote.git\n!\tabc:refs/heads/main\t[rejected] (fetch first)"},
		{"scp-like remote", "git@github.com:o/r.git", "git@github.com:o/r.git"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, Redact(tt.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestRedactOptionSecrets(t *testing.T) {
	t.Parallel()
	r := New(".", Options{Secrets: []string{"s3cr3t-value", "abc"}})
	got := r.redact("header X-Token: s3cr3t-value; abc is too short to hide")
	if diff := cmp.Diff("header X-Token: [REDACTED]; abc is too short to hide", got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestCleanPaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      []string
		want    []string
		wantErr string
	}{
		{in: []string{"drift/log.yaml", "report.md"}, want: []string{"drift/log.yaml", "report.md"}},
		{in: nil, wantErr: "names no files"},
		{in: []string{"/abs/log"}, wantErr: "relative to the repository root"},
		{in: []string{"../log"}, wantErr: "clean path inside the repository"},
		{in: []string{"drift/../log"}, wantErr: `(such as "log")`},
		{in: []string{"./log"}, wantErr: "clean path"},
		{in: []string{".git/config"}, wantErr: "cannot be recorded"},
		{in: []string{"a\nb"}, wantErr: "cannot be recorded"},
		{in: []string{"log", "log"}, wantErr: "named twice"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.in, ","), func(t *testing.T) {
			t.Parallel()
			got, err := cleanPaths(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestChanges(t *testing.T) {
	t.Parallel()
	paths := []string{"log", "report", "gone"}
	current := map[string][]byte{"log": []byte("a\n"), "report": nil, "gone": []byte("x")}
	tests := []struct {
		name    string
		next    map[string][]byte
		want    []edit
		wantErr string
	}{
		{"nothing", nil, nil, ""},
		{"same", map[string][]byte{"log": []byte("a\n"), "report": nil}, nil, ""},
		{"append, create empty, delete", map[string][]byte{"log": []byte("a\nb\n"), "report": {}, "gone": nil},
			[]edit{{"log", []byte("a\nb\n")}, {"report", []byte{}}, {"gone", nil}}, ""},
		{"unknown file", map[string][]byte{"other": nil}, nil, `returned "other"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := changes(paths, current, tt.next)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(edit{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteAllowed(t *testing.T) {
	t.Parallel()
	type answer struct {
		Allowed bool
		Reason  string
	}
	tests := []struct {
		event string
		fork  bool
		want  answer
	}{
		{"schedule", false, answer{true, ""}},
		{"workflow_dispatch", false, answer{true, ""}},
		{"push", false, answer{true, ""}},
		{"pull_request", false, answer{true, ""}},
		{"pull_request", true, answer{false, "pull requests from forks never write to the repository"}},
		{"pull_request_target", false, answer{false, "pull_request_target runs never write to the repository"}},
		{"pull_request_target", true, answer{false, "pull_request_target runs never write to the repository"}},
	}
	for _, tt := range tests {
		allowed, reason := WriteAllowed(tt.event, tt.fork)
		if diff := cmp.Diff(tt.want, answer{allowed, reason}); diff != "" {
			t.Errorf("WriteAllowed(%q, %v) (-want +got):\n%s", tt.event, tt.fork, diff)
		}
	}
}

func TestFallbackBranch(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"1234567890-1":      "drift/record-1234567890-1",
		"run 7/attempt 2":   "drift/record-run-7-attempt-2",
		"..":                "drift/record",
		"":                  "drift/record",
		"a..b@{c}~^:?*[\\x": "drift/record-a-b-c-x",
	}
	for in, want := range tests {
		if diff := cmp.Diff(want, FallbackBranch(in)); diff != "" {
			t.Errorf("FallbackBranch(%q) (-want +got):\n%s", in, diff)
		}
	}
}

func TestMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   Summary
		want string
	}{
		{"drift and failures", Summary{Roots: 14, Drifted: 2, Failed: 1, Run: "99-1", RunURL: "https://github.com/o/r/actions/runs/99/attempts/1"},
			"drift: 2 of 14 roots drifted, 1 failed (run 99-1)\n\nRun: https://github.com/o/r/actions/runs/99/attempts/1\n"},
		{"one root, clean", Summary{Roots: 1, Run: "5-2"}, "drift: 0 of 1 root drifted (run 5-2)\n"},
		{"credentials in the URL", Summary{Roots: 2, Drifted: 2, RunURL: "https://u:p@ghe.example.com/run/1"},
			"drift: 2 of 2 roots drifted\n\nRun: https://[REDACTED]@ghe.example.com/run/1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, Message(tt.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
