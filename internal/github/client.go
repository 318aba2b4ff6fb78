package github

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gh "github.com/google/go-github/v78/github"

	"github.com/myorg/drift-action/internal/retry"
)

const (
	// DefaultAPIURL is the REST API root of github.com.
	DefaultAPIURL = "https://api.github.com"
	// DefaultTimeout bounds every request when NewClient builds the HTTP client.
	DefaultTimeout = 30 * time.Second
	// MaxRetryAfter is the longest Retry-After the client waits for; a longer
	// one is not retried and surfaces as an error.
	MaxRetryAfter = 60 * time.Second

	// serverErrorBackoff is the pause before retrying a 502/503/504 that came
	// without Retry-After.
	serverErrorBackoff = 2 * time.Second
	userAgent          = "drift-action (+https://github.com/myorg/drift-action)"
)

// DefaultCommentAuthor is the login of comments written with a workflow's
// GITHUB_TOKEN, on github.com and GitHub Enterprise Server alike.
const DefaultCommentAuthor = "github-actions[bot]"

// Client talks to one GitHub (github.com or a GitHub Enterprise Server).
// It is safe for concurrent use. Printing it never shows the token.
type Client struct {
	gh      *gh.Client
	src     tokenSource // the token, or an App's renewing tokens
	baseURL string
	retry   *retryTransport

	mu     sync.Mutex
	author author // whose comments are ours; see commentAuthor
}

// author is the login the token writes comments as. confirmed says GitHub
// (or the caller) said so, rather than it being the GITHUB_TOKEN guess.
type author struct {
	login     string
	confirmed bool
}

// Option configures a Client.
type Option func(*Client)

// WithCommentAuthor sets the login the token writes comments as, such as
// "my-app[bot]" for a GitHub App installation token; the sticky comment only
// ever edits or deletes comments by this login. An empty login is ignored,
// so an unset action input can be passed as is.
//
// Without it, the client asks GET /user, which answers for personal access
// tokens. GitHub refuses that to installation tokens, so it then assumes
// the workflow's GITHUB_TOKEN ([DefaultCommentAuthor]); an App token then
// still works, but its sticky comment is re-posted at the bottom each run
// instead of being edited in place.
func WithCommentAuthor(login string) Option {
	return func(c *Client) {
		if login = strings.TrimSpace(login); login != "" {
			c.author = author{login: login, confirmed: true}
		}
	}
}

// NewClient returns a client that authenticates with token. apiURL is the
// REST API root, as in GITHUB_API_URL: "" or "https://api.github.com" for
// github.com, "https://ghe.example.com/api/v3" for GitHub Enterprise Server.
// It is used exactly as given (plus a trailing slash). A nil httpClient means
// a client like http.DefaultClient with a timeout of [DefaultTimeout]; a
// given one is copied, never modified.
//
// The token is only sent to the scheme, host and port of the API and upload
// roots: a redirect to anywhere else is followed without it.
//
// Requests are retried once when GitHub answers 502, 503 or 504, or hits a
// secondary rate limit (403 or 429 with Retry-After), honouring Retry-After
// up to [MaxRetryAfter].
func NewClient(ctx context.Context, token, apiURL string, httpClient *http.Client, opts ...Option) (*Client, error) {
	_ = ctx // reserved for future use (e.g. probing the server version)
	if strings.TrimSpace(token) == "" {
		return nil, errors.New("github: no token: pass the workflow's GITHUB_TOKEN (or another token) to the action")
	}
	if strings.ContainsAny(token, " \t\r\n") {
		return nil, errors.New("github: the token contains whitespace; check how it is passed to the action")
	}
	return newClient(staticToken(token), apiURL, httpClient, opts...)
}

// NewAppClient is [NewClient] acting as a GitHub App installation: it mints
// installation tokens (POST /app/installations/{id}/access_tokens, with a
// JWT signed by the App's key), renews them before they expire and, when
// GitHub answers 401 to one (revoked, or expired early), mints another and
// sends the request once more. Errors never show the key, a JWT or a token.
func NewAppClient(ctx context.Context, app App, apiURL string, httpClient *http.Client, opts ...Option) (*Client, error) {
	_ = ctx
	if app.ID <= 0 || app.InstallationID <= 0 {
		return nil, errors.New("github app: the App ID and the installation ID must be positive numbers")
	}
	key, err := ParseAppKey(app.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("github app: private key: %w", err)
	}
	tokens := &appTokens{app: app, key: key, now: time.Now}
	c, err := newClient(tokens, apiURL, httpClient, opts...)
	if err != nil {
		return nil, err
	}
	minter, err := newClient(jwtSource{tokens}, apiURL, httpClient)
	if err != nil {
		return nil, err
	}
	tokens.gh = minter.gh
	return c, nil
}

func newClient(src tokenSource, apiURL string, httpClient *http.Client, opts ...Option) (*Client, error) {
	var hc http.Client
	if httpClient == nil {
		hc = http.Client{Timeout: DefaultTimeout}
	} else {
		hc = *httpClient
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	rt := &retryTransport{base: base, policy: clientRetry}
	// Not go-github's WithAuthToken: it sets the token on every request,
	// redirects to other hosts included.
	_, renewable := src.(*appTokens)
	auth := &authTransport{base: rt, src: src, renewable: renewable}
	hc.Transport = auth

	c := &Client{src: src, retry: rt}
	client := gh.NewClient(&hc)
	client.UserAgent = userAgent
	if apiURL != "" && strings.TrimRight(apiURL, "/") != DefaultAPIURL {
		baseURL, uploadURL, err := enterpriseURLs(apiURL)
		if err != nil {
			return nil, &redactedError{msg: c.redact(err.Error()), err: err}
		}
		client.BaseURL, client.UploadURL = baseURL, uploadURL
	}
	auth.origins = []string{origin(client.BaseURL), origin(client.UploadURL)}
	c.gh = client
	c.baseURL = client.BaseURL.String()
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// enterpriseURLs derives the API and upload roots from a GITHUB_API_URL such
// as https://ghe.example.com/api/v3. The API root is kept as given (go-github
// needs the trailing slash); uploads live under /api/uploads on GHES.
func enterpriseURLs(apiURL string) (*url.URL, *url.URL, error) {
	u, err := url.Parse(apiURL)
	if err != nil {
		return nil, nil, fmt.Errorf("github: invalid API URL: %w", err)
	}
	if u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return nil, nil, fmt.Errorf("github: invalid API URL %q: want an absolute http(s) URL such as https://ghe.example.com/api/v3", u.Redacted())
	}
	if u.User != nil {
		return nil, nil, fmt.Errorf("github: invalid API URL %q: credentials belong in the token, not the URL", u.Redacted())
	}
	u.RawQuery, u.Fragment = "", ""
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	up := *u
	if strings.HasSuffix(up.Path, "/api/v3/") {
		up.Path = strings.TrimSuffix(up.Path, "v3/") + "uploads/"
	}
	return u, &up, nil
}

// String describes the client without its token.
func (c *Client) String() string {
	if c == nil {
		return "github.Client(nil)"
	}
	return fmt.Sprintf("github.Client{BaseURL: %q}", c.baseURL)
}

// GoString is like String, so that %#v does not print the token either.
func (c *Client) GoString() string { return c.String() }

// BaseURL is the REST API root the client talks to, with a trailing slash.
func (c *Client) BaseURL() string { return c.baseURL }

// authTransport adds the token to requests for the API's own origins
// (scheme, host and port of the API and upload roots) only. The http.Client
// calls it again for every redirect hop, so a redirect elsewhere, even to
// another port of the same host, goes out without the token.
type authTransport struct {
	base    http.RoundTripper
	src     tokenSource
	origins []string // set once by NewClient, before any request
	// renewable: a 401 means the token lapsed; another is minted and the
	// request sent once more.
	renewable bool
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context()) // a RoundTripper must not modify its request
	if !slices.Contains(t.origins, origin(req.URL)) {
		req.Header.Del("Authorization")
		return t.base.RoundTrip(req)
	}
	tok, err := t.src.token(req.Context())
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || !t.renewable {
		return resp, err
	}
	t.src.refused(tok)
	if req.Body != nil && req.GetBody == nil {
		return resp, nil // the body cannot be sent again
	}
	again := req.Clone(req.Context())
	if req.GetBody != nil {
		if again.Body, err = req.GetBody(); err != nil {
			return resp, nil
		}
	}
	if tok, err = t.src.token(req.Context()); err != nil {
		return resp, nil // the 401 says more than a failed renewal would
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	again.Header.Set("Authorization", "Bearer "+tok)
	return t.base.RoundTrip(again)
}

// origin is scheme://host:port of u, lower-cased and with the default port
// made explicit, so that https://API.example.com and
// https://api.example.com:443 compare equal.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// retryTransport retries a request once on 502/503/504 and on secondary rate
// limits (403/429 with Retry-After up to MaxRetryAfter).
type retryTransport struct {
	base   http.RoundTripper
	policy retry.Policy // its Sleep is injectable for tests
}

// clientRetry is the client's policy: one retry, after the Retry-After
// GitHub asked for or a fixed pause.
var clientRetry = retry.Policy{
	Attempts: 2,
	Base:     serverErrorBackoff,
	Max:      serverErrorBackoff,
	NoJitter: true,
	MaxWait:  MaxRetryAfter,
}

// errRetryable marks an answer worth another try; the answer itself is
// what the transport hands back if there is none.
var errRetryable = errors.New("github: retryable answer")

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Context().Value(noRetryKey{}) != nil {
		return t.base.RoundTrip(req)
	}
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	var (
		last *http.Response // the latest answer
		body io.ReadCloser  // the body for the next try
	)
	p := t.policy
	p.OnRetry = func(int, error, time.Duration) {
		if req.Method == http.MethodPost && last.StatusCode >= 500 {
			// A server error does not say whether the POST was carried out.
			if l, ok := req.Context().Value(retryLogKey{}).(*retryLog); ok {
				l.ambiguous.Store(true)
			}
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(last.Body, 1<<16))
		_ = last.Body.Close()
	}
	err := retry.Do(req.Context(), p, func(ctx context.Context, attempt int) error {
		r := req
		if attempt > 1 {
			r = req.Clone(ctx)
			if body != nil {
				r.Body, body = body, nil
			}
		}
		resp, err := t.base.RoundTrip(r)
		if err != nil {
			return retry.Permanent(err)
		}
		last = resp
		after, asked, again := answerRetry(resp, time.Now())
		if !again || !replayable {
			return nil
		}
		if req.GetBody != nil {
			if body, err = req.GetBody(); err != nil {
				return nil // cannot replay the body: hand back this answer
			}
		}
		if asked {
			return retry.After(errRetryable, after)
		}
		return errRetryable
	})
	if body != nil {
		_ = body.Close()
	}
	var gaveUp *retry.GaveUpError
	switch {
	case err == nil, errors.Is(err, retry.ErrExhausted), errors.Is(err, retry.ErrWaitTooLong):
		return last, nil
	case errors.As(err, &gaveUp): // the wait was cut short: last is closed
		return nil, gaveUp.Reason
	}
	return nil, err
}

// answerRetry says whether resp is worth another try, and whether GitHub
// said after how long (Retry-After; whether that is too long to wait is
// the policy's MaxWait).
func answerRetry(resp *http.Response, now time.Time) (after time.Duration, asked, again bool) {
	after, asked = retry.ParseRetryAfter(resp.Header.Get("Retry-After"), now)
	switch resp.StatusCode {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return after, asked, true
	case http.StatusForbidden, http.StatusTooManyRequests:
		// A secondary rate limit. (A primary one, X-RateLimit-Remaining: 0,
		// comes without Retry-After and resets too late to wait for.)
		return after, asked, asked
	}
	return 0, false, false
}

// retryLog lets a caller learn that a POST was retried after a server
// error, so it may have been carried out twice.
type retryLog struct{ ambiguous atomic.Bool }

type retryLogKey struct{}

func withRetryLog(ctx context.Context) (context.Context, *retryLog) {
	l := &retryLog{}
	return context.WithValue(ctx, retryLogKey{}, l), l
}
