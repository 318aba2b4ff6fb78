package github

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/myorg/drift-action/internal/github/githubtest"
)

// appKey is one RSA key for every App test: generating one is slow under
// -race.
var appKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func pemOf(k *rsa.PrivateKey) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
}

// clock is a time the test moves, shared by the client and the fake.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// appClient is an App client for srv on clk.
func appClient(t *testing.T, srv *githubtest.Server, app App, clk *clock) *Client {
	t.Helper()
	c, err := NewAppClient(context.Background(), app, srv.URL(), srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	c.src.(*appTokens).now = clk.Now
	return c
}

// An App client mints a token, keeps it while it is fresh, renews it before
// it expires, and when GitHub refuses one (revoked, expired early) mints
// another and sends the request again: a long-running receiver never stops
// dispatching.
func TestAppClientRenewsTokens(t *testing.T) {
	t.Parallel()
	key := appKey()
	clk := &clock{now: time.Now()}
	srv := githubtest.NewServer(t, githubtest.WithApp(githubtest.App{ID: 42, InstallationID: 7, Key: &key.PublicKey, Now: clk.Now}))
	c := appClient(t, srv, App{ID: 42, InstallationID: 7, PrivateKey: pemOf(key)}, clk)
	ctx := context.Background()
	dispatch := func() {
		t.Helper()
		if err := c.Dispatch(ctx, owner, repo, "drift-detected", nil); err != nil {
			t.Fatalf("dispatch: %v", err)
		}
	}
	steps := []struct {
		name       string
		before     func()
		wantMinted int
	}{
		{"first request mints", func() {}, 1},
		{"fresh token is kept", func() { clk.Add(30 * time.Minute) }, 1},
		{"renewed before it expires", func() { clk.Add(26 * time.Minute) }, 2},
		{"refused token is replaced and the request sent again", srv.ExpireAppTokens, 3},
		{"the replacement is kept", func() {}, 3},
	}
	for _, s := range steps {
		s.before()
		dispatch()
		if got := srv.AppTokensMinted(); got != s.wantMinted {
			t.Errorf("%s: %d tokens minted, want %d", s.name, got, s.wantMinted)
		}
	}
	if got := len(srv.Dispatches()); got != len(steps) {
		t.Errorf("%d dispatches stored, want %d (one per request, none lost to a lapsed token)", got, len(steps))
	}
}

// Errors say what to check and never show the key, a JWT or a token.
func TestAppClientErrors(t *testing.T) {
	t.Parallel()
	key := appKey()
	other, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	srv := githubtest.NewServer(t, githubtest.WithApp(githubtest.App{ID: 42, InstallationID: 7, Key: &key.PublicKey}))
	tests := []struct {
		name    string
		app     App
		wantErr string
		atNew   bool // NewAppClient refuses it
	}{
		{name: "key of another App", app: App{ID: 42, InstallationID: 7, PrivateKey: pemOf(other)},
			wantErr: "GitHub refused the App's signed token: check that the App ID is 42 and the private key is one of that App's"},
		{name: "wrong App ID", app: App{ID: 43, InstallationID: 7, PrivateKey: pemOf(key)},
			wantErr: "check that the App ID is 43"},
		{name: "wrong installation", app: App{ID: 42, InstallationID: 8, PrivateKey: pemOf(key)},
			wantErr: "installation 8 of App 42 was not found: check the installation ID"},
		{name: "not a key", app: App{ID: 42, InstallationID: 7, PrivateKey: []byte("-----BEGIN RSA PRIVATE KEY-----\ncanary-not-base64\n-----END RSA PRIVATE KEY-----\n")},
			wantErr: "github app: private key: not an RSA private key in PEM", atNew: true},
		{name: "no installation", app: App{ID: 42, PrivateKey: pemOf(key)},
			wantErr: "the App ID and the installation ID must be positive numbers", atNew: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewAppClient(context.Background(), tt.app, srv.URL(), srv.Client())
			if tt.atNew {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NewAppClient error %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "canary") {
					t.Errorf("error quotes the key: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			err = c.Dispatch(context.Background(), owner, repo, "drift-detected", nil)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("dispatch error %v, want one containing %q", err, tt.wantErr)
			}
			// A JWT starts with the base64 of {"alg":...: "eyJ".
			for _, secret := range append(c.src.secrets(), "eyJ", "PRIVATE KEY") {
				if secret != "" && strings.Contains(err.Error(), secret) {
					t.Errorf("error shows a credential: %v", err)
				}
			}
			if diff := cmp.Diff(0, len(srv.Dispatches())); diff != "" {
				t.Errorf("dispatches (-want +got):\n%s", diff)
			}
		})
	}
}
