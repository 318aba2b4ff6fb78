package serve

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"strings"
)

// Authentication failures. Each is answered with 401.
var (
	ErrNoCredentials = errors.New("no credentials: sign the body (X-TFE-Notification-Signature or X-Hub-Signature-256) or send Authorization: Bearer")
	ErrSHA1          = errors.New("sha-1 signatures (X-Hub-Signature) are not accepted: sign with X-Hub-Signature-256")
	ErrBadSignature  = errors.New("signature does not match the body")
	ErrBadToken      = errors.New("bearer token does not match")
	ErrDisabled      = errors.New("this source is not enabled on the receiver")
)

// VerifyTFE checks an HCP Terraform / Terraform Enterprise notification:
// signature (the X-TFE-Notification-Signature header) must be the hex
// HMAC-SHA512 of body keyed with token, the notification token.
func VerifyTFE(token string, body []byte, signature string) error {
	if token == "" {
		return ErrDisabled
	}
	got, err := hex.DecodeString(strings.TrimSpace(signature))
	if err != nil || len(got) != sha512.Size {
		return ErrBadSignature
	}
	m := hmac.New(sha512.New, []byte(token))
	m.Write(body)
	if !hmac.Equal(m.Sum(nil), got) {
		return ErrBadSignature
	}
	return nil
}

// VerifyHub checks a body signed like GitHub's webhooks: signature (the
// X-Hub-Signature-256 header) must be "sha256=" and the hex HMAC-SHA256 of
// body keyed with secret.
func VerifyHub(secret string, body []byte, signature string) error {
	if secret == "" {
		return ErrDisabled
	}
	hexSig, ok := strings.CutPrefix(strings.TrimSpace(signature), "sha256=")
	if !ok {
		return ErrBadSignature
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || len(got) != sha256.Size {
		return ErrBadSignature
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	if !hmac.Equal(m.Sum(nil), got) {
		return ErrBadSignature
	}
	return nil
}

// VerifyBearer checks an Authorization header of the form "Bearer TOKEN"
// against token. Both sides are hashed first so that the comparison takes
// the same time whatever their lengths.
func VerifyBearer(token, authorization string) error {
	if token == "" {
		return ErrDisabled
	}
	scheme, got, ok := strings.Cut(strings.TrimSpace(authorization), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ErrBadToken
	}
	a := sha256.Sum256([]byte(strings.TrimSpace(got)))
	b := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(a[:], b[:]) != 1 {
		return ErrBadToken
	}
	return nil
}
