package gitrepo

import (
	"regexp"
	"strings"
)

// Redacted replaces credentials wherever they would otherwise appear in an
// error or a log line.
const Redacted = "[REDACTED]"

var (
	// https://x-access-token:TOKEN@github.com/o/r -> https://[REDACTED]@github.com/o/r
	urlUserinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]+@`)
	// http.extraheader="AUTHORIZATION: basic BASE64" (what actions/checkout writes).
	authHeader = regexp.MustCompile(`(?i)(authorization:\s*)(?:(?:basic|bearer|token)\s+)?[^\s"']+`)
	// http.<url>.extraheader=ANY VALUE, as git config or GIT_TRACE prints it.
	extraHeader = regexp.MustCompile(`(?i)(extraheader\s*[=:]?\s*)[^\n]*`)
	// GitHub token formats, wherever they appear.
	githubToken = regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b`)
)

// Redact removes credentials from s: user information in URLs (tokens in
// remote URLs), Authorization and http.extraheader values, and GitHub token
// formats. Every error and log line of this package goes through it.
func Redact(s string) string {
	s = urlUserinfo.ReplaceAllString(s, "${1}"+Redacted+"@")
	s = extraHeader.ReplaceAllString(s, "${1}"+Redacted)
	s = authHeader.ReplaceAllString(s, "${1}"+Redacted)
	return githubToken.ReplaceAllString(s, Redacted)
}

// redact is [Redact] plus the caller's own secrets ([Options.Secrets]).
func (r *Repo) redact(s string) string {
	s = Redact(s)
	for _, secret := range r.opts.Secrets {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, Redacted)
		}
	}
	return s
}
