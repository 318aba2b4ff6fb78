package github

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	gh "github.com/google/go-github/v78/github"
)

// Operations, as used in [APIError.Op] and [PermissionHint]. They are phrased
// to read well in "github: <op> was refused (403)".
const (
	OpListComments       = "listing pull request comments"
	OpCreateComment      = "creating a pull request comment"
	OpUpdateComment      = "updating a pull request comment"
	OpDeleteComment      = "deleting a pull request comment"
	OpGetPullRequest     = "reading a pull request"
	OpWriteContents      = "writing repository contents"
	OpRepositoryDispatch = "sending a repository_dispatch event"
	OpCreatePullRequest  = "creating a pull request"
	OpListPullRequests   = "listing pull requests"
	OpUpdatePullRequest  = "updating a pull request"
	OpClosePullRequest   = "closing a pull request"
	OpReadBranch         = "reading a branch"
	OpWriteBranch        = "writing a branch"
	OpGetUser            = "reading the token's user"
)

// Redacted replaces the token wherever it would otherwise appear in an error.
const Redacted = "[REDACTED]"

// APIError is a failed GitHub API call. For 401, 403 and 404 answers its
// Error text says what the workflow must change (see [PermissionHint]).
type APIError struct {
	// Op is what was being done, one of the Op constants (e.g. [OpCreateComment]).
	Op string
	// Status is the HTTP status code GitHub answered with.
	Status int
	// Permission is the workflow permission the operation needs, such as
	// "pull-requests: write"; it is set for 403 and 404 answers only.
	Permission string
	// Message is GitHub's own message (plus any validation details).
	Message string

	err         error // the go-github error, for errors.As
	rateLimited bool  // a (secondary) rate limit, not a permission problem
}

// Error implements error.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("github: ")
	b.WriteString(e.Op)
	switch {
	case e.rateLimited:
		fmt.Fprintf(&b, " was rate limited (%d)", e.Status)
	case e.Status == http.StatusUnauthorized, e.Status == http.StatusForbidden, e.Status == http.StatusNotFound:
		fmt.Fprintf(&b, " was refused (%d)", e.Status)
	default:
		fmt.Fprintf(&b, " failed (%d)", e.Status)
	}
	if hint := e.hint(); hint != "" {
		b.WriteString(": ")
		b.WriteString(hint)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, "; GitHub said: %q", e.Message)
	}
	return b.String()
}

func (e *APIError) hint() string {
	if e.rateLimited {
		// A 403 for a rate limit is not a permission problem; Message says so.
		return ""
	}
	return PermissionHint(e.Op, e.Status)
}

// Unwrap returns the underlying go-github error.
func (e *APIError) Unwrap() error { return e.err }

type permission struct {
	need string // e.g. "pull-requests: write"
	hint string // the sentence after "the workflow needs"
}

// permissions maps an operation to what the workflow token needs.
var permissions = map[string]permission{
	OpListComments:  commentPermission,
	OpCreateComment: commentPermission,
	OpUpdateComment: commentPermission,
	OpDeleteComment: commentPermission,
	OpGetPullRequest: {
		need: "pull-requests: read",
		hint: "the workflow needs `permissions: pull-requests: read`",
	},
	OpWriteContents: {
		need: "contents: write",
		hint: "the workflow needs `permissions: contents: write`",
	},
	OpRepositoryDispatch: {
		need: "contents: write",
		hint: "the workflow needs `permissions: contents: write` " +
			"(dispatching to another repository needs a token with access to it; GITHUB_TOKEN only covers its own repository)",
	},
	OpCreatePullRequest: {
		need: "pull-requests: write, contents: write",
		hint: "the workflow needs `permissions: pull-requests: write` and `contents: write`, " +
			"and the repository setting \"Allow GitHub Actions to create and approve pull requests\" must be enabled " +
			"(Settings > Actions > General), or use a GitHub App token",
	},
	OpListPullRequests: {
		need: "pull-requests: read",
		hint: "the workflow needs `permissions: pull-requests: read` (`pull-requests: write` to open them)",
	},
	OpUpdatePullRequest: pullWritePermission,
	OpClosePullRequest:  pullWritePermission,
	OpReadBranch: {
		need: "contents: read",
		hint: "the workflow needs `permissions: contents: read` (`contents: write` to push remediation branches)",
	},
	OpWriteBranch: {
		need: "contents: write",
		hint: "the workflow needs `permissions: contents: write` to push remediation branches " +
			"(a branch protection rule or ruleset matching drift/* can also refuse it)",
	},
}

var pullWritePermission = permission{
	need: "pull-requests: write",
	hint: "the workflow needs `permissions: pull-requests: write`",
}

var commentPermission = permission{
	need: "pull-requests: write",
	hint: "the workflow needs `permissions: pull-requests: write` (and `issues: write` for issue comments); " +
		"pull requests from forks only get a read-only token",
}

// PermissionHint explains a refused GitHub API call: which permission the
// workflow must grant for op (one of the Op constants) when GitHub answered
// 403 or 404 (GitHub hides resources the token may not see behind 404), or
// that the token is invalid or expired for 401. It returns "" for other
// statuses. Unknown operations get a generic hint.
func PermissionHint(op string, status int) string {
	p, known := permissions[op]
	switch status {
	case http.StatusUnauthorized:
		return "the token is invalid or expired (check the token input, or that GITHUB_TOKEN is passed)"
	case http.StatusForbidden:
		if !known {
			return "the token is not allowed to do this; check the workflow's `permissions:`"
		}
		return p.hint
	case http.StatusNotFound:
		if !known {
			return "not found, or the token cannot see it; check the repository name and the workflow's `permissions:`"
		}
		return "not found, or the token cannot see it: " + p.hint
	}
	return ""
}

// requiredPermission is the permission op needs ("" if unknown).
func requiredPermission(op string) string {
	return permissions[op].need
}

// apiError turns what go-github returned into the error this package returns:
// an *APIError for answers from GitHub, the context error for cancellations,
// and a wrapped error otherwise. The token is redacted from all of them.
func (c *Client) apiError(op string, err error) error {
	if err == nil {
		return nil
	}
	var (
		rateErr  *gh.RateLimitError
		abuseErr *gh.AbuseRateLimitError
		respErr  *gh.ErrorResponse
	)
	switch {
	case errors.As(err, &rateErr):
		msg := "API rate limit exceeded"
		if !rateErr.Rate.Reset.IsZero() {
			msg += fmt.Sprintf(" (resets at %s)", rateErr.Rate.Reset.UTC().Format("15:04:05 MST"))
		}
		if rateErr.Message != "" {
			msg += ": " + rateErr.Message
		}
		return &APIError{Op: op, Status: statusOf(rateErr.Response, http.StatusForbidden), Message: c.redact(msg), err: err, rateLimited: true}
	case errors.As(err, &abuseErr):
		msg := "secondary rate limit"
		if abuseErr.RetryAfter != nil {
			msg += fmt.Sprintf(" (retry after %s)", abuseErr.RetryAfter)
		}
		if abuseErr.Message != "" {
			msg += ": " + abuseErr.Message
		}
		return &APIError{Op: op, Status: statusOf(abuseErr.Response, http.StatusForbidden), Message: c.redact(msg), err: err, rateLimited: true}
	case errors.As(err, &respErr):
		status := statusOf(respErr.Response, 0)
		e := &APIError{Op: op, Status: status, Message: c.redact(errorMessage(respErr)), err: err,
			rateLimited: status == http.StatusTooManyRequests}
		if status == http.StatusForbidden || status == http.StatusNotFound {
			e.Permission = requiredPermission(op)
		}
		return e
	}
	return &redactedError{msg: c.redact(fmt.Sprintf("github: %s: %v", op, err)), err: err}
}

func statusOf(resp *http.Response, fallback int) int {
	if resp == nil {
		return fallback
	}
	return resp.StatusCode
}

// errorMessage is GitHub's message plus the details of validation errors.
func errorMessage(r *gh.ErrorResponse) string {
	msg := r.Message
	var details []string
	for _, e := range r.Errors {
		switch {
		case e.Message != "":
			details = append(details, e.Message)
		case e.Code != "":
			details = append(details, strings.TrimSpace(fmt.Sprintf("%s %s %s", e.Resource, e.Field, e.Code)))
		}
	}
	if len(details) > 0 {
		msg += ": " + strings.Join(details, "; ")
	}
	if msg == "" && r.Response != nil {
		msg = http.StatusText(r.Response.StatusCode)
	}
	return msg
}

// redactedError is an error whose text had the token removed. Unwrap keeps
// errors.Is(err, context.Canceled) and friends working.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redact removes the token (every token, for an App) from s.
func (c *Client) redact(s string) string {
	if c == nil || c.src == nil {
		return s
	}
	return redactAll(s, c.src.secrets())
}
