package config

// Changes are the files a pull request changes, for planning only the roots
// they affect (pull-request-roots: affected).
type Changes struct {
	// Files are repository-relative, slash-separated paths: every file the
	// pull request adds, modifies or deletes, and both names of a rename.
	Files []string
	// Source says where the list came from: "git" or "GitHub API".
	Source string
	// Kinds names the changed paths git knows as a "submodule" (a gitlink)
	// or a "symlink" on either side of the diff; a path absent is a file
	// or not known (the GitHub API does not say).
	Kinds map[string]string
	// Unknown, when not "", says why the changed files are not known in
	// full (GitHub's 3,000-file limit, no base commit and no token, ...):
	// every root is then planned and the report says why.
	Unknown string
}

// PlansAffected reports whether a pull request run plans only the roots its
// changes affect: pull-request-roots is affected (or unset) and the event is
// a pull request.
func (f File) PlansAffected(ev Event) bool {
	return ev.PR > 0 && f.PullRequestRoots != PullRequestAll
}
