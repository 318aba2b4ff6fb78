package gitrepo

import "strings"

// The git commands this package runs. Each builder only describes the
// command; [Repo] runs it through its [Runner].

func symbolicRefCmd(dir string) Cmd {
	return Cmd{Dir: dir, Args: []string{"symbolic-ref", "--quiet", "HEAD"}}
}

func revParseCmd(dir, rev string) Cmd {
	return Cmd{Dir: dir, Args: []string{"rev-parse", "--verify", "--quiet", rev + "^{commit}"}}
}

func identCmd(dir string) Cmd {
	return Cmd{Dir: dir, Args: []string{"var", "GIT_COMMITTER_IDENT"}}
}

func checkRefFormatCmd(dir, branch string) Cmd {
	return Cmd{Dir: dir, Args: []string{"check-ref-format", "refs/heads/" + branch}}
}

// fetchCmd fetches one branch into its remote-tracking ref. The "+" only lets
// the local tracking ref follow a remote that was rewritten; nothing is pushed.
func fetchCmd(dir, remote, branch string) Cmd {
	return Cmd{Dir: dir, Args: []string{
		"fetch", "--quiet", "--no-tags", "--no-recurse-submodules", remote,
		"+refs/heads/" + branch + ":" + trackingRef(remote, branch),
	}}
}

func trackingRef(remote, branch string) string {
	return "refs/remotes/" + remote + "/" + branch
}

// catFileCmd reads "<commit>:<path>" for every path in one process.
func catFileCmd(dir, commit string, paths []string) Cmd {
	var in strings.Builder
	for _, p := range paths {
		in.WriteString(commit + ":" + p + "\n")
	}
	return Cmd{Dir: dir, Args: []string{"cat-file", "--batch"}, Stdin: []byte(in.String())}
}

// The commit is built in a private index (GIT_INDEX_FILE), so the checkout's
// own index, staged changes and working tree are never involved: only the
// named files change between the parent and the new commit.

func readTreeCmd(dir, index, commit string) Cmd {
	return Cmd{Dir: dir, Args: []string{"read-tree", commit}, Env: []string{"GIT_INDEX_FILE=" + index}}
}

func hashObjectCmd(dir string, content []byte) Cmd {
	return Cmd{Dir: dir, Args: []string{"hash-object", "-w", "--stdin"}, Stdin: nonNil(content)}
}

// updateIndexCmd applies "mode sha\tpath" records (mode 0 removes the path).
func updateIndexCmd(dir, index string, records []string) Cmd {
	var in strings.Builder
	for _, r := range records {
		in.WriteString(r)
		in.WriteByte(0)
	}
	return Cmd{
		Dir:   dir,
		Args:  []string{"update-index", "-z", "--index-info"},
		Env:   []string{"GIT_INDEX_FILE=" + index},
		Stdin: []byte(in.String()),
	}
}

func writeTreeCmd(dir, index string) Cmd {
	return Cmd{Dir: dir, Args: []string{"write-tree"}, Env: []string{"GIT_INDEX_FILE=" + index}}
}

func commitTreeCmd(dir, tree, parent, message string, ident Identity) Cmd {
	c := Cmd{Dir: dir, Args: []string{"commit-tree", tree, "-p", parent, "-F", "-"}, Stdin: []byte(message)}
	if ident != (Identity{}) {
		c.Env = []string{
			"GIT_AUTHOR_NAME=" + ident.Name, "GIT_AUTHOR_EMAIL=" + ident.Email,
			"GIT_COMMITTER_NAME=" + ident.Name, "GIT_COMMITTER_EMAIL=" + ident.Email,
		}
	}
	return c
}

// pushCmd pushes one commit to one branch. It never forces: no --force, no
// "+" on the refspec, so the remote only accepts a fast-forward.
func pushCmd(dir, remote, commit, branch string) Cmd {
	return Cmd{Dir: dir, Args: []string{"push", "--porcelain", remote, commit + ":refs/heads/" + branch}}
}

// isAncestorCmd exits 0 when ancestor is an ancestor of (or equal to) commit, 1 when not.
func isAncestorCmd(dir, ancestor, commit string) Cmd {
	return Cmd{Dir: dir, Args: []string{"merge-base", "--is-ancestor", ancestor, commit}}
}

func refreshIndexCmd(dir string) Cmd {
	return Cmd{Dir: dir, Args: []string{"update-index", "-q", "--refresh"}}
}

// checkoutTreeCmd moves the working tree and index from one commit to
// another the way "git checkout" does: paths that did not change between the
// two keep their local changes, and it refuses rather than overwrite local
// changes or untracked files.
func checkoutTreeCmd(dir, from, to string) Cmd {
	return Cmd{Dir: dir, Args: []string{"read-tree", "-m", "-u", from, to}}
}

func updateRefCmd(dir, ref, newValue, oldValue string) Cmd {
	args := []string{"update-ref", "-m", "drift-action: record", ref, newValue}
	if oldValue != "" {
		args = append(args, oldValue)
	}
	return Cmd{Dir: dir, Args: args}
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
