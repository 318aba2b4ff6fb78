package pipeline

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/myorg/drift-action/internal/discover"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/policy"
)

// Judge is how drift.yaml has one target's plan judged: what the
// classifier drops and hides, which snoozes apply, what policies see and
// how they are enforced. Detect and `policy check` both build it with
// NewJudge and judge through it, so the same plan of the same target gets
// the same verdict and the same policy results from either.
type Judge struct {
	// Classify are the classifier's options: drift.yaml's masks and the
	// target's ignore rules (the global ones, then its root's).
	Classify drift.Options
	// Snoozes are drift.yaml's snoozes; none for a plan of no known root,
	// since every snooze names the roots it is for.
	Snoozes []drift.Snooze
	Masks   policy.Masks
	// Context is input.context: the event and the target.
	Context policy.RunContext
	// Overrides and PolicyTimeout are the run's (Rules).
	Overrides     []policy.Override
	PolicyTimeout time.Duration
}

// Rules are how drift.yaml and the run have every target's plan judged,
// as the caller (app) hands them from config; NewJudge adds what is the
// target's own.
type Rules struct {
	// Masks are drift.yaml's mask paths and values, the targets'
	// sensitive values among them.
	Masks policy.Masks
	// Snoozes are drift.yaml's snoozes, each naming its file and line.
	Snoozes []drift.Snooze
	// Overrides are the soft-mandatory policies overridden for this run.
	Overrides []policy.Override
	// PolicyTimeout bounds one evaluation of the policies for one target.
	PolicyTimeout time.Duration
	// Event is what started the run (input.context.event).
	Event string
}

// NewJudge is the one place a target's settings are gathered: the run's
// rules r and the target's own ignore rules (drift.yaml's global ones,
// then its root's).
func NewJudge(r Rules, t discover.Target) Judge {
	j := Judge{
		Classify:      drift.Options{MaskPaths: r.Masks.Paths, MaskValues: r.Masks.Values, Ignore: slices.Clone(t.Ignore)},
		Masks:         r.Masks,
		Context:       policy.RunContext{Event: r.Event, Root: t.Dir, Target: t.Name, Workspace: t.Workspace},
		Overrides:     r.Overrides,
		PolicyTimeout: r.PolicyTimeout,
	}
	if t.AbsDir != "" {
		j.Snoozes = r.Snoozes
	}
	return j
}

// Verdict completes a classified plan's verdict r for the target: named
// after it, with the snoozes active at now applied, as policies then see it.
func (j Judge) Verdict(r *drift.Result, now time.Time) {
	r.Dir, r.Target, r.Workspace = j.Context.Root, j.Context.Target, j.Context.Workspace
	r.ApplySnoozes(j.Snoozes, now)
}

// Evaluate runs the policies over the plan (raw: its policies' reading)
// and its verdict r, within the configured time limit. The results and
// the error are as the policies wrote them; secrets are the input's, for
// the verdict's redactor (Redactor).
func (j Judge) Evaluate(ctx context.Context, e *policy.Engine, raw policy.Plan, r drift.Result) (results []policy.Result, secrets []string, err error) {
	return j.evaluate(ctx, e, raw, r, nil)
}

// evaluate is Evaluate, taking the results from shared when an input
// with the same key was evaluated already, and adding them there when
// not (shared nil: always evaluated). Results handed out are copies.
func (j Judge) evaluate(ctx context.Context, e *policy.Engine, raw policy.Plan, r drift.Result, shared *sharedResults) ([]policy.Result, []string, error) {
	in := PolicyInput(Plan{Raw: raw}, r, j.Context, j.Masks)
	key, ok := "", false
	if shared != nil {
		key, ok = e.SharedKey(in)
	}
	if ok {
		shared.mu.Lock()
		s, found := shared.m[key]
		if found {
			shared.hits++
		}
		shared.mu.Unlock()
		if found {
			return slices.Clone(s.results), slices.Clone(s.secrets), nil
		}
	}
	results, err := evaluate(ctx, e, in, j.PolicyTimeout, j.Overrides)
	if ok && err == nil {
		shared.mu.Lock()
		shared.m[key] = sharedResult{results: slices.Clone(results), secrets: slices.Clone(in.Secrets())}
		shared.mu.Unlock()
	}
	return results, in.Secrets(), err
}

// Redactor is a verdict's one redactor: the secrets found in its plan and
// policy input, and drift.yaml's value masks (a target's secrets among
// them), each in every form (drift.Redactor).
func (j Judge) Redactor(secrets ...[]string) *drift.Redactor {
	return drift.NewRedactor(slices.Concat(secrets...), j.Masks.Values)
}

// redact is the one redaction of a verdict, applied where it is built:
// every string of the classification a consumer can show, and what the
// policies wrote (message and resource; the policy, rule, level and
// severity come from policy files and drift.yaml).
func redact(rd *drift.Redactor, r *drift.Result, prs []policy.Result) {
	rd.Result(r)
	redactResults(rd, prs)
}

func redactResults(rd *drift.Redactor, prs []policy.Result) {
	for i := range prs {
		prs[i].Msg = rd.Redact(prs[i].Msg)
		prs[i].Resource = rd.Redact(prs[i].Resource)
	}
}

// redactedError is an error whose text is redacted. It matches what the
// original matched (a deadline, say) without exposing it: the original's
// text holds the secrets.
type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string        { return e.msg }
func (e redactedError) Is(target error) bool { return errors.Is(e.err, target) }

// Checked is one plan evaluated by `policy check`.
type Checked struct {
	Result drift.Result
	Policy []policy.Result
}

// Check judges a plan given by the user (read with ReadPlan) exactly as
// detect judges the plans it makes: the same verdict (Plan.Classify, then
// j.Verdict at now), the same input (j.Evaluate) and the same redaction,
// of the results and of an evaluation's error alike.
//
// A plan read for policies none of which reads input.drift (ReadPlanFor)
// gets no verdict: the classifier's parse is skipped, the results are the
// same (a test holds them equal to those of the plan read whole).
func Check(ctx context.Context, e *policy.Engine, plan Plan, j Judge, now time.Time) (Checked, error) {
	var r drift.Result
	if !plan.noVerdict {
		r = plan.Classify(j.Classify)
		j.Verdict(&r, now)
	}
	results, inSecrets, err := j.Evaluate(ctx, e, plan.Raw, r)
	secrets, serr := plan.Secrets(j.Classify)
	if serr != nil {
		return Checked{}, fmt.Errorf("check: %w", serr)
	}
	rd := j.Redactor(secrets, inSecrets)
	if err != nil {
		return Checked{}, redactedError{msg: rd.Redact(err.Error()), err: err}
	}
	redact(rd, &r, results)
	return Checked{Result: r, Policy: results}, nil
}

// CheckRequest says which target's settings judge a plan given to
// `policy check`.
type CheckRequest struct {
	Cwd, RepoRoot string
	File          discover.File // drift.yaml: its roots and global ignore rules
	Root          string        // --root: a directory relative to Cwd; "" infers it from Plan
	Target        string        // --target: the root's target, needed when it has several
	Plan          string        // the plan file, relative to Cwd
}

// CheckTarget is the target whose settings judge a plan given to `policy
// check`: one of those detect plans with no arguments (discover.Targets:
// drift.yaml's roots, else the repository's), in the directory req.Root
// names or, without one, in the directory holding the plan file. Without
// either, the target stands for no root, with drift.yaml's global settings
// only. note says which root was inferred, or that none applies; it is ""
// when req.Root named it.
func CheckTarget(req CheckRequest) (t discover.Target, note string, err error) {
	known, derr := discover.Targets(discover.Request{Cwd: req.Cwd, RepoRoot: req.RepoRoot, File: req.File})
	var dir string
	if req.Root != "" {
		if derr != nil {
			return t, "", fmt.Errorf("--root %q: finding the roots detect plans: %w", req.Root, derr)
		}
		dir = filepath.Clean(Abs(req.Cwd, req.Root))
		if !hasDir(known, dir) {
			return t, "", fmt.Errorf("--root %q is not a root detect plans here; the roots are: %s (pass one, or leave --root out to use drift.yaml's global settings only)", req.Root, rootList(known))
		}
	} else {
		dir = filepath.Dir(filepath.Clean(Abs(req.Cwd, req.Plan)))
		if derr != nil || !hasDir(known, dir) {
			if req.Target != "" {
				return t, "", fmt.Errorf("--target %q needs a root: the plan file %s is not in a root directory detect plans; pass --root DIR (the roots are: %s)", req.Target, req.Plan, rootList(known))
			}
			return discover.Target{Name: discover.DefaultTarget, Ignore: req.File.Ignore},
				fmt.Sprintf("the plan file %s is not in a root directory detect plans, so only drift.yaml's global settings apply (pass --root DIR to judge it with a root's ignore rules and snoozes)", req.Plan), nil
		}
	}
	var here []discover.Target
	for _, k := range known {
		if filepath.Clean(k.AbsDir) == dir {
			here = append(here, k)
		}
	}
	show := here[0].Dir
	t, err = pickTarget(here, req.Target)
	if err != nil {
		return t, "", fmt.Errorf("root %s: %w", show, err)
	}
	if req.Root == "" {
		note = fmt.Sprintf("judging the plan with the settings of root %s (target %s), the directory the plan file is in", show, t.Name)
	}
	return t, note, nil
}

// pickTarget is the root's target named name, or its only one.
func pickTarget(here []discover.Target, name string) (discover.Target, error) {
	names := make([]string, len(here))
	for i, t := range here {
		if t.Name == name || name == "" && len(here) == 1 {
			return t, nil
		}
		names[i] = t.Name
	}
	if name == "" {
		return discover.Target{}, fmt.Errorf("it has targets %s: pass --target NAME", strings.Join(names, ", "))
	}
	return discover.Target{}, fmt.Errorf("--target %q is not one of its targets: %s", name, strings.Join(names, ", "))
}

func hasDir(targets []discover.Target, dir string) bool {
	for _, t := range targets {
		if filepath.Clean(t.AbsDir) == dir {
			return true
		}
	}
	return false
}

// rootList names the roots of targets, each once, with their targets when
// they have more than the default one.
func rootList(targets []discover.Target) string {
	if len(targets) == 0 {
		return "none"
	}
	var out []string
	names := map[string][]string{}
	for _, t := range targets {
		if _, seen := names[t.Dir]; !seen {
			out = append(out, t.Dir)
		}
		names[t.Dir] = append(names[t.Dir], t.Name)
	}
	for i, d := range out {
		if n := names[d]; len(n) > 1 || n[0] != discover.DefaultTarget {
			out[i] += " (targets " + strings.Join(n, ", ") + ")"
		}
	}
	return strings.Join(out, ", ")
}
