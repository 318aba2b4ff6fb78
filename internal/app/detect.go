package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/discover"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/report"
	"github.com/myorg/drift-action/internal/tf"
	"github.com/open-policy-agent/opa/v1/ast"

	tfjson "github.com/hashicorp/terraform-json"
)

// Detection is the outcome of planning every target.
type Detection struct {
	Doc report.Document
	// PlanDir holds the saved plans; the caller removes it when done.
	PlanDir string
}

// Detect discovers targets and plans them in parallel. One failing target
// never hides the others: its result is an error, theirs are reported.
func Detect(ctx context.Context, c config.Detect, progress io.Writer) (Detection, error) {
	targets, err := discover.Targets(discover.Request{Cwd: c.Cwd, RepoRoot: c.RepoRoot, Args: c.Dirs, File: c.File})
	if err != nil {
		return Detection{}, err
	}
	targets = discover.Narrow(targets, c.RepoRoot, c.OnlyRoots)
	if len(targets) == 0 {
		quoted := make([]string, len(c.OnlyRoots))
		for i, r := range c.OnlyRoots {
			quoted[i] = strconv.Quote(r) // from an event payload: one line each
		}
		return Detection{}, fmt.Errorf("discover: none of the roots %s is a root module here", strings.Join(quoted, ", "))
	}
	if c.Shard.IsSet() {
		targets = discover.Shard(targets, c.Shard.Index, c.Shard.Count)
	}
	planDir, err := os.MkdirTemp("", "drift-action-plans-")
	if err != nil {
		return Detection{}, fmt.Errorf("detect: plan directory: %w", err)
	}
	mask := drift.Options{MaskPaths: c.File.MaskPaths, MaskValues: c.File.MaskValues}
	// Policies compile once, before any terraform runs, so a broken policy
	// fails the run at once rather than after an hour of planning.
	var engine *policy.Engine
	if !c.Policy.Disabled {
		if engine, err = loadPolicies(ctx, c.Policy, c.Cwd); err != nil {
			os.RemoveAll(planDir)
			return Detection{}, err
		}
	}
	pols := &report.Policies{ByTarget: map[report.Key][]policy.Result{}}
	// Manifests do not depend on any plan: checking them (templates and
	// constraints compiled by Gatekeeper) first means a broken template
	// fails the run before an hour of planning, not after it.
	if engine != nil && len(c.Policy.Manifests) > 0 {
		if pols.Manifests, err = checkManifests(ctx, c.Policy.Manifests, c.GatekeeperBin, c.Cwd); err != nil {
			os.RemoveAll(planDir)
			return Detection{}, fmt.Errorf("gatekeeper (checked before planning; fix the templates, constraints or manifests): %w", err)
		}
	}

	results := make([]drift.Result, len(targets))
	// Targets of one root share its .terraform directory, so they take turns;
	// different roots run side by side up to the parallelism limit.
	rootLocks := map[string]*sync.Mutex{}
	for _, t := range targets {
		if rootLocks[t.AbsDir] == nil {
			rootLocks[t.AbsDir] = &sync.Mutex{}
		}
	}
	sem := make(chan struct{}, c.Parallelism)
	var wg sync.WaitGroup
	var done int
	var mu sync.Mutex
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rootLocks[t.AbsDir].Lock()
			defer rootLocks[t.AbsDir].Unlock()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				results[i] = cancelled(t)
				return
			}
			defer func() { <-sem }()
			logf := func(format string, args ...any) {
				mu.Lock()
				defer mu.Unlock()
				fmt.Fprintf(progress, format, args...)
			}
			r, prs := planTarget(ctx, c, t, i, planDir, mask, engine, logf)
			results[i] = r
			mu.Lock()
			if engine != nil {
				pols.ByTarget[report.Key{Dir: r.Dir, Target: r.Target}] = prs
			}
			done++
			fmt.Fprintf(progress, "[%d/%d] %s (%s): %s in %s\n", done, len(targets), t.Dir, t.Name, progressWord(r), r.Duration.Round(100*time.Millisecond))
			mu.Unlock()
		}()
	}
	wg.Wait()
	if engine == nil {
		pols = nil
	}
	return Detection{Doc: report.WithPolicies(results, pols), PlanDir: planDir}, nil
}

func cancelled(t discover.Target) drift.Result {
	r := drift.Result{Dir: t.Dir, Target: t.Name, Workspace: t.Workspace}
	r.Fail("cancelled before terraform ran")
	return r
}

// heartbeat is how often a long plan says it is still alive.
const heartbeat = 30 * time.Second

func planTarget(ctx context.Context, c config.Detect, t discover.Target, i int, planDir string, mask drift.Options, engine *policy.Engine, logf func(string, ...any)) (drift.Result, []policy.Result) {
	// Winning a parallelism slot races with cancellation; a target that
	// wins it after the run was cancelled must not start terraform.
	if ctx.Err() != nil {
		return cancelled(t), nil
	}
	start := time.Now()
	last := start
	timeout := c.Timeout
	if t.Timeout > 0 {
		timeout = t.Timeout
	}
	planFile := filepath.Join(planDir, strconv.Itoa(i)+"-"+safeName(t.Dir+"-"+t.Name)+".tfplan")
	out, err := tf.Run(ctx, tf.Target{Dir: t.AbsDir, Workspace: t.Workspace, VarFiles: t.VarFiles, PlanFile: planFile}, tf.Options{
		Binary:         c.Terraform,
		Env:            c.Environ,
		PluginCacheDir: c.PluginCacheDir,
		Timeout:        timeout,
		LockTimeout:    c.LockTimeout,
		Grace:          c.Grace,
		Progress: func(ev tf.Events) {
			if time.Since(last) >= heartbeat {
				last = time.Now()
				logf("%s (%s): still planning after %s, %d resource(s) refreshed\n", t.Dir, t.Name, time.Since(start).Round(time.Second), ev.Resources)
			}
		},
	})
	opts := mask
	for _, rule := range t.Ignore {
		opts.Ignore = append(opts.Ignore, drift.IgnoreRule{Type: rule.Type, Paths: rule.Paths})
	}
	var r drift.Result
	if err == nil && out.Plan != nil {
		r = drift.Classify(out.Plan, opts)
		r.PlanFile = planFile
	}
	r.Dir, r.Target, r.Workspace = t.Dir, t.Name, t.Workspace
	r.Duration = time.Since(start)
	if err != nil {
		r.Fail(opts.Redact(err.Error()))
		return r, nil
	}
	if out.Plan == nil {
		r.PlanFile = planFile
	}
	r.SetStatus()
	if engine == nil {
		return r, nil
	}
	prs, err := evalPlan(ctx, engine, out.Plan, r, policy.RunContext{Event: c.Event, Root: t.Dir, Target: t.Name, Workspace: t.Workspace}, c.Policy, masks(c.File))
	if err != nil {
		// Never a pass: the target is in error, its drift still reported.
		r.Fail(opts.Redact("policy: " + err.Error()))
	}
	return r, prs
}

// evalPlan evaluates policies over a plan made by terraform show; a target
// with nothing to detail gets an empty plan (every resource would be no-op).
func evalPlan(ctx context.Context, e *policy.Engine, p *tfjson.Plan, r drift.Result, rc policy.RunContext, pc config.Policy, m policy.Masks) ([]policy.Result, error) {
	raw := ast.Value(ast.NewObject())
	if p != nil {
		b, err := json.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("encode plan: %w", err)
		}
		if raw, err = policy.ParsePlan(b); err != nil {
			return nil, err
		}
	}
	return evalTarget(ctx, e, raw, r, rc, pc, m)
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
