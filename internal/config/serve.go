package config

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/myorg/drift-action/internal/yamlerr"
	"go.yaml.in/yaml/v3"
)

// Environment variables `serve` reads. Each source is enabled by its secret.
const (
	EnvTFENotificationToken = "TFE_NOTIFICATION_TOKEN"
	EnvArgoCDWebhookToken   = "ARGOCD_WEBHOOK_TOKEN"
	EnvDriftWebhookSecret   = "DRIFT_WEBHOOK_SECRET"

	// A GitHub App instead of GITHUB_TOKEN: installation tokens last an
	// hour, so serve mints and renews its own.
	EnvAppID             = "GITHUB_APP_ID"
	EnvAppInstallationID = "GITHUB_APP_INSTALLATION_ID"
	EnvAppPrivateKey     = "GITHUB_APP_PRIVATE_KEY"      // the PEM itself
	EnvAppPrivateKeyFile = "GITHUB_APP_PRIVATE_KEY_FILE" // or a file holding it (a mounted Secret)
)

// DefaultListen is where `serve` listens unless --listen says otherwise.
const DefaultListen = ":8080"

// Serve is everything `drift-action serve` needs.
type Serve struct {
	Listen          string
	Repo            string // default OWNER/REPO for reports the mapping does not name
	MappingFile     string
	Mapping         ServeMapping
	MaxBodyBytes    int64
	ShutdownTimeout time.Duration
	// QueueFile keeps accepted events until they are dispatched, across
	// restarts: absolute, on a volume that outlives the process.
	QueueFile string

	// Secrets: an empty one leaves its source disabled.
	TFEToken      string // $TFE_NOTIFICATION_TOKEN
	ArgoCDToken   string // $ARGOCD_WEBHOOK_TOKEN
	WebhookSecret string // $DRIFT_WEBHOOK_SECRET

	Token  string // $GITHUB_TOKEN: a token with contents: write; "" when App is set
	App    *ServeApp
	APIURL string // $GITHUB_API_URL
}

// ServeApp is the GitHub App serve acts as, from the GITHUB_APP_*
// variables.
type ServeApp struct {
	ID             int64
	InstallationID int64
	PrivateKey     []byte // PEM; never printed
}

// String describes the App without its key.
func (a ServeApp) String() string {
	return fmt.Sprintf("app %d installation %d", a.ID, a.InstallationID)
}

// GoString is String, so %#v never prints the key either.
func (a ServeApp) GoString() string { return a.String() }

// String describes the settings without any secret.
func (s Serve) String() string {
	on := func(v string) string {
		if v == "" {
			return "off"
		}
		return "on"
	}
	auth := "token"
	if s.App != nil {
		auth = s.App.String()
	}
	return fmt.Sprintf("serve{listen=%s repo=%s mapping=%q queue=%q workspaces=%d apps=%d hcp-terraform=%s argocd=%s generic=%s github=%s}",
		s.Listen, s.Repo, s.MappingFile, s.QueueFile, len(s.Mapping.Workspaces), len(s.Mapping.Apps),
		on(s.TFEToken), on(s.ArgoCDToken), on(s.WebhookSecret), auth)
}

// GoString is String, so %#v never prints a secret either.
func (s Serve) GoString() string { return s.String() }

// ServeMapping is the --mapping file: which repository (and roots in it)
// each HCP Terraform workspace and Argo CD application reports to.
//
//	repo: acme/infra                # default, when --repo is not given
//	workspaces:
//	  acme/app-prod:                # organization/workspace, or the workspace alone
//	    repo: acme/app
//	    roots: [infra/prod]
//	apps:
//	  guestbook:                    # Argo CD application name
//	    repo: acme/k8s
//	    roots: [apps/guestbook]
type ServeMapping struct {
	Repo       string                 `yaml:"repo"`
	Workspaces map[string]ServeTarget `yaml:"workspaces"`
	Apps       map[string]ServeTarget `yaml:"apps"`
}

// mappingShapes names the mapping file's types by what it holds there.
var mappingShapes = yamlerr.Shapes{
	"config.ServeMapping": "the mapping file",
	"config.ServeTarget":  "a mapping entry",
}

// ServeTarget is one mapping entry; an empty Repo means the default one.
type ServeTarget struct {
	Repo  string   `yaml:"repo"`
	Roots []string `yaml:"roots"`
}

// DefaultServeMaxBody is the default --max-body.
const DefaultServeMaxBody = 1 << 20

// DefaultServeShutdown is the default --shutdown-timeout: inside
// Kubernetes' default 30 s termination grace period.
const DefaultServeShutdown = 25 * time.Second

func serveCommand(c *Serve) Command {
	fset := flag.NewFlagSet("serve", flag.ContinueOnError)
	fset.StringVar(&c.Listen, "listen", DefaultListen, "`ADDR` to listen on, host:port")
	fset.StringVar(&c.Repo, "repo", "", "`OWNER/REPO` that reports go to when the mapping does not name one")
	fset.StringVar(&c.MappingFile, "mapping", "", "YAML `FILE` mapping HCP Terraform workspaces and Argo CD applications to repositories and roots")
	fset.Int64Var(&c.MaxBodyBytes, "max-body", DefaultServeMaxBody, "largest request body accepted, in `BYTES`; larger ones get 413")
	fset.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", DefaultServeShutdown, "on SIGTERM, how long to finish requests and dispatch what was accepted")
	fset.StringVar(&c.QueueFile, "queue-file", "", "`FILE` that keeps accepted reports until they are dispatched, across restarts (required; on a persistent volume)")
	return Command{Flags: fset, Header: "usage: drift-action serve [flags]\n\n" +
		"Receives drift reports on POST /drift-webhook and starts the action with a\n" +
		"repository_dispatch event (event_type drift-detected) in the repository they\n" +
		"belong to. GET /healthz answers ok; GET /metrics is Prometheus text.\n\n" +
		"Sources, each enabled by its secret in the environment:\n" +
		"  " + EnvTFENotificationToken + "  HCP Terraform / Terraform Enterprise notifications (X-TFE-Notification-Signature)\n" +
		"  " + EnvArgoCDWebhookToken + "    Argo CD notifications (Authorization: Bearer TOKEN)\n" +
		"  " + EnvDriftWebhookSecret + "    any JSON signed with X-Hub-Signature-256: sha256=HMAC\n" +
		"GITHUB_TOKEN (a token with contents: write) sends the dispatches; or, as a\n" +
		"GitHub App whose installation tokens serve renews itself, " + EnvAppID + ",\n" +
		"  " + EnvAppInstallationID + " and " + EnvAppPrivateKey + " (or " + EnvAppPrivateKeyFile + ").\n" +
		"GITHUB_API_URL points at GitHub Enterprise Server.\n"}
}

// ParseServe reads `serve` flags, the environment and the mapping file.
// A secret variable that is set but empty is an error, not a disabled
// source: it is most likely a missing Kubernetes Secret key.
func ParseServe(args []string, env Env, usage io.Writer) (Serve, error) {
	var c Serve
	cmd := serveCommand(&c)
	extra, err := cmd.Parse(args, usage)
	if err != nil {
		return c, err
	}
	if len(extra) > 0 {
		fmt.Fprint(usage, cmd.Usage())
		return c, fmt.Errorf("serve: unexpected argument %q: serve takes flags only", extra[0])
	}
	if strings.TrimSpace(c.Listen) == "" {
		return c, errors.New("serve: --listen must be an address such as :8080")
	}
	if c.MaxBodyBytes < 1024 {
		return c, fmt.Errorf("serve: --max-body must be at least 1024 bytes, got %d", c.MaxBodyBytes)
	}
	if c.ShutdownTimeout <= 0 {
		return c, fmt.Errorf("serve: --shutdown-timeout must be positive, got %s", c.ShutdownTimeout)
	}
	for _, s := range []struct {
		name string
		dst  *string
	}{{EnvTFENotificationToken, &c.TFEToken}, {EnvArgoCDWebhookToken, &c.ArgoCDToken}, {EnvDriftWebhookSecret, &c.WebhookSecret}} {
		v, set := lookupEnv(env, s.name)
		if set && strings.TrimSpace(v) == "" {
			return c, fmt.Errorf("serve: %s is set but empty: give the source its secret, or unset the variable to disable the source", s.name)
		}
		if v != strings.TrimSpace(v) {
			return c, fmt.Errorf("serve: %s has leading or trailing whitespace; check how the secret was created", s.name)
		}
		*s.dst = v
	}
	if c.TFEToken == "" && c.ArgoCDToken == "" && c.WebhookSecret == "" {
		return c, fmt.Errorf("serve: no source enabled: set %s, %s or %s", EnvTFENotificationToken, EnvArgoCDWebhookToken, EnvDriftWebhookSecret)
	}
	if c.App, err = serveApp(env); err != nil {
		return c, err
	}
	c.Token = strings.TrimSpace(env.Getenv("GITHUB_TOKEN"))
	switch {
	case c.App != nil && c.Token != "":
		return c, errors.New("serve: both GITHUB_TOKEN and the GITHUB_APP_* variables are set: give one (an App, for a receiver that runs longer than the hour an installation token lasts)")
	case c.App == nil && c.Token == "":
		return c, errors.New("serve: GITHUB_TOKEN is not set: give it a token with contents: write on the target repositories, or set GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID and GITHUB_APP_PRIVATE_KEY (or _FILE) to act as a GitHub App")
	}
	c.APIURL = env.Getenv("GITHUB_API_URL")
	if strings.TrimSpace(c.QueueFile) == "" {
		return c, errors.New("serve: --queue-file is required: a report answered 202 is kept there until it is dispatched, so that a restart does not lose it; give a path on a persistent volume (deploy/serve mounts one at /var/lib/drift-action)")
	}
	if !filepath.IsAbs(c.QueueFile) {
		c.QueueFile = filepath.Join(env.Cwd, c.QueueFile)
	}

	if c.MappingFile != "" {
		path := c.MappingFile
		if !filepath.IsAbs(path) {
			path = filepath.Join(env.Cwd, path)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("serve: --mapping: %w", err)
		}
		if c.Mapping, err = ParseServeMapping(data); err != nil {
			return c, fmt.Errorf("serve: --mapping %s: %w", c.MappingFile, err)
		}
	}
	if c.Repo == "" {
		c.Repo = c.Mapping.Repo
	}
	if c.Repo != "" {
		if err := checkRepo(c.Repo); err != nil {
			return c, fmt.Errorf("serve: --repo: %w", err)
		}
	}
	if c.Repo == "" && len(c.Mapping.Workspaces) == 0 && len(c.Mapping.Apps) == 0 {
		return c, errors.New("serve: nowhere to dispatch: give --repo OWNER/REPO or a --mapping file")
	}
	for kind, m := range map[string]map[string]ServeTarget{"workspaces": c.Mapping.Workspaces, "apps": c.Mapping.Apps} {
		for name, t := range m {
			if t.Repo == "" && c.Repo == "" {
				return c, fmt.Errorf("serve: --mapping %s: %s.%s has no repo and there is no default (--repo or the file's repo)", c.MappingFile, kind, name)
			}
		}
	}
	return c, nil
}

// serveApp reads the GITHUB_APP_* variables: none set means no App; any
// set means all are needed. Errors name the variable, never the key.
func serveApp(env Env) (*ServeApp, error) {
	id := strings.TrimSpace(env.Getenv(EnvAppID))
	inst := strings.TrimSpace(env.Getenv(EnvAppInstallationID))
	key := env.Getenv(EnvAppPrivateKey)
	keyFile := strings.TrimSpace(env.Getenv(EnvAppPrivateKeyFile))
	if id == "" && inst == "" && strings.TrimSpace(key) == "" && keyFile == "" {
		return nil, nil
	}
	var app ServeApp
	var errs []error
	for _, n := range []struct {
		name, v string
		dst     *int64
	}{{EnvAppID, id, &app.ID}, {EnvAppInstallationID, inst, &app.InstallationID}} {
		if n.v == "" {
			errs = append(errs, fmt.Errorf("%s is not set", n.name))
			continue
		}
		v, err := strconv.ParseInt(n.v, 10, 64)
		if err != nil || v <= 0 {
			errs = append(errs, fmt.Errorf("%s must be a positive number, got %q", n.name, n.v))
			continue
		}
		*n.dst = v
	}
	switch {
	case strings.TrimSpace(key) != "" && keyFile != "":
		errs = append(errs, fmt.Errorf("both %s and %s are set: give one", EnvAppPrivateKey, EnvAppPrivateKeyFile))
	case strings.TrimSpace(key) != "":
		app.PrivateKey = []byte(key)
	case keyFile != "":
		path := keyFile
		if !filepath.IsAbs(path) {
			path = filepath.Join(env.Cwd, path)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvAppPrivateKeyFile, err))
		}
		app.PrivateKey = data
	default:
		errs = append(errs, fmt.Errorf("%s (or %s) is not set: give the App's private key (PEM)", EnvAppPrivateKey, EnvAppPrivateKeyFile))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("serve: github app: %w", err)
	}
	return &app, nil
}

// ParseServeMapping reads a mapping file; unknown keys are errors.
func ParseServeMapping(data []byte) (ServeMapping, error) {
	var m ServeMapping
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil && !errors.Is(err, io.EOF) {
		return m, yamlerr.Error(err, mappingShapes, "(remove it: a mapping file has repo, workspaces and apps; each entry has repo and roots)", 1)
	}
	if m.Repo != "" {
		if err := checkRepo(m.Repo); err != nil {
			return m, fmt.Errorf("repo: %w", err)
		}
	}
	for kind, entries := range map[string]map[string]ServeTarget{"workspaces": m.Workspaces, "apps": m.Apps} {
		for name, t := range entries {
			if strings.TrimSpace(name) == "" {
				return m, fmt.Errorf("%s: an entry has an empty name", kind)
			}
			if t.Repo != "" {
				if err := checkRepo(t.Repo); err != nil {
					return m, fmt.Errorf("%s.%s.repo: %w", kind, name, err)
				}
			}
			for _, r := range t.Roots {
				if strings.TrimSpace(r) == "" || strings.Contains(r, "..") || strings.HasPrefix(r, "/") {
					return m, fmt.Errorf("%s.%s.roots: %q must be a path inside the repository", kind, name, r)
				}
			}
		}
	}
	return m, nil
}

func checkRepo(repo string) error {
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") || strings.ContainsAny(repo, " \t\n") {
		return fmt.Errorf("%q must be OWNER/REPO", repo)
	}
	return nil
}

// lookupEnv tells a variable set to "" from an unset one: Environ when it
// lists the variable, else whatever Getenv says.
func lookupEnv(env Env, key string) (string, bool) {
	v, found := "", false
	for _, kv := range env.Environ {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v, found = val, true
		}
	}
	if found {
		return v, true
	}
	v = env.Getenv(key)
	return v, v != ""
}
