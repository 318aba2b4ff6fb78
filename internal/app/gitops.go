package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/myorg/drift-action/internal/actions"
	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/github"
	"github.com/myorg/drift-action/internal/gitrepo"
	"github.com/myorg/drift-action/internal/pipeline"
	"github.com/myorg/drift-action/internal/record"
	"github.com/myorg/drift-action/internal/remediate"
	"github.com/myorg/drift-action/internal/remedypr"
	"github.com/myorg/drift-action/internal/report"
	"github.com/myorg/drift-action/internal/tf"
)

// gitopsResult is what modes record and remediate did after detection: a
// value of its own, never written into the verdicts; the renderers show it
// beside them.
type gitopsResult struct {
	reportPath string // set when the record was committed
	prURL      string // the first remediation pull request opened or updated
	// activity says what the run did, one sentence each (applied, pull
	// requests, the record commit, targets the record left alone).
	activity []string
	// recorded: this run committed the record of its own targets.
	recorded bool
	// notes are what the run did per target (heals, pull requests), and
	// recordCommit the record's commit when it was pushed: Slack tells them.
	notes        map[report.Key][]record.Note
	recordCommit string
	errs         []error
}

func (g *gitopsResult) say(format string, args ...any) {
	g.activity = append(g.activity, fmt.Sprintf(format, args...))
}

// runGitOps heals (mode remediate), keeps remediation pull requests up to
// date and commits the record, in that order: the record tells what the
// heal and the pull requests did. Each step's failure is collected and the
// later steps still run. It reads the verdicts and changes none of them.
func runGitOps(ctx context.Context, a config.Action, ev config.Event, c config.Detect, run pipeline.Run, started time.Time, log *actions.Log) gitopsResult {
	var g gitopsResult
	if ev.ReadsOnly() {
		g.say("mode %s wrote nothing: runs for forks and pull_request_target never write to the repository or the infrastructure", a.Mode)
		log.Annotate(actions.Annotation{Level: "warning", Msg: "drift-action: mode " + a.Mode + " wrote nothing: runs for forks and pull_request_target never write"})
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
	verdicts := verdictsOf(run)

	if a.Mode == "remediate" && ev.PR > 0 {
		// A pull request's plan is of code not merged yet: applying it would
		// deploy that code, and its remediation PRs would race the PR itself.
		g.say("mode remediate healed nothing: on a pull request the plan is of unmerged code; heal from a schedule or dispatch on the default branch")
		log.Annotate(actions.Annotation{Level: "warning", Msg: "drift-action: mode remediate does not heal on pull_request events; only the record is written"})
	} else if a.Mode == "remediate" {
		// A push that merged remediation records is their approval: this
		// run applies that reviewed drift and nothing else.
		approvals, err := mergedApprovals(a, ev, c)
		var results []remediate.Result
		var prTargets map[report.Key][]remedypr.Handover
		var replanned map[report.Key]report.Root
		if err != nil {
			g.say("mode remediate healed nothing: the merged remediation records could not be read, so nothing approved is known")
		} else {
			results, prTargets, replanned, err = heal(ctx, a, c, run, log, &extra, approvals)
		}
		if err != nil {
			g.errs = append(g.errs, fmt.Errorf("heal: %w", err))
		}
		for i, v := range verdicts {
			if nv, ok := replanned[report.Key{Dir: v.Dir, Target: v.Target}]; ok {
				verdicts[i] = nv
			}
		}
		g.activity = append(g.activity, approvalNotes(approvals, verdicts)...)
		for _, r := range results {
			k := report.Key{Dir: r.Dir, Target: r.Target}
			switch r.Status {
			case remediate.StatusApplied:
				healed[k] = true
				var addrs []string
				for _, ar := range r.Applied.Resources {
					addrs = append(addrs, ar.Address)
				}
				notes[k] = append(notes[k], record.Note{Kind: record.SelfHealed, Resources: addrs, By: "run " + a.RunID, Reason: r.String()})
				g.say("%s", r.String())
			case remediate.StatusFailed:
				g.say("%s", r.String())
				g.errs = append(g.errs, fmt.Errorf("heal %s (%s): %s", r.Dir, r.Target, r.Error))
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
			url, err := syncPRs(ctx, a, c, verdicts, prTargets, notes)
			g.prURL = url
			if err != nil {
				g.errs = append(g.errs, fmt.Errorf("remediation pull requests: %w", err))
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

	g.notes = notes
	path, err := commitRecord(ctx, a, ev, verdicts, notes, healed, started, log, &g)
	g.recorded = g.sayRecorded(a, path, err)
	return g
}

// sayRecorded tells what the record step did; a record written with some
// targets left out says so rather than "recorded".
func (g *gitopsResult) sayRecorded(a config.Action, path string, err error) bool {
	if err != nil {
		g.errs = append(g.errs, fmt.Errorf("record: %w", err))
	}
	if path == "" {
		return false
	}
	g.reportPath = path
	if err != nil {
		g.say("recorded %s and %s, except the targets named above", a.ReportPath, a.LogPath)
	} else {
		g.say("recorded %s and %s", a.ReportPath, a.LogPath)
	}
	return true
}

// verdictsOf are a run's verdicts with their policy results, sorted as the
// report sorts them.
func verdictsOf(run pipeline.Run) []report.Root {
	return document(run).Roots
}

// tfOptions are the terraform settings of a run, for apply.
func tfOptions(c config.Detect) tf.Options {
	return tf.Options{Binary: c.Terraform, Env: c.Environ, PluginCacheDir: c.PluginCacheDir,
		Timeout: c.Timeout, LockTimeout: c.LockTimeout, Grace: c.Grace}
}

// heal decides and applies per target, and returns the targets for the
// pull request step with what each hands over.
// With approvals (a merged remediation pull request), only the approved
// targets are applied, and only when their plan is the reviewed drift.
func heal(ctx context.Context, a config.Action, c config.Detect, run pipeline.Run, log *actions.Log, extra *[]pipeline.Run, approvals remedypr.Approvals) ([]remediate.Result, map[report.Key][]remedypr.Handover, map[report.Key]report.Root, error) {
	rules, err := remediate.NewRules(c.File.Remediation, a.Remediation)
	if err != nil {
		return nil, nil, nil, err
	}
	// Decisions read the verdicts as the pipeline built them (snoozes at
	// plan time, the checks level), the same the report shows.
	var targets []remediate.Target
	for _, o := range run.Verdicts {
		targets = append(targets, remediate.FromVerdict(o, run.Policies))
	}
	replanned := map[report.Key]report.Root{}
	var mu sync.Mutex
	m := remediate.Remediator{
		Rules:   rules,
		Applier: remediate.Terraform{Options: tfOptions(c)},
		RunID:   a.RunID,
		Now:     time.Now,
		// terraform apply's own errors: not the verdict, new text.
		Redact: drift.NewRedactor(nil, c.File.MaskValues).Redact,
		// A stale plan is planned, evaluated and decided again: the root
		// alone, through the same pipeline and so the same verdict builder
		// (snoozes at the new plan's time, policies, the checks level). The
		// record keeps the new verdict.
		Replan: func(ctx context.Context, t remediate.Target) (remediate.Target, error) {
			rc := c
			rc.OnlyRoots, rc.Shard = []string{t.Result.Dir}, config.Shard{}
			r, err := detect(ctx, rc, log)
			mu.Lock()
			defer mu.Unlock()
			*extra = append(*extra, r)
			if err != nil {
				return t, err
			}
			for i, o := range r.Verdicts {
				if o.Result.Dir == t.Result.Dir && o.Result.Target == t.Result.Target {
					k := report.Key{Dir: o.Result.Dir, Target: o.Result.Target}
					replanned[k] = verdictsOf(pipeline.Run{Verdicts: r.Verdicts[i : i+1], Policies: r.Policies})[0]
					return remediate.FromVerdict(o, r.Policies), nil
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
	return results, handover, replanned, nil
}

// mergedApprovals are the remediation records a push event added or
// changed (a merged remediation pull request), read from the checkout;
// none for any other event.
func mergedApprovals(a config.Action, ev config.Event, c config.Detect) (remedypr.Approvals, error) {
	if ev.Name != "push" || a.EventPath == "" {
		return nil, nil
	}
	payload, err := os.ReadFile(a.EventPath)
	if err != nil {
		return nil, fmt.Errorf("approvals: read the push payload: %w", err)
	}
	paths, err := remedypr.PushedRecords(payload)
	if err != nil {
		return nil, fmt.Errorf("approvals: %w", err)
	}
	var out remedypr.Approvals
	var errs []error
	for _, p := range paths {
		data, err := os.ReadFile(filepath.Join(c.RepoRoot, filepath.FromSlash(p)))
		if err != nil {
			errs = append(errs, fmt.Errorf("approvals: the push changed %s but the checkout lacks it (check out the pushed commit): %w", p, err))
			continue
		}
		r, err := remedypr.ParseRecord(p, data)
		if err != nil {
			errs = append(errs, fmt.Errorf("approvals: %w", err))
			continue
		}
		out = append(out, r)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// approvalNotes tell what a run after a merge limits itself to, and any
// record naming a target this run did not plan.
func approvalNotes(approvals remedypr.Approvals, roots []report.Root) []string {
	if len(approvals) == 0 {
		return nil
	}
	var paths, notes []string
	for _, r := range approvals {
		paths = append(paths, r.Path)
		planned := false
		for _, root := range roots {
			if ok, _ := (remedypr.Approvals{r}).Check(root.Result); ok {
				planned = true
			}
		}
		if !planned {
			notes = append(notes, fmt.Sprintf("%s approves drift in %s, which this run did not plan: nothing was applied for it", r.Path, strings.TrimSpace(r.Root+" "+r.Target)))
		}
	}
	return append([]string{"this run follows the merge of " + strings.Join(paths, ", ") +
		": it applies only the drift reviewed there, in the targets named there, and leaves other targets and remediation pull requests as they are"}, notes...)
}

// syncPRs keeps one remediation pull request per root up to date.
func syncPRs(ctx context.Context, a config.Action, c config.Detect, verdicts []report.Root, handover map[report.Key][]remedypr.Handover, notes map[report.Key][]record.Note) (string, error) {
	owner, repo, ok := strings.Cut(a.Repository, "/")
	if !ok {
		return "", fmt.Errorf("GITHUB_REPOSITORY %q is not owner/name", a.Repository)
	}
	if a.Token == "" {
		return "", errors.New("no github-token: remediation pull requests need one with contents: write and pull-requests: write")
	}
	gh, err := githubClient(ctx, a)
	if err != nil {
		return "", err
	}
	strategy := remedypr.StrategyPR
	if s, _ := c.File.Remediation.Strategy(a.Remediation); s == "adopt" {
		strategy = remedypr.StrategyAdopt
	}
	var targets []remedypr.Target
	for _, r := range verdicts {
		hs, ok := handover[report.Key{Dir: r.Dir, Target: r.Target}]
		if !ok {
			hs = []remedypr.Handover{}
		}
		targets = append(targets, remedypr.Target{Root: r.Dir, Name: r.Target, Workspace: r.Workspace, Result: r.Result, Policy: r.Policy, Handover: hs})
	}
	outs, err := remedypr.Sync(ctx, gh, remedypr.Config{
		Owner: owner, Repo: repo, Base: a.RefName, Strategy: strategy,
		MaxOpen: c.File.Remediation.OpenPRCap(), RepoRoot: c.RepoRoot,
		Run: remedypr.Run{URL: runURL(a), SHA: a.SHA},
	}, targets)
	first := ""
	for _, o := range outs {
		if o.PullRequest == nil {
			continue
		}
		k := report.Key{Dir: o.Root, Target: o.Target}
		switch o.Action {
		case remedypr.Opened:
			notes[k] = append(notes[k], record.Note{Kind: record.RemediationPROpened, PR: o.PullRequest.HTMLURL})
		case remedypr.Closed:
			notes[k] = append(notes[k], record.Note{Kind: record.RemediationPRClosed, PR: o.PullRequest.HTMLURL})
		}
		if first == "" && (o.Action == remedypr.Opened || o.Action == remedypr.Updated || o.Action == remedypr.Unchanged) {
			first = o.PullRequest.HTMLURL
		}
	}
	return first, err
}

// commitRecord writes the DriftReport resources and appends the log, on the
// branch's tip, regenerated on every retry. A push refused by branch
// protection goes to a branch and a pull request instead.
//
// Each target is recorded at the time its plan was made. A target the
// record leaves alone (a later plan is recorded already) is said in the
// log, the summary and an annotation; one whose heal or recovery would so
// vanish from the history fails the record.
func commitRecord(ctx context.Context, a config.Action, ev config.Event, verdicts []report.Root, notes map[report.Key][]record.Note, healed map[report.Key]bool, started time.Time, log *actions.Log, g *gitopsResult) (string, error) {
	targets := recordTargets(verdicts, notes)
	for i, t := range targets {
		if healed[report.Key{Dir: t.Root, Target: t.Target}] {
			// Applied: the drift this run found is gone.
			targets[i].Status, targets[i].Drift, targets[i].Changes = record.StatusClean, nil, nil
		}
	}
	run := record.Run{Time: started, Now: time.Now(), RunURL: runURL(a), Commit: a.SHA, Repository: a.Repository}
	drifted, failed := 0, 0
	for _, t := range targets {
		switch t.Status {
		case record.StatusDrifted:
			drifted++
		case record.StatusError:
			failed++
		}
	}
	runID := a.RunID
	if a.RunAttempt != "" {
		runID += "-" + a.RunAttempt
	}
	msg := gitrepo.Message(gitrepo.Summary{Roots: len(targets), Drifted: drifted, Failed: failed, Run: runID, RunURL: run.RunURL})
	allowed, why := gitrepo.WriteAllowed(ev.Name, ev.Fork)
	repo := gitrepo.New(a.Workspace, gitrepo.Options{AllowWrite: allowed, ReadOnlyReason: why, Secrets: []string{a.Token},
		Logf: func(format string, args ...any) { log.Printf("drift-action: "+format+"\n", args...) }})
	var lastLog []byte     // the log as last regenerated, for drift ages
	var last record.Result // what the last regeneration recorded and left alone
	res, err := repo.Commit(ctx, gitrepo.Change{
		Files: []string{a.ReportPath, a.LogPath},
		Regenerate: func(cur map[string][]byte) (map[string][]byte, string, error) {
			// Snoozes are logged once (snoozed, snooze-expired), not on every
			// run that finds them: what the log at this tip already says is
			// left out.
			prev, err := record.ParseLog(a.LogPath, cur[a.LogPath])
			if err != nil {
				return nil, "", err
			}
			r, err := record.Record(record.Files{ReportPath: a.ReportPath, Report: cur[a.ReportPath], LogPath: a.LogPath, Log: cur[a.LogPath]}, run, withSnoozeNotes(targets, verdicts, prev))
			if err != nil {
				return nil, "", err
			}
			last = r
			logBytes := append(append([]byte{}, cur[a.LogPath]...), r.LogAppend...)
			lastLog = logBytes
			return map[string][]byte{a.ReportPath: r.Report, a.LogPath: logBytes}, msg, nil
		},
	})
	var lost error
	if err == nil || errors.As(err, new(*gitrepo.PushRefusedError)) {
		g.activity = append(g.activity, driftAges(a.LogPath, lastLog, targets, started)...)
		lost = reportSkips(last, log, g)
	}
	var refused *gitrepo.PushRefusedError
	switch {
	case errors.Is(err, gitrepo.ErrReadOnly):
		log.Annotate(actions.Annotation{Level: "warning", Msg: "drift-action: the record was not written: " + err.Error()})
		return "", nil
	case errors.As(err, &refused):
		branch := gitrepo.FallbackBranch(runID)
		if perr := repo.PushBranch(ctx, refused.Commit, branch); perr != nil {
			return "", errors.Join(err, perr)
		}
		url, perr := recordPR(ctx, a, branch, refused.Branch, msg)
		if perr != nil {
			return "", fmt.Errorf("the push to %s was refused (%s) and the pull request from %s failed: %w", refused.Branch, refused.Reason, branch, perr)
		}
		log.Annotate(actions.Annotation{Level: "warning", Msg: fmt.Sprintf("drift-action: %s refused the record's push (%s); it is in pull request %s instead", refused.Branch, refused.Reason, url)})
		return a.ReportPath, lost
	case err != nil:
		return "", err
	}
	g.recordCommit = res.Commit
	return a.ReportPath, lost
}

// reportSkips tells the targets the record left alone, and its warnings,
// in the log, the activity and annotations. A skip that drops a heal or a
// recovery from the history is an error: the summary must not call it
// recorded.
func reportSkips(r record.Result, log *actions.Log, g *gitopsResult) error {
	for _, w := range r.Warnings {
		g.say("record: %s", w)
		log.Annotate(actions.Annotation{Level: "warning", Title: "drift-action: record", Msg: w})
	}
	var errs []error
	for _, s := range r.Skipped {
		msg := fmt.Sprintf("%s (%s) was not recorded: %s", s.Root, s.Target, s.Reason)
		if len(s.Lost) > 0 {
			kinds := make([]string, len(s.Lost))
			for i, k := range s.Lost {
				kinds[i] = string(k)
			}
			msg += "; its " + strings.Join(kinds, ", ") + " event(s) are not in the log"
		}
		g.say("%s", msg)
		log.Printf("drift-action: record: %s\n", msg)
		if s.LosesHealOrRecovery() {
			errs = append(errs, errors.New(msg+": check the runners' clocks and the order of runs, then record again"))
			continue
		}
		log.Annotate(actions.Annotation{Level: "warning", Title: "drift-action: record", Msg: msg})
	}
	return errors.Join(errs...)
}

// recordPR opens the pull request for a record whose push was refused.
func recordPR(ctx context.Context, a config.Action, branch, base, msg string) (string, error) {
	owner, repo, ok := strings.Cut(a.Repository, "/")
	if !ok {
		return "", fmt.Errorf("GITHUB_REPOSITORY %q is not owner/name", a.Repository)
	}
	gh, err := githubClient(ctx, a)
	if err != nil {
		return "", err
	}
	title, _, _ := strings.Cut(msg, "\n")
	pr, err := gh.CreatePullRequest(ctx, owner, repo, github.NewPullRequest{Title: title, Head: branch, Base: base,
		Body: "The branch " + base + " refused the drift record's push (branch protection or a hook), so the record is proposed here.\n\n" + msg})
	if err != nil {
		return "", err
	}
	return pr.HTMLURL, nil
}

// maxAges bounds the "drifted for" lines in a summary.
const maxAges = 20

// driftAges says, from the log, how long each resource still drifted has
// been: "fakecloud_instance.web in infra/app (default) drifted for 3 days".
func driftAges(path string, logBytes []byte, targets []record.Target, now time.Time) []string {
	if len(logBytes) == 0 {
		return nil
	}
	l, err := record.ParseLog(path, logBytes)
	if err != nil {
		return nil // the record step already reported a bad log
	}
	var out []string
	more := 0
	for _, t := range targets {
		info := l.Drift(t.Root, t.Target)
		for _, r := range t.Drift {
			since, ok := info.Resources[r.Address]
			if !ok {
				continue
			}
			if len(out) == maxAges {
				more++
				continue
			}
			out = append(out, fmt.Sprintf("%s in %s (%s) drifted for %s", r.Address, t.Root, t.Target, record.Age(now.Sub(since))))
		}
	}
	if more > 0 {
		out = append(out, fmt.Sprintf("and %d more drifted resource(s): their ages are in the report file", more))
	}
	return out
}

// withSnoozeNotes adds a snoozed note for each snooze holding drift, and a
// snooze-expired note for each that ran out, unless prev already logged the
// same one for that target.
func withSnoozeNotes(targets []record.Target, verdicts []report.Root, prev record.Log) []record.Target {
	logged := map[string]bool{}
	for _, ev := range prev.Events {
		if ev.Event == record.Snoozed || ev.Event == record.SnoozeExpired {
			until := ""
			if ev.Until != nil {
				until = ev.Until.UTC().Format(time.RFC3339)
			}
			logged[strings.Join([]string{string(ev.Event), ev.Root, ev.Target, until, ev.Reason}, "\x00")] = true
		}
	}
	seen := func(kind record.EventKind, root, target string, until time.Time, reason string) bool {
		return logged[strings.Join([]string{string(kind), root, target, until.UTC().Format(time.RFC3339), reason}, "\x00")]
	}
	out := make([]record.Target, len(targets))
	copy(out, targets)
	for i, r := range verdicts {
		if i >= len(out) || out[i].Root != r.Dir || out[i].Target != r.Target {
			continue // recordTargets keeps the report's order; anything else is not ours to annotate
		}
		notes := append([]record.Note{}, out[i].Notes...)
		type snoozeKey struct {
			until  time.Time
			reason string
		}
		held := map[snoozeKey][]string{}
		var order []snoozeKey
		for _, res := range r.Snoozed {
			if res.Snooze == nil {
				continue
			}
			k := snoozeKey{res.Snooze.Until, res.Snooze.Reason}
			if _, ok := held[k]; !ok {
				order = append(order, k)
			}
			held[k] = append(held[k], res.Address)
		}
		for _, k := range order {
			if !seen(record.Snoozed, r.Dir, r.Target, k.until, k.reason) {
				notes = append(notes, record.Note{Kind: record.Snoozed, Resources: held[k], Until: k.until, Reason: k.reason})
			}
		}
		for _, ex := range r.ExpiredSnoozes {
			if !seen(record.SnoozeExpired, r.Dir, r.Target, ex.Until, ex.Reason) {
				notes = append(notes, record.Note{Kind: record.SnoozeExpired, Resources: ex.Resources, Until: ex.Until, Reason: ex.Reason})
			}
		}
		out[i].Notes = notes
	}
	return out
}
