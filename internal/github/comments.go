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
	// CommentPartLimit is the limit to pass to [Split] for bodies that go to
	// [Client.UpsertStickyComment]: it leaves room for the hidden marker.
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
// carry this marker in place (in the order they were posted; unchanged ones
// are left alone), creates the parts that are missing and deletes parts left
// over from an earlier, longer body. Comments without this exact marker key
// are never touched, whoever wrote them. With no bodies, the sticky comment
// is removed. It returns the html URLs of the parts, in order.
//
// Each part plus its marker must fit [MaxCommentLength]; cut long bodies with
// Split(body, CommentPartLimit).
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
			return nil, fmt.Errorf("github: sticky comment part %d is %d characters with its marker, over GitHub's limit of %d; cut it with Split(body, CommentPartLimit)", i+1, n, MaxCommentLength)
		}
	}

	existing, err := c.markedComments(ctx, owner, repo, pr, marker)
	if err != nil {
		return nil, err
	}

	ctx, log := withRetryLog(ctx)
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
	}

	var stale []*gh.IssueComment
	if len(existing) > len(want) {
		stale = existing[len(want):]
	}
	if log.ambiguous.Load() {
		// A create was retried after a gateway error and may have happened
		// twice: look again and remove whatever we did not keep.
		again, err := c.markedComments(ctx, owner, repo, pr, marker)
		if err != nil {
			return nil, err
		}
		stale = stale[:0:0]
		for _, cm := range again {
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
