package githubtest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"
)

// Pull request routes, as ServeMux patterns, for [Server.Inject].
const (
	RouteListPulls  = "GET /repos/{owner}/{repo}/pulls"
	RouteCreatePull = "POST /repos/{owner}/{repo}/pulls"
	RouteUpdatePull = "PATCH /repos/{owner}/{repo}/pulls/{number}"
)

// PullRequests returns a repository's pull requests, by number.
func (s *Server) PullRequests(owner, repo string) []PullRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []PullRequest
	for k, pr := range s.pulls {
		if k.owner == owner && k.repo == repo {
			out = append(out, pr.withDefaults())
		}
	}
	slices.SortFunc(out, func(a, b PullRequest) int { return a.Number - b.Number })
	return out
}

func (pr PullRequest) withDefaults() PullRequest {
	if pr.State == "" {
		pr.State = "open"
	}
	return pr
}

// nextNumber is the number of a new pull request: issues and pull requests
// share numbers, so it follows both; s.mu must be held.
func (s *Server) nextNumber(owner, repo string) int {
	n := 0
	for k := range s.pulls {
		if k.owner == owner && k.repo == repo {
			n = max(n, k.number)
		}
	}
	for k := range s.comments {
		if k.owner == owner && k.repo == repo {
			n = max(n, k.number)
		}
	}
	return n + 1
}

func (s *Server) pullJSON(owner, repo string, pr PullRequest) map[string]any {
	pr = pr.withDefaults()
	full := owner + "/" + repo
	headRepo := full
	if pr.HeadRepo != "" {
		headRepo = pr.HeadRepo
	}
	user := pr.User
	if user == "" {
		user = s.user
	}
	return map[string]any{
		"number":        pr.Number,
		"title":         pr.Title,
		"body":          pr.Body,
		"state":         pr.State,
		"draft":         pr.Draft,
		"html_url":      fmt.Sprintf("%s/%s/%s/pull/%d", s.srv.URL, owner, repo, pr.Number),
		"user":          map[string]any{"login": user},
		"changed_files": pr.changedFiles(),
		"head": map[string]any{"ref": pr.HeadRef, "sha": pr.HeadSHA, "label": strings.Split(headRepo, "/")[0] + ":" + pr.HeadRef,
			"repo": map[string]any{"full_name": headRepo}},
		"base": map[string]any{"ref": pr.BaseRef, "repo": map[string]any{"full_name": full}},
	}
}

func (s *Server) listPulls(w http.ResponseWriter, r *http.Request) {
	if !s.checkQuery(r, "state", "head", "base", "sort", "direction", "per_page", "page") {
		writeError(w, http.StatusBadRequest, "githubtest: unexpected query parameter", "")
		return
	}
	owner, repo := r.PathValue("owner"), r.PathValue("repo")
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	if !slices.Contains([]string{"open", "closed", "all"}, state) {
		writeValidation(w, "PullRequest", "state", "invalid", "")
		return
	}
	head := q.Get("head")
	if head != "" && !strings.Contains(head, ":") {
		// GitHub wants user:ref-name; a bare branch filters nothing.
		s.t.Errorf("githubtest: GET %s: head=%q is not user:ref-name, GitHub would ignore it", r.URL.Path, head)
	}
	s.mu.Lock()
	var prs []PullRequest
	for k, pr := range s.pulls {
		pr = pr.withDefaults()
		if k.owner != owner || k.repo != repo || state != "all" && pr.State != state {
			continue
		}
		if head != "" {
			hOwner, hRef, _ := strings.Cut(head, ":")
			headRepo := pr.HeadRepo
			if headRepo == "" {
				headRepo = owner + "/" + repo
			}
			if !strings.EqualFold(strings.Split(headRepo, "/")[0], hOwner) || pr.HeadRef != hRef {
				continue
			}
		}
		if b := q.Get("base"); b != "" && pr.BaseRef != b {
			continue
		}
		prs = append(prs, pr)
	}
	// created desc is GitHub's default; numbers grow with creation.
	slices.SortFunc(prs, func(a, b PullRequest) int { return b.Number - a.Number })
	if q.Get("direction") == "asc" {
		slices.Reverse(prs)
	}
	var all []map[string]any
	for _, pr := range prs {
		all = append(all, s.pullJSON(owner, repo, pr))
	}
	s.mu.Unlock()
	s.paginate(w, r, all)
}

func (s *Server) createPull(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Title               *string `json:"title"`
		Head                *string `json:"head"`
		HeadRepo            *string `json:"head_repo"`
		Base                *string `json:"base"`
		Body                *string `json:"body"`
		Draft               *bool   `json:"draft"`
		MaintainerCanModify *bool   `json:"maintainer_can_modify"`
		Issue               *int    `json:"issue"`
	}
	if !s.decode(w, r, &in) {
		return
	}
	owner, repo := r.PathValue("owner"), r.PathValue("repo")
	switch {
	case in.Title == nil || strings.TrimSpace(*in.Title) == "":
		writeValidation(w, "PullRequest", "title", "missing_field", "")
		return
	case in.Head == nil || *in.Head == "":
		writeValidation(w, "PullRequest", "head", "missing_field", "")
		return
	case in.Base == nil || *in.Base == "":
		writeValidation(w, "PullRequest", "base", "missing_field", "")
		return
	}
	body := ""
	if in.Body != nil {
		body = *in.Body
	}
	if n := utf8.RuneCountInString(body); n > MaxCommentLength {
		writeValidation(w, "PullRequest", "body", "custom", fmt.Sprintf("body is too long (maximum is %d characters)", MaxCommentLength))
		return
	}
	head := *in.Head
	if o, ref, ok := strings.Cut(head, ":"); ok {
		if !strings.EqualFold(o, owner) {
			s.t.Errorf("githubtest: POST %s: head %q from another owner is not supported", r.URL.Path, head)
		}
		head = ref
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.git(owner, repo)
	headSHA, ok := g.refs[head]
	if !ok {
		writeValidation(w, "PullRequest", "head", "invalid", "")
		return
	}
	baseSHA, ok := g.refs[*in.Base]
	if !ok {
		writeValidation(w, "PullRequest", "base", "invalid", "")
		return
	}
	for k, pr := range s.pulls {
		pr = pr.withDefaults()
		if k.owner == owner && k.repo == repo && pr.State == "open" && pr.HeadRef == head && pr.BaseRef == *in.Base && pr.HeadRepo == "" {
			writeValidation(w, "PullRequest", "", "custom", fmt.Sprintf("A pull request already exists for %s:%s.", owner, head))
			return
		}
	}
	if headSHA == baseSHA || g.descends(baseSHA, headSHA) {
		writeValidation(w, "PullRequest", "", "custom", fmt.Sprintf("No commits between %s and %s", *in.Base, head))
		return
	}
	pr := PullRequest{
		Number: s.nextNumber(owner, repo), Title: *in.Title, Body: body, State: "open",
		HeadRef: head, HeadSHA: headSHA, BaseRef: *in.Base, User: loginOf(r),
	}
	if in.Draft != nil {
		pr.Draft = *in.Draft
	}
	s.pulls[prKey{owner, repo, pr.Number}] = pr
	writeJSON(w, http.StatusCreated, s.pullJSON(owner, repo, pr))
}

func (s *Server) updatePull(w http.ResponseWriter, r *http.Request) {
	key, ok := s.prKey(w, r)
	if !ok {
		return
	}
	var in struct {
		Title               *string `json:"title"`
		Body                *string `json:"body"`
		State               *string `json:"state"`
		Base                *string `json:"base"`
		MaintainerCanModify *bool   `json:"maintainer_can_modify"`
	}
	if !s.decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pr, found := s.pulls[key]
	if !found {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/pulls/pulls#update-a-pull-request")
		return
	}
	pr = pr.withDefaults()
	if in.Title != nil {
		if strings.TrimSpace(*in.Title) == "" {
			writeValidation(w, "PullRequest", "title", "missing_field", "")
			return
		}
		pr.Title = *in.Title
	}
	if in.Body != nil {
		if n := utf8.RuneCountInString(*in.Body); n > MaxCommentLength {
			writeValidation(w, "PullRequest", "body", "custom", fmt.Sprintf("body is too long (maximum is %d characters)", MaxCommentLength))
			return
		}
		pr.Body = *in.Body
	}
	if in.State != nil {
		if *in.State != "open" && *in.State != "closed" {
			writeValidation(w, "PullRequest", "state", "invalid", "")
			return
		}
		pr.State = *in.State
	}
	if in.Base != nil {
		if pr.State == "closed" {
			writeValidation(w, "PullRequest", "base", "invalid", "Cannot change base branch of closed pull request")
			return
		}
		pr.BaseRef = *in.Base
	}
	// The head follows its branch, as on GitHub.
	if sha, ok := s.git(key.owner, key.repo).refs[pr.HeadRef]; ok && pr.State == "open" {
		pr.HeadSHA = sha
	}
	s.pulls[key] = pr
	writeJSON(w, http.StatusOK, s.pullJSON(key.owner, key.repo, pr))
}
