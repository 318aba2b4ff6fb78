// Package gitrepo records drift to Git: it commits a few named files (the
// drift report and the drift log) to the checked-out branch and pushes them
// with the checkout's own credentials, safely when many runs record to the
// same branch at once.
//
// # How a record is made
//
// [Repo.Commit] fetches the branch, asks the caller's [RegenerateFunc] for
// the files' new contents given their contents at the branch's tip, builds a
// commit on that tip that changes only those files (with git fast-import, so
// the checkout's index, staged changes and other files are never staged),
// and pushes it with `git push --porcelain`, never forcing. When the remote
// rejects the push because another run pushed first (non-fast-forward), it
// waits (jittered exponential backoff, bounded by [Options.Attempts]),
// fetches the new tip and calls the RegenerateFunc again with the contents
// there: the change is regenerated, not rebased, so appending to a log never
// conflicts and never loses or duplicates another run's entries. When the
// RegenerateFunc returns the contents unchanged nothing is committed. After
// the push, a checkout on the branch is fast-forwarded to the new commit.
//
// git is used as configured: actions/checkout leaves the token in the local
// git config (http.extraheader), which the push uses. Errors and log lines
// never contain credentials (see [Redact]). Git commands are described as
// [Cmd] values and run by a [Runner] ([ExecRunner] in production).
//
// # Errors the caller acts on
//
//   - [ErrReadOnly]: [Options.AllowWrite] is false; no git command ran.
//   - [ErrDetachedHead]: HEAD is detached (actions/checkout of a tag or a
//     pull request merge ref) and [Options.Branch] is empty. The message
//     says to set `ref: <branch>` on actions/checkout.
//   - [*PushRefusedError] (errors.Is(err, [ErrPushRefused])): branch
//     protection, a ruleset or a hook refused the push. Its Commit is ready;
//     push it with [Repo.PushBranch] to [FallbackBranch](run) and open a
//     pull request.
//   - [ErrConflict]: every attempt lost the race to other runs.
//
// # Wiring into the action
//
// The action (internal/app) is expected to call it after detection, when
// recording is enabled. prFromFork is true when the event's
// pull_request.head.repo.full_name differs from GITHUB_REPOSITORY; run is
// GITHUB_RUN_ID-GITHUB_RUN_ATTEMPT.
//
//	allowed, why := gitrepo.WriteAllowed(os.Getenv("GITHUB_EVENT_NAME"), prFromFork)
//	repo := gitrepo.New(os.Getenv("GITHUB_WORKSPACE"), gitrepo.Options{
//		AllowWrite:     allowed,
//		ReadOnlyReason: why,
//		Branch:         inputs.RecordBranch, // "" = the checked-out branch
//		Logf:           logger.Infof,
//	})
//	res, err := repo.Commit(ctx, gitrepo.Change{
//		Files: []string{"drift/report.md", "drift/log.yaml"},
//		Regenerate: func(cur map[string][]byte) (map[string][]byte, string, error) {
//			log, err := appendEvents(cur["drift/log.yaml"], events) // skip events already there
//			if err != nil {
//				return nil, "", err
//			}
//			return map[string][]byte{"drift/report.md": report, "drift/log.yaml": log},
//				gitrepo.Message(gitrepo.Summary{Roots: n, Drifted: d, Failed: f, Run: run, RunURL: url}), nil
//		},
//	})
//	var refused *gitrepo.PushRefusedError
//	switch {
//	case errors.Is(err, gitrepo.ErrReadOnly):
//		// note it in the summary; not a failure
//	case errors.As(err, &refused):
//		branch := gitrepo.FallbackBranch(run)
//		err = repo.PushBranch(ctx, refused.Commit, branch)
//		// then open a pull request from branch to refused.Branch (internal/github)
//	}
//
// The RegenerateFunc must build its result only from the contents it is
// given (it runs again on every new tip) and should be idempotent (skip
// entries of this run already present), which also covers a push whose
// outcome git could not report. The job needs `permissions: contents: write`
// (and `pull-requests: write` for the fallback), and actions/checkout must
// keep its default `persist-credentials: true`.
//
// A [Repo] runs one Commit at a time; concurrent writers use separate
// checkouts, as separate jobs do.
package gitrepo
