package githubtest

import (
	"crypto/rsa"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// RouteAppToken mints an installation token for a GitHub App.
const RouteAppToken = "POST /app/installations/{id}/access_tokens"

// App is a GitHub App the server knows: [WithApp].
type App struct {
	ID             int64
	InstallationID int64
	Key            *rsa.PublicKey // checks the JWTs the App signs
	Login          string         // what its installation tokens act as; "drift-app[bot]" if empty
	// Now is the clock JWTs are checked against, the client's if it has
	// its own; nil: time.Now.
	Now func() time.Time
}

// WithApp makes the server answer RouteAppToken as GitHub does for app: the
// request must carry a JWT signed with the App's key (RS256), issued by its
// ID, expiring in the future and at most ten minutes after it was issued
// (else 401); another installation gets 404. Each answer is a new token,
// accepted by every route until [Server.ExpireAppTokens].
func WithApp(app App) Option {
	return func(s *Server) {
		if app.Login == "" {
			app.Login = "drift-app[bot]"
		}
		if app.Now == nil {
			app.Now = time.Now
		}
		s.app = &app
	}
}

// ExpireAppTokens makes every installation token minted so far get 401
// "Bad credentials", as GitHub answers once a token is an hour old or was
// revoked.
func (s *Server) ExpireAppTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for tok := range s.appTokens {
		s.appTokens[tok] = false
	}
}

// AppTokensMinted is how many installation tokens the server has minted.
func (s *Server) AppTokensMinted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.appTokens)
}

// appLogin reports whether tok is an installation token and, if it is
// still live, the login it acts as.
func (s *Server) appLogin(tok string) (login string, minted, live bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	live, minted = s.appTokens[tok]
	if s.app != nil {
		login = s.app.Login
	}
	return login, minted, live
}

func (s *Server) mintAppToken(w http.ResponseWriter, r *http.Request) {
	if s.app == nil {
		s.unexpected(w, r)
		return
	}
	if r.Header.Get("User-Agent") == "" {
		s.t.Errorf("githubtest: %s %s: no User-Agent header (GitHub rejects these)", r.Method, r.URL.Path)
		writeError(w, http.StatusForbidden, "Request forbidden by administrative rules.", "")
		return
	}
	scheme, signed, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if scheme != "Bearer" {
		writeError(w, http.StatusUnauthorized, "A JSON web token could not be decoded", "https://docs.github.com/rest")
		return
	}
	var claims jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(signed, &claims, func(*jwt.Token) (any, error) { return s.app.Key, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(strconv.FormatInt(s.app.ID, 10)), jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithTimeFunc(s.app.Now))
	if err == nil && (claims.IssuedAt == nil || claims.ExpiresAt.Sub(claims.IssuedAt.Time) > 10*time.Minute) {
		err = fmt.Errorf("expires more than ten minutes after it was issued")
	}
	if err != nil {
		writeError(w, http.StatusUnauthorized, "A JSON web token could not be decoded", "https://docs.github.com/rest")
		return
	}
	if r.PathValue("id") != strconv.FormatInt(s.app.InstallationID, 10) {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
		return
	}
	s.mu.Lock()
	s.nextID++
	tok := fmt.Sprintf("ghs_app%026d", s.nextID)
	s.appTokens[tok] = true
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{
		"token":      tok,
		"expires_at": s.app.Now().Add(time.Hour).UTC().Format(time.RFC3339),
	})
}
