// Package github talks to the GitHub REST API through google/go-github:
// sticky pull request comments, with GitHub Enterprise Server support and
// clear permission errors.
//
// The exported surface is deliberately small:
//
//   - [NewClient] builds an authenticated client for github.com or a GitHub
//     Enterprise Server (GITHUB_API_URL), with one retry for 502/503/504 and
//     for secondary rate limits; [NewAppClient] acts as a GitHub App,
//     minting and renewing its installation tokens.
//   - [Client.UpsertStickyComment] keeps one logical ("sticky") comment on a
//     pull request up to date, spread over as many parts as needed. It only
//     edits or deletes comments the token itself wrote; [WithCommentAuthor]
//     names the login of a GitHub App token.
//     The parts come already cut ([CommentPartLimit]; the renderers'
//     report.SplitMarkdown cuts without breaking tables, code fences or
//     <details> blocks).
//   - Remediation pull requests: [Client.OpenPullRequests],
//     [Client.FindOpenPullRequest], [Client.CreatePullRequest] (a 422 "A pull
//     request already exists" wraps [ErrPullRequestExists]),
//     [Client.UpdatePullRequest] and [Client.ClosePullRequest]; their
//     branches are written with [Client.CommitFiles] and removed with
//     [Client.DeleteBranch] through the git data API, so no local clone or
//     push is needed.
//   - [APIError] and [PermissionHint] turn 401/403/404 answers into messages
//     that say which `permissions:` the workflow must grant.
//
// Tokens never appear in errors: every error returned by this package has
// the token replaced by [Redacted]. Nor do they leave the API's host: a
// redirect elsewhere is followed without the token.
package github
