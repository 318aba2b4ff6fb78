// Package config turns command-line flags, the environment and
// `.github/drift.yaml` into one validated configuration. It is the only
// package that reads the environment; everything else is handed values.
package config

import (
	"errors"
	"flag"
	"fmt"
	"github.com/myorg/drift-action/internal/exitcode"
	"github.com/myorg/drift-action/internal/tfsetting"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// DefaultFile is where the config file is looked for, from the repository root.
const DefaultFile = ".github/drift.yaml"

// Defaults that flags and the config file override.
const (
	DefaultTimeout     = 30 * time.Minute
	DefaultLockTimeout = time.Minute
	DefaultGrace       = 30 * time.Second
	// DefaultProgressInterval is how often a running target says where
	// its terraform is.
	DefaultProgressInterval = 15 * time.Second
	// MinProgressInterval keeps progress lines from flooding the log: a
	// millisecond interval printed hundreds of thousands of lines a minute.
	MinProgressInterval = time.Second
	// DefaultTerraformLogLevel is TF_LOG for terraform's log files.
	DefaultTerraformLogLevel = "DEBUG"
)

// Env is the process environment, injected so tests can fake it.
type Env struct {
	Getenv  func(string) string
	Environ []string // KEY=VALUE, handed to terraform
	Cwd     string
	// Now is the clock a scheduled run's window slot is read from; nil is
	// time.Now.
	Now func() time.Time
}

// InAction reports whether the process runs as a step of a GitHub Actions
// workflow (GITHUB_ACTIONS=true).
func (e Env) InAction() bool { return e.Getenv("GITHUB_ACTIONS") == "true" }

// GatekeeperBin is $DRIFT_ACTION_GATEKEEPER: the companion binary for
// Gatekeeper, when not beside this one or on PATH.
func (e Env) GatekeeperBin() string { return e.Getenv("DRIFT_ACTION_GATEKEEPER") }

// RunnerFiles looks up the files the runner names for a step's outputs and
// job summary (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY), for actions.New; any
// other name is "".
func (e Env) RunnerFiles() func(string) string {
	return func(name string) string {
		switch name {
		case "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY":
			return e.Getenv(name)
		}
		return ""
	}
}

// Demo is what `drift-action demo` needs from the environment.
type Demo struct {
	CacheDir  string // where the demo's providers and state are kept
	Terraform string // $DRIFT_ACTION_TERRAFORM, else terraform
}

// ParseDemo reads the demo's settings from the environment.
func ParseDemo(env Env) Demo {
	d := Demo{CacheDir: env.Getenv("XDG_CACHE_HOME"), Terraform: env.Getenv("DRIFT_ACTION_TERRAFORM")}
	if d.CacheDir == "" {
		d.CacheDir = filepath.Join(env.Getenv("HOME"), ".cache")
	}
	d.CacheDir = filepath.Join(d.CacheDir, "drift-action", "demo")
	if d.Terraform == "" {
		d.Terraform = "terraform"
	}
	return d
}

// Detect is everything one `detect` run needs.
type Detect struct {
	Format         string
	Parallelism    int
	Timeout        time.Duration
	LockTimeout    time.Duration
	Grace          time.Duration
	Terraform      string
	Dirs           []string // paths or globs, relative to Cwd
	Cwd            string
	RepoRoot       string
	File           File
	Environ        []string
	PluginCacheDir string
	Color          bool // colour allowed (NO_COLOR unset); the caller still checks for a TTY
	Policy         Policy
	Event          string   // what started the run: cli, schedule, pull_request, ...
	OnlyRoots      []string // narrow discovered targets to these roots (repository_dispatch)
	Shard          Shard    // this job's part of a matrix run
	GatekeeperBin  string   // $DRIFT_ACTION_GATEKEEPER: the companion binary for manifests
	MetricsFile    string   // --metrics-file: where to write the run's Prometheus metrics; "" writes none

	// Window, on a scheduled run with drift.yaml's schedule-window, plans
	// only the targets due in the slot of Window.At; zero plans all.
	Window Window

	// TerraformLogDir, when set, gets terraform's own log of each target,
	// one file each (TF_LOG_PATH), at TerraformLogLevel (TF_LOG).
	TerraformLogDir, TerraformLogLevel string
	// ProgressInterval is how often each running target's progress is
	// printed; 0 prints none.
	ProgressInterval time.Duration

	// TerraformVersion is which terraform each root is planned with:
	// auto (the zero value), a version or a constraint.
	TerraformVersion tfsetting.Version
	// ReleasesURL and ReleasesKey are where terraform releases are
	// downloaded from and the armored key their SHA256SUMS are signed
	// with; "" is HashiCorp's releases site and key.
	ReleasesURL, ReleasesKey string
}

// Formats are the renderings of the report for people and programs
// (detect's and demo's --format).
var Formats = []string{"text", "json", "markdown"}

// DetectFormats are what detect's --format takes: the report's formats
// and SARIF, for code scanning.
var DetectFormats = append(slices.Clip(Formats), "sarif")

// ErrHelp is returned when the user asked for usage.
var ErrHelp = flag.ErrHelp

// DetectExitCodes is the exit code contract of detect, as its help and the
// README state it; internal/exitcode defines it.
const DetectExitCodes = exitcode.Short

// detectCommand declares the detect flags, writing into c. The config file
// path is returned apart: it is read before the rest of c is settled.
func detectCommand(c *Detect) (Command, *string) {
	fset := flag.NewFlagSet("detect", flag.ContinueOnError)
	configPath := fset.String("config", "", "config `FILE` (default: "+DefaultFile+" in the repository root, if present)")
	fset.StringVar(&c.Format, "format", "text", "output `FORMAT`: "+strings.Join(DetectFormats, ", "))
	fset.IntVar(&c.Parallelism, "parallelism", runtime.NumCPU(), "`N` targets planned at once (default: number of CPUs)")
	fset.DurationVar(&c.Timeout, "timeout", DefaultTimeout, "time limit per target (init + plan + show); on expiry terraform is interrupted, given the grace period, then killed")
	fset.DurationVar(&c.LockTimeout, "lock-timeout", DefaultLockTimeout, "how long terraform waits for a held state lock")
	fset.DurationVar(&c.Grace, "grace-period", DefaultGrace, "after a timeout interrupts terraform, how long it may take to stop before it is killed")
	fset.StringVar(&c.Terraform, "terraform", "terraform", "terraform or tofu executable: a `PATH`, or a name looked up on $PATH")
	fset.StringVar(&c.TerraformLogDir, "terraform-log-dir", "", "write terraform's own log of each target to a file in `DIR` (TF_LOG_PATH); terraform's logs can hold values it does not mark sensitive")
	fset.StringVar(&c.TerraformLogLevel, "terraform-log-level", DefaultTerraformLogLevel, "TF_LOG `LEVEL` of --terraform-log-dir's files: "+strings.Join(tfsetting.LogLevels, ", "))
	fset.DurationVar(&c.ProgressInterval, "progress-interval", DefaultProgressInterval, "how often each running target prints where terraform is (the step, resources refreshed, the one it waits on); 0 prints none")
	policyFlags(fset, &c.Policy)
	fset.BoolVar(&c.Policy.Disabled, "no-policy", false, "skip policy evaluation")
	fset.StringVar(&c.MetricsFile, "metrics-file", "", "write the run's Prometheus metrics to `FILE` (text format, replaced atomically: point it into node_exporter's textfile directory, named *.prom)")
	fset.Var(listFlag{&c.Policy.Manifests}, "manifests", "Kubernetes manifest files or globs (`GLOB`, repeatable) to check with the Gatekeeper constraints (default: drift.yaml's policy.manifests)")
	return Command{Flags: fset, Header: "usage: drift-action detect [flags] [DIR|GLOB...]\n\n" +
		"Plans every root module below DIR (or the config file's roots, or the\n" +
		"repository) and reports drift and pending changes. Flags may come before\n" +
		"or after the directories; -- ends the flags.\n\n" +
		"Exit codes: " + DetectExitCodes + "\n"}, configPath
}

// ParseDetect reads `detect` flags, then the config file, then fills defaults.
// Flags win over the file, the file over defaults. A malformed command line
// prints the usage to usage; -h returns a *HelpError.
func ParseDetect(args []string, env Env, usage io.Writer) (Detect, error) {
	c := Detect{Cwd: env.Cwd, Environ: env.Environ}
	cmd, configPath := detectCommand(&c)
	dirs, err := cmd.Parse(args, usage)
	if err != nil {
		return c, err
	}
	fset := cmd.Flags
	set := map[string]bool{}
	fset.Visit(func(f *flag.Flag) { set[f.Name] = true })
	c.Dirs = dirs
	if err := c.checkFlags(); err != nil {
		return c, err
	}
	return c, resolveDetect(&c, *configPath, set, env)
}

// checkFlags checks the values detect's flags gave (ParseLocal's too).
func (c Detect) checkFlags() error {
	if !slices.Contains(DetectFormats, c.Format) {
		return fmt.Errorf("--format %q is not supported: use one of %s", c.Format, strings.Join(DetectFormats, ", "))
	}
	if c.Parallelism < 1 {
		return fmt.Errorf("--parallelism must be at least 1, got %d", c.Parallelism)
	}
	for name, d := range map[string]time.Duration{"timeout": c.Timeout, "lock-timeout": c.LockTimeout, "grace-period": c.Grace, "progress-interval": c.ProgressInterval} {
		if d < 0 {
			return fmt.Errorf("--%s must not be negative, got %s", name, d)
		}
	}
	if err := checkLogLevel(c.TerraformLogLevel); err != nil {
		return fmt.Errorf("--terraform-log-level %w", err)
	}
	if d := c.ProgressInterval; d > 0 && d < MinProgressInterval {
		return fmt.Errorf("--progress-interval %s: use 0 for no progress lines, or at least %s (every target prints a line each interval)", d, MinProgressInterval)
	}
	return nil
}

// resolveDetect completes a detect configuration whose settings given
// explicitly (flags, or the action's inputs) are named in set: drift.yaml
// (configPath, or the default file when "") fills the rest, then the
// defaults and the environment do. It is the one resolution rule for the
// CLI and the action.
func resolveDetect(c *Detect, configPath string, set map[string]bool, env Env) error {
	c.RepoRoot = RepoRoot(env.Cwd)
	if err := c.settlePaths(); err != nil {
		return err
	}
	f, err := loadFile(configPath, c.RepoRoot, env.Cwd)
	if err != nil {
		return err
	}
	// Targets' ${NAME} references read the environment handed to
	// terraform, never this process's own.
	if err := f.ExpandTargets(Lookup(env.Environ)); err != nil {
		return err
	}
	c.File = f
	if !set["parallelism"] && f.Parallelism > 0 {
		c.Parallelism = f.Parallelism
	}
	if !set["timeout"] && f.Timeout > 0 {
		c.Timeout = f.Timeout
	}
	if !set["lock-timeout"] && f.LockTimeout > 0 {
		c.LockTimeout = f.LockTimeout
	}
	if !set["grace-period"] && f.Grace > 0 {
		c.Grace = f.Grace
	}
	if !set["terraform"] && f.Terraform != "" {
		c.Terraform = f.Terraform
	}
	if !set["terraform-version"] && f.TerraformVersion.IsSet() {
		c.TerraformVersion = f.TerraformVersion
	}
	if err := resolvePolicy(&c.Policy, f.Policy, set); err != nil {
		return err
	}
	c.Event = "cli"
	c.GatekeeperBin = env.GatekeeperBin()
	c.Color = env.Getenv("NO_COLOR") == ""
	c.PluginCacheDir = pluginCache(env.Getenv)
	return nil
}

// settlePaths makes --terraform-log-dir and --metrics-file absolute from
// the directory they were given in (Cwd): terraform runs in each root's
// directory and would take a relative TF_LOG_PATH from there. The metrics
// file's directory is checked now, not after every target has planned.
func (c *Detect) settlePaths() error {
	for _, p := range []*string{&c.TerraformLogDir, &c.MetricsFile} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(c.Cwd, *p)
		}
	}
	if c.MetricsFile == "" {
		return nil
	}
	if st, err := os.Stat(c.MetricsFile); err == nil && st.IsDir() {
		return fmt.Errorf("--metrics-file %s is a directory: name a file in it, such as %s", c.MetricsFile, filepath.Join(c.MetricsFile, "drift.prom"))
	}
	dir := filepath.Dir(c.MetricsFile)
	st, err := os.Stat(dir)
	if err == nil && !st.IsDir() {
		err = errors.New("not a directory")
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("--metrics-file %s: directory %s: %w: create it, or name a file in an existing directory (node_exporter's textfile directory)", c.MetricsFile, dir, err)
	}
	return nil
}

func loadFile(explicit, repoRoot, cwd string) (File, error) {
	path := explicit
	if path == "" {
		path = filepath.Join(repoRoot, DefaultFile)
	} else if !filepath.IsAbs(path) {
		path = filepath.Join(cwd, path)
	}
	data, err := os.ReadFile(path)
	if explicit == "" && errors.Is(err, fs.ErrNotExist) {
		return File{}, nil // no config file: discover everything
	}
	if err != nil {
		// The path may come from a workflow input: quoted, it stays one line.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return File{}, fmt.Errorf("read config %q: %w (pass --config, or the config input, with an existing file)", path, err)
	}
	rel := path
	if r, err := filepath.Rel(cwd, path); err == nil && !strings.HasPrefix(r, "..") {
		rel = r
	}
	return ParseFile(rel, data)
}

// RepoRoot is the nearest directory at or above dir holding .git, else dir.
func RepoRoot(dir string) string {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir
		}
		d = parent
	}
}

// pluginCache shares downloaded providers between targets and runs; the
// user's TF_PLUGIN_CACHE_DIR wins.
func pluginCache(getenv func(string) string) string {
	if d := getenv("TF_PLUGIN_CACHE_DIR"); d != "" {
		return d
	}
	base := getenv("XDG_CACHE_HOME")
	if base == "" {
		home := getenv("HOME")
		if home == "" {
			return ""
		}
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "drift-action", "plugin-cache")
}

// checkLogLevel accepts the TF_LOG levels terraform knows, in upper case
// as terraform prints them.
func checkLogLevel(level string) error {
	if !slices.Contains(tfsetting.LogLevels, level) {
		return fmt.Errorf("%q is not accepted: use one of %s", level, strings.Join(tfsetting.LogLevels, ", "))
	}
	return nil
}
