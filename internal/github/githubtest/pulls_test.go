package githubtest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPullsAndGit walks the git data and pull request routes the way a
// client builds a branch and opens a pull request, and checks GitHub's
// refusals along the way.
func TestPullsAndGit(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	base := s.SetBranch("o", "r", "main", map[string]string{"a.txt": "a\n"})
	decode := func(r response) map[string]any {
		t.Helper()
		var m map[string]any
		if err := json.Unmarshal([]byte(r.Body), &m); err != nil {
			t.Fatalf("%s: %v", r.Body, err)
		}
		return m
	}
	steps := []struct {
		name, method, path, body string
		wantStatus               int
		wantInBody               string
	}{
		{name: "get main", method: "GET", path: "/repos/o/r/git/ref/heads/main", wantStatus: 200, wantInBody: base},
		{name: "missing branch", method: "GET", path: "/repos/o/r/git/ref/heads/drift/x", wantStatus: 404},
		{name: "blob", method: "POST", path: "/repos/o/r/git/blobs", body: `{"content":"Yg==","encoding":"base64"}`, wantStatus: 201},
		{name: "bad encoding", method: "POST", path: "/repos/o/r/git/blobs", body: `{"content":"b","encoding":"latin1"}`, wantStatus: 422},
		{name: "branch equal to base", method: "POST", path: "/repos/o/r/git/refs", body: `{"ref":"refs/heads/drift/x","sha":"` + base + `"}`, wantStatus: 201},
		{name: "no commits between", method: "POST", path: "/repos/o/r/pulls", body: `{"title":"t","head":"drift/x","base":"main"}`, wantStatus: 422, wantInBody: "No commits between main and drift/x"},
		{name: "branch exists", method: "POST", path: "/repos/o/r/git/refs", body: `{"ref":"refs/heads/drift/x","sha":"` + base + `"}`, wantStatus: 422, wantInBody: "Reference already exists"},
		{name: "invalid ref name", method: "POST", path: "/repos/o/r/git/refs", body: `{"ref":"refs/heads/a..b","sha":"` + base + `"}`, wantStatus: 422},
		{name: "missing head", method: "POST", path: "/repos/o/r/pulls", body: `{"title":"t","head":"nope","base":"main"}`, wantStatus: 422},
	}
	for _, st := range steps {
		got := do(t, s, st.method, st.path, st.body, nil)
		if got.Status != st.wantStatus || !strings.Contains(got.Body, st.wantInBody) {
			t.Errorf("%s: %s %s = %d %s, want %d containing %q", st.name, st.method, st.path, got.Status, got.Body, st.wantStatus, st.wantInBody)
		}
	}

	// A commit on top of main, the branch moved to it, a pull request.
	tree := decode(do(t, s, "GET", "/repos/o/r/git/commits/"+base, "", nil))["tree"].(map[string]any)["sha"].(string)
	blob := decode(do(t, s, "POST", "/repos/o/r/git/blobs", `{"content":"new\n","encoding":"utf-8"}`, nil))["sha"].(string)
	newTree := decode(do(t, s, "POST", "/repos/o/r/git/trees", `{"base_tree":"`+tree+`","tree":[{"path":"d/b.txt","mode":"100644","type":"blob","sha":"`+blob+`"}]}`, nil))["sha"].(string)
	commit := decode(do(t, s, "POST", "/repos/o/r/git/commits", `{"message":"m","tree":"`+newTree+`","parents":["`+base+`"]}`, nil))["sha"].(string)
	if r := do(t, s, "PATCH", "/repos/o/r/git/refs/heads/drift/x", `{"sha":"`+commit+`","force":true}`, nil); r.Status != 200 {
		t.Fatalf("update ref: %d %s", r.Status, r.Body)
	}
	if diff := cmp.Diff(map[string]string{"a.txt": "a\n", "d/b.txt": "new\n"}, s.Files("o", "r", "drift/x")); diff != "" {
		t.Errorf("files on drift/x (-want +got):\n%s", diff)
	}
	if r := do(t, s, "PATCH", "/repos/o/r/git/refs/heads/main", `{"sha":"`+base+`"}`, nil); r.Status != 200 {
		t.Errorf("fast-forward to the same commit: %d %s", r.Status, r.Body)
	}
	other := s.SetBranch("o", "r", "other", map[string]string{"z": "z"})
	if r := do(t, s, "PATCH", "/repos/o/r/git/refs/heads/drift/x", `{"sha":"`+other+`"}`, nil); r.Status != 422 || !strings.Contains(r.Body, "not a fast forward") {
		t.Errorf("non-fast-forward without force: %d %s", r.Status, r.Body)
	}

	created := do(t, s, "POST", "/repos/o/r/pulls", `{"title":"t","head":"drift/x","base":"main","body":"b","draft":false}`, nil)
	if created.Status != 201 {
		t.Fatalf("create: %d %s", created.Status, created.Body)
	}
	dup := do(t, s, "POST", "/repos/o/r/pulls", `{"title":"t","head":"o:drift/x","base":"main"}`, nil)
	if dup.Status != 422 || !strings.Contains(dup.Body, "A pull request already exists for o:drift/x.") {
		t.Errorf("duplicate: %d %s", dup.Status, dup.Body)
	}
	list := do(t, s, "GET", "/repos/o/r/pulls?state=open&head=o:drift/x", "", nil)
	if !strings.Contains(list.Body, `"number":1`) {
		t.Errorf("list by head: %s", list.Body)
	}
	if r := do(t, s, "PATCH", "/repos/o/r/pulls/1", `{"state":"closed"}`, nil); r.Status != 200 {
		t.Errorf("close: %d %s", r.Status, r.Body)
	}
	if list := do(t, s, "GET", "/repos/o/r/pulls?head=o:drift/x", "", nil); list.Body != "[]" {
		t.Errorf("open pulls after close: %s", list.Body)
	}
	if r := do(t, s, "DELETE", "/repos/o/r/git/refs/heads/drift/x", "", nil); r.Status != 204 {
		t.Errorf("delete ref: %d %s", r.Status, r.Body)
	}
	want := []PullRequest{{Number: 1, Title: "t", Body: "b", State: "closed", HeadRef: "drift/x", HeadSHA: commit, BaseRef: "main", User: DefaultUser}}
	if diff := cmp.Diff(want, s.PullRequests("o", "r")); diff != "" {
		t.Errorf("pull requests (-want +got):\n%s", diff)
	}
}
