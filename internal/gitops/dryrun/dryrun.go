// Package dryrun holds the edges a --dry-run swaps into the gitops stage for
// git, GitHub, terraform apply and Slack: the real code path computes
// everything up to each side effect, and these edges write down what it
// would do instead of doing it; none reaches the network.
package dryrun

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/aymanbagabas/go-udiff"
	"github.com/myorg/drift-action/internal/github"
	"github.com/myorg/drift-action/internal/gitops"
	"github.com/myorg/drift-action/internal/gitrepo"
	"github.com/myorg/drift-action/internal/notify"
	"github.com/myorg/drift-action/internal/remediate"
	"github.com/myorg/drift-action/internal/tf"
)

// Edges are one dry run's edges, writing down one section per kind of side
// effect. They are safe for concurrent use.
type Edges struct {
	repoRoot string
	threads  bool // the Slack way in threads (a bot token)
	slackSet bool // Slack is set up: a real run would post

	mu                        sync.Mutex
	heal, prs, commits, slack bytes.Buffer
	applied                   map[string]string // dir\x00target: what would be applied
	nPR, nMsg                 int
}

// New returns the edges of a dry run in the repository at repoRoot.
// slackThreads says Slack would be reached the way that keeps threads (a
// bot token); slackSet that Slack is set up, so a real run would post.
func New(repoRoot string, slackThreads, slackSet bool) *Edges {
	return &Edges{repoRoot: repoRoot, threads: slackThreads, slackSet: slackSet, applied: map[string]string{}}
}

// Print writes what the run would have done, for mode (record or
// remediate) and the heal's results. Sections are printed in the order the
// run makes its side effects.
func (d *Edges) Print(w io.Writer, mode string, heal []remediate.Result) error {
	var b bytes.Buffer
	if mode == "remediate" {
		section(&b, "heal: what terraform apply would be run on (it is not)", d.healText(heal))
		section(&b, "remediation pull requests: what GitHub would be asked (it is not)", d.prs.String())
	} else if d.prs.Len() > 0 {
		section(&b, "pull requests: what GitHub would be asked (it is not)", d.prs.String())
	}
	section(&b, "record: the commits git would make (nothing is committed or pushed)", d.commits.String())
	if d.slackSet {
		section(&b, "slack: the messages that would be posted (nothing is posted)", d.slack.String())
	} else {
		section(&b, "slack: not set up, so a real run posts nothing; with DRIFT_ACTION_SLACK_WEBHOOK_URL, or DRIFT_ACTION_SLACK_TOKEN and --slack-channel, it would post", d.slack.String())
	}
	_, err := w.Write(b.Bytes())
	return err
}

func section(b *bytes.Buffer, title, body string) {
	fmt.Fprintf(b, "\n=== dry run: %s ===\n", title)
	if strings.TrimSpace(body) == "" {
		body = "(none)\n"
	}
	b.WriteString(body)
}

// healText is each target's heal: the plan that would be applied, or why
// it would not be.
func (d *Edges) healText(results []remediate.Result) string {
	var b strings.Builder
	for _, r := range results {
		name := r.Dir + " (" + orDefault(r.Target) + ")"
		switch r.Status {
		case remediate.StatusApplied:
			b.WriteString(d.applied[r.Dir+"\x00"+r.Target])
		case remediate.StatusRefused, remediate.StatusFailed:
			fmt.Fprintf(&b, "%s: %s, nothing applied: %s\n", name, r.Status, r.Reason)
		default:
			fmt.Fprintf(&b, "%s: not applied (%s): %s\n", name, r.Status, r.Reason)
			for _, res := range r.Resources {
				fmt.Fprintf(&b, "  %s %s (%s): %s\n", res.Address, strings.Join(res.Actions, ", "), res.Route, res.Reason)
			}
		}
	}
	return b.String()
}

func orDefault(target string) string {
	if target == "" {
		return "default"
	}
	return target
}

// Apply is the heal edge: it tells the saved plan's changes and never runs
// terraform. It answers as a successful apply would, so the record and
// Slack show what the run would commit and post after that apply.
func (d *Edges) Apply(_ context.Context, t remediate.Target) (tf.ApplyOutcome, error) {
	var sum tf.ChangeSummary
	var out tf.ApplyOutcome
	var lines strings.Builder
	for _, c := range t.Result.Changes {
		switch {
		case slices.Contains(c.Actions, "create") && slices.Contains(c.Actions, "delete"):
			sum.Add++
			sum.Remove++
		case slices.Contains(c.Actions, "create"):
			sum.Add++
		case slices.Contains(c.Actions, "update"):
			sum.Change++
		case slices.Contains(c.Actions, "delete"):
			sum.Remove++
		}
		action := strings.Join(c.Actions, "+")
		out.Applied = append(out.Applied, tf.AppliedResource{Address: c.Address, Action: action})
		fmt.Fprintf(&lines, "  %s: %s (cause: %s)\n", c.Address, action, c.Cause)
	}
	out.Summary = &sum
	text := fmt.Sprintf("%s (%s): would apply the saved plan this run evaluated: %d to add, %d to change, %d to destroy\n%s",
		t.Result.Dir, orDefault(t.Result.Target), sum.Add, sum.Change, sum.Remove, lines.String())
	d.mu.Lock()
	d.applied[t.Result.Dir+"\x00"+t.Result.Target] = text
	d.mu.Unlock()
	return out, nil
}

// Git is the record's edge: the change is regenerated on the checkout's
// HEAD, as the first attempt of a real commit would be, and shown as a
// unified diff; nothing is fetched, committed or pushed.
func (d *Edges) Git(dir string, o gitrepo.Options) gitops.Git {
	return dryGit{d: d, repo: gitrepo.New(dir, o), allowed: o.AllowWrite, why: o.ReadOnlyReason}
}

type dryGit struct {
	d       *Edges
	repo    *gitrepo.Repo
	allowed bool
	why     string
}

func (g dryGit) Commit(ctx context.Context, ch gitrepo.Change) (gitrepo.Result, error) {
	if !g.allowed {
		return gitrepo.Result{}, fmt.Errorf("gitrepo: commit: %w (%s)", gitrepo.ErrReadOnly, g.why)
	}
	p, err := g.repo.Preview(ctx, ch)
	if err != nil {
		return gitrepo.Result{}, err
	}
	var b strings.Builder
	if len(p.Files) == 0 {
		fmt.Fprintf(&b, "nothing to commit for %s: the files already say this\n", strings.Join(ch.Files, ", "))
	} else {
		fmt.Fprintf(&b, "commit on %s (on %s):\n", orDetached(p.Branch), orNone(p.Base))
		for _, l := range strings.Split(strings.TrimRight(p.Message, "\n"), "\n") {
			fmt.Fprintf(&b, "    %s\n", l)
		}
		b.WriteString("\n")
		for _, f := range p.Files {
			b.WriteString(unified(f.Path, f.Old, f.New))
		}
	}
	g.d.mu.Lock()
	g.d.commits.WriteString(b.String())
	g.d.mu.Unlock()
	return gitrepo.Result{Changed: len(p.Files) > 0, Branch: p.Branch, Attempts: 1}, nil
}

// PushBranch is never reached (a dry run's commit is never refused); it
// says what it would do all the same.
func (g dryGit) PushBranch(_ context.Context, commit, branch string) error {
	g.d.mu.Lock()
	fmt.Fprintf(&g.d.commits, "would push %s to branch %s\n", commit, branch)
	g.d.mu.Unlock()
	return nil
}

func orDetached(branch string) string {
	if branch == "" {
		return "a detached HEAD"
	}
	return "branch " + branch
}

func orNone(commit string) string {
	if commit == "" {
		return "no commit yet"
	}
	if len(commit) > 12 {
		commit = commit[:12]
	}
	return commit
}

// unified is git's diff of one file: old and new labelled a/ and b/,
// /dev/null for a file that is absent on one side.
func unified(path string, old, new []byte) string {
	from, to := "a/"+path, "b/"+path
	if old == nil {
		from = "/dev/null"
	}
	if new == nil {
		to = "/dev/null"
	}
	edits := udiff.Strings(string(old), string(new))
	diff, err := udiff.ToUnified(from, to, string(old), edits, udiff.DefaultContextLines)
	if err != nil {
		// The edits were made from these very strings.
		return fmt.Sprintf("diff of %s: %v\n", path, err)
	}
	return "diff --git a/" + path + " b/" + path + "\n" + diff
}

// GitHub is the GitHub edge: no pull request is known to be open (GitHub
// is not asked), and each one the run would open, update or close is
// written down with its branch's diff against the checkout, title and body.
func (d *Edges) GitHub(context.Context) (gitops.GitHub, error) { return dryGitHub{d}, nil }

type dryGitHub struct{ d *Edges }

func (g dryGitHub) printf(format string, args ...any) {
	g.d.mu.Lock()
	fmt.Fprintf(&g.d.prs, format, args...)
	g.d.mu.Unlock()
}

func (dryGitHub) OpenPullRequests(context.Context, string, string, string) ([]github.PullRequest, error) {
	return nil, nil
}

func (dryGitHub) FindOpenPullRequest(context.Context, string, string, string) (*github.PullRequest, error) {
	return nil, nil
}

// dryURL stands for a pull request that was not opened: the .invalid
// domain never resolves.
func dryURL(owner, repo, branch string) string {
	return "https://dry-run.invalid/" + owner + "/" + repo + "/pull/" + branch
}

func (g dryGitHub) CreatePullRequest(_ context.Context, owner, repo string, n github.NewPullRequest) (github.PullRequest, error) {
	g.d.mu.Lock()
	g.d.nPR++
	num := g.d.nPR
	g.d.mu.Unlock()
	g.printf("pull request %s -> %s would be opened\ntitle: %s\nbody:\n%s\n\n", n.Head, n.Base, n.Title, indent(n.Body))
	return github.PullRequest{Number: num, Title: n.Title, Body: n.Body, State: "open", HTMLURL: dryURL(owner, repo, n.Head),
		HeadRef: n.Head, BaseRef: n.Base, HeadRepo: owner + "/" + repo}, nil
}

func (g dryGitHub) UpdatePullRequest(_ context.Context, owner, repo string, number int, title, body string) (github.PullRequest, error) {
	g.printf("pull request #%d would be updated\ntitle: %s\nbody:\n%s\n\n", number, title, indent(body))
	return github.PullRequest{Number: number, Title: title, Body: body, State: "open"}, nil
}

func (g dryGitHub) ClosePullRequest(_ context.Context, _, _ string, number int, comment string) error {
	g.printf("pull request #%d would be closed with the comment:\n%s\n\n", number, indent(comment))
	return nil
}

func (g dryGitHub) CommitFiles(_ context.Context, _, _ string, c github.Commit) (github.CommitResult, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "branch %s would hold one commit on %s:\n", c.Branch, c.Base)
	for _, l := range strings.Split(strings.TrimRight(c.Message, "\n"), "\n") {
		fmt.Fprintf(&b, "    %s\n", l)
	}
	b.WriteString("\n")
	paths := make([]string, 0, len(c.Files))
	for p := range c.Files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		// The base is the checkout: a dry run does not ask GitHub for the
		// base branch's files.
		old, err := os.ReadFile(filepath.Join(g.d.repoRoot, filepath.FromSlash(p)))
		if err != nil {
			old = nil
		}
		b.WriteString(unified(p, old, c.Files[p]))
	}
	g.printf("%s", b.String())
	return github.CommitResult{}, nil
}

func (g dryGitHub) DeleteBranch(_ context.Context, _, _, branch string) error {
	g.printf("branch %s would be deleted\n\n", branch)
	return nil
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if l != "" {
			b.WriteString("    ")
		}
		b.WriteString(l + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// Threads, Post and Update are the Slack edge: each message as it would be
// sent, text and Block Kit. Threads are kept as a bot token keeps them, so
// the record a dry run shows holds the thread file a real run would write.
func (d *Edges) Threads() bool { return d.threads }

// Post writes down a new message or a reply.
func (d *Edges) Post(_ context.Context, threadTS string, m notify.Message) (string, string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.nMsg++
	where := "a new message"
	if threadTS != "" {
		where = "a reply in thread " + threadTS
	}
	d.writeMessage(fmt.Sprintf("message %d, %s", d.nMsg, where), m)
	if !d.threads {
		return "", "", nil
	}
	return "dry-run", fmt.Sprintf("dry-run-%d", d.nMsg), nil
}

// Update writes down an edit of a message posted earlier.
func (d *Edges) Update(_ context.Context, channel, ts string, m notify.Message) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.writeMessage("update of message "+ts+" in "+channel, m)
	return nil
}

func (d *Edges) writeMessage(title string, m notify.Message) {
	fmt.Fprintf(&d.slack, "%s:\ntext: %s\n", title, m.Text)
	blocks, err := json.MarshalIndent(m.Blocks, "", "  ")
	if err != nil {
		fmt.Fprintf(&d.slack, "blocks: %v\n\n", err)
		return
	}
	fmt.Fprintf(&d.slack, "blocks:\n%s\n\n", blocks)
}
