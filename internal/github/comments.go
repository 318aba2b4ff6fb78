package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	gh "github.com/google/go-github/v78/github"
)

const (
	// MaxCommentLength is GitHub's limit on a comment body, in characters.
	MaxCommentLength = 65536
	// CommentPartLimit is the limit to cut bodies for
	// [Client.UpsertStickyComment] to (report.SplitMarkdown does the
	// cutting): it leaves room for the hidden marker.
	CommentPartLimit = MaxCommentLength - 200
	// MaxMarkerLength bounds the marker key so the marker fits that headroom.
	MaxMarkerLength = 100

	markerPrefix = "<!-- drift-action:"
	markerSuffix = " -->"
	listPageSize = 100
	maxListPages = 1000 // 100,000 comments; guards against a Link loop
)

var markerKeyRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/:@+-]*$`)

// Marker is the hidden line that ends part index (0-based) of the sticky
// comment with the given key: <!-- drift-action:{key}:{index} -->.
func Marker(key string, index int) string {
	return markerPrefix + key + ":" + strconv.Itoa(index) + markerSuffix
}

func validMarkerKey(key string) error {
	switch {
	case key == "":
		return errors.New("github: empty sticky comment marker")
	case utf8.RuneCountInString(key) > MaxMarkerLength:
		return fmt.Errorf("github: sticky comment marker is longer than %d characters", MaxMarkerLength)
	case !markerKeyRE.MatchString(key) || strings.Contains(key, "--"):
		return fmt.Errorf("github: invalid sticky comment marker %q: use letters, digits and . _ / : @ + - (no \"--\")", key)
	}
	return nil
}

// parseMarker returns the key and part index of the marker that ends body.
// Only a marker at the very end (trailing whitespace aside) counts, so a
// comment that merely quotes a marker is not mistaken for ours.
func parseMarker(body string) (key string, index int, ok bool) {
	body = strings.TrimRight(body, " \t\r\n")
	if !strings.HasSuffix(body, markerSuffix) {
		return "", 0, false
	}
	start := strings.LastIndex(body, markerPrefix)
	if start < 0 {
		return "", 0, false
	}
	if start > 0 && body[start-1] != '\n' {
		return "", 0, false // the marker has a line of its own
	}
	inner := body[start+len(markerPrefix) : len(body)-len(markerSuffix)]
	colon := strings.LastIndexByte(inner, ':')
	if colon <= 0 {
		return "", 0, false
	}
	digits := inner[colon+1:]
	if digits == "" || strings.Trim(digits, "0123456789") != "" || len(digits) > 6 {
		return "", 0, false
	}
	index, err := strconv.Atoi(digits)
	if err != nil {
		return "", 0, false
	}
	return inner[:colon], index, true
}

// withMarker is the body as posted: the part, a blank line and the marker.
func withMarker(part, key string, index int) string {
	return strings.TrimRight(part, "\n") + "\n\n" + Marker(key, index)
}

// UpsertStickyComment makes the pull request's sticky comment identified by
// marker read bodies: one comment per part, each ending with the hidden
// marker line <!-- drift-action:{marker}:{i} --> (i is the 0-based part).
//
// It lists all the pull request's comments, then updates the comments that
// carry this marker and were written by the token's own login in place (in
// the order they were posted; unchanged ones are left alone), creates the
// parts that are missing and deletes parts left over from an earlier, longer
// body. Comments without this exact marker key are never touched, and
// neither are comments by anyone else that carry it: anyone can write a
// marker, so a comment is ours only if its author is the token's login (see
// [WithCommentAuthor]). With no bodies, the sticky comment is removed. It
// returns the html URLs of the parts, in order.
//
// The bodies come already cut: each part plus its marker must fit
// [MaxCommentLength] (cut long bodies with report.SplitMarkdown(body,
// CommentPartLimit), a renderer's concern).
func (c *Client) UpsertStickyComment(ctx context.Context, owner, repo string, pr int, marker string, bodies []string) ([]string, error) {
	if owner == "" || repo == "" || strings.Contains(owner, "/") || strings.Contains(repo, "/") {
		return nil, fmt.Errorf("github: invalid repository %q/%q", owner, repo)
	}
	if pr <= 0 {
		return nil, fmt.Errorf("github: invalid pull request number %d", pr)
	}
	if err := validMarkerKey(marker); err != nil {
		return nil, err
	}
	want := make([]string, len(bodies))
	for i, b := range bodies {
		want[i] = withMarker(b, marker, i)
		if n := utf8.RuneCountInString(want[i]); n > MaxCommentLength {
			return nil, fmt.Errorf("github: sticky comment part %d is %d characters with its marker, over GitHub's limit of %d; cut it with report.SplitMarkdown(body, CommentPartLimit)", i+1, n, MaxCommentLength)
		}
	}

	marked, err := c.markedComments(ctx, owner, repo, pr, marker)
	if err != nil {
		return nil, err
	}
	var existing []*gh.IssueComment
	var assumed author // whose comments existing holds; zero if none were marked
	if len(marked) > 0 {
		if assumed, err = c.commentAuthor(ctx); err != nil {
			return nil, err
		}
		existing = byAuthor(marked, assumed.login)
	}

	ctx, log := withRetryLog(ctx)
	var createdBy string
	urls := make([]string, len(want))
	keep := make(map[int64]bool, len(want))
	for i, body := range want {
		if i < len(existing) {
			old := existing[i]
			keep[old.GetID()] = true
			if old.GetBody() == body {
				urls[i] = old.GetHTMLURL()
				continue
			}
			updated, _, err := c.gh.Issues.EditComment(ctx, owner, repo, old.GetID(), &gh.IssueComment{Body: gh.Ptr(body)})
			if err != nil {
				return nil, c.apiError(OpUpdateComment, err)
			}
			urls[i] = updated.GetHTMLURL()
			continue
		}
		created, _, err := c.gh.Issues.CreateComment(ctx, owner, repo, pr, &gh.IssueComment{Body: gh.Ptr(body)})
		if err != nil {
			return nil, c.apiError(OpCreateComment, err)
		}
		keep[created.GetID()] = true
		urls[i] = created.GetHTMLURL()
		if login := created.GetUser().GetLogin(); login != "" {
			// GitHub's own word on who we are.
			createdBy = login
			c.setAuthor(author{login: login, confirmed: true})
		}
	}

	var stale []*gh.IssueComment
	if len(existing) > len(want) {
		stale = existing[len(want):]
	}
	// We were wrong about who we are when the comment we created has
	// another author than the one we looked for (an App token taken for
	// GITHUB_TOKEN): our earlier parts were missed, so they are stale now.
	misjudged := createdBy != "" && assumed.login != "" && !strings.EqualFold(createdBy, assumed.login)
	if log.ambiguous.Load() || misjudged {
		// Look again and remove whatever of ours we did not keep. (After a
		// gateway error on create, the create may have happened twice.)
		me := createdBy
		if me == "" {
			a, err := c.commentAuthor(ctx)
			if err != nil {
				return nil, err
			}
			me = a.login
		}
		again, err := c.markedComments(ctx, owner, repo, pr, marker)
		if err != nil {
			return nil, err
		}
		stale = stale[:0:0]
		for _, cm := range byAuthor(again, me) {
			if !keep[cm.GetID()] {
				stale = append(stale, cm)
			}
		}
	}
	for _, cm := range stale {
		_, err := c.gh.Issues.DeleteComment(ctx, owner, repo, cm.GetID())
		var respErr *gh.ErrorResponse
		if errors.As(err, &respErr) && respErr.Response != nil && respErr.Response.StatusCode == http.StatusNotFound {
			continue // already gone
		}
		if err != nil {
			return nil, c.apiError(OpDeleteComment, err)
		}
	}
	return urls, nil
}

// commentAuthor is the login the token writes comments as: the one set with
// WithCommentAuthor or learnt from a comment we created, else the answer of
// GET /user, else, when GitHub refuses /user to an installation token,
// DefaultCommentAuthor (unconfirmed). The answer is kept for later calls.
func (c *Client) commentAuthor(ctx context.Context) (author, error) {
	c.mu.Lock()
	a := c.author
	c.mu.Unlock()
	if a.login != "" {
		return a, nil
	}
	user, _, err := c.gh.Users.Get(ctx, "")
	switch {
	case err == nil && user.GetLogin() != "":
		a = author{login: user.GetLogin(), confirmed: true}
	case err == nil:
		return author{}, fmt.Errorf("github: %s: GitHub answered without a login", OpGetUser)
	default:
		err = c.apiError(OpGetUser, err)
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.rateLimited ||
			apiErr.Status != http.StatusUnauthorized && apiErr.Status != http.StatusForbidden && apiErr.Status != http.StatusNotFound {
			return author{}, err
		}
		// Installation tokens (GITHUB_TOKEN, GitHub Apps) may not read
		// /user, and GET /app needs the App's JWT: assume GITHUB_TOKEN.
		a = author{login: DefaultCommentAuthor}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.author.login == "" {
		c.author = a
	}
	return c.author, nil
}

// setAuthor records the login GitHub gave a comment we created.
func (c *Client) setAuthor(a author) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.author = a
}

// byAuthor keeps the comments written by login (logins are case-insensitive).
func byAuthor(cs []*gh.IssueComment, login string) []*gh.IssueComment {
	var out []*gh.IssueComment
	for _, cm := range cs {
		if strings.EqualFold(cm.GetUser().GetLogin(), login) {
			out = append(out, cm)
		}
	}
	return out
}

// markedComments lists (all pages of) the pull request's comments and keeps
// those whose marker has this key, oldest first.
func (c *Client) markedComments(ctx context.Context, owner, repo string, pr int, key string) ([]*gh.IssueComment, error) {
	var marked []*gh.IssueComment
	opts := &gh.IssueListCommentsOptions{ListOptions: gh.ListOptions{PerPage: listPageSize}}
	for range maxListPages {
		page, resp, err := c.gh.Issues.ListComments(ctx, owner, repo, pr, opts)
		if err != nil {
			return nil, c.apiError(OpListComments, err)
		}
		for _, cm := range page {
			if k, _, ok := parseMarker(cm.GetBody()); ok && k == key {
				marked = append(marked, cm)
			}
		}
		if resp.NextPage == 0 || resp.NextPage <= opts.Page {
			break
		}
		opts.Page = resp.NextPage
	}
	// Comments list oldest first already; sort by id to be sure, since the
	// order is what keeps part 1 above part 2.
	slices.SortStableFunc(marked, func(a, b *gh.IssueComment) int {
		switch {
		case a.GetID() < b.GetID():
			return -1
		case a.GetID() > b.GetID():
			return 1
		}
		return 0
	})
	return marked, nil
}
