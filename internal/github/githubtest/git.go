package githubtest

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// Git data routes, as ServeMux patterns, for [Server.Inject]. Refs are
// "heads/<branch>" as go-github sends them (one path segment per ref
// component).
const (
	RouteGetRef       = "GET /repos/{owner}/{repo}/git/ref/{ref...}"
	RouteCreateRef    = "POST /repos/{owner}/{repo}/git/refs"
	RouteUpdateRef    = "PATCH /repos/{owner}/{repo}/git/refs/{ref...}"
	RouteDeleteRef    = "DELETE /repos/{owner}/{repo}/git/refs/{ref...}"
	RouteCreateBlob   = "POST /repos/{owner}/{repo}/git/blobs"
	RouteCreateTree   = "POST /repos/{owner}/{repo}/git/trees"
	RouteGetCommit    = "GET /repos/{owner}/{repo}/git/commits/{sha}"
	RouteCreateCommit = "POST /repos/{owner}/{repo}/git/commits"
)

// Commit is a commit as the fake stores it. Trees are flat: every file of
// the commit by its full path.
type Commit struct {
	SHA     string
	Tree    string
	Parents []string
	Message string
}

type repoKey struct{ owner, repo string }

// gitStore is one repository's git data. Objects are content-addressed.
type gitStore struct {
	refs    map[string]string            // branch name -> commit sha
	blobs   map[string][]byte            // sha -> content
	trees   map[string]map[string]string // sha -> path -> blob sha
	commits map[string]Commit
}

// git returns the store of a repository, creating it; s.mu must be held.
func (s *Server) git(owner, repo string) *gitStore {
	k := repoKey{owner, repo}
	g := s.repos[k]
	if g == nil {
		g = &gitStore{refs: map[string]string{}, blobs: map[string][]byte{}, trees: map[string]map[string]string{}, commits: map[string]Commit{}}
		g.trees[emptyTree] = map[string]string{}
		s.repos[k] = g
	}
	return g
}

var emptyTree = hashOf("tree", "")

func hashOf(kind string, parts ...string) string {
	h := sha1.New()
	h.Write([]byte(kind))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (g *gitStore) putBlob(content []byte) string {
	sha := hashOf("blob", string(content))
	g.blobs[sha] = slices.Clone(content)
	return sha
}

func (g *gitStore) putTree(files map[string]string) string {
	var b strings.Builder
	for _, p := range slices.Sorted(maps.Keys(files)) {
		fmt.Fprintf(&b, "%s\x00%s\n", p, files[p])
	}
	sha := hashOf("tree", b.String())
	g.trees[sha] = maps.Clone(files)
	return sha
}

func (g *gitStore) putCommit(tree string, parents []string, message string) Commit {
	c := Commit{Tree: tree, Parents: slices.Clone(parents), Message: message}
	c.SHA = hashOf("commit", append([]string{tree, message}, parents...)...)
	g.commits[c.SHA] = c
	return c
}

// SetBranch commits files (path -> content) on top of branch, creating the
// branch (as a root commit) if it does not exist, and returns the commit's
// sha. Files not named are kept from the branch's previous commit.
func (s *Server) SetBranch(owner, repo, branch string, files map[string]string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.git(owner, repo)
	tree := map[string]string{}
	var parents []string
	if head, ok := g.refs[branch]; ok {
		tree = maps.Clone(g.trees[g.commits[head].Tree])
		parents = []string{head}
	}
	for p, c := range files {
		tree[p] = g.putBlob([]byte(c))
	}
	c := g.putCommit(g.putTree(tree), parents, "githubtest: seed "+branch)
	g.refs[branch] = c.SHA
	return c.SHA
}

// Branch returns the commit sha a branch points at.
func (s *Server) Branch(owner, repo, branch string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sha, ok := s.git(owner, repo).refs[branch]
	return sha, ok
}

// Branches lists a repository's branches, sorted.
func (s *Server) Branches(owner, repo string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.git(owner, repo).refs))
}

// CommitOf returns a stored commit by sha.
func (s *Server) CommitOf(owner, repo, sha string) (Commit, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.git(owner, repo).commits[sha]
	return c, ok
}

// Files returns every file (path -> content) of rev, a branch name or a
// commit sha; nil if there is no such revision.
func (s *Server) Files(owner, repo, rev string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.git(owner, repo)
	sha := rev
	if b, ok := g.refs[rev]; ok {
		sha = b
	}
	c, ok := g.commits[sha]
	if !ok {
		return nil
	}
	out := map[string]string{}
	for p, blob := range g.trees[c.Tree] {
		out[p] = string(g.blobs[blob])
	}
	return out
}

// ---- handlers ----

func (s *Server) refJSON(r *http.Request, branch, sha string) map[string]any {
	o, rp := r.PathValue("owner"), r.PathValue("repo")
	return map[string]any{
		"ref":    "refs/heads/" + branch,
		"url":    fmt.Sprintf("%s/repos/%s/%s/git/refs/heads/%s", s.srv.URL, o, rp, branch),
		"object": map[string]any{"type": "commit", "sha": sha, "url": fmt.Sprintf("%s/repos/%s/%s/git/commits/%s", s.srv.URL, o, rp, sha)},
	}
}

// branchOf reads the {ref...} path value, which must be heads/<branch>.
func (s *Server) branchOf(w http.ResponseWriter, r *http.Request) (string, bool) {
	branch, ok := strings.CutPrefix(r.PathValue("ref"), "heads/")
	if !ok || branch == "" {
		s.t.Errorf("githubtest: %s %s: only heads/<branch> refs are supported", r.Method, r.URL.Path)
		writeError(w, http.StatusNotFound, "Not Found", "")
		return "", false
	}
	return branch, true
}

func (s *Server) getRef(w http.ResponseWriter, r *http.Request) {
	branch, ok := s.branchOf(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	sha, found := s.git(r.PathValue("owner"), r.PathValue("repo")).refs[branch]
	s.mu.Unlock()
	if !found {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/git/refs#get-a-reference")
		return
	}
	writeJSON(w, http.StatusOK, s.refJSON(r, branch, sha))
}

func (s *Server) createRef(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Ref *string `json:"ref"`
		SHA *string `json:"sha"`
	}
	if !s.decode(w, r, &in) {
		return
	}
	if in.Ref == nil || in.SHA == nil {
		writeValidation(w, "Reference", "ref", "missing_field", "")
		return
	}
	branch, ok := strings.CutPrefix(*in.Ref, "refs/heads/")
	if !ok || !validBranch(branch) {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Reference name is not valid", "status": "422"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.git(r.PathValue("owner"), r.PathValue("repo"))
	if _, ok := g.commits[*in.SHA]; !ok {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Object does not exist", "status": "422"})
		return
	}
	if _, exists := g.refs[branch]; exists {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Reference already exists", "status": "422"})
		return
	}
	g.refs[branch] = *in.SHA
	writeJSON(w, http.StatusCreated, s.refJSON(r, branch, *in.SHA))
}

func (s *Server) updateRef(w http.ResponseWriter, r *http.Request) {
	branch, ok := s.branchOf(w, r)
	if !ok {
		return
	}
	var in struct {
		SHA   *string `json:"sha"`
		Force *bool   `json:"force"`
	}
	if !s.decode(w, r, &in) {
		return
	}
	if in.SHA == nil {
		writeValidation(w, "Reference", "sha", "missing_field", "")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.git(r.PathValue("owner"), r.PathValue("repo"))
	old, found := g.refs[branch]
	if !found {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Reference does not exist", "status": "422"})
		return
	}
	if _, ok := g.commits[*in.SHA]; !ok {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Object does not exist", "status": "422"})
		return
	}
	if (in.Force == nil || !*in.Force) && !g.descends(*in.SHA, old) {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Update is not a fast forward", "status": "422"})
		return
	}
	g.refs[branch] = *in.SHA
	writeJSON(w, http.StatusOK, s.refJSON(r, branch, *in.SHA))
}

// descends reports whether commit has ancestor among its ancestors (or is it).
func (g *gitStore) descends(commit, ancestor string) bool {
	seen := map[string]bool{}
	todo := []string{commit}
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		if c == ancestor {
			return true
		}
		if seen[c] {
			continue
		}
		seen[c] = true
		todo = append(todo, g.commits[c].Parents...)
	}
	return false
}

func (s *Server) deleteRef(w http.ResponseWriter, r *http.Request) {
	branch, ok := s.branchOf(w, r)
	if !ok || !s.checkNoBody(w, r) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.git(r.PathValue("owner"), r.PathValue("repo"))
	if _, found := g.refs[branch]; !found {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Reference does not exist", "status": "422"})
		return
	}
	delete(g.refs, branch)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) createBlob(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Content  *string `json:"content"`
		Encoding *string `json:"encoding"`
	}
	if !s.decode(w, r, &in) {
		return
	}
	if in.Content == nil {
		writeValidation(w, "Blob", "content", "missing_field", "")
		return
	}
	content := []byte(*in.Content)
	switch {
	case in.Encoding != nil && *in.Encoding == "base64":
		b, err := base64.StdEncoding.DecodeString(*in.Content)
		if err != nil {
			writeValidation(w, "Blob", "content", "invalid", "content is not valid base64")
			return
		}
		content = b
	case in.Encoding == nil || *in.Encoding == "utf-8":
	default:
		writeValidation(w, "Blob", "encoding", "invalid", fmt.Sprintf("encoding %q is not utf-8 or base64", *in.Encoding))
		return
	}
	s.mu.Lock()
	sha := s.git(r.PathValue("owner"), r.PathValue("repo")).putBlob(content)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"sha": sha, "url": fmt.Sprintf("%s/repos/%s/%s/git/blobs/%s", s.srv.URL, r.PathValue("owner"), r.PathValue("repo"), sha)})
}

func (s *Server) createTree(w http.ResponseWriter, r *http.Request) {
	type entry struct {
		Path    *string `json:"path"`
		Mode    *string `json:"mode"`
		Type    *string `json:"type"`
		SHA     *string `json:"sha"`
		Content *string `json:"content"`
		Size    *int    `json:"size"`
		URL     *string `json:"url"`
	}
	var in struct {
		BaseTree *string `json:"base_tree"`
		Tree     []entry `json:"tree"`
	}
	if !s.decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.git(r.PathValue("owner"), r.PathValue("repo"))
	files := map[string]string{}
	if in.BaseTree != nil && *in.BaseTree != "" {
		base, ok := g.trees[*in.BaseTree]
		if !ok {
			writeValidation(w, "Tree", "base_tree", "invalid", "base_tree is not a valid tree oid")
			return
		}
		files = maps.Clone(base)
	}
	for _, e := range in.Tree {
		switch {
		case e.Path == nil || *e.Path == "" || strings.HasPrefix(*e.Path, "/") || strings.Contains(*e.Path, "//"):
			writeValidation(w, "Tree", "path", "invalid", "tree.path is invalid")
			return
		case e.Mode == nil || *e.Mode != "100644" && *e.Mode != "100755":
			s.t.Errorf("githubtest: POST %s: tree entry %q: mode must be 100644 or 100755 for files", r.URL.Path, *e.Path)
			writeValidation(w, "Tree", "mode", "invalid", "tree.mode is invalid")
			return
		case e.Type == nil || *e.Type != "blob":
			writeValidation(w, "Tree", "type", "invalid", "tree.type must be blob")
			return
		case e.SHA != nil && e.Content != nil:
			writeValidation(w, "Tree", "sha", "invalid", "tree.sha and tree.content cannot both be set")
			return
		case e.Content != nil:
			files[*e.Path] = g.putBlob([]byte(*e.Content))
		case e.SHA != nil:
			if _, ok := g.blobs[*e.SHA]; !ok {
				writeValidation(w, "Tree", "sha", "invalid", "tree.sha "+*e.SHA+" is not a valid blob")
				return
			}
			files[*e.Path] = *e.SHA
		default: // "sha": null removes the path
			delete(files, *e.Path)
		}
	}
	sha := g.putTree(files)
	writeJSON(w, http.StatusCreated, map[string]any{"sha": sha, "truncated": false})
}

func (s *Server) commitJSON(r *http.Request, c Commit) map[string]any {
	parents := []any{}
	for _, p := range c.Parents {
		parents = append(parents, map[string]any{"sha": p})
	}
	return map[string]any{
		"sha":     c.SHA,
		"message": c.Message,
		"tree":    map[string]any{"sha": c.Tree},
		"parents": parents,
		"url":     fmt.Sprintf("%s/repos/%s/%s/git/commits/%s", s.srv.URL, r.PathValue("owner"), r.PathValue("repo"), c.SHA),
	}
}

func (s *Server) getCommit(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	c, ok := s.git(r.PathValue("owner"), r.PathValue("repo")).commits[r.PathValue("sha")]
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/git/commits#get-a-commit-object")
		return
	}
	writeJSON(w, http.StatusOK, s.commitJSON(r, c))
}

func (s *Server) createCommit(w http.ResponseWriter, r *http.Request) {
	type person struct {
		Name  *string `json:"name"`
		Email *string `json:"email"`
		Date  *string `json:"date"`
	}
	var in struct {
		Message   *string  `json:"message"`
		Tree      *string  `json:"tree"`
		Parents   []string `json:"parents"`
		Author    *person  `json:"author"`
		Committer *person  `json:"committer"`
		Signature *string  `json:"signature"`
	}
	if !s.decode(w, r, &in) {
		return
	}
	if in.Message == nil || strings.TrimSpace(*in.Message) == "" {
		writeValidation(w, "Commit", "message", "missing_field", "")
		return
	}
	if in.Tree == nil {
		writeValidation(w, "Commit", "tree", "missing_field", "")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.git(r.PathValue("owner"), r.PathValue("repo"))
	if _, ok := g.trees[*in.Tree]; !ok {
		writeValidation(w, "Commit", "tree", "invalid", "Tree SHA does not exist")
		return
	}
	for _, p := range in.Parents {
		if _, ok := g.commits[p]; !ok {
			writeValidation(w, "Commit", "parents", "invalid", "Parent SHA does not exist or is not a commit object")
			return
		}
	}
	c := g.putCommit(*in.Tree, in.Parents, *in.Message)
	writeJSON(w, http.StatusCreated, s.commitJSON(r, c))
}

// validBranch is a loose git check-ref-format for branch names.
func validBranch(b string) bool {
	if b == "" || strings.HasSuffix(b, "/") || strings.HasSuffix(b, ".") || strings.Contains(b, "..") ||
		strings.Contains(b, "//") || strings.Contains(b, "@{") || strings.HasPrefix(b, "-") {
		return false
	}
	for _, comp := range strings.Split(b, "/") {
		if strings.HasPrefix(comp, ".") || strings.HasSuffix(comp, ".lock") {
			return false
		}
	}
	for _, c := range b {
		if c < 0x20 || c == 0x7f || strings.ContainsRune(" ~^:?*[\\", c) {
			return false
		}
	}
	return true
}
