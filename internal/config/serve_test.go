package config

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseServe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "mapping.yaml"), `
repo: acme/infra
workspaces:
  acme/app-prod: {repo: acme/app, roots: [infra/prod]}
  app-dev: {roots: [infra/dev]}
apps:
  guestbook: {repo: acme/k8s, roots: [apps/guestbook]}
`)
	writeFile(t, filepath.Join(dir, "typo.yaml"), "workspace:\n  a: {repo: a/b}\n")
	writeFile(t, filepath.Join(dir, "escape.yaml"), "apps:\n  a: {repo: a/b, roots: [../x]}\n")
	writeFile(t, filepath.Join(dir, "norepo.yaml"), "apps:\n  a: {roots: [x]}\n")
	writeFile(t, filepath.Join(dir, "app.pem"), "pem from file\n")
	base := []string{"GITHUB_TOKEN=ghs_x", "DRIFT_WEBHOOK_SECRET=s"}
	tests := []struct {
		name    string
		args    []string
		environ []string
		noQueue bool // leave out the --queue-file=queue.json every other case gets
		want    Serve
		wantErr string
	}{
		{name: "queue file required", args: []string{"--repo", "acme/infra"}, environ: base, noQueue: true, wantErr: "--queue-file is required"},
		{name: "absolute queue file", args: []string{"--repo", "acme/infra", "--queue-file", "/var/lib/drift-action/queue.json"}, environ: base, noQueue: true,
			want: Serve{Listen: ":8080", Repo: "acme/infra", MaxBodyBytes: DefaultServeMaxBody, ShutdownTimeout: DefaultServeShutdown, WebhookSecret: "s", Token: "ghs_x",
				QueueFile: "/var/lib/drift-action/queue.json"}},
		{name: "defaults", args: []string{"--repo", "acme/infra"}, environ: base,
			want: Serve{Listen: ":8080", Repo: "acme/infra", MaxBodyBytes: DefaultServeMaxBody, ShutdownTimeout: DefaultServeShutdown, WebhookSecret: "s", Token: "ghs_x"}},
		{name: "every source and ghes",
			args:    []string{"--listen", "127.0.0.1:9000", "--repo=acme/infra", "--max-body", "4096", "--shutdown-timeout", "5s"},
			environ: append(base, "TFE_NOTIFICATION_TOKEN=t", "ARGOCD_WEBHOOK_TOKEN=a", "GITHUB_API_URL=https://ghe.example.com/api/v3"),
			want: Serve{Listen: "127.0.0.1:9000", Repo: "acme/infra", MaxBodyBytes: 4096, ShutdownTimeout: 5 * time.Second,
				TFEToken: "t", ArgoCDToken: "a", WebhookSecret: "s", Token: "ghs_x", APIURL: "https://ghe.example.com/api/v3"}},
		{name: "mapping gives the default repo", args: []string{"--mapping", "mapping.yaml"}, environ: base,
			want: Serve{Listen: ":8080", Repo: "acme/infra", MappingFile: "mapping.yaml", MaxBodyBytes: DefaultServeMaxBody, ShutdownTimeout: DefaultServeShutdown,
				WebhookSecret: "s", Token: "ghs_x", Mapping: ServeMapping{Repo: "acme/infra",
					Workspaces: map[string]ServeTarget{"acme/app-prod": {Repo: "acme/app", Roots: []string{"infra/prod"}}, "app-dev": {Roots: []string{"infra/dev"}}},
					Apps:       map[string]ServeTarget{"guestbook": {Repo: "acme/k8s", Roots: []string{"apps/guestbook"}}}}}},
		{name: "secret set but empty", args: []string{"--repo", "a/b"}, environ: append(base, "TFE_NOTIFICATION_TOKEN="), wantErr: "TFE_NOTIFICATION_TOKEN is set but empty"},
		{name: "secret only whitespace", args: []string{"--repo", "a/b"}, environ: append(base, "ARGOCD_WEBHOOK_TOKEN=  "), wantErr: "ARGOCD_WEBHOOK_TOKEN is set but empty"},
		{name: "secret with a newline", args: []string{"--repo", "a/b"}, environ: []string{"GITHUB_TOKEN=x", "DRIFT_WEBHOOK_SECRET=s\n"}, wantErr: "whitespace"},
		{name: "no source", args: []string{"--repo", "a/b"}, environ: []string{"GITHUB_TOKEN=x"}, wantErr: "no source enabled"},
		{name: "no token", args: []string{"--repo", "a/b"}, environ: []string{"DRIFT_WEBHOOK_SECRET=s"}, wantErr: "GITHUB_TOKEN is not set"},
		{name: "github app with its key", args: []string{"--repo", "a/b"},
			environ: []string{"DRIFT_WEBHOOK_SECRET=s", "GITHUB_APP_ID=42", "GITHUB_APP_INSTALLATION_ID=7", "GITHUB_APP_PRIVATE_KEY=-----BEGIN canary-key-----"},
			want: Serve{Listen: ":8080", Repo: "a/b", MaxBodyBytes: DefaultServeMaxBody, ShutdownTimeout: DefaultServeShutdown, WebhookSecret: "s",
				App: &ServeApp{ID: 42, InstallationID: 7, PrivateKey: []byte("-----BEGIN canary-key-----")}}},
		{name: "github app with a key file", args: []string{"--repo", "a/b"},
			environ: []string{"DRIFT_WEBHOOK_SECRET=s", "GITHUB_APP_ID=42", "GITHUB_APP_INSTALLATION_ID=7", "GITHUB_APP_PRIVATE_KEY_FILE=app.pem"},
			want: Serve{Listen: ":8080", Repo: "a/b", MaxBodyBytes: DefaultServeMaxBody, ShutdownTimeout: DefaultServeShutdown, WebhookSecret: "s",
				App: &ServeApp{ID: 42, InstallationID: 7, PrivateKey: []byte("pem from file\n")}}},
		{name: "github app half set", args: []string{"--repo", "a/b"}, environ: []string{"DRIFT_WEBHOOK_SECRET=s", "GITHUB_APP_ID=42"},
			wantErr: "serve: github app: GITHUB_APP_INSTALLATION_ID is not set\nGITHUB_APP_PRIVATE_KEY (or GITHUB_APP_PRIVATE_KEY_FILE) is not set"},
		{name: "github app id not a number", args: []string{"--repo", "a/b"}, environ: []string{"DRIFT_WEBHOOK_SECRET=s", "GITHUB_APP_ID=my-app", "GITHUB_APP_INSTALLATION_ID=7", "GITHUB_APP_PRIVATE_KEY=k"},
			wantErr: `GITHUB_APP_ID must be a positive number, got "my-app"`},
		{name: "github app key twice", args: []string{"--repo", "a/b"}, environ: []string{"DRIFT_WEBHOOK_SECRET=s", "GITHUB_APP_ID=1", "GITHUB_APP_INSTALLATION_ID=7", "GITHUB_APP_PRIVATE_KEY=k", "GITHUB_APP_PRIVATE_KEY_FILE=app.pem"},
			wantErr: "both GITHUB_APP_PRIVATE_KEY and GITHUB_APP_PRIVATE_KEY_FILE are set"},
		{name: "github app key file missing", args: []string{"--repo", "a/b"}, environ: []string{"DRIFT_WEBHOOK_SECRET=s", "GITHUB_APP_ID=1", "GITHUB_APP_INSTALLATION_ID=7", "GITHUB_APP_PRIVATE_KEY_FILE=nope.pem"},
			wantErr: "GITHUB_APP_PRIVATE_KEY_FILE: open"},
		{name: "github app and token", args: []string{"--repo", "a/b"}, environ: append(base, "GITHUB_APP_ID=1", "GITHUB_APP_INSTALLATION_ID=7", "GITHUB_APP_PRIVATE_KEY=k"),
			wantErr: "both GITHUB_TOKEN and the GITHUB_APP_* variables are set"},
		{name: "no target", environ: base, wantErr: "nowhere to dispatch"},
		{name: "bad repo", args: []string{"--repo", "acme"}, environ: base, wantErr: "must be OWNER/REPO"},
		{name: "unknown mapping key", args: []string{"--mapping", "typo.yaml"}, environ: base, wantErr: "--mapping typo.yaml: line 1: the mapping file has no field workspace (remove it: a mapping file has repo, workspaces and apps; each entry has repo and roots)"},
		{name: "root outside the repository", args: []string{"--mapping", "escape.yaml"}, environ: base, wantErr: "inside the repository"},
		{name: "entry without repo and no default", args: []string{"--mapping", "norepo.yaml"}, environ: base, wantErr: "apps.a has no repo"},
		{name: "missing mapping", args: []string{"--mapping", "nope.yaml"}, environ: base, wantErr: "no such file"},
		{name: "positional argument", args: []string{"--repo", "a/b", "extra"}, environ: base, wantErr: "unexpected argument"},
		{name: "tiny body limit", args: []string{"--repo", "a/b", "--max-body", "10"}, environ: base, wantErr: "at least 1024"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			vars := map[string]string{}
			for _, kv := range tt.environ {
				k, v, _ := strings.Cut(kv, "=")
				vars[k] = v
			}
			env := Env{Getenv: func(k string) string { return vars[k] }, Environ: tt.environ, Cwd: dir}
			args := tt.args
			if !tt.noQueue {
				args = append([]string{"--queue-file=queue.json"}, args...)
				tt.want.QueueFile = filepath.Join(dir, "queue.json") // relative to the working directory
			}
			got, err := ParseServe(args, env, &strings.Builder{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseServe: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseServe (-want +got):\n%s", diff)
			}
		})
	}
}

func TestServeStringHidesSecrets(t *testing.T) {
	t.Parallel()
	s := Serve{Listen: ":8080", Repo: "a/b", TFEToken: "tfe-secret", ArgoCDToken: "argo-secret", WebhookSecret: "hub-secret", Token: "ghs_secret",
		App: &ServeApp{ID: 1, InstallationID: 2, PrivateKey: []byte("key-secret")}}
	tests := []struct {
		name   string
		format string
	}{{name: "v", format: "%v"}, {name: "+v", format: "%+v"}, {name: "#v", format: "%#v"}, {name: "s", format: "%s"}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := fmt.Sprintf(tt.format, s)
			for _, secret := range []string{"tfe-secret", "argo-secret", "hub-secret", "ghs_secret", "key-secret", "107 101 121"} {
				if strings.Contains(out, secret) {
					t.Errorf("%s prints %q: %s", tt.format, secret, out)
				}
			}
		})
	}
}
