package serve

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func signHub(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func signTFE(token string, body []byte) string {
	m := hmac.New(sha512.New, []byte(token))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func TestVerifyHub(t *testing.T) {
	t.Parallel()
	const secret = "It's a Secret to Everybody"
	body := []byte("Hello, World!")
	tests := []struct {
		name      string
		secret    string
		body      []byte
		signature string
		want      error
	}{
		// GitHub's documented test vector.
		{name: "github test vector", secret: secret, body: body,
			signature: "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"},
		{name: "upper-case hex", secret: secret, body: body,
			signature: "sha256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17"},
		{name: "other body", secret: secret, body: []byte("Hello, World?"),
			signature: "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", want: ErrBadSignature},
		{name: "other secret", secret: "another", body: body,
			signature: "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", want: ErrBadSignature},
		{name: "no prefix", secret: secret, body: body,
			signature: "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", want: ErrBadSignature},
		{name: "sha1 prefix", secret: secret, body: body, signature: "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59", want: ErrBadSignature},
		{name: "truncated", secret: secret, body: body, signature: "sha256=757107ea0eb2509f", want: ErrBadSignature},
		{name: "not hex", secret: secret, body: body, signature: "sha256=zz", want: ErrBadSignature},
		{name: "empty", secret: secret, body: body, signature: "", want: ErrBadSignature},
		{name: "disabled", secret: "", body: body, signature: signHub("", body), want: ErrDisabled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := VerifyHub(tt.secret, tt.body, tt.signature); !errors.Is(got, tt.want) {
				t.Errorf("VerifyHub = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestVerifyTFE(t *testing.T) {
	t.Parallel()
	body := []byte(`{"payload_version":1}`)
	good := signTFE("tok", body)
	tests := []struct {
		name      string
		token     string
		body      []byte
		signature string
		want      error
	}{
		{name: "signed", token: "tok", body: body, signature: good},
		{name: "surrounding space", token: "tok", body: body, signature: " " + good + " "},
		{name: "other token", token: "tok2", body: body, signature: good, want: ErrBadSignature},
		{name: "other body", token: "tok", body: []byte(`{"payload_version":2}`), signature: good, want: ErrBadSignature},
		{name: "sha256 length", token: "tok", body: body, signature: good[:64], want: ErrBadSignature},
		{name: "prefixed", token: "tok", body: body, signature: "sha512=" + good, want: ErrBadSignature},
		{name: "empty", token: "tok", body: body, want: ErrBadSignature},
		{name: "disabled", token: "", body: body, signature: signTFE("", body), want: ErrDisabled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := VerifyTFE(tt.token, tt.body, tt.signature); !errors.Is(got, tt.want) {
				t.Errorf("VerifyTFE = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestVerifyBearer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		token  string
		header string
		want   error
	}{
		{name: "bearer", token: "s3cret", header: "Bearer s3cret"},
		{name: "scheme case", token: "s3cret", header: "bearer s3cret"},
		{name: "wrong token", token: "s3cret", header: "Bearer s3cre", want: ErrBadToken},
		{name: "longer token", token: "s3cret", header: "Bearer s3cret0", want: ErrBadToken},
		{name: "basic", token: "s3cret", header: "Basic czNjcmV0", want: ErrBadToken},
		{name: "no scheme", token: "s3cret", header: "s3cret", want: ErrBadToken},
		{name: "empty bearer", token: "s3cret", header: "Bearer ", want: ErrBadToken},
		{name: "disabled", token: "", header: "Bearer ", want: ErrDisabled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := VerifyBearer(tt.token, tt.header); !errors.Is(got, tt.want) {
				t.Errorf("VerifyBearer = %v, want %v", got, tt.want)
			}
		})
	}
}

func FuzzVerifyHub(f *testing.F) {
	f.Add("It's a Secret to Everybody", []byte("Hello, World!"), "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
	f.Add("k", []byte(""), "sha1=00")
	f.Fuzz(func(t *testing.T, secret string, body []byte, sig string) {
		err := VerifyHub(secret, body, sig)
		if secret == "" {
			if !errors.Is(err, ErrDisabled) {
				t.Fatalf("empty secret: %v, want ErrDisabled", err)
			}
			return
		}
		if err == nil && !equalFoldHex(strings.TrimSpace(sig), signHub(secret, body)) {
			t.Fatalf("accepted %q for a body whose signature is %q", sig, signHub(secret, body))
		}
		if err := VerifyHub(secret, body, signHub(secret, body)); err != nil {
			t.Fatalf("own signature refused: %v", err)
		}
	})
}

func FuzzVerifyTFE(f *testing.F) {
	f.Add("tok", []byte(`{"payload_version":1}`), "00")
	f.Fuzz(func(t *testing.T, token string, body []byte, sig string) {
		err := VerifyTFE(token, body, sig)
		if token == "" {
			if !errors.Is(err, ErrDisabled) {
				t.Fatalf("empty token: %v, want ErrDisabled", err)
			}
			return
		}
		want := signTFE(token, body)
		if err == nil && !equalFoldHex(strings.TrimSpace(sig), want) {
			t.Fatalf("accepted %q for a body whose signature is %q", sig, want)
		}
		if err := VerifyTFE(token, body, want); err != nil {
			t.Fatalf("own signature refused: %v", err)
		}
	})
}

func FuzzVerifyBearer(f *testing.F) {
	f.Add("s3cret", "Bearer s3cret")
	f.Add("s3cret", "Basic x")
	f.Fuzz(func(t *testing.T, token, header string) {
		err := VerifyBearer(token, header)
		if token == "" && !errors.Is(err, ErrDisabled) {
			t.Fatalf("empty token: %v, want ErrDisabled", err)
		}
		if err == nil && len(header) < len(token) {
			t.Fatalf("accepted %q, shorter than the token %q", header, token)
		}
	})
}

// equalFoldHex compares hex strings, which VerifyHub and VerifyTFE accept
// in either case.
func equalFoldHex(a, b string) bool {
	da, errA := hex.DecodeString(cut(a))
	db, errB := hex.DecodeString(cut(b))
	return errA == nil && errB == nil && hmac.Equal(da, db)
}

func cut(s string) string {
	if len(s) > 7 && s[:7] == "sha256=" {
		return s[7:]
	}
	return s
}
