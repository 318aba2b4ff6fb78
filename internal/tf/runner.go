// Package tf runs terraform for one target: init, one saved plan whose
// `-json` stream is read as it is written, and `show -json` only when the
// stream says there is something to detail, written by terraform straight
// to a file next to the plan, exactly as terraform printed it and never
// held in this process's memory. Commands are started as
// hashicorp/terraform-exec starts them (its environment rules, a process
// group, interrupt then kill), but by this package, so the version is
// probed once per executable rather than once per target (version.go).
package tf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"
	"github.com/myorg/drift-action/internal/retry"
	"github.com/myorg/drift-action/internal/tfsetting"
)

// Target is one plan to make: a root module directory with optional
// workspace and var-files.
type Target struct {
	Dir       string   // absolute path of the root module
	Workspace string   // "" keeps the current workspace
	VarFiles  []string // relative to Dir, or absolute
	PlanFile  string   // where to save the plan (absolute); `show -json` writes PlanFile+".json"
	// BackendConfig are init's -backend-config arguments, in order: a file
	// (relative to Dir, or absolute) or key=value.
	BackendConfig []string
	// Vars are plan's -var arguments, name=value, given after the
	// var-files so they win over them.
	Vars []string
	// Env is extra environment for terraform, KEY=VALUE, over Options.Env.
	// Its values are never part of an error or of anything printed.
	Env []string
	// DataDir is the target's own TF_DATA_DIR (backend settings, selected
	// workspace, modules), so targets of one root never share what init
	// wrote and may run side by side; "" uses Dir/.terraform, shared by
	// every target of the root.
	DataDir string
	// InitLock, when set, is held while init and workspace selection run:
	// init writes the root's dependency lock file (.terraform.lock.hcl),
	// which every target of a root shares.
	InitLock sync.Locker
	// StateLock, when set, is held while plan runs: targets of one run
	// that read one state (one root, workspace and backend settings) take
	// turns. Terraform's -lock-timeout does not cover them: a plan that
	// finds a local state locked before the holder has written its lock
	// info fails at once ("open .terraform.tfstate.lock.info: no such
	// file"), 2 plans in 80 here when two ran side by side.
	StateLock sync.Locker
	// Parallelism is plan's -parallelism, how many resources terraform
	// works on (and so how many provider calls it has in flight) at once;
	// 0 is terraform's default, 10.
	Parallelism int
	// LogFile, when set, is where terraform writes its own log
	// (TF_LOG_PATH, at Options.LogLevel) for every step of the target:
	// the file is made anew (owner only), and the plan is shown even when
	// clean so that its sensitive values are known to redact the log with
	// (see pipeline).
	LogFile string
}

// Options are shared by every target of a run.
type Options struct {
	Binary         string        // terraform or tofu executable
	Env            []string      // environment for terraform, KEY=VALUE
	PluginCacheDir string        // shared provider cache; "" leaves terraform's default
	Timeout        time.Duration // whole target (init+plan+show); 0 means none
	LockTimeout    time.Duration // how long to wait for the state lock
	Grace          time.Duration // after interrupting on timeout, wait this long before killing
	// LogLevel is TF_LOG for a Target with a LogFile (TRACE, DEBUG, INFO,
	// WARN, ERROR, JSON); "" is DEBUG. Without a LogFile terraform logs
	// nothing, as terraform-exec has it.
	LogLevel string
	// Progress, when set, is called every ProgressEvery while the target's
	// terraform runs, from another goroutine, never after Run returns: a
	// steady rate whatever terraform writes, so a hung provider shows too.
	Progress      func(Report)
	ProgressEvery time.Duration
	// TimeReads has the plan's stream time every provider read
	// (Events.ReadTimes), for request budgets; off, hook lines cost as
	// little as before.
	TimeReads bool
}

// Outcome is what terraform produced for a target.
type Outcome struct {
	// PlanJSONFile is the file `terraform show -json PLANFILE` printed to,
	// byte for byte (PlanFile+".json", readable by the owner only); "" when
	// the stream showed nothing to detail. It lives as long as the plan file.
	PlanJSONFile string
	PlanFile     string
	Events       Events
	// LogPlanJSONFile is the plan shown only because the target has a
	// LogFile and the stream showed nothing to detail: its sensitive values
	// are what the log may hold. It is no part of the verdict (a clean plan
	// is judged without one, logging or not).
	LogPlanJSONFile string
}

// ErrTimeout marks a target stopped because it ran past its timeout.
var ErrTimeout = errors.New("timed out")

// ErrIncompletePlan marks a plan whose outcome is unknown: terraform's stream
// did not show a finished plan, or contradicted its exit code.
var ErrIncompletePlan = errors.New("incomplete plan")

// StepError says which terraform step failed and carries terraform's words.
type StepError struct {
	Step string // setup, version, init, workspace, plan, show, apply
	Msg  string
	Err  error
}

func (e *StepError) Error() string { return e.Step + ": " + e.Msg }
func (e *StepError) Unwrap() error { return e.Err }

// withTimeout bounds a target's whole session by o.Timeout. The cause tells
// our timeout from the caller's cancellation.
func withTimeout(ctx context.Context, o Options) (context.Context, context.CancelFunc) {
	if o.Timeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeoutCause(ctx, o.Timeout, ErrTimeout)
}

// wrapper turns a failed terraform step into a StepError carrying
// terraform's own words.
func wrapper(ctx context.Context, o Options) func(step string, err error, diag string) error {
	return func(step string, err error, diag string) error {
		// Once the context is done, whatever terraform exited with is the
		// result of being interrupted, so the context says what happened.
		if cause := context.Cause(ctx); cause != nil {
			return stopped(step, cause, err, diag, o)
		}
		if diag == "" {
			diag = cleanExecError(err)
		} else if extra := stderrSummary(cleanExecError(err)); extra != "" {
			// Some failures (a provider crash) are told only on stderr.
			diag += "\n" + extra
		}
		return &StepError{Step: step, Msg: diag, Err: err}
	}
}

// Run plans one target. A nil error with nil PlanJSON means terraform found
// neither drift nor changes.
func Run(ctx context.Context, t Target, o Options) (Outcome, error) {
	out := Outcome{PlanFile: t.PlanFile}
	ctx, cancel := withTimeout(ctx, o)
	defer cancel()
	w, stop := startWatch(o)
	defer stop()
	tf, cache, err := newCommand(t.Dir, t.DataDir, t.Env, o, true)
	if err == nil && t.LogFile != "" {
		err = tf.logTo(t.LogFile, o.LogLevel)
	}
	if err != nil {
		return out, &StepError{Step: "setup", Msg: err.Error(), Err: err}
	}
	wrap := wrapper(ctx, o)
	w.begin("version", false)
	leanOK, err := checkVersion(ctx, tf)
	if err != nil {
		return out, wrap("version", err, "")
	}
	setup := tf
	if leanOK {
		setup = tf.lean()
	}
	err = initTarget(ctx, setup, t, wrap, w)
	if cache.view != "" {
		publish(cache.view, cache.shared)
	}
	if err != nil {
		return out, err
	}
	if t.StateLock != nil {
		w.begin("plan (waiting for the other targets of its state)", false)
		t.StateLock.Lock()
	}
	w.begin("plan", true)
	sp := &streamParser{watch: w}
	if o.TimeReads {
		sp.reads = &readClock{}
	}
	err = tf.run(ctx, sp, planArgs(t, o)...)
	if t.StateLock != nil {
		t.StateLock.Unlock()
	}
	_ = sp.Close()
	if sp.reads != nil {
		sp.ev.ReadTimes = sp.reads.times
	}
	out.Events = sp.ev
	// -detailed-exitcode: 2 is a finished plan with changes.
	hasChanges := exitCode(err) == 2
	if hasChanges {
		err = nil
	}
	if err != nil {
		return out, wrap("plan", err, sp.ev.ErrorText())
	}
	if len(sp.ev.Diagnostics) > 0 {
		// Exit code said fine but terraform reported errors: never clean.
		return out, &StepError{Step: "plan", Msg: sp.ev.ErrorText()}
	}
	if err := sp.ev.finished(hasChanges); err != nil {
		return out, &StepError{Step: "plan", Msg: err.Error(), Err: err}
	}
	needed := sp.ev.NeedsShow()
	if !needed && t.LogFile == "" {
		return out, nil
	}
	// The plan file is what later stages apply, so detail exactly that file.
	// Its bytes are kept as printed: policies read terraform's JSON as is,
	// and decoding then encoding again would change it (a delete's
	// "after": null, fields terraform-json does not know).
	jsonFile := t.PlanFile + ".json"
	w.begin("show", false)
	if err := showJSON(ctx, tf, t.PlanFile, jsonFile); err != nil {
		return out, wrap("show", err, "")
	}
	if needed {
		out.PlanJSONFile = jsonFile
	} else {
		out.LogPlanJSONFile = jsonFile
	}
	return out, nil
}

// initTarget runs init and selects the workspace, holding t.InitLock.
func initTarget(ctx context.Context, tf command, t Target, wrap func(string, error, string) error, w *watch) error {
	w.begin("init (waiting for the root's other targets)", false)
	if t.InitLock != nil {
		t.InitLock.Lock()
		defer t.InitLock.Unlock()
	}
	w.begin("init", false)
	if err := tf.run(ctx, nil, initArgs(t)...); err != nil {
		return wrap("init", err, "")
	}
	if t.Workspace != "" {
		w.begin("workspace select", false)
		if err := tf.run(ctx, nil, "workspace", "select", "-no-color", t.Workspace); err != nil {
			return wrap("workspace", err, "")
		}
	}
	return nil
}

// initArgs builds `terraform init` for a target: providers as locked, with
// the target's backend settings. The flags are terraform-exec's for Init.
func initArgs(t Target) []string {
	args := []string{"init", "-no-color", "-input=false", "-backend=true", "-get=true", "-upgrade=false"}
	for _, bc := range t.BackendConfig {
		args = append(args, "-backend-config="+bc)
	}
	return args
}

// planArgs builds `terraform plan -json` for a target: the saved plan, the
// state lock waited for, the var-files then the vars (later wins). The
// flags and their order are terraform-exec's for PlanJSON.
func planArgs(t Target, o Options) []string {
	args := []string{"plan", "-no-color", "-input=false", "-detailed-exitcode",
		"-lock-timeout=" + o.LockTimeout.String(), "-out=" + t.PlanFile}
	for _, vf := range t.VarFiles {
		args = append(args, "-var-file="+vf)
	}
	par := 10 // terraform's own default, as terraform-exec passes it
	if t.Parallelism > 0 {
		par = t.Parallelism
	}
	args = append(args, "-lock=true", "-parallelism="+strconv.Itoa(par), "-refresh=true")
	for _, v := range t.Vars {
		args = append(args, "-var", v)
	}
	return append(args, "-json")
}

// showJSON runs `terraform show -json PLANFILE` with its stdout being the
// file to: terraform writes the plan there itself, so a plan of any size
// costs this process nothing.
func showJSON(ctx context.Context, tf command, planFile, to string) error {
	f, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("plan json file: %w", err)
	}
	err = tf.run(ctx, f, "show", "-json", "-no-color", planFile)
	if cerr := f.Close(); err == nil && cerr != nil {
		return fmt.Errorf("plan json file: %w", cerr)
	}
	return err
}

// command is how every terraform step of one target is started.
type command struct {
	bin, dir string
	env      []string
	grace    time.Duration
}

// A terraform process spends a good part of a short command in its
// garbage collector: it collects three times while starting, whatever the
// root, about a fifth of the CPU of an init or a version probe (measured
// in bench/README.md). Those steps keep little alive and allocate little,
// so lean runs them with the collector off until the heap reaches
// leanHeap: no collection at all for a usual init, normal collection
// beyond it, so memory stays bounded. Plan, show and apply keep the
// runtime's defaults: their heap grows with the state, and a limit below
// it would make the collector run without end. Providers are started by
// plan and apply only, so none inherits it. A user who sets GOGC or
// GOMEMLIMIT keeps their settings for every step.
const leanHeap = "512MiB"

// lean is c with the collector deferred, for terraform's setup steps
// (version, init, workspace select); see leanHeap.
func (c command) lean() command {
	for _, kv := range c.env {
		if strings.HasPrefix(kv, "GOGC=") || strings.HasPrefix(kv, "GOMEMLIMIT=") {
			return c
		}
	}
	c.env = append(slices.Clip(c.env), "GOGC=off", "GOMEMLIMIT="+leanHeap)
	return c
}

// logTo has every step of c write terraform's log to file at level ("":
// DEBUG), in place of the empty TF_LOG* commandEnv sets. The file is made
// anew, readable by its owner only; terraform appends to it.
func (c *command) logTo(file, level string) error {
	if level == "" {
		level = "DEBUG"
	}
	if !slices.Contains(LogLevels, level) {
		return fmt.Errorf("terraform log level %q: use one of %s", level, strings.Join(LogLevels, ", "))
	}
	// Made anew rather than truncated: an earlier file's mode is not kept.
	if err := os.Remove(file); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("terraform log file: %w", err)
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("terraform log file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("terraform log file: %w", err)
	}
	env := slices.DeleteFunc(slices.Clone(c.env), func(kv string) bool {
		return strings.HasPrefix(kv, "TF_LOG=") || strings.HasPrefix(kv, "TF_LOG_PATH=")
	})
	c.env = append(env, "TF_LOG="+level, "TF_LOG_PATH="+file)
	return nil
}

// LogLevels are the values of TF_LOG terraform knows.
var LogLevels = tfsetting.LogLevels

// defaultGrace is terraform-exec's wait after the interrupt when Options
// gives none.
const defaultGrace = 60 * time.Second

// run runs terraform with args in c.dir, stdout to stdout (nil discards
// it), as terraform-exec runs a command: its own process group, killed if
// this process dies, interrupted when ctx ends. c.grace after the
// interrupt, the whole group is killed: terraform and the providers it
// started, which terraform-exec (and exec) would leave running. Whatever
// terraform leaves in its group when it ends is killed too. A failed
// command's error is exec's, then terraform's stderr. A command that
// started is always waited for, so a stopped one's error is an
// *exec.ExitError (see stopped).
func (c command) run(ctx context.Context, stdout io.Writer, args ...string) error {
	var stderr bytes.Buffer
	cmd, err := start(ctx, func() *exec.Cmd {
		cmd := exec.Command(c.bin, args...)
		cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = c.dir, c.env, stdout, &stderr
		cmd.SysProcAttr = sysProcAttr()
		// A process outside the group (one that left it) holding
		// terraform's output open must not hold up Wait for ever.
		cmd.WaitDelay = c.grace
		return cmd
	}, busyRetry)
	if err != nil {
		return fmt.Errorf("%w\n%s", err, stderr.String())
	}
	interrupted, err := c.await(ctx, cmd)
	if err == nil && interrupted {
		err = ctx.Err() // it exited 0 once interrupted: still a stopped run
	}
	if err == nil {
		return nil
	}
	var exit *exec.ExitError
	if cmd.ProcessState != nil && !errors.As(err, &exit) {
		// It exited 0 once interrupted, or its output outlived it (exec
		// then reports ErrWaitDelay): it still ran.
		err = errors.Join(err, &exec.ExitError{ProcessState: cmd.ProcessState})
	}
	return fmt.Errorf("%w\n%s", err, stderr.String())
}

// busyRetry paces the tries of a start that found terraform's executable
// busy: 5 ms doubling to 640 ms, nine tries, 1.3 s of waits in all.
var busyRetry = retry.Policy{Attempts: 9, Base: 5 * time.Millisecond, Max: 640 * time.Millisecond, NoJitter: true}

// start starts the command build makes. A terraform installed by this
// process a moment ago can still be open for writing in a child that
// another goroutine forked while it was written (Linux then refuses to run
// it: ETXTBSY, golang/go#22315), until that child's own exec closes it. Such
// a start ran nothing, so it is tried again as p says; any other failure
// is returned at once.
func start(ctx context.Context, build func() *exec.Cmd, p retry.Policy) (*exec.Cmd, error) {
	var cmd *exec.Cmd
	err := retry.Do(ctx, p, func(context.Context, int) error {
		cmd = build()
		err := cmd.Start()
		if err == nil || errors.Is(err, syscall.ETXTBSY) {
			return err
		}
		return retry.Permanent(err)
	})
	return cmd, err
}

// await waits for the started cmd: when ctx ends first, terraform is
// interrupted, and its group killed c.grace later. It reports whether ctx
// ended first, and Wait's error.
func (c command) await(ctx context.Context, cmd *exec.Cmd) (interrupted bool, err error) {
	pid := cmd.Process.Pid
	done := make(chan error, 1)
	go func() { done <- exited(pid) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		interrupted = true
		_ = cmd.Process.Signal(os.Interrupt)
		grace := time.NewTimer(c.grace)
		select {
		case err = <-done:
		case <-grace.C:
			killGroup(pid)
			_ = cmd.Process.Kill() // where there is no group
			err = <-done
		}
		grace.Stop()
	}
	if err != nil {
		// Not known to have exited (errNoGroup, or waitid failed): never
		// kill a group that may not be terraform's any more.
		return interrupted, c.awaitNoGroup(ctx, cmd, interrupted)
	}
	// terraform has exited and is not reaped: its group id is still its own.
	killGroup(pid)
	return interrupted, cmd.Wait()
}

// errNoGroup is exited's answer where a process cannot be waited for
// without reaping it.
var errNoGroup = errors.New("no process group")

// awaitNoGroup waits as exec does: Wait reaps; an interrupt not followed
// within c.grace is followed by a kill.
func (c command) awaitNoGroup(ctx context.Context, cmd *exec.Cmd, interrupted bool) error {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if !interrupted {
		select {
		case err := <-done:
			return err
		case <-ctx.Done():
			_ = cmd.Process.Signal(os.Interrupt)
		}
	}
	select {
	case err := <-done:
		return err
	case <-time.After(c.grace):
		_ = cmd.Process.Kill()
		return <-done
	}
}

// exitCode is the exit code in err, or -1.
func exitCode(err error) int {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	return -1
}

func binary(o Options) string {
	if o.Binary == "" {
		return "terraform"
	}
	return o.Binary
}

// stopped reports a step cut off by the timeout (cause ErrTimeout) or by the
// caller cancelling. Its error matches the cause, and exec's error when
// terraform ran.
func stopped(step string, cause, err error, diag string, o Options) error {
	var exit *exec.ExitError
	ran := errors.As(err, &exit)
	killed := ran && strings.Contains(exit.Error(), "signal: killed")
	var msg string
	switch {
	case errors.Is(cause, ErrTimeout):
		msg = fmt.Sprintf("timed out after %s (terraform was interrupted and given %s to release the state lock)", o.Timeout, o.Grace)
	case ran:
		msg = "cancelled: the run was interrupted before terraform " + step + " finished"
	default:
		msg = "cancelled: the run was interrupted before terraform " + step + " started"
	}
	if !errors.Is(cause, ErrTimeout) && cause.Error() != context.Canceled.Error() {
		msg += " (" + cause.Error() + ")"
	}
	if killed {
		msg += fmt.Sprintf("; terraform did not stop within %s of the interrupt and was killed with its providers, so a remote state lock may still be held: check it and run terraform force-unlock if needed", o.Grace)
	}
	if diag != "" {
		msg += "; terraform said: " + diag
	}
	if errors.Is(cause, ErrTimeout) {
		cause = errors.Join(ErrTimeout, context.DeadlineExceeded)
	}
	if ran {
		return &StepError{Step: step, Msg: msg, Err: errors.Join(cause, exit)}
	}
	return &StepError{Step: step, Msg: msg, Err: cause}
}

// pluginCache is where init finds and installs providers: shared is the
// cache every target uses, view the target's own view of it (cache.go).
type pluginCache struct{ shared, view string }

// newCommand sets up terraform for dir with a target's data directory and
// extra environment. With forInit, init will run and is given a view of
// the shared plugin cache.
func newCommand(dir, dataDir string, targetEnv []string, o Options, forInit bool) (command, pluginCache, error) {
	var cache pluginCache
	if _, err := os.Stat(dir); err != nil {
		return command{}, cache, fmt.Errorf("root directory: %w", err)
	}
	env, vars, err := environment(o.Env, targetEnv, dataDir)
	if err != nil {
		return command{}, cache, err
	}
	// `terraform version` runs once per executable per process (see
	// checkVersion); with checkpoint on, that call asks
	// HashiCorp's server for news and can stall for seconds where the
	// network is slow or closed. Automation has no use for it; a user who
	// sets CHECKPOINT_DISABLE keeps their value.
	if _, set := env["CHECKPOINT_DISABLE"]; !set {
		env["CHECKPOINT_DISABLE"] = "1"
	}
	if o.PluginCacheDir != "" && env["TF_PLUGIN_CACHE_DIR"] == "" {
		if err := os.MkdirAll(o.PluginCacheDir, 0o755); err != nil {
			return command{}, cache, fmt.Errorf("plugin cache: %w", err)
		}
		env["TF_PLUGIN_CACHE_DIR"] = o.PluginCacheDir
	}
	if cache.shared = env["TF_PLUGIN_CACHE_DIR"]; cache.shared != "" && forInit {
		data := env["TF_DATA_DIR"]
		if data == "" {
			data = filepath.Join(dir, ".terraform")
		} else if !filepath.IsAbs(data) {
			data = filepath.Join(dir, data)
		}
		if !filepath.IsAbs(cache.shared) {
			// As terraform reads it: from the directory it runs in.
			cache.shared = filepath.Join(dir, cache.shared)
		}
		cache.view = filepath.Join(data, viewName)
		if err := makeView(cache.shared, cache.view); err != nil {
			return command{}, cache, err
		}
		env["TF_PLUGIN_CACHE_DIR"] = cache.view
	}
	// Variables from the environment keep their own precedence (below
	// terraform.tfvars and var-files) and may name variables a root does
	// not declare, which -var may not. Tests check they reach terraform.
	maps.Copy(env, vars)
	grace := o.Grace
	if grace <= 0 {
		grace = defaultGrace
	}
	return command{bin: binary(o), dir: dir, env: commandEnv(env), grace: grace}, cache, nil
}

// environment is terraform's environment: the run's, then the target's
// over it, then the target's data directory. TF_VAR_* entries come back
// apart (see newCommand); the variables terraform-exec reserves to itself
// are dropped from the run's environment, but for a user agent suffix,
// which terraform-exec passed on too. Errors name keys, never values.
func environment(runEnv, targetEnv []string, dataDir string) (env, vars map[string]string, err error) {
	env, vars = map[string]string{}, map[string]string{}
	for _, kv := range runEnv {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	for _, kv := range targetEnv {
		k, v, _ := strings.Cut(kv, "=")
		if why, reserved := tfsetting.ReservedEnv(k); reserved {
			return nil, nil, fmt.Errorf("target environment: %s is set by drift-action, not by a target (%s)", k, why)
		}
		env[k] = v
	}
	for k, v := range env {
		if strings.HasPrefix(k, varPrefix) {
			vars[k] = v
		}
	}
	ua, hasUA := env["TF_APPEND_USER_AGENT"]
	env = tfexec.CleanEnv(env)
	if hasUA {
		env["TF_APPEND_USER_AGENT"] = ua // the run's: a target may not set it
	}
	if dataDir != "" {
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, nil, fmt.Errorf("data directory: %w", err)
		}
		env["TF_DATA_DIR"] = dataDir
	}
	return env, vars, nil
}

const varPrefix = "TF_VAR_"

// commandEnv is env as terraform-exec passed it to every terraform it ran:
// logging off (so TF_LOG cannot flood stderr), TF_IN_AUTOMATION set, and
// TF_WORKSPACE dropped (workspaces are selected, not inherited).
func commandEnv(env map[string]string) []string {
	out := make([]string, 0, len(env)+5)
	for k, v := range env {
		switch k {
		case "TF_LOG", "TF_LOG_CORE", "TF_LOG_PATH", "TF_LOG_PROVIDER", "TF_IN_AUTOMATION", "TF_WORKSPACE":
			continue
		}
		out = append(out, k+"="+v)
	}
	return append(out, "TF_LOG=", "TF_LOG_CORE=", "TF_LOG_PATH=", "TF_LOG_PROVIDER=", "TF_IN_AUTOMATION=1")
}

var exitStatus = regexp.MustCompile(`^exit status \d+\s*`)

// cleanExecError keeps terraform's message and drops exec's "exit status N".
func cleanExecError(err error) string {
	s := strings.TrimSpace(exitStatus.ReplaceAllString(err.Error(), ""))
	// Warnings (a missing CLI config file, say) come first; the error is what matters.
	if i := strings.Index(s, "Error: "); i > 0 && (s[i-1] == '\n' || s[i-1] == ' ') {
		s = s[i:]
	}
	if s == "" {
		return err.Error()
	}
	return s
}

// stderrSummary keeps the lines of terraform's stderr a person needs (errors
// and a provider's panic message) and drops stack traces.
func stderrSummary(stderr string) string {
	var keep []string
	for _, l := range strings.Split(stderr, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "Error:") || strings.HasPrefix(l, "panic:") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}
