package serve

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type nopDispatcher struct{}

func (nopDispatcher) Dispatch(context.Context, string, string, string, json.RawMessage) error {
	return nil
}

// BenchmarkWebhookDuplicate is the handler's own cost for a signed 4 KB
// delivery already seen (what bench/serve.sh sends after the first one):
// no network, so it tells the server's share of a request apart from the
// load tool's and the kernel's.
func BenchmarkWebhookDuplicate(b *testing.B) {
	secret := "bench-secret"
	s, err := New(Config{Secrets: Secrets{Generic: secret}, Mapping: Mapping{Default: Target{Repo: "acme/infra"}}, Dispatcher: nopDispatcher{}})
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(`{"source":"bench","roots":["infra/app"],"pad":"` + strings.Repeat("x", 4000) + `"}`)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	sig := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	h := s.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body))
		r.Header.Set(HeaderHubSignature, sig)
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
}
