package githubtest

import (
	"net/http"
)

// RouteListPullFiles lists a pull request's changed files, for [Server.Inject].
const RouteListPullFiles = "GET /repos/{owner}/{repo}/pulls/{number}/files"

// MaxPullFiles is how many files GitHub lists for one pull request.
const MaxPullFiles = 3000

// PullFile is one file a pull request changes.
type PullFile struct {
	Filename string
	// Status is added, modified, removed, renamed, ...; modified if empty.
	Status string
	// PreviousFilename is the old name of a renamed file.
	PreviousFilename string
}

func (pr PullRequest) changedFiles() int {
	if pr.ChangedFiles > 0 {
		return pr.ChangedFiles
	}
	return len(pr.Files)
}

// listPullFiles answers like GitHub: paginated (per_page up to 100), and no
// more than MaxPullFiles files however many the pull request changes.
func (s *Server) listPullFiles(w http.ResponseWriter, r *http.Request) {
	key, ok := s.prKey(w, r)
	if !ok {
		return
	}
	if !s.checkQuery(r, "per_page", "page") {
		writeError(w, http.StatusBadRequest, "githubtest: unexpected query parameter", "")
		return
	}
	s.mu.Lock()
	pr, found := s.pulls[key]
	s.mu.Unlock()
	if !found {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/pulls/pulls#list-pull-requests-files")
		return
	}
	files := pr.Files
	if len(files) > MaxPullFiles {
		files = files[:MaxPullFiles]
	}
	all := make([]map[string]any, 0, len(files))
	for _, f := range files {
		status := f.Status
		if status == "" {
			status = "modified"
		}
		item := map[string]any{"sha": "0000000000000000000000000000000000000000", "filename": f.Filename, "status": status,
			"additions": 1, "deletions": 0, "changes": 1, "blob_url": "", "raw_url": "", "contents_url": ""}
		if f.PreviousFilename != "" {
			item["previous_filename"] = f.PreviousFilename
		}
		all = append(all, item)
	}
	s.paginate(w, r, all)
}
