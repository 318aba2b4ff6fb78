// Package pipeline runs the detect stages for every target of a run:
// discover and select the targets, plan each once with terraform, classify
// the plan, evaluate the policies, and hand on one Verdict per target with
// everything later stages need (the verdict, the redacted policy results,
// the saved plan and the file terraform printed its JSON to, both kept until
// the run ends, and where each resource is declared).
package pipeline

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/myorg/drift-action/internal/discover"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/tf"
	"github.com/myorg/drift-action/internal/tfinstall"
	"github.com/myorg/drift-action/internal/tfsetting"
	"github.com/myorg/drift-action/internal/tfsource"
)

// Verdict is everything the run learned about one target, built once by
// planTarget (classification, snoozes at the plan's time, policy results,
// the checks level, where each address is declared, the plan files) and
// only read afterwards: every renderer, the record, heal, remediation pull
// requests and Slack are projections of it. A re-plan before a heal goes
// through the same builder. What a run did with it is a separate value.
//
// Every string of it a consumer can show is redacted once, by the builder
// (Judge.Redactor: the plan's sensitive values and drift.yaml's masks, in
// every form), and nothing downstream redacts it again.
type Verdict struct {
	Target discover.Target
	Result drift.Result
	// Policy are the target's policy results, redacted with the rest of
	// the verdict; nil when policies were not evaluated.
	Policy []policy.Result
	// PlanFile is the saved plan the verdict was made from, kept until
	// Run.Close so a later stage can apply exactly what was evaluated; ""
	// when terraform did not finish planning.
	PlanFile string
	// DataDir is the target's initialised terraform data directory
	// (TF_DATA_DIR), kept with the saved plan until Run.Close: applying
	// the plan needs the backend it was made against.
	DataDir string
	// PlanJSONFile is the file `terraform show -json PLANFILE` printed to,
	// byte for byte, kept until Run.Close like the plan; "" when the plan
	// had nothing to detail or was never made. Read it when needed (it can
	// be tens of megabytes) rather than keeping it in memory.
	PlanJSONFile string
	// Source says where each address the verdict reports (drift, changes,
	// policy results) is declared in the root module; addresses not found
	// are absent.
	Source map[string]tfsource.Pos
	// Terraform is the executable the target was planned with (see
	// tfinstall): apply the saved plan with the same one. It lives until
	// Run.Close when it is a release installed by the run.
	Terraform string
	// TerraformLog is terraform's own log of the target (--terraform-log-dir),
	// redacted like the verdict; "" when none was written or it could not be
	// redacted (then it was removed). It is a file for people to download,
	// never shown in a report.
	TerraformLog string
	// Reads are how long the plan's provider reads took, by the
	// provider's implied name (tf.Events.ReadTimes); timed only when
	// drift.yaml sets budgets, for the next run's parallelism.
	Reads map[string][]time.Duration
}

// Run is the outcome of planning every selected target.
type Run struct {
	Verdicts []Verdict // in target order
	// Policies is true when policies were evaluated (Verdict.Policy and
	// Manifests are then the whole verdict).
	Policies bool
	// Manifests are Gatekeeper's verdicts on the Kubernetes manifests.
	Manifests []policy.Result
	// Selection says which roots a pull request run planned and why, and
	// which it skipped; nil when every root was planned as usual.
	Selection *discover.Selection
	// Warnings are drift.yaml entries the run could not apply as written
	// (a snooze matching no root or target), each naming its file:line.
	Warnings []Warning
	planDir  string
	// sharedClean counts the clean plans whose policy results were another
	// clean plan's (sharedResults).
	sharedClean int
}

// Close removes the saved plans; call it once the last stage is done.
func (r Run) Close() error {
	if r.planDir == "" {
		return nil
	}
	return os.RemoveAll(r.planDir)
}

// Results are the verdicts. drift results, in target order.
func (r Run) Results() []drift.Result {
	out := make([]drift.Result, len(r.Verdicts))
	for i, o := range r.Verdicts {
		out[i] = o.Result
	}
	return out
}

// ManifestChecker evaluates Kubernetes manifests (globs relative to the
// working directory) with Gatekeeper. It is the caller's edge: the
// companion binary.
type ManifestChecker func(ctx context.Context, globs []string) ([]policy.Result, error)

// Options are everything one detect run needs. The caller (app) fills
// them once from config's parsed values; pipeline reads no config.
type Options struct {
	// Find says where the targets are (discover.Targets): the working
	// directory, the repository, the run's directories, drift.yaml's roots.
	Find discover.Request
	// Choose says which of them this job plans (discover.Choose).
	Choose discover.Choice
	// Policies are the policies compiled for the run; nil evaluates none.
	Policies *Policies
	// Rules are how every target's plan is judged (NewJudge).
	Rules Rules
	// Checks is what a failing check block does to a verdict.
	Checks drift.CheckLevel
	// Terraform is how terraform runs for every target: Binary is the
	// configured executable (each root may get another, see Version),
	// Timeout the limit per target unless the target sets its own.
	Terraform tf.Options
	// Version is terraform-version; ReleasesURL and ReleasesKey are where
	// releases are installed from ("" is HashiCorp's site and key).
	Version                  tfsetting.Version
	ReleasesURL, ReleasesKey string
	Parallelism              int // targets planned at once; at least 1
	// TerraformLogDir, when set, keeps each target's terraform log there
	// (redacted like the verdict).
	TerraformLogDir string
	// Budgets are drift.yaml's request budgets: each target's terraform
	// parallelism is chosen from them and the read latency last measured.
	Budgets []Budget
	// evalEveryClean evaluates the policies for every clean plan, as
	// before clean plans shared their results (tests compare the two).
	evalEveryClean bool
}

// Detect discovers and selects targets and plans them in parallel. One
// failing target never hides the others: its result is an error, theirs
// are reported. Policies compile, and manifests are checked, before any
// terraform runs. The caller closes the returned Run, also on error.
func Detect(ctx context.Context, c Options, progress io.Writer, manifests ManifestChecker) (Run, error) {
	targets, err := discover.Targets(c.Find)
	if err != nil {
		return Run{}, err
	}
	// Checked against every target found, before the selection narrows
	// them: a snooze for a root this job does not plan is no mistake.
	warnings := SnoozeWarnings(c.Rules.Snoozes, c.Find.File.Path, targets, len(c.Find.Args) > 0)
	for _, w := range warnings {
		fmt.Fprintf(progress, "warning: %s\n", w.Msg)
	}
	targets, sel, err := discover.Choose(targets, c.Choose)
	if err != nil {
		return Run{}, err
	}
	// Policies compile once, before any terraform runs, so a broken policy
	// fails the run at once rather than after an hour of planning.
	var engine *policy.Engine
	if c.Policies != nil {
		if engine, err = LoadPolicies(ctx, *c.Policies, c.Find.Cwd); err != nil {
			return Run{}, err
		}
	}
	run := Run{Policies: engine != nil, Selection: sel, Warnings: warnings}
	// Manifests do not depend on any plan: checking them (templates and
	// constraints compiled by Gatekeeper) first means a broken template
	// fails the run before an hour of planning, not after it.
	if engine != nil && len(c.Policies.Manifests) > 0 {
		if manifests == nil {
			return Run{}, fmt.Errorf("gatekeeper: manifests are configured but this command cannot check them")
		}
		if run.Manifests, err = manifests(ctx, c.Policies.Manifests); err != nil {
			return Run{}, fmt.Errorf("gatekeeper (checked before planning; fix the templates, constraints or manifests): %w", err)
		}
		// No plan is behind them, so drift.yaml's masks are their secrets.
		redactResults(drift.NewRedactor(nil, c.Rules.Masks.Values), run.Manifests)
	}
	if run.planDir, err = os.MkdirTemp("", "drift-action-plans-"); err != nil {
		return Run{}, fmt.Errorf("detect: plan directory: %w", err)
	}
	if c.TerraformLogDir != "" {
		if err := os.MkdirAll(c.TerraformLogDir, 0o700); err != nil {
			return run, fmt.Errorf("detect: terraform log directory: %w", err)
		}
		fmt.Fprintf(progress, "terraform's logs (TF_LOG=%s): one file per target in %s; they can hold values terraform does not mark sensitive, so keep them private\n", c.Terraform.LogLevel, c.TerraformLogDir)
	}
	// Each root's terraform is chosen before it is planned; releases are
	// installed beside the saved plans, once per version, and removed with
	// them.
	binaries := tfinstall.New(tfinstall.Config{Setting: c.Version, Binary: c.Terraform.Binary, ReleasesURL: c.ReleasesURL,
		ArmoredKey: c.ReleasesKey, Dir: filepath.Join(run.planDir, "terraform"), Env: c.Terraform.Env, RepoRoot: c.Find.RepoRoot})

	started := time.Now()
	budgets, bw := planBudgets(c, targets, func(format string, args ...any) { fmt.Fprintf(progress, format, args...) })
	for _, w := range bw {
		fmt.Fprintf(progress, "warning: %s\n", w.Msg)
	}
	run.Warnings = append(run.Warnings, bw...)

	var shared *sharedResults
	if engine != nil && !c.evalEveryClean {
		shared = &sharedResults{m: map[string]sharedResult{}}
	}
	run.Verdicts = make([]Verdict, len(targets))
	// Every target has its own data directory (backend, workspace,
	// modules), so targets of one root plan side by side like different
	// roots, up to the parallelism limit. Init takes turns within a root:
	// it may write the root's dependency lock file, which they share. Plans
	// take turns only between targets that read one state.
	readers := map[string]int{}
	for _, t := range targets {
		readers[stateKey(t)]++
	}
	locks := make([]targetLocks, len(targets))
	initLocks, stateLocks := map[string]*sync.Mutex{}, map[string]*sync.Mutex{}
	for i, t := range targets {
		if initLocks[t.AbsDir] == nil {
			initLocks[t.AbsDir] = &sync.Mutex{}
		}
		locks[i].init = initLocks[t.AbsDir]
		if k := stateKey(t); readers[k] > 1 {
			if stateLocks[k] == nil {
				stateLocks[k] = &sync.Mutex{}
			}
			locks[i].state = stateLocks[k]
		}
	}
	sem := make(chan struct{}, max(c.Parallelism, 1))
	var wg sync.WaitGroup
	var done int
	var mu sync.Mutex
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				run.Verdicts[i] = Verdict{Target: t, Result: cancelled(t)}
				return
			}
			defer func() { <-sem }()
			logf := func(format string, args ...any) {
				mu.Lock()
				defer mu.Unlock()
				fmt.Fprintf(progress, format, args...)
			}
			o := planTarget(ctx, c, t, i, budgets.parallelism(i), run.planDir, locks[i], policyRun{engine, shared}, binaries, logf)
			run.Verdicts[i] = o
			mu.Lock()
			done++
			fmt.Fprint(progress, doneLine(done, len(targets), o.Result))
			mu.Unlock()
		}()
	}
	wg.Wait()
	if shared != nil {
		run.sharedClean = shared.hits
	}
	if err := budgets.saveLatency(c.Find.RepoRoot, run.Verdicts, started); err != nil {
		fmt.Fprintf(progress, "warning: the next run cannot plan from this one's read latency: %v\n", err)
	}
	return run, nil
}

func cancelled(t discover.Target) drift.Result {
	r := drift.Result{Dir: t.Dir, Target: t.Name, Workspace: t.Workspace}
	r.Fail("cancelled before terraform ran")
	return r
}

// planTarget plans, classifies and evaluates one target, and redacts the
// verdict once, whichever way it was made: every error path included.
func planTarget(ctx context.Context, c Options, t discover.Target, i, par int, planDir string, locks targetLocks, pol policyRun, binaries *tfinstall.Installer, logf func(string, ...any)) Verdict {
	o, secrets := buildVerdict(ctx, c, t, i, par, planDir, locks, pol, binaries, logf)
	j := NewJudge(c.Rules, t)
	r := j.Redactor(secrets...)
	redact(r, &o.Result, o.Policy)
	if o.TerraformLog != "" {
		if err := redactLog(o.TerraformLog, r); err != nil {
			logf("%s (%s): terraform's log was removed, not kept unredacted: %v\n", t.Dir, t.Name, err)
			o.TerraformLog = ""
		}
	}
	if o.PlanFile != "" {
		// After redaction: a policy's resource is a key here as shown.
		o.Source = locate(t.AbsDir, o)
	}
	return o
}

// buildVerdict is the verdict on one target, unredacted, and the secrets
// found on the way: the plan's (drift.Secrets) and the policy input's.
func buildVerdict(ctx context.Context, c Options, t discover.Target, i, par int, planDir string, locks targetLocks, pol policyRun, binaries *tfinstall.Installer, logf func(string, ...any)) (Verdict, [][]string) {
	o := Verdict{Target: t}
	var secrets [][]string
	// Winning a parallelism slot races with cancellation; a target that
	// wins it after the run was cancelled must not start terraform.
	if ctx.Err() != nil {
		o.Result = cancelled(t)
		return o, nil
	}
	plannedAt := time.Now()
	if t.Unset != nil {
		r := drift.Result{Dir: t.Dir, Target: t.Name, Workspace: t.Workspace, PlannedAt: plannedAt}
		r.Fail("config: " + t.Unset.Error())
		o.Result = r
		return o, nil
	}
	start := time.Now()
	timeout := c.Terraform.Timeout
	if t.Timeout > 0 {
		timeout = t.Timeout
	}
	name := strconv.Itoa(i) + "-" + safeName(t.Dir+"-"+t.Name)
	planFile := filepath.Join(planDir, name+".tfplan")
	o.DataDir = filepath.Join(planDir, "data", name)
	bin, err := tfinstall.Choice{Path: c.Terraform.Binary}, error(nil)
	if binaries != nil {
		bin, err = binaries.Choose(ctx, t.AbsDir)
	}
	if err != nil {
		r := drift.Result{Dir: t.Dir, Target: t.Name, Workspace: t.Workspace, Duration: time.Since(start), PlannedAt: plannedAt}
		r.Fail("choose terraform: " + err.Error())
		o.Result = r
		return o, nil
	}
	if bin.Installed {
		logf("%s (%s): terraform %s, installed for %s\n", t.Dir, t.Name, bin.Version, bin.Why)
	}
	o.Terraform = bin.Path
	if c.TerraformLogDir != "" {
		o.TerraformLog = filepath.Join(c.TerraformLogDir, name+".log")
	}
	tfOptions := c.Terraform
	tfOptions.Binary, tfOptions.Timeout = bin.Path, timeout
	tfOptions.Progress = func(r tf.Report) {
		logf("%s (%s): %s\n", t.Dir, t.Name, r)
	}
	tfOptions.TimeReads = par > 0
	plannedAt = time.Now()
	out, err := tf.Run(ctx, tf.Target{
		Dir: t.AbsDir, Workspace: t.Workspace, VarFiles: t.VarFiles, PlanFile: planFile,
		BackendConfig: t.BackendConfig, Vars: t.Vars, Env: t.Env,
		DataDir: o.DataDir, InitLock: locks.init, StateLock: locks.state, LogFile: o.TerraformLog, Parallelism: par,
	}, tfOptions)
	o.Reads = out.Events.ReadTimes
	j := NewJudge(c.Rules, t)
	opts := j.Classify
	finish := func(r drift.Result) Verdict {
		r.Dir, r.Target, r.Workspace = t.Dir, t.Name, t.Workspace
		r.Duration, r.PlannedAt = time.Since(start), plannedAt
		o.Result = r
		return o
	}
	if err != nil {
		var r drift.Result
		msg := err.Error()
		if why := stateMigration(t, msg); why != "" {
			msg += "\n" + why
		}
		r.Fail(msg)
		return finish(r), nil
	}
	if out.LogPlanJSONFile != "" {
		// Shown for the log alone: the values the log may hold that the
		// plan marks sensitive. The verdict is made as without a log.
		if cl, err := classifyFile(out.LogPlanJSONFile, opts); err == nil {
			secrets = append(secrets, cl.secrets)
		}
		_ = os.Remove(out.LogPlanJSONFile)
	}
	// The plan is read from terraform's file once per reading, one reading
	// after the other (the classifier's, then the policies'), so at most
	// one is in memory at a time.
	readLean(out.PlanJSONFile, func() {
		cl, err := classifyFile(out.PlanJSONFile, opts)
		r, found := cl.result, cl.secrets
		if err != nil {
			// terraform printed a plan its own format does not allow.
			var r drift.Result
			r.Fail("show: " + err.Error())
			o = finish(r)
			return
		}
		secrets = append(secrets, found)
		r.PlanFile = planFile
		o.PlanFile, o.PlanJSONFile = planFile, out.PlanJSONFile
		o = finish(r)
		// Snoozes apply at the time the plan was made, once, here: snoozed
		// drift is not drift to the policies, the report, heal or record.
		j.Verdict(&o.Result, plannedAt)
		if pol.engine != nil {
			var found []string
			o.Policy, found = evaluateFile(ctx, pol, j, out.PlanJSONFile, &o.Result)
			secrets = append(secrets, found)
		}
		// The checks level is part of the verdict: policies judged the plan's
		// checks as terraform reported them, every later stage sees the level
		// applied.
		o.Result.ApplyCheckLevel(c.Checks)
		// Decided on the whole verdict, so a target already in error keeps
		// its own message.
		if msg := unconfiguredBackend(t, o.Result, cl.stateResources, c.Find.File.Path); msg != "" {
			o.Result.Fail(msg)
		}
	})
	return o, secrets
}

// targetLocks are what a target's terraform steps take turns with: init
// with the root's other targets, plan (state nil: with none) with the
// targets that read the same state.
type targetLocks struct {
	init, state sync.Locker
}

// stateKey names the state a target's plan reads: its root, workspace
// ("" is "default") and backend settings, in order.
func stateKey(t discover.Target) string {
	ws := t.Workspace
	if ws == "" {
		ws = "default"
	}
	return strings.Join(append([]string{t.AbsDir, ws}, t.BackendConfig...), "\x00")
}

// policyRun is how a run evaluates policies: the compiled engine, and the
// results clean plans share (nil: every plan is evaluated).
type policyRun struct {
	engine *policy.Engine
	shared *sharedResults
}

// sharedResults are policy results shared by the clean plans of one run.
// A clean plan has no plan JSON (terraform's stream showed nothing to
// detail, so show never ran): its input is the empty plan, its verdict and
// the run's context, so across a run's clean targets it differs only in
// input.context. When no policy can read that, and none calls a
// nondeterministic builtin, they all get the same results
// (policy.Engine.SharedKey), and evaluating them once per input is enough.
// Each target gets its own copy, redacted with its own redactor.
type sharedResults struct {
	mu   sync.Mutex
	m    map[string]sharedResult
	hits int // plans given another's results
}

type sharedResult struct {
	results []policy.Result
	secrets []string
}

// evaluateFile evaluates the policies over the plan JSON at path and the
// verdict r, and returns the results and the input's secrets; a plan that
// does not parse or an evaluation that fails puts r in error (never a
// pass), its drift still reported.
func evaluateFile(ctx context.Context, pol policyRun, j Judge, path string, r *drift.Result) ([]policy.Result, []string) {
	raw, err := rawFile(path, pol.engine.RawReads())
	if err != nil {
		r.Fail("show: " + err.Error())
		return nil, nil
	}
	var shared *sharedResults
	if path == "" {
		shared = pol.shared // only a clean plan's input is small enough to key
	}
	prs, secrets, err := j.evaluate(ctx, pol.engine, raw, *r, shared)
	if err != nil {
		r.Fail("policy: " + err.Error())
	}
	return prs, secrets
}

// locate finds where each address the verdict reports is declared.
func locate(dir string, o Verdict) map[string]tfsource.Pos {
	var addrs []string
	for _, rs := range [][]drift.Resource{o.Result.Drift, o.Result.Changes} {
		for _, r := range rs {
			addrs = append(addrs, r.Address)
		}
	}
	for _, pr := range o.Policy {
		if pr.Resource != "" {
			addrs = append(addrs, pr.Resource)
		}
	}
	if len(addrs) == 0 {
		return nil
	}
	ix := tfsource.Load(dir)
	out := map[string]tfsource.Pos{}
	for _, a := range addrs {
		if pos, ok := ix.Find(a); ok {
			out[a] = pos
		}
	}
	return out
}

// doneLine is the progress line of a finished target: its time first, set
// apart from the outcome, so that an error's text (which can end in
// anything, a sentence or a number) is never read as running on into it.
func doneLine(done, total int, r drift.Result) string {
	return fmt.Sprintf("[%d/%d] %s (%s) took %s: %s\n", done, total, r.Dir, r.Target, r.Duration.Round(100*time.Millisecond), progressWord(r))
}

func progressWord(r drift.Result) string {
	switch r.Status {
	case drift.StatusError:
		first, _, _ := strings.Cut(r.Error, "\n")
		return "error: " + first
	case drift.StatusClean:
		return "clean"
	}
	return fmt.Sprintf("%s (%d drifted, %d pending change(s))", r.Status, len(r.Drift), len(r.Changes))
}

func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}
