package gitops

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/myorg/drift-action/internal/actions"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/github"
	"github.com/myorg/drift-action/internal/gitrepo"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/record"
	"github.com/myorg/drift-action/internal/report"
)

// RecordShards commits, in mode aggregate, the record of a matrix's
// shards: once, for every shard's targets, each at the time its shard
// planned it, not at this job's time (an older plan never overwrites a
// newer state). Shards that recorded their own targets (mode remediate:
// only they know what they healed) are not recorded again.
func RecordShards(ctx context.Context, o Options, e Edges, shards []report.Document) Result {
	var g Result
	var unrecorded []report.Document
	for _, d := range shards {
		if !d.Recorded {
			unrecorded = append(unrecorded, d)
		}
	}
	if n := len(shards) - len(unrecorded); n > 0 {
		g.say("%d shard(s) recorded their own targets (mode remediate or record); the record here holds the other %d", n, len(unrecorded))
	}
	toRecord, err := report.Merge(unrecorded)
	switch {
	case err != nil:
		g.Errs = append(g.Errs, fmt.Errorf("record: %w", err))
	case len(unrecorded) == 0:
	case o.Event.ReadsOnly:
		e.Log.Annotate(actions.Annotation{Level: "warning", Msg: "drift-action: the record was not written: runs for forks and pull_request_target never write"})
	default:
		var beside []File
		if e.Beside != nil {
			beside = e.Beside(ctx, g)
		}
		path, err := commitRecord(ctx, o, e, toRecord.Roots, nil, nil, time.Now(), beside, &g)
		// The record holds the shards' targets: Recorded (this run's own
		// targets) stays false.
		g.sayRecorded(o, path, err)
	}
	return g
}

// commitRecord writes the DriftReport resources and appends the log, with
// the files beside them, in one commit on the branch's tip, regenerated on
// every retry. A run that finds what the record says commits nothing. A
// push refused by branch protection goes to a branch and a pull request
// instead.
//
// Each target is recorded at the time its plan was made. A target the
// record leaves alone (a later plan is recorded already) is said in the
// log, the summary and an annotation; one whose heal or recovery would so
// vanish from the history fails the record.
func commitRecord(ctx context.Context, o Options, e Edges, verdicts []report.Root, notes map[report.Key][]record.Note, healed map[report.Key]bool, started time.Time, beside []File, g *Result) (string, error) {
	log := e.Log
	targets := recordTargets(verdicts, notes)
	for i, t := range targets {
		if healed[report.Key{Dir: t.Root, Target: t.Target}] {
			// Applied: the drift this run found is gone.
			targets[i].Status, targets[i].Drift, targets[i].Changes = record.StatusClean, nil, nil
		}
	}
	run := record.Run{Time: started, Now: time.Now(), RunURL: o.RunURL, Commit: o.SHA, Repository: o.Repository, Group: o.Group}
	drifted, failed := 0, 0
	for _, t := range targets {
		switch t.Status {
		case record.StatusDrifted:
			drifted++
		case record.StatusError:
			failed++
		}
	}
	runID := o.RunID
	if o.RunAttempt != "" {
		runID += "-" + o.RunAttempt
	}
	msg := gitrepo.Message(gitrepo.Summary{Roots: len(targets), Drifted: drifted, Failed: failed, Run: runID, RunURL: run.RunURL})
	allowed, why := gitrepo.WriteAllowed(o.Event.Name, o.Event.Fork)
	repo := e.git(o.Workspace, gitrepo.Options{AllowWrite: allowed, ReadOnlyReason: why, Secrets: []string{o.Token},
		Logf: func(format string, args ...any) { log.Printf("drift-action: "+format+"\n", args...) }})
	var lastLog []byte     // the log as last regenerated, for drift ages
	var last record.Result // what the last regeneration recorded and left alone
	files := []string{o.ReportPath, o.LogPath}
	var kept []File
	for _, b := range beside {
		if slices.Contains(files, b.Path) {
			// report-path or log-path names the file kept beside them: the
			// record wins, the other file is not kept.
			msg := fmt.Sprintf("drift-action: %s is the record's own file, so it is not also used for what is kept beside the record; choose another report-path or log-path", b.Path)
			log.Annotate(actions.Annotation{Level: "warning", Msg: msg})
			continue
		}
		files = append(files, b.Path)
		kept = append(kept, b)
	}
	beside = kept
	res, err := repo.Commit(ctx, gitrepo.Change{
		Files: files,
		Regenerate: func(cur map[string][]byte) (map[string][]byte, string, error) {
			// Snoozes are logged once (snoozed, snooze-expired), not on every
			// run that finds them: what the log at this tip already says is
			// left out.
			prev, err := record.ParseLog(o.LogPath, cur[o.LogPath])
			if err != nil {
				return nil, "", err
			}
			r, err := record.Record(record.Files{ReportPath: o.ReportPath, Report: cur[o.ReportPath], LogPath: o.LogPath, Log: cur[o.LogPath]}, run, withSnoozeNotes(targets, verdicts, prev))
			if err != nil {
				return nil, "", err
			}
			last = r
			logBytes := append(append([]byte{}, cur[o.LogPath]...), r.LogAppend...)
			lastLog = logBytes
			out := map[string][]byte{o.ReportPath: r.Report, o.LogPath: logBytes}
			for _, b := range beside {
				out[b.Path] = b.Regenerate(cur[b.Path])
			}
			return out, msg, nil
		},
	})
	var lost error
	if err == nil || errors.As(err, new(*gitrepo.PushRefusedError)) {
		g.Activity = append(g.Activity, driftAges(o.LogPath, lastLog, targets, started)...)
		// Written by Record a moment ago: a parse error is a bug, and the
		// metrics go without the record rather than fail the run.
		g.Reports, _ = record.ParseReports(o.ReportPath, last.Report, "")
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
		url, perr := recordPR(ctx, o, e, branch, refused.Branch, msg)
		if perr != nil {
			return "", fmt.Errorf("the push to %s was refused (%s) and the pull request from %s failed: %w", refused.Branch, refused.Reason, branch, perr)
		}
		log.Annotate(actions.Annotation{Level: "warning", Msg: fmt.Sprintf("drift-action: %s refused the record's push (%s); it is in pull request %s instead", refused.Branch, refused.Reason, url)})
		return o.ReportPath, lost
	case err != nil:
		return "", err
	}
	if !res.Changed {
		g.Unchanged = true
		log.Printf("drift-action: record: %s and %s already say what this run found (%d target(s) as recorded): nothing committed\n", o.ReportPath, o.LogPath, len(last.Unchanged))
		return o.ReportPath, lost
	}
	g.RecordCommit = res.Commit
	return o.ReportPath, lost
}

// reportSkips tells the targets the record left alone, and its warnings,
// in the log, the activity and annotations. A skip that drops a heal or a
// recovery from the history is an error: the summary must not call it
// recorded.
func reportSkips(r record.Result, log Log, g *Result) error {
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
func recordPR(ctx context.Context, o Options, e Edges, branch, base, msg string) (string, error) {
	owner, repo, ok := strings.Cut(o.Repository, "/")
	if !ok {
		return "", fmt.Errorf("GITHUB_REPOSITORY %q is not owner/name", o.Repository)
	}
	gh, err := e.GitHub(ctx)
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

// recordTargets narrows a run's report to what the GitOps record keeps:
// addresses, actions, attribute paths and causes, never values. notes are
// what the run did for a target (self-healed, remediation PRs, snoozes).
func recordTargets(verdicts []report.Root, notes map[report.Key][]record.Note) []record.Target {
	out := make([]record.Target, 0, len(verdicts))
	for _, r := range verdicts {
		t := record.Target{
			Root: r.Dir, Target: r.Target, Workspace: r.Workspace, PlannedAt: r.PlannedAt,
			Status: string(r.Status), Error: r.Error,
			Drift:   recordResources(r.Drift),
			Changes: recordResources(r.Changes),
			Notes:   notes[report.Key{Dir: r.Dir, Target: r.Target}],
			Snoozed: recordSnoozed(r.Snoozed),
		}
		for _, p := range r.Policy {
			t.Policy = append(t.Policy, recordPolicy(p))
		}
		out = append(out, t)
	}
	return out
}

func recordResources(rs []drift.Resource) []record.Resource {
	var out []record.Resource
	for _, r := range rs {
		rr := record.Resource{Address: r.Address, Type: r.Type, Actions: r.Actions, Cause: string(r.Cause)}
		for _, a := range r.Attributes {
			rr.Paths = append(rr.Paths, a.Path)
		}
		out = append(out, rr)
	}
	return out
}

// recordSnoozed is the drift active snoozes hold, with each snooze's end
// and reason, and the attribute paths it holds.
func recordSnoozed(rs []drift.Resource) []record.SnoozedResource {
	var out []record.SnoozedResource
	for _, r := range rs {
		if r.Snooze == nil {
			continue
		}
		s := record.SnoozedResource{Address: r.Address, Until: record.NewTime(r.Snooze.Until), Reason: r.Snooze.Reason}
		if len(r.Snooze.Paths) > 0 {
			for _, a := range r.Attributes {
				s.Paths = append(s.Paths, a.Path)
			}
		}
		out = append(out, s)
	}
	return out
}

func recordPolicy(p policy.Result) record.PolicyResult {
	rp := record.PolicyResult{
		Policy: p.Policy, Rule: p.Rule, Level: string(p.Level), Severity: p.Severity,
		Resource: p.Resource, Failed: p.Failed, Overridden: p.Overridden, Msg: p.Msg,
		Waived: p.Waived,
	}
	if p.Waived {
		// Only an exception rule of the deny's own package waives it
		// (policy.Engine.Eval): deny_<name> by exception "<name>".
		rp.WaivedBy = fmt.Sprintf("exception %q of package %s", strings.TrimPrefix(p.Rule, "deny_"), p.Policy)
	}
	for _, o := range p.OverriddenBy {
		rp.OverriddenBy = append(rp.OverriddenBy, o.String())
	}
	return rp
}
