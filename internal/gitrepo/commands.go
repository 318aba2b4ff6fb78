package gitrepo

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

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
// the local tracking ref follow a remote that was rewritten; nothing is
// pushed. Automatic gc is left to git's next ordinary command: a retry loop
// should not wait for it.
func fetchCmd(dir, remote, branch string) Cmd {
	return Cmd{Dir: dir, Args: []string{
		"fetch", "--quiet", "--no-tags", "--no-recurse-submodules", "--no-auto-gc", remote,
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

// fastImportCmd builds the record's commit in one process: the parent's
// tree with the edited files replaced, written as objects and a commit
// without touching the checkout's index or working tree. The commit is kept
// under refs/drift-action/record (--force: successive records need not be
// descendants of each other) and its id printed on stdout.
func fastImportCmd(dir string, script []byte) Cmd {
	return Cmd{Dir: dir, Args: []string{"fast-import", "--quiet", "--force", "--done"}, Stdin: script}
}

// recordRef holds the last commit built, so it is not garbage.
const recordRef = "refs/drift-action/record"

// fastImportScript is the fast-import stream for one record commit.
func fastImportScript(parent string, edits []edit, message string, ident Identity, now time.Time) []byte {
	var b bytes.Buffer
	b.WriteString("feature done\ncommit " + recordRef + "\nmark :1\n")
	fmt.Fprintf(&b, "committer %s <%s> %d %s\n", ident.Name, ident.Email, now.Unix(), now.Format("-0700"))
	fmt.Fprintf(&b, "data %d\n%s\nfrom %s\n", len(message), message, parent)
	for _, e := range edits {
		if e.content == nil {
			b.WriteString("D " + fastImportPath(e.path) + "\n")
			continue
		}
		fmt.Fprintf(&b, "M 100644 inline %s\ndata %d\n", fastImportPath(e.path), len(e.content))
		b.Write(e.content)
		b.WriteString("\n")
	}
	b.WriteString("\nget-mark :1\ndone\n")
	return b.Bytes()
}

// fastImportPath quotes a path that fast-import would otherwise misread
// (one starting with a double quote; newlines are refused earlier).
func fastImportPath(p string) string {
	if !strings.HasPrefix(p, `"`) {
		return p
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(p) + `"`
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
