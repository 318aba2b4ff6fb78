// Package gitops is what modes record and remediate do after a verdict:
// heal (apply the saved plan the policies judged), keep remediation pull
// requests up to date (pr and adopt), and commit the record (DriftReport
// resources and the drift log). It returns what it did as a [Result]; it
// never changes a verdict. Its inputs are its own small types: the caller
// (app) builds them from the configuration.
package gitops

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/myorg/drift-action/internal/actions"
	"github.com/myorg/drift-action/internal/gitrepo"
	"github.com/myorg/drift-action/internal/pipeline"
	"github.com/myorg/drift-action/internal/record"
	"github.com/myorg/drift-action/internal/remediate"
	"github.com/myorg/drift-action/internal/remedypr"
	"github.com/myorg/drift-action/internal/report"
	"github.com/myorg/drift-action/internal/tf"
)

// Event is what gitops needs of the event that started the run.
type Event struct {
	Name string // push, schedule, pull_request, ...
	PR   int    // the pull request's number; 0 when none
	Fork bool   // the pull request comes from a fork
	// ReadsOnly: a fork's pull request or pull_request_target; such a run
	// never writes to the repository or the infrastructure.
	ReadsOnly bool
	// Path is the payload file: a push's names the remediation records it
	// merged.
	Path string
}

// Options are the settings of one run's gitops stage.
type Options struct {
	Mode  string // record or remediate
	Event Event
	// RepoRoot is the checkout's root (remediation records, adopt's .tf
	// files); Workspace is where git commits the record.
	RepoRoot, Workspace string
	ReportPath          string // the DriftReport file, slash-separated, in the repository
	LogPath             string // the append-only drift log beside it
	Group               string // the DriftReport API group; record.DefaultGroup when empty
	Repository          string // owner/name
	RefName             string // the branch remediation pull requests merge into
	SHA                 string // the commit that was planned
	RunID, RunAttempt   string
	RunURL              string // "" when unknown
	// Token is for GitHub (pull requests) and is hidden in git's output.
	Token       string
	Remediation Remediation
}

// Remediation are mode remediate's settings.
type Remediation struct {
	Rules remediate.Rules
	// Strategy is the run's default strategy: pull requests adopt under
	// adopt and are pr under any other.
	Strategy remedypr.Strategy
	MaxOpen  int // the cap on open remediation pull requests
	// Terraform runs apply with the settings the plan was made with.
	Terraform tf.Options
	// ApplyRedact hides masked values in terraform apply's own errors, text made
	// after the verdict (which is redacted where it is built); identity if
	// nil.
	ApplyRedact func(string) string
}

// GitHub is what gitops needs from GitHub: remediation pull requests and
// the record's fallback pull request; *github.Client implements it.
type GitHub interface {
	remedypr.GitHub
}

// Git commits the record to the checkout's branch; *gitrepo.Repo
// implements it (a dry run's edge shows the change instead).
type Git interface {
	Commit(ctx context.Context, ch gitrepo.Change) (gitrepo.Result, error)
	PushBranch(ctx context.Context, commit, branch string) error
}

// Log is the runner's log: progress lines and annotations.
type Log interface {
	Printf(format string, args ...any) error
	Annotate(a actions.Annotation) error
}

// Edges are the I/O gitops reaches through its caller.
type Edges struct {
	// GitHub makes the client, called only when a pull request is needed.
	GitHub func(ctx context.Context) (GitHub, error)
	// Replan plans one root again through the same pipeline (a stale plan
	// before a heal); gitops closes the run it returns.
	Replan func(ctx context.Context, root string) (pipeline.Run, error)
	// Roots are a run's verdicts as the report shows them, sorted as the
	// report sorts them.
	Roots func(pipeline.Run) []report.Root
	Log   Log
	// Beside are files the record's commit carries too (Slack's thread
	// file): called once, after heal and pull requests and before the
	// commit, with what the run did. Nil adds none.
	Beside func(ctx context.Context, g Result) []File
	// Git opens the checkout at dir; nil is gitrepo.New.
	Git func(dir string, o gitrepo.Options) Git
	// Applier applies a saved plan; nil is terraform apply
	// (remediate.Terraform with Remediation.Terraform).
	Applier remediate.Applier
}

func (e Edges) git(dir string, o gitrepo.Options) Git {
	if e.Git != nil {
		return e.Git(dir, o)
	}
	return gitrepo.New(dir, o)
}

// File is a file committed with the record, in the same commit.
type File struct {
	Path string // slash-separated, in the repository
	// Regenerate is its content given its content at the branch's tip
	// (nil when absent), on every attempt; returning cur leaves it as it
	// is. It reports its own failures: the record is committed regardless.
	Regenerate func(cur []byte) []byte
}

// Result is what modes record and remediate did after detection: a value
// of its own, never written into the verdicts; the renderers show it
// beside them.
type Result struct {
	ReportPath string // set when the record was committed
	PRURL      string // the first remediation pull request opened or updated
	// Activity says what the run did, one sentence each (applied, pull
	// requests, the record commit, targets the record left alone).
	Activity []string
	// Recorded: this run committed the record of its own targets.
	Recorded bool
	// Notes are what the run did per target (heals, pull requests), and
	// RecordCommit the record's commit when it was pushed: Slack tells them.
	Notes        map[report.Key][]record.Note
	RecordCommit string
	// Unchanged: the record (and the files beside it) already said what
	// this run found, so nothing was committed.
	Unchanged bool
	// Heal is mode remediate's decision and outcome per target.
	Heal []remediate.Result
	// Heals are, per target heal decided on, its outcome (remediate's
	// status); PullRequests what happened to the target's remediation pull
	// request (remedypr's action). The metrics export them.
	Heals        map[report.Key]string
	PullRequests map[report.Key]string
	// Reports are the DriftReports as last written for the commit (also
	// when the push went to a pull request): when each open drift began,
	// the last successful check. Nil when nothing was recorded.
	Reports []record.Report
	// Errs are what heal, pull requests or the record could not do; each
	// fails the run after everything else is published.
	Errs []error
}

func (g *Result) say(format string, args ...any) {
	g.Activity = append(g.Activity, fmt.Sprintf(format, args...))
}

// Run heals (mode remediate), keeps remediation pull requests up to date
// and commits the record, in that order: the record tells what the heal
// and the pull requests did. Each step's failure is collected and the
// later steps still run. It reads the verdicts and changes none of them.
// started is the run's time, for targets that never planned.
func Run(ctx context.Context, o Options, e Edges, run pipeline.Run, started time.Time) Result {
	var g Result
	log := e.Log
	if o.Event.ReadsOnly {
		g.say("mode %s wrote nothing: runs for forks and pull_request_target never write to the repository or the infrastructure", o.Mode)
		log.Annotate(actions.Annotation{Level: "warning", Msg: "drift-action: mode " + o.Mode + " wrote nothing: runs for forks and pull_request_target never write"})
		return g
	}
	notes := map[report.Key][]record.Note{}
	healed := map[report.Key]bool{}
	var extra []pipeline.Run // re-plans, closed at the end
	defer func() {
		for _, r := range extra {
			r.Close()
		}
	}()
	// The targets the record keeps: the verdicts, replaced by the re-plan's
	// when a stale plan was planned again before a heal.
	verdicts := e.Roots(run)

	if o.Mode == "remediate" && o.Event.PR > 0 {
		// A pull request's plan is of code not merged yet: applying it would
		// deploy that code, and its remediation PRs would race the PR itself.
		g.say("mode remediate healed nothing: on a pull request the plan is of unmerged code; heal from a schedule or dispatch on the default branch")
		log.Annotate(actions.Annotation{Level: "warning", Msg: "drift-action: mode remediate does not heal on pull_request events; only the record is written"})
	} else if o.Mode == "remediate" {
		// A push that merged remediation records is their approval: this
		// run applies that reviewed drift and nothing else.
		approvals, err := mergedApprovals(o)
		var results []remediate.Result
		var prTargets map[report.Key][]remedypr.Handover
		var replanned map[report.Key]report.Root
		if err != nil {
			g.say("mode remediate healed nothing: the merged remediation records could not be read, so nothing approved is known")
		} else {
			results, prTargets, replanned = heal(ctx, o, e, run, &extra, approvals)
		}
		g.Heal = results
		if err != nil {
			g.Errs = append(g.Errs, fmt.Errorf("heal: %w", err))
		}
		for i, v := range verdicts {
			if nv, ok := replanned[report.Key{Dir: v.Dir, Target: v.Target}]; ok {
				verdicts[i] = nv
			}
		}
		g.Activity = append(g.Activity, approvalNotes(approvals, verdicts)...)
		for _, r := range results {
			k := report.Key{Dir: r.Dir, Target: r.Target}
			if g.Heals == nil {
				g.Heals = map[report.Key]string{}
			}
			g.Heals[k] = string(r.Status)
			switch r.Status {
			case remediate.StatusApplied:
				healed[k] = true
				var addrs []string
				for _, ar := range r.Applied.Resources {
					addrs = append(addrs, ar.Address)
				}
				notes[k] = append(notes[k], record.Note{Kind: record.SelfHealed, Resources: addrs, By: "run " + o.RunID, Reason: r.String()})
				g.say("%s", r.String())
			case remediate.StatusFailed:
				g.say("%s", r.String())
				g.Errs = append(g.Errs, fmt.Errorf("heal %s (%s): %s", r.Dir, r.Target, r.Error))
			case remediate.StatusRefused:
				g.say("%s", r.String())
				log.Annotate(actions.Annotation{Level: "warning", Msg: "drift-action: " + r.String()})
			case remediate.StatusPR, remediate.StatusSkipped:
				// A clean target's "nothing to heal" is noise; anything with
				// changes says why it was not applied.
				if len(r.Resources) > 0 {
					g.say("%s (%s) not applied (%s): %s", r.Dir, r.Target, r.Status, r.Reason)
				}
			}
		}
		if len(approvals) == 0 && prTargets != nil {
			g.PullRequests = map[report.Key]string{}
			url, err := syncPRs(ctx, o, e, verdicts, prTargets, notes, g.PullRequests, func(msg string) {
				g.say("%s", msg)
				log.Annotate(actions.Annotation{Level: "warning", Msg: "drift-action: " + msg})
			})
			g.PRURL = url
			if err != nil {
				g.Errs = append(g.Errs, fmt.Errorf("remediation pull requests: %w", err))
			}
		}
		for _, n := range notes {
			for _, note := range n {
				if note.Kind == record.RemediationPROpened || note.Kind == record.RemediationPRClosed {
					g.say("%s %s", note.Kind, note.PR)
				}
			}
		}
	}

	g.Notes = notes
	var beside []File
	if e.Beside != nil {
		beside = e.Beside(ctx, g)
	}
	path, err := commitRecord(ctx, o, e, verdicts, notes, healed, started, beside, &g)
	g.Recorded = g.sayRecorded(o, path, err)
	return g
}

// sayRecorded tells what the record step did; a record written with some
// targets left out says so rather than "recorded".
func (g *Result) sayRecorded(o Options, path string, err error) bool {
	if err != nil {
		g.Errs = append(g.Errs, fmt.Errorf("record: %w", err))
	}
	if path == "" {
		return false
	}
	g.ReportPath = path
	switch {
	case err != nil:
		g.say("recorded %s and %s, except the targets named above", o.ReportPath, o.LogPath)
	case g.Unchanged:
		g.say("%s and %s already say what this run found: nothing committed (when each target was last checked is in this run's result file, planned_at)", o.ReportPath, o.LogPath)
	default:
		g.say("recorded %s and %s", o.ReportPath, o.LogPath)
	}
	return true
}

// heal decides and applies per target, and returns the targets for the
// pull request step with what each hands over, and the verdicts of targets
// planned again. With approvals (a merged remediation pull request), only
// the approved targets are applied, and only when their plan is the
// reviewed drift.
func heal(ctx context.Context, o Options, e Edges, run pipeline.Run, extra *[]pipeline.Run, approvals remedypr.Approvals) ([]remediate.Result, map[report.Key][]remedypr.Handover, map[report.Key]report.Root) {
	// Decisions read the verdicts as the pipeline built them (snoozes at
	// plan time, the checks level), the same the report shows.
	var targets []remediate.Target
	for _, v := range run.Verdicts {
		targets = append(targets, remediate.FromVerdict(v, run.Policies))
	}
	replanned := map[report.Key]report.Root{}
	var mu sync.Mutex
	var applier remediate.Applier = remediate.Terraform{Options: o.Remediation.Terraform}
	if e.Applier != nil {
		applier = e.Applier
	}
	m := remediate.Remediator{
		Rules:   o.Remediation.Rules,
		Applier: applier,
		RunID:   o.RunID,
		Now:     time.Now,
		Redact:  o.Remediation.ApplyRedact,
		// A stale plan is planned, evaluated and decided again: the root
		// alone, through the same pipeline and so the same verdict builder
		// (snoozes at the new plan's time, policies, the checks level). The
		// record keeps the new verdict.
		Replan: func(ctx context.Context, t remediate.Target) (remediate.Target, error) {
			r, err := e.Replan(ctx, t.Result.Dir)
			mu.Lock()
			defer mu.Unlock()
			*extra = append(*extra, r)
			if err != nil {
				return t, err
			}
			for i, v := range r.Verdicts {
				if v.Result.Dir == t.Result.Dir && v.Result.Target == t.Result.Target {
					k := report.Key{Dir: v.Result.Dir, Target: v.Result.Target}
					replanned[k] = e.Roots(pipeline.Run{Verdicts: r.Verdicts[i : i+1], Policies: r.Policies})[0]
					return remediate.FromVerdict(v, r.Policies), nil
				}
			}
			return t, fmt.Errorf("re-plan: %s (%s) was not planned again", t.Result.Dir, t.Result.Target)
		},
	}
	if len(approvals) > 0 {
		m.Approved = func(t remediate.Target) (bool, error) { return approvals.Check(t.Result) }
	}
	results := m.All(ctx, targets)
	handover := map[report.Key][]remedypr.Handover{}
	for _, r := range results {
		k := report.Key{Dir: r.Dir, Target: r.Target}
		switch r.Status {
		case remediate.StatusPR:
			hs := []remedypr.Handover{}
			for _, res := range r.Resources {
				if res.Route != remediate.RouteApply {
					hs = append(hs, remedypr.Handover{Address: res.Address, Reason: res.Reason})
				}
			}
			handover[k] = hs
		case remediate.StatusFailed:
			handover[k] = nil // all drift to the pull request
		default:
			handover[k] = []remedypr.Handover{} // healed, or nothing to hand over: close any PR
		}
	}
	return results, handover, replanned
}
