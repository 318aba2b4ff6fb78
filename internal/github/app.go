package github

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	gh "github.com/google/go-github/v78/github"
)

// App is a GitHub App installation to act as. Installation tokens last an
// hour; a client built with [NewAppClient] mints them with the App's
// private key and renews them before they expire, so a long-running
// process (drift-action serve) keeps working.
type App struct {
	ID             int64  // the App's ID (its settings page, "App ID")
	InstallationID int64  // the installation on the account owning the repositories
	PrivateKey     []byte // the App's private key, PEM (PKCS#1 or PKCS#8 RSA)
}

// ParseAppKey reads an App's PEM private key. Its error never quotes the key.
func ParseAppKey(pem []byte) (*rsa.PrivateKey, error) {
	key, err := jwt.ParseRSAPrivateKeyFromPEM(pem)
	if err != nil {
		return nil, errors.New("not an RSA private key in PEM (GitHub's App settings page generates one: -----BEGIN RSA PRIVATE KEY-----)")
	}
	return key, nil
}

const (
	// renewBefore is how long before its expiry a token is replaced, so a
	// request never leaves with a token about to lapse.
	renewBefore = 5 * time.Minute
	// jwtLifetime is within GitHub's 10-minute maximum; the issue time is
	// set a minute back against clock skew, as GitHub recommends.
	jwtLifetime = 9 * time.Minute
	jwtSkew     = time.Minute
)

// tokenSource gives the token for a request.
type tokenSource interface {
	token(ctx context.Context) (string, error)
	// refused says GitHub answered 401 to tok: it is not used again.
	refused(tok string)
	// secrets are every credential to keep out of errors.
	secrets() []string
}

type staticToken string

func (s staticToken) token(context.Context) (string, error) { return string(s), nil }
func (s staticToken) refused(string)                        {}
func (s staticToken) secrets() []string                     { return []string{string(s)} }

// appTokens mints installation tokens and keeps the current one.
type appTokens struct {
	app  App
	key  *rsa.PrivateKey
	gh   *gh.Client // authenticates with a fresh JWT per request
	now  func() time.Time
	mu   sync.Mutex
	tok  string
	exp  time.Time
	seen []string // every token and JWT issued, for redaction
}

func (a *appTokens) token(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tok != "" && a.now().Before(a.exp.Add(-renewBefore)) {
		return a.tok, nil
	}
	it, _, err := a.gh.Apps.CreateInstallationToken(ctx, a.app.InstallationID, nil)
	if err != nil {
		return "", a.mintError(err)
	}
	if it.GetToken() == "" {
		return "", errors.New("github app: GitHub answered without an installation token")
	}
	a.tok, a.exp = it.GetToken(), it.GetExpiresAt().Time
	if a.exp.IsZero() {
		a.exp = a.now().Add(time.Hour)
	}
	a.seen = append(a.seen, a.tok)
	return a.tok, nil
}

func (a *appTokens) refused(tok string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tok == tok {
		a.tok = ""
	}
}

func (a *appTokens) secrets() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.seen...)
}

// mintError says what to check when GitHub refuses to mint a token; a.mu
// is held.
func (a *appTokens) mintError(err error) error {
	var respErr *gh.ErrorResponse
	status := 0
	if errors.As(err, &respErr) && respErr.Response != nil {
		status = respErr.Response.StatusCode
	}
	var hint string
	switch status {
	case http.StatusUnauthorized:
		hint = fmt.Sprintf("GitHub refused the App's signed token: check that the App ID is %d and the private key is one of that App's (and that this machine's clock is right)", a.app.ID)
	case http.StatusNotFound, http.StatusForbidden:
		hint = fmt.Sprintf("installation %d of App %d was not found: check the installation ID (the number at the end of the installation's settings URL) and that the App is still installed", a.app.InstallationID, a.app.ID)
	}
	msg := fmt.Sprintf("github app: mint an installation token: %v", err)
	if status != 0 {
		msg = fmt.Sprintf("github app: mint an installation token: GitHub answered %d (%q)", status, errorMessage(respErr))
	}
	if hint != "" {
		msg += ": " + hint
	}
	// GitHub's answer stays out of the chain: callers would take it for the
	// answer to their own request.
	cause := errMint
	switch {
	case errors.Is(err, context.Canceled):
		cause = errors.Join(errMint, context.Canceled)
	case errors.Is(err, context.DeadlineExceeded):
		cause = errors.Join(errMint, context.DeadlineExceeded)
	}
	return &redactedError{msg: redactAll(msg, a.seen), err: cause}
}

// errMint is the cause of every failure to mint an installation token.
var errMint = errors.New("github app: mint an installation token")

// sign makes the JWT that authenticates as the App itself.
func (a *appTokens) sign() (string, error) {
	now := a.now()
	claims := jwt.RegisteredClaims{
		Issuer:    strconv.FormatInt(a.app.ID, 10),
		IssuedAt:  jwt.NewNumericDate(now.Add(-jwtSkew)),
		ExpiresAt: jwt.NewNumericDate(now.Add(jwtLifetime)),
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(a.key)
	if err != nil {
		return "", fmt.Errorf("github app: sign: %w", err)
	}
	a.seen = append(a.seen, s) // called with a.mu held, from token
	return s, nil
}

// jwtSource authenticates the App's own requests (minting tokens) with a
// fresh JWT each; it is only used while appTokens.mu is held.
type jwtSource struct{ app *appTokens }

func (j jwtSource) token(context.Context) (string, error) { return j.app.sign() }
func (j jwtSource) refused(string)                        {}
func (j jwtSource) secrets() []string                     { return j.app.seen }

func redactAll(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, Redacted)
		}
	}
	return s
}
