package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/myorg/drift-action/internal/actions"
	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/discover"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/github"
	"github.com/myorg/drift-action/internal/gitops"
	"github.com/myorg/drift-action/internal/metrics"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/report"
	"github.com/myorg/drift-action/internal/wsfile"
)

// publication is one run's report on its way to the sinks; sinks fill in
// what later sinks link to (the result file, the comment).
type publication struct {
	a          config.Action
	ev         config.Event
	doc        report.Document
	log        *actions.Log
	resultPath string // relative to the workspace, once written
	commentURL string
	gitops     gitops.Result // what modes record and remediate did
	slackSent  *slackSent    // Slack told before the record's commit; nil when not
	started    time.Time     // when the run began, for the metrics
	failed     []sinkError
	warned     []sinkError // sinks that failed without failing the run
}

// sinkWarning is a sink's failure that must not fail the run (Slack): it
// becomes a warning annotation and a line in the job summary.
type sinkWarning struct{ error }

func (w sinkWarning) Unwrap() error { return w.error }

type sinkError struct {
	sink string
	err  error
}

// sink is one independent place a run reports to; one failing never stops
// the others.
type sink struct {
	name string
	run  func(*publication, context.Context) error
}

// sinks, in order: each later one may link to what an earlier one made,
// and the job summary, written last, tells which sinks failed.
var sinks = []sink{
	{"log", (*publication).logGroups},
	{"annotations", (*publication).annotate},
	{"result file", (*publication).writeResult},
	{"sarif file", (*publication).writeSARIF},
	{"pull request comment", (*publication).comment},
	{"slack", (*publication).slack},
	{"outputs", (*publication).outputs},
	{"metrics file", (*publication).metricsFile},
	{"pushgateway", (*publication).pushgateway},
	{"job summary", (*publication).summary},
}

// publish writes everything a run reports. Every sink runs; each failure
// becomes an error annotation, the summary lists them, and the run exits 1.
func publish(ctx context.Context, a config.Action, ev config.Event, doc report.Document, log *actions.Log, g gitops.Result, sent *slackSent, started time.Time) error {
	// What the run did is shown beside the verdicts, never written into them.
	doc.Activity = append(doc.Activity, g.Activity...)
	doc.Recorded = doc.Recorded || g.Recorded
	p := &publication{a: a, ev: ev, doc: doc, log: log, gitops: g, slackSent: sent, started: started}
	// What heal, remediation PRs or the record could not do fails the run
	// like a sink, after everything else is published.
	for _, err := range g.Errs {
		p.failed = append(p.failed, sinkError{"gitops", err})
	}
	for _, s := range sinks {
		var w sinkWarning
		switch err := s.run(p, ctx); {
		case errors.As(err, &w):
			p.warned = append(p.warned, sinkError{s.name, w.error})
			log.Annotate(actions.Annotation{Level: "warning", Title: "drift-action: " + s.name + " failed", Msg: w.Error()})
		case err != nil:
			p.failed = append(p.failed, sinkError{s.name, err})
		}
	}
	var errs []error
	for _, f := range p.failed {
		err := fmt.Errorf("%s: %w", f.sink, f.err)
		log.Annotate(actions.Annotation{Level: "error", Title: "drift-action: " + f.sink + " failed", Msg: err.Error()})
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return ExitStatus(ExitError) // each failure was annotated above and is in the summary
	}
	switch code := doc.ExitCode(); {
	case code == ExitError:
		for _, prob := range doc.Problems {
			log.Annotate(actions.Annotation{Level: "error", Title: "drift-action: incomplete run", Msg: prob})
		}
		return ExitStatus(code)
	case code == ExitPolicy:
		return ExitStatus(code)
	case code == ExitDrift && a.FailOnDrift && doc.Drifted:
		log.Annotate(actions.Annotation{Level: "error", Msg: "drift-action: drift detected and fail-on-drift is true"})
		return ExitStatus(ExitDrift)
	}
	return nil
}

// logGroups prints each target's report in a collapsible group.
func (p *publication) logGroups(context.Context) error {
	var errs []error
	for _, root := range p.doc.Roots {
		var b bytes.Buffer
		if err := report.TextRoot(&b, root, false); err != nil {
			errs = append(errs, err)
			continue
		}
		errs = append(errs,
			p.log.Group(fmt.Sprintf("%s (%s): %s", root.Dir, root.Target, root.Status)),
			p.log.Printf("%s", b.String()),
			p.log.EndGroup())
	}
	// The run's totals once, after the groups, not inside each of them.
	var b bytes.Buffer
	if err := report.TextSummary(&b, p.doc, false); err != nil {
		return errors.Join(append(errs, err)...)
	}
	errs = append(errs, p.log.Printf("%s", b.String()))
	return errors.Join(errs...)
}

// maxAnnotations is how many annotations of one level GitHub shows for a
// step; past it, the rest are summed up in one that points at the summary.
const maxAnnotations = 10

// annotate puts each drifted resource, with the policy results about it, on
// the .tf line that declares it: one annotation per resource and line.
// Errors come first, and past maxAnnotations of a level the rest are told
// as one annotation pointing at the job summary.
func (p *publication) annotate(context.Context) error {
	var errs []error
	for _, a := range capAnnotations(annotations(p.doc), maxAnnotations) {
		errs = append(errs, p.log.Annotate(a))
	}
	return errors.Join(errs...)
}

// annotations are the document's annotations, uncapped: drift.yaml's
// warnings on their lines, then per target its error, its drifted
// resources with the policy results about them, and its failing checks.
// A target is named in each title when its root has several (or it is a
// named one), and only there, so two regions of one root never show the
// same annotation twice; an annotation identical to an earlier one is
// left out.
func annotations(doc report.Document) []actions.Annotation {
	var all []actions.Annotation
	for _, w := range doc.Warnings {
		all = append(all, actions.Annotation{Level: "warning", Title: "drift-action: drift.yaml", File: w.File, Line: w.Line, Msg: w.Message})
	}
	targets := map[string]int{}
	for _, root := range doc.Roots {
		targets[root.Dir]++
	}
	for _, root := range doc.Roots {
		// Where the pipeline found each address declared; the code is not
		// read again here.
		at := func(a actions.Annotation, address string) actions.Annotation {
			if loc, ok := root.Declared[address]; ok {
				a.File, a.Line = loc.File, loc.Line
			}
			return a
		}
		name := ""
		if targets[root.Dir] > 1 || root.Target != discover.DefaultTarget {
			name = " (" + root.Target + ")"
		}
		if root.Status == drift.StatusError {
			first, _, _ := strings.Cut(root.Error, "\n")
			all = append(all, actions.Annotation{Level: "error", Title: "drift-action: " + root.Dir + name, Msg: first})
		}
		// One entry per resource, in the order first seen: its drift, then
		// every policy result naming it.
		type entry struct {
			address string
			lines   []string
			failed  bool
			drifted bool
		}
		var entries []*entry
		byAddr := map[string]*entry{}
		get := func(addr string) *entry {
			if e := byAddr[addr]; e != nil {
				return e
			}
			e := &entry{address: addr}
			entries = append(entries, e)
			byAddr[addr] = e
			return e
		}
		for _, d := range root.Drift {
			e := get(d.Address)
			e.drifted = true
			e.lines = append(e.lines, fmt.Sprintf("%s was %s outside terraform%s", d.Address, verbFor(d.Actions), attrList(d)))
		}
		for _, pr := range root.Policy {
			line := fmt.Sprintf("policy %s.%s [%s, %s]: %s", pr.Policy, pr.Rule, pr.Level, pr.Severity, pr.Msg)
			switch {
			case pr.Failed:
				line = "FAILED " + line
			case pr.Level == policy.Advisory:
				line = "advisory " + line
			}
			if pr.Resource == "" || (!pr.Failed && byAddr[pr.Resource] == nil) {
				// Results about no drifted resource are annotated only when
				// they fail the run; the rest are in the summary.
				if pr.Failed {
					all = append(all, actions.Annotation{Level: "error", Title: fmt.Sprintf("Policy %s.%s (%s, %s)", pr.Policy, pr.Rule, pr.Level, pr.Severity), Msg: root.Dir + name + ": " + pr.Msg})
				}
				continue
			}
			e := get(pr.Resource)
			e.failed = e.failed || pr.Failed
			e.lines = append(e.lines, line)
		}
		for _, e := range entries {
			a := actions.Annotation{Level: "warning", Title: "Drift: " + e.address + name, Msg: strings.Join(e.lines, "\n")}
			if e.failed {
				a.Level = "error"
				if !e.drifted {
					a.Title = "Policy failed: " + e.address + name
				}
			}
			all = append(all, at(a, e.address))
		}
		for _, ck := range root.Checks {
			if !ck.Failing() {
				continue
			}
			msg := fmt.Sprintf("%s: check %s %s", root.Dir, ck.Address, ck.Status)
			if len(ck.Problems) > 0 {
				msg += ": " + strings.Join(ck.Problems, "; ")
			}
			all = append(all, at(actions.Annotation{Level: "warning", Title: "Check: " + ck.Address + name, Msg: msg}, strings.TrimPrefix(ck.Address, "check.")))
		}
	}
	for _, m := range doc.Manifests {
		if m.Failed {
			all = append(all, actions.Annotation{Level: "error", Title: "Gatekeeper " + m.Rule, Msg: m.Resource + ": " + m.Msg})
		}
	}
	out := all[:0]
	seen := map[actions.Annotation]bool{}
	for _, a := range all {
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

// capAnnotations orders annotations errors first (then warnings, then
// notices, each in order) and keeps at most max-1 of a level when there are
// more than max, adding one that counts the rest and points at the summary.
func capAnnotations(all []actions.Annotation, max int) []actions.Annotation {
	var out []actions.Annotation
	for _, level := range []string{"error", "warning", "notice"} {
		var of []actions.Annotation
		for _, a := range all {
			if a.Level == level {
				of = append(of, a)
			}
		}
		if len(of) <= max {
			out = append(out, of...)
			continue
		}
		out = append(out, of[:max-1]...)
		word := level + "s"
		out = append(out, actions.Annotation{Level: level, Title: fmt.Sprintf("drift-action: %d more %s", len(of)-max+1, word),
			Msg: fmt.Sprintf("%d more %s than GitHub shows for one step: see the job summary for every drifted resource, change and policy result", len(of)-max+1, word)})
	}
	return out
}

func verbFor(actions []string) string {
	switch strings.Join(actions, ",") {
	case "delete":
		return "deleted"
	case "create":
		return "created"
	}
	return "changed"
}

func attrList(d drift.Resource) string {
	if len(d.Attributes) == 0 || strings.Join(d.Actions, ",") == "delete" {
		return ""
	}
	var paths []string
	for i, a := range d.Attributes {
		if i == 5 {
			paths = append(paths, fmt.Sprintf("and %d more", len(d.Attributes)-5))
			break
		}
		paths = append(paths, a.Path)
	}
	return ": " + strings.Join(paths, ", ")
}

// resultFile is where this job keeps its JSON result, relative to the
// workspace; a matrix job's name says its shard.
func resultFile(s config.Shard) string {
	if s.IsSet() {
		return filepath.Join(".drift-action", fmt.Sprintf("result-%d-of-%d.json", s.Index, s.Count))
	}
	return filepath.Join(".drift-action", "result.json")
}

// writeResult keeps the JSON result in the workspace for artifacts and
// aggregate, never through a symbolic link the repository holds.
func (p *publication) writeResult(context.Context) error {
	var b bytes.Buffer
	if err := report.JSON(&b, p.doc); err != nil {
		return err
	}
	rel := resultFile(p.a.Shard)
	if err := wsfile.Write(p.a.Workspace, rel, b.Bytes()); err != nil {
		return err
	}
	p.resultPath = filepath.ToSlash(rel)
	return nil
}

// writeSARIF writes the SARIF log for code scanning where sarif-file
// says, whole or not at all, never through a symbolic link.
func (p *publication) writeSARIF(context.Context) error {
	if p.a.SARIFFile == "" {
		return nil
	}
	var b bytes.Buffer
	if err := report.SARIF(&b, p.doc, sarifOptions(config.RepoRoot(p.a.Workspace), p.a.Workspace, p.a.Dirs, p.a.Shard)); err != nil {
		return err
	}
	return wsfile.Write(p.a.Workspace, p.a.SARIFFile, b.Bytes())
}

// comment keeps the pull request's sticky comment up to date.
func (p *publication) comment(ctx context.Context) error {
	a, ev := p.a, p.ev
	switch {
	case ev.PR == 0:
		return nil
	case ev.ReadsOnly():
		return p.log.Annotate(actions.Annotation{Level: "warning", Msg: fmt.Sprintf("drift-action: not commenting on pull request #%d: runs for forks and pull_request_target never write to the repository", ev.PR)})
	case a.Token == "":
		return p.log.Annotate(actions.Annotation{Level: "warning", Msg: "drift-action: no github-token; not commenting on the pull request"})
	}
	owner, repo, ok := strings.Cut(a.Repository, "/")
	if !ok {
		return fmt.Errorf("GITHUB_REPOSITORY %q is not owner/name", a.Repository)
	}
	var body bytes.Buffer
	body.WriteString(commentHeader(a, ev))
	if err := report.Markdown(&body, p.doc); err != nil {
		return err
	}
	var cm Commenter
	cm, err := githubClient(ctx, a)
	if err != nil {
		return err
	}
	marker := "report"
	if a.Shard.IsSet() {
		marker = "report-" + a.Shard.String()
	}
	urls, err := cm.UpsertStickyComment(ctx, owner, repo, ev.PR, marker, report.SplitMarkdown(body.String(), github.CommentPartLimit))
	if err != nil {
		return err
	}
	if len(urls) > 0 {
		p.commentURL = urls[0]
	}
	return nil
}

// commentHeader names the commit the report is about and the run that made
// it, so a reader of a sticky comment knows whether it is current.
func commentHeader(a config.Action, ev config.Event) string {
	sha := ev.HeadSHA // the pull request's head, not the merge commit GITHUB_SHA names
	if sha == "" {
		sha = a.SHA
	}
	var parts []string
	if sha != "" {
		short := sha
		if len(short) > 12 {
			short = short[:12]
		}
		c := "`" + short + "`"
		if a.ServerURL != "" && a.Repository != "" {
			c = fmt.Sprintf("[%s](%s/%s/commit/%s)", c, a.ServerURL, a.Repository, sha)
		}
		parts = append(parts, "commit "+c)
	}
	if u := runURL(a); u != "" {
		parts = append(parts, fmt.Sprintf("[workflow run %s](%s)", a.RunID, u))
	}
	if len(parts) == 0 {
		return ""
	}
	return "_Plan of " + strings.Join(parts, " · ") + "._\n\n"
}

func runURL(a config.Action) string {
	if a.ServerURL != "" && a.Repository != "" && a.RunID != "" {
		return fmt.Sprintf("%s/%s/actions/runs/%s", a.ServerURL, a.Repository, a.RunID)
	}
	return ""
}

// outputs sets the step outputs.
func (p *publication) outputs(context.Context) error {
	outs := append(report.Outputs(p.doc),
		report.Output{Name: "report-path", Value: p.gitops.ReportPath},
		report.Output{Name: "result-json", Value: p.resultPath},
		report.Output{Name: "pull-request-url", Value: p.gitops.PRURL},
	)
	var errs []error
	for _, o := range outs {
		errs = append(errs, p.log.SetOutput(o.Name, o.Value))
	}
	return errors.Join(errs...)
}

// registry is the run's metrics: the verdicts, and what gitops did and
// recorded.
func (p *publication) registry() (*prometheus.Registry, error) {
	return metrics.Registry(metrics.Input{
		Doc: p.doc, Started: p.started, Duration: time.Since(p.started),
		Reports: p.gitops.Reports, Heals: p.gitops.Heals, PullRequests: p.gitops.PullRequests,
	})
}

// metricsFile writes the metrics for node_exporter's textfile collector,
// replaced whole (wsfile writes beside the name and renames) and never
// through a link the repository holds. A failure fails the run: whoever
// reads the file would see the last run's numbers as current.
func (p *publication) metricsFile(context.Context) error {
	if p.a.Metrics.File == "" {
		return nil
	}
	reg, err := p.registry()
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := metrics.Text(&b, reg); err != nil {
		return err
	}
	return wsfile.Write(p.a.Workspace, p.a.Metrics.File, b.Bytes())
}

// pushgateway replaces this job's group (repository and shard) on the
// Pushgateway. A failure warns: the verdict, the record and the heal stand.
func (p *publication) pushgateway(ctx context.Context) error {
	m := p.a.Metrics
	if m.PushURL == "" {
		return nil
	}
	reg, err := p.registry()
	if err != nil {
		return err
	}
	gw := metrics.Gateway{URL: m.PushURL, Job: m.Job, Grouping: metrics.Grouping(p.a.Repository, p.a.Shard.Index, p.a.Shard.Count)}
	if err := gw.Push(ctx, reg); err != nil {
		return sinkWarning{fmt.Errorf("%w (check that the runner reaches the pushgateway-url input's host and port, and the Pushgateway's own log for why it refused)", err)}
	}
	return nil
}

// summary writes the job summary, with every sink that failed before it.
func (p *publication) summary(context.Context) error {
	a := p.a
	var sum bytes.Buffer
	for _, f := range p.failed {
		fmt.Fprintf(&sum, "> [!WARNING]\n> **%s failed** (the rest of the report is below):\n\n%s\n", f.sink, fenced(f.err.Error()))
	}
	for _, f := range p.warned {
		fmt.Fprintf(&sum, "> [!WARNING]\n> **%s failed**; the run's verdict, record and heal stand:\n\n%s\n", f.sink, fenced(f.err.Error()))
	}
	if err := report.JobSummary(&sum, p.doc, report.Links{Run: runURL(a), Comment: p.commentURL, ResultJSON: p.resultPath, Source: p.ev.Source, Shard: a.Shard.String()}, report.StepSummaryLimit-sum.Len()); err != nil {
		return err
	}
	if !p.log.HasFile("GITHUB_STEP_SUMMARY") {
		return nil // not on a runner that keeps summaries
	}
	return p.log.AddStepSummary(sum.String())
}
