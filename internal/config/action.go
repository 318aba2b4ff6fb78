package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/myorg/drift-action/internal/apigroup"
	"github.com/myorg/drift-action/internal/tfsetting"
	"github.com/sethvargo/go-githubactions"
)

// Action inputs and their defaults; they equal action.yml's (a test holds
// them together).
var ActionDefaults = map[string]string{
	"working-directories": "",
	"config":              DefaultFile,
	"mode":                "detect",
	"remediation":         "",
	"policies":            "", // empty: as drift.yaml says, like the CLI
	"policy-overrides":    "",
	"manifests":           "",
	"record":              "false",
	"report-path":         "drift/drift-report.yaml",
	"log-path":            "drift/drift-log.yaml",
	"record-group":        apigroup.Default,
	"github-token":        "${{ github.token }}",
	"comment-author":      "",
	"slack-webhook-url":   "",
	"slack-token":         "",
	"slack-channel":       "",
	"slack-heartbeat":     "false",
	"metrics-file":        "",
	"pushgateway-url":     "",
	"pushgateway-job":     "drift-action",
	"fail-on-drift":       "false",
	"parallelism":         "",
	"terraform-binary":    "terraform",
	"shard":               "",
	"results":             "drift-results/**/*.json",
	"terraform-log-dir":   "",
	"terraform-log-level": DefaultTerraformLogLevel,
	"progress-interval":   "15s",
	"sarif-file":          "", // empty: no SARIF log

	"terraform-version":      "", // empty: drift.yaml's terraform-version, else auto
	"terraform-releases-url": tfsetting.DefaultReleasesURL,
	"terraform-releases-key": "",
}

// ActionOutputs are the outputs the action sets.
var ActionOutputs = []string{"drift-detected", "drifted-resources", "changes-pending", "policy-failed", "policy-advisory", "policy-waived", "policy-overridden", "policy-violations", "report-path", "result-json", "pull-request-url", "matrix"}

// Modes of the action.
var Modes = []string{"detect", "record", "remediate", "list", "aggregate"}

// Action is one run of the GitHub Action.
type Action struct {
	Mode           string
	Dirs           []string
	ConfigFile     string
	Policy         Policy
	Token          string
	CommentAuthor  string // the login the token comments as; "" finds it
	Remediation    string // pr, apply, adopt or auto; "" leaves it to drift.yaml
	Record         bool   // mode aggregate: commit the merged record too
	ReportPath     string // the DriftReport file mode record writes (slash-separated, in the repository)
	LogPath        string // the append-only drift log beside it
	RecordGroup    string // the API group of the DriftReport resources (drift-action crd --group prints its CRD)
	RefName        string // GITHUB_REF_NAME: the branch the run checked out
	FailOnDrift    bool
	Parallelism    int
	Terraform      string
	Shard          Shard
	Results        []string
	SARIFFile      string // where to write the SARIF log for code scanning (slash-separated, in the workspace); "" none
	Workspace      string
	EventName      string
	EventPath      string
	Repository     string // owner/name
	APIURL         string
	ServerURL      string
	RunID          string
	RunAttempt     string
	SHA            string
	SummaryFile    string
	Environ        []string
	PluginCacheDir string
	Slack          Slack
	// TerraformLogDir is the input terraform-log-dir, slash-separated,
	// relative to the workspace ("": no log files); TerraformLogLevel its
	// TF_LOG level.
	TerraformLogDir, TerraformLogLevel string
	ProgressInterval                   time.Duration
	Metrics                            Metrics

	// TerraformVersion, ReleasesURL and ReleasesKey are the inputs
	// terraform-version (not set leaves it to drift.yaml), terraform-releases-url
	// and terraform-releases-key.
	TerraformVersion         tfsetting.Version
	ReleasesURL, ReleasesKey string
}

// Slack is where the action posts lifecycle messages: an incoming webhook,
// or a bot token with a channel (threads and updates need the token).
type Slack struct {
	WebhookURL string // secret
	Token      string // secret
	Channel    string
	Heartbeat  bool // post "checked N targets" when nothing changed
}

// Metrics are where a run's Prometheus metrics go: a file for
// node_exporter's textfile collector, a Pushgateway, both or neither.
type Metrics struct {
	File    string // slash-separated, in the workspace (the CLI: any path); "" writes none
	PushURL string // the Pushgateway's base URL; "" pushes nothing. May hold credentials.
	Job     string // the Pushgateway job
}

// Enabled reports whether any Slack destination is configured.
func (s Slack) Enabled() bool { return s.WebhookURL != "" || s.Token != "" }

// Shard is this job's part of a matrix run: Index of Count, 1-based. At
// is the scheduled time the list job planned the matrix for (the value's
// @TIME), zero when it named none: with a schedule window, every job plans
// that time's slot even when it starts in the next one.
type Shard struct {
	Index, Count int
	At           time.Time
}

// IsSet reports whether the run is sharded.
func (s Shard) IsSet() bool { return s.Count > 0 }

func (s Shard) String() string {
	if !s.IsSet() {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// ParseAction reads the action's inputs the way Docker actions receive them
// (INPUT_<NAME>, upper-cased, hyphens kept) and the runner's environment.
func ParseAction(env Env) (Action, error) {
	gha := githubactions.New(githubactions.WithGetenv(env.Getenv))
	in := func(name string) string {
		v := strings.TrimSpace(gha.GetInput(name))
		if v == "" {
			v = ActionDefaults[name]
		}
		return v
	}
	a := Action{
		Mode:          in("mode"),
		ConfigFile:    in("config"),
		Token:         strings.TrimSpace(gha.GetInput("github-token")),
		Terraform:     in("terraform-binary"),
		CommentAuthor: in("comment-author"),
		Workspace:     env.Getenv("GITHUB_WORKSPACE"),
		EventName:     env.Getenv("GITHUB_EVENT_NAME"),
		EventPath:     env.Getenv("GITHUB_EVENT_PATH"),
		Repository:    env.Getenv("GITHUB_REPOSITORY"),
		APIURL:        env.Getenv("GITHUB_API_URL"),
		ServerURL:     env.Getenv("GITHUB_SERVER_URL"),
		RunID:         env.Getenv("GITHUB_RUN_ID"),
		RunAttempt:    env.Getenv("GITHUB_RUN_ATTEMPT"),
		SHA:           env.Getenv("GITHUB_SHA"),
		RefName:       env.Getenv("GITHUB_REF_NAME"),
		SummaryFile:   env.Getenv("GITHUB_STEP_SUMMARY"),
		Environ:       env.Environ,
	}
	if a.Workspace == "" {
		a.Workspace = env.Cwd
	}
	if a.Token == "" {
		a.Token = env.Getenv("GITHUB_TOKEN")
	}
	a.PluginCacheDir = pluginCache(env.Getenv)

	if !slices.Contains(Modes, a.Mode) {
		return a, fmt.Errorf("input mode: %q is not a mode: use one of %s", a.Mode, strings.Join(Modes, ", "))
	}
	if v := in("remediation"); v != "" {
		if !slices.Contains([]string{"pr", "apply", "adopt", "auto"}, v) {
			return a, fmt.Errorf("input remediation: %q is not accepted: use pr, apply, adopt or auto", v)
		}
		a.Remediation = v
	}
	var err error
	if a.ReportPath, err = recordPath(a.Workspace, "report-path", in("report-path")); err != nil {
		return a, err
	}
	if a.LogPath, err = recordPath(a.Workspace, "log-path", in("log-path")); err != nil {
		return a, err
	}
	if a.ReportPath == a.LogPath {
		return a, fmt.Errorf("inputs report-path and log-path both name %q: give each its own file", a.ReportPath)
	}
	if v := in("sarif-file"); v != "" {
		if a.SARIFFile, err = recordPath(a.Workspace, "sarif-file", v); err != nil {
			return a, err
		}
		if a.SARIFFile == a.ReportPath || a.SARIFFile == a.LogPath {
			return a, fmt.Errorf("input sarif-file names %q, the record's own file: give the SARIF log a file of its own, e.g. drift.sarif", a.SARIFFile)
		}
	}
	a.RecordGroup = in("record-group")
	if err := apigroup.Check(a.RecordGroup); err != nil {
		return a, fmt.Errorf("input record-group: %w; install the CRD `drift-action crd --group GROUP` prints", err)
	}
	a.Slack = Slack{WebhookURL: in("slack-webhook-url"), Token: in("slack-token"), Channel: in("slack-channel")}
	if err := a.Slack.check(in("slack-heartbeat")); err != nil {
		return a, err
	}
	if a.Metrics, err = actionMetrics(a.Workspace, in); err != nil {
		return a, err
	}
	switch v := in("record"); v {
	case "true":
		if a.Mode != "aggregate" {
			return a, fmt.Errorf("input record: \"true\" applies to mode aggregate only; use mode record (or remediate) to record a detect run")
		}
		a.Record = true
	case "false":
	default:
		return a, fmt.Errorf("input record: %q is not accepted: use true or false", v)
	}
	switch v := in("fail-on-drift"); v {
	case "true":
		a.FailOnDrift = true
	case "false":
	default:
		return a, fmt.Errorf("input fail-on-drift: %q is not accepted: use true or false", v)
	}
	if v := in("parallelism"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return a, fmt.Errorf("input parallelism: %q is not accepted: use a whole number of at least 1, or leave it empty for one per CPU", v)
		}
		a.Parallelism = n
	}
	if v := in("terraform-version"); v != "" {
		s, err := tfsetting.ParseVersion(v)
		if err != nil {
			return a, fmt.Errorf("input terraform-version: %w", err)
		}
		a.TerraformVersion = s
	}
	a.ReleasesURL = in("terraform-releases-url")
	if u, err := url.Parse(a.ReleasesURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return a, fmt.Errorf("input terraform-releases-url: %q is not accepted: use the base URL of a releases site or a mirror with its layout, e.g. %s", a.ReleasesURL, tfsetting.DefaultReleasesURL)
	}
	a.ReleasesKey = strings.TrimSpace(gha.GetInput("terraform-releases-key"))
	if a.ReleasesKey != "" && !strings.Contains(a.ReleasesKey, "BEGIN PGP PUBLIC KEY BLOCK") {
		return a, fmt.Errorf("input terraform-releases-key: not an armored PGP public key: paste the whole key, from its -----BEGIN PGP PUBLIC KEY BLOCK----- line to its END line")
	}
	if v := in("terraform-log-dir"); v != "" {
		if a.TerraformLogDir, err = logDir(a.Workspace, v); err != nil {
			return a, err
		}
	}
	a.TerraformLogLevel = in("terraform-log-level")
	if err := checkLogLevel(a.TerraformLogLevel); err != nil {
		return a, fmt.Errorf("input terraform-log-level: %w", err)
	}
	if v := in("progress-interval"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || (d > 0 && d < MinProgressInterval) {
			return a, fmt.Errorf("input progress-interval: %q is not accepted: use a duration of at least %s, such as 15s or 1m, or 0 for no progress lines", v, MinProgressInterval)
		}
		a.ProgressInterval = d
	}
	if v := in("shard"); v != "" {
		s, err := parseShard(v)
		if err != nil {
			return a, fmt.Errorf("input shard: %w", err)
		}
		a.Shard = s
	}
	a.Dirs = lines(in("working-directories"))
	a.Results = lines(in("results"))
	a.Policy = Policy{Timeout: DefaultPolicyTimeout, Manifests: lines(in("manifests")), Overrides: overrides(lines(in("policy-overrides")), OverrideInput)}
	var errs []error
	for _, inp := range []struct {
		name, example string
		values        []string
	}{
		{"config", DefaultFile, []string{a.ConfigFile}},
		{"working-directories", "infra/app or infra/*", a.Dirs},
		{"results", ActionDefaults["results"], a.Results},
		{"manifests", "k8s/**/*.yaml", a.Policy.Manifests},
		{"policies", "policies/", slices.DeleteFunc(lines(in("policies")), func(p string) bool { return p == "bundled" || p == "none" })},
	} {
		for _, v := range inp.values {
			if err := inputPath(inp.name, v, inp.example); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return a, err
	}
	for _, p := range lines(in("policies")) {
		switch p {
		case "bundled":
			a.Policy.Bundled = true
		case "none":
			a.Policy.Disabled = true
		default:
			a.Policy.Dirs = append(a.Policy.Dirs, p)
		}
	}
	if a.Policy.Disabled && (a.Policy.Bundled || len(a.Policy.Dirs) > 0) {
		return a, fmt.Errorf("input policies: \"none\" cannot be combined with other entries")
	}
	return a, nil
}

// check validates the Slack inputs; values are never quoted: they are secrets.
func (s *Slack) check(heartbeat string) error {
	switch heartbeat {
	case "true":
		s.Heartbeat = true
	case "false":
	default:
		return fmt.Errorf("input slack-heartbeat: %q is not accepted: use true or false", heartbeat)
	}
	switch {
	case s.WebhookURL != "" && s.Token != "":
		return fmt.Errorf("inputs slack-webhook-url and slack-token are both set: use one (a bot token with slack-channel threads and updates messages; a webhook posts one message per event)")
	case s.Token != "" && s.Channel == "":
		return fmt.Errorf("input slack-token needs slack-channel: set it to the channel ID (e.g. C0123456789) or name the bot posts to")
	case s.Channel != "" && s.Token == "":
		return fmt.Errorf("input slack-channel is set without slack-token: a webhook's channel is fixed when it is created; remove slack-channel or use a bot token")
	case s.WebhookURL != "" && !strings.HasPrefix(s.WebhookURL, "https://"):
		return fmt.Errorf("input slack-webhook-url is not an https:// URL (value not shown: it is a secret): copy the incoming webhook URL from the Slack app's settings")
	case s.Token != "" && !strings.HasPrefix(s.Token, "xoxb-") && !strings.HasPrefix(s.Token, "xoxp-"):
		return fmt.Errorf("input slack-token is not a Slack bot token (value not shown: it is a secret): use the app's Bot User OAuth Token, which starts with xoxb-")
	}
	return nil
}

func parseShard(v string) (Shard, error) {
	shard, at, timed := strings.Cut(v, "@")
	i, n, ok := strings.Cut(shard, "/")
	si, err1 := strconv.Atoi(strings.TrimSpace(i))
	sn, err2 := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err1 != nil || err2 != nil || sn < 1 || si < 1 || si > sn {
		return Shard{}, fmt.Errorf("%q is not accepted: use INDEX/COUNT with 1 <= INDEX <= COUNT, e.g. ${{ matrix.shard }} from mode: list", v)
	}
	s := Shard{Index: si, Count: sn}
	if timed {
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(at))
		if err != nil {
			return Shard{}, fmt.Errorf("%q is not accepted: the time after @ must be RFC 3339 (2026-12-01T10:00:00Z), as mode: list writes it; pass ${{ matrix.shard }} unchanged", v)
		}
		s.At = t.UTC()
	}
	return s, nil
}

// lines splits a multi-line input, dropping blanks and # comments.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// ActionDetect is the detect configuration of an action run, for mode
// detect and for the matrix of mode list alike. The inputs stand where
// detect's flags do, so drift.yaml, the defaults and the environment fill
// the rest by the CLI's rule (resolveDetect); the event narrows the roots
// (a drift-detected dispatch) and adds label overrides.
func ActionDetect(a Action, ev Event, env Env) (Detect, error) {
	c := Detect{
		Format: "text", Parallelism: runtime.NumCPU(), Timeout: DefaultTimeout,
		LockTimeout: DefaultLockTimeout, Grace: DefaultGrace,
		Terraform: a.Terraform, Dirs: a.Dirs, Cwd: a.Workspace, Environ: env.Environ,
		Policy: Policy{Bundled: true, Timeout: DefaultPolicyTimeout},
	}
	// terraform-binary always has a value (its default is "terraform"), so
	// it is always given, as --terraform always was.
	set := map[string]bool{"terraform": true}
	configPath := a.ConfigFile
	if _, err := os.Stat(filepath.Join(a.Workspace, configPath)); err != nil && configPath == DefaultFile {
		configPath = "" // the default file, looked for from the repository root
	}
	if a.Parallelism > 0 {
		c.Parallelism, set["parallelism"] = a.Parallelism, true
	}
	if a.TerraformVersion.IsSet() {
		c.TerraformVersion, set["terraform-version"] = a.TerraformVersion, true
	}
	c.ReleasesURL, c.ReleasesKey = a.ReleasesURL, a.ReleasesKey
	c.TerraformLogLevel, c.ProgressInterval = a.TerraformLogLevel, a.ProgressInterval
	if a.TerraformLogDir != "" {
		c.TerraformLogDir = filepath.Join(a.Workspace, filepath.FromSlash(a.TerraformLogDir))
	}
	switch {
	case a.Policy.Disabled:
		c.Policy.Disabled, set["no-policy"] = true, true
	default:
		// The input means what --policy and --bundled mean; left empty, the
		// config file decides exactly as it does for the CLI.
		if len(a.Policy.Dirs) > 0 {
			c.Policy.Dirs, set["policy"] = a.Policy.Dirs, true
		}
		if a.Policy.Bundled {
			set["bundled"] = true
		}
		if len(a.Policy.Manifests) > 0 {
			c.Policy.Manifests, set["manifests"] = a.Policy.Manifests, true
		}
	}
	if err := resolveDetect(&c, configPath, set, Env{Getenv: env.Getenv, Environ: env.Environ, Cwd: a.Workspace}); err != nil {
		return c, err
	}
	c.Policy.Overrides = append(c.Policy.Overrides, a.Policy.Overrides...) // recorded as from the input
	c.Color = false
	c.Event = ev.Name
	if ev.DispatchType == "drift-detected" {
		c.OnlyRoots = ev.Roots
	}
	c.Shard = a.Shard
	c.Window = windowFor(c.File, ev, a.Shard, env.Now)
	// Labels override soft-mandatory policies on pull requests; recorded like any override.
	c.Policy.Overrides = append(c.Policy.Overrides, ev.Overrides()...)
	return c, nil
}

// actionMetrics reads the metrics inputs: the file is checked like the
// record's files (inside the repository, outside .git, no link on the way).
func actionMetrics(workspace string, in func(string) string) (Metrics, error) {
	m := Metrics{PushURL: in("pushgateway-url"), Job: in("pushgateway-job")}
	if v := in("metrics-file"); v != "" {
		f, err := recordPath(workspace, "metrics-file", v)
		if err != nil {
			return m, err
		}
		m.File = f
	}
	if m.PushURL != "" {
		if err := checkPushURL(m.PushURL); err != nil {
			return m, fmt.Errorf("input pushgateway-url: %w", err)
		}
	}
	if strings.ContainsAny(m.Job, "\n\r") {
		return m, fmt.Errorf("input pushgateway-job: %q must be one line", m.Job)
	}
	return m, nil
}

// checkPushURL accepts an http(s) base URL with a host; the value is not
// quoted, as it may carry credentials.
func checkPushURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("not an http:// or https:// URL with a host (value not shown: it may hold credentials): give the Pushgateway's base URL, e.g. http://pushgateway.monitoring:9091")
	}
	if strings.Contains(u.Path, "/metrics/job") {
		return errors.New("give the Pushgateway's base URL, without /metrics/job/...: the job and grouping labels are added by the action")
	}
	return nil
}
