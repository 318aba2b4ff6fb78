package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/github/githubtest"
	"github.com/myorg/drift-action/internal/serve"
)

func TestServeCommandErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		vars       map[string]string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{name: "help", args: []string{"serve", "-h"}, wantStdout: "usage: drift-action serve [flags]"},
		{name: "help command", args: []string{"help", "serve"}, wantStdout: "--mapping FILE"},
		{name: "empty secret refuses to start", args: []string{"serve", "--repo", "a/b"},
			vars: map[string]string{"GITHUB_TOKEN": "x", "TFE_NOTIFICATION_TOKEN": ""}, wantCode: ExitError, wantStderr: "TFE_NOTIFICATION_TOKEN is set but empty"},
		{name: "no source", args: []string{"serve", "--repo", "a/b"}, vars: map[string]string{"GITHUB_TOKEN": "x"}, wantCode: ExitError, wantStderr: "no source enabled"},
		{name: "listed in the usage", args: []string{"help"}, wantStdout: "drift-action serve [flags]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base := cliEnv(t)
			var environ []string
			for k, v := range tt.vars {
				environ = append(environ, k+"="+v)
			}
			env := config.Env{Getenv: func(k string) string {
				if v, ok := tt.vars[k]; ok {
					return v
				}
				return base.Getenv(k)
			}, Environ: environ, Cwd: base.Cwd}
			code, stdout, stderr := runMain(t, env, tt.args...)
			if code != tt.wantCode || !strings.Contains(stdout, tt.wantStdout) || !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("exit %d (want %d)\nstdout: %s (want %q)\nstderr: %s (want %q)", code, tt.wantCode, stdout, tt.wantStdout, stderr, tt.wantStderr)
			}
		})
	}
}

// syncBuffer is a log sink safe for the receiver's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serveAppKey is the GitHub App key of the end-to-end test.
var serveAppKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// TestServeEndToEnd runs the command's wiring against the fake GitHub: a
// signed generic report mapped to a repository becomes one dispatch, sent
// before serveOn returns on cancel (SIGTERM).
func TestServeEndToEnd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		body      string
		mapping   config.ServeMapping
		app       bool // act as a GitHub App rather than with a token
		wantRepo  string
		wantRoots []string
	}{
		{name: "default repo", body: `{"id":"1","source":"nightly scan","roots":["infra/app"]}`, wantRepo: "acme/infra", wantRoots: []string{"infra/app"}},
		{name: "mapped workspace", body: `{"id":"2","workspace":"app-prod"}`,
			mapping:  config.ServeMapping{Workspaces: map[string]config.ServeTarget{"app-prod": {Repo: "acme/app", Roots: []string{"infra/prod"}}}},
			wantRepo: "acme/app", wantRoots: []string{"infra/prod"}},
		{name: "as a github app", body: `{"id":"3","source":"nightly scan","roots":["infra/app"]}`, app: true, wantRepo: "acme/infra", wantRoots: []string{"infra/app"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := githubtest.NewServer(t, githubtest.WithApp(githubtest.App{ID: 42, InstallationID: 7, Key: &serveAppKey().PublicKey}))
			c := config.Serve{Repo: "acme/infra", Mapping: tt.mapping, WebhookSecret: "s3cret", MaxBodyBytes: 1 << 20, ShutdownTimeout: 10 * time.Second,
				Token: fake.Token(), APIURL: fake.URL()}
			if tt.app {
				c.Token, c.App = "", &config.ServeApp{ID: 42, InstallationID: 7, PrivateKey: pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(serveAppKey())})}
			}
			client, err := serveClient(t.Context(), c, fake.Client())
			if err != nil {
				t.Fatal(err)
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			logs := &syncBuffer{}
			done := make(chan error, 1)
			go func() { done <- serveOn(ctx, c, client, ln, logs) }()

			m := hmac.New(sha256.New, []byte("s3cret"))
			m.Write([]byte(tt.body))
			req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+serve.Path, strings.NewReader(tt.body))
			req.Header.Set(serve.HeaderHubSignature, "sha256="+hex.EncodeToString(m.Sum(nil)))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				t.Fatalf("status %d, want 202", resp.StatusCode)
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("serveOn: %v", err)
			}
			ds := fake.Dispatches()
			if len(ds) != 1 {
				t.Fatalf("%d dispatches, want 1; logs:\n%s", len(ds), logs)
			}
			if want := map[bool]int{true: 1}[tt.app]; fake.AppTokensMinted() != want {
				t.Errorf("%d installation tokens minted, want %d", fake.AppTokensMinted(), want)
			}
			cp, err := config.ParseEvent("repository_dispatch", writeEvent(t, ds[0]))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]any{tt.wantRepo, tt.wantRoots}, []any{ds[0].Owner + "/" + ds[0].Repo, cp.Roots}); diff != "" {
				t.Errorf("dispatch (-want +got):\n%s", diff)
			}
			if strings.Contains(logs.String(), "s3cret") {
				t.Errorf("the log shows the secret:\n%s", logs)
			}
		})
	}
}

func writeEvent(t *testing.T, d githubtest.Dispatch) string {
	t.Helper()
	path := t.TempDir() + "/event.json"
	data := `{"action":"` + d.EventType + `","client_payload":` + string(d.ClientPayload) + `}`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
