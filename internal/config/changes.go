package config

// PlansAffected reports whether a pull request run plans only the roots its
// changes affect: pull-request-roots is affected (or unset) and the event is
// a pull request.
func (f File) PlansAffected(ev Event) bool {
	return ev.PR > 0 && f.PullRequestRoots != PullRequestAll
}
