package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/myorg/drift-action/internal/actions"
	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/github"
	"github.com/myorg/drift-action/internal/report"
	"github.com/myorg/drift-action/internal/tfsource"
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
	failed     []sinkError
}

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
	{"pull request comment", (*publication).comment},
	{"outputs", (*publication).outputs},
	{"job summary", (*publication).summary},
}

// publish writes everything a run reports. Every sink runs; each failure
// becomes an error annotation, the summary lists them, and the run exits 1.
func publish(ctx context.Context, a config.Action, ev config.Event, doc report.Document, log *actions.Log) error {
	p := &publication{a: a, ev: ev, doc: doc, log: log}
	for _, s := range sinks {
		if err := s.run(p, ctx); err != nil {
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
		one := p.doc
		one.Roots = []report.Root{root}
		one.Manifests = nil
		one.Problems = nil
		if err := report.Text(&b, one, false); err != nil {
			errs = append(errs, err)
			continue
		}
		errs = append(errs,
			p.log.Group(fmt.Sprintf("%s (%s): %s", root.Dir, root.Target, root.Status)),
			p.log.Printf("%s", b.String()),
			p.log.EndGroup())
	}
	return errors.Join(errs...)
}

// annotate puts each drifted resource, failed policy and failed target on
// the .tf line that declares it.
func (p *publication) annotate(context.Context) error {
	workspace := p.a.Workspace
	var errs []error
	add := func(a actions.Annotation) { errs = append(errs, p.log.Annotate(a)) }
	for _, root := range p.doc.Roots {
		ix := tfsource.Load(filepath.Join(workspace, filepath.FromSlash(root.Dir)))
		at := func(a actions.Annotation, address string) actions.Annotation {
			if pos, ok := ix.Find(address); ok {
				if rel, err := filepath.Rel(workspace, pos.File); err == nil {
					a.File, a.Line = filepath.ToSlash(rel), pos.Line
				}
			}
			return a
		}
		if root.Status == drift.StatusError {
			first, _, _ := strings.Cut(root.Error, "\n")
			add(actions.Annotation{Level: "error", Title: "drift-action: " + root.Dir, Msg: fmt.Sprintf("%s (%s): %s", root.Dir, root.Target, first)})
		}
		for _, d := range root.Drift {
			add(at(actions.Annotation{Level: "warning", Title: "Drift: " + d.Address,
				Msg: fmt.Sprintf("%s (%s) was %s outside terraform%s", d.Address, root.Target, verbFor(d.Actions), attrList(d))}, d.Address))
		}
		for _, pr := range root.Policy {
			if pr.Failed {
				add(at(actions.Annotation{Level: "error", Title: fmt.Sprintf("Policy %s.%s (%s, %s)", pr.Policy, pr.Rule, pr.Level, pr.Severity), Msg: pr.Msg}, pr.Resource))
			}
		}
	}
	for _, m := range p.doc.Manifests {
		if m.Failed {
			add(actions.Annotation{Level: "error", Title: "Gatekeeper " + m.Rule, Msg: m.Resource + ": " + m.Msg})
		}
	}
	return errors.Join(errs...)
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
	if err := report.Markdown(&body, p.doc); err != nil {
		return err
	}
	cm, err := newCommenter(ctx, a.Token, a.APIURL, a.CommentAuthor)
	if err != nil {
		return err
	}
	marker := "report"
	if a.Shard.IsSet() {
		marker = "report-" + a.Shard.String()
	}
	urls, err := cm.UpsertStickyComment(ctx, owner, repo, ev.PR, marker, github.Split(body.String(), github.CommentPartLimit))
	if err != nil {
		return err
	}
	if len(urls) > 0 {
		p.commentURL = urls[0]
	}
	return nil
}

// outputs sets the step outputs.
func (p *publication) outputs(context.Context) error {
	doc := p.doc
	violations := 0
	if doc.Policy != nil {
		violations = doc.Policy.Denies - doc.Policy.Waived
	}
	outs := []struct{ k, v string }{
		{"drift-detected", strconv.FormatBool(doc.Drifted)},
		{"drifted-resources", strconv.Itoa(doc.Summary.DriftedResources)},
		{"policy-violations", strconv.Itoa(violations)},
		{"report-path", ""}, // written by mode: record
		{"result-json", p.resultPath},
		{"pull-request-url", ""}, // opened by remediation
	}
	var errs []error
	for _, o := range outs {
		errs = append(errs, p.log.SetOutput(o.k, o.v))
	}
	return errors.Join(errs...)
}

// summary writes the job summary, with every sink that failed before it.
func (p *publication) summary(context.Context) error {
	a := p.a
	runURL := ""
	if a.ServerURL != "" && a.Repository != "" && a.RunID != "" {
		runURL = fmt.Sprintf("%s/%s/actions/runs/%s", a.ServerURL, a.Repository, a.RunID)
	}
	var sum bytes.Buffer
	for _, f := range p.failed {
		fmt.Fprintf(&sum, "> [!WARNING]\n> **%s failed** (the rest of the report is below):\n\n%s\n", f.sink, fenced(f.err.Error()))
	}
	if err := report.JobSummary(&sum, p.doc, report.Links{Run: runURL, Comment: p.commentURL, ResultJSON: p.resultPath, Source: p.ev.Source, Shard: a.Shard.String()}, report.StepSummaryLimit-sum.Len()); err != nil {
		return err
	}
	if !p.log.HasFile("GITHUB_STEP_SUMMARY") {
		return nil // not on a runner that keeps summaries
	}
	return p.log.AddStepSummary(sum.String())
}
