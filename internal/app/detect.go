package app

import (
	"context"
	"io"
	"path"
	"path/filepath"
	"strings"

	"github.com/myorg/drift-action/internal/companion"
	"github.com/myorg/drift-action/internal/pipeline"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/report"
)

// detect runs the pipeline with the companion binary (gatekeeperBin, or
// found as companion finds it) as its manifest checker. The caller closes
// the run (it holds the saved plans), also on error.
func detect(ctx context.Context, o pipeline.Options, gatekeeperBin string, progress io.Writer) (pipeline.Run, error) {
	return pipeline.Detect(ctx, o, progress, companion.Companion{Bin: gatekeeperBin, Dir: o.Find.Cwd}.Check)
}

// document is the report of a run: a projection of its verdicts, which
// the pipeline built whole (snoozes at plan time, policies, the checks
// level); nothing here changes a verdict.
func document(run pipeline.Run) report.Document {
	results := run.Results()
	var doc report.Document
	if !run.Policies {
		doc = report.New(results)
	} else {
		pols := &report.Policies{ByTarget: map[report.Key][]policy.Result{}, Manifests: run.Manifests}
		for _, o := range run.Verdicts {
			pols.ByTarget[report.Key{Dir: o.Result.Dir, Target: o.Result.Target}] = o.Policy
		}
		doc = report.WithPolicies(results, pols)
	}
	declared := map[report.Key]map[string]report.Location{}
	for _, o := range run.Verdicts {
		if len(o.Source) == 0 {
			continue
		}
		m := map[string]report.Location{}
		for addr, pos := range o.Source {
			rel, err := filepath.Rel(o.Target.AbsDir, pos.File)
			if err != nil || strings.HasPrefix(rel, "..") {
				continue
			}
			m[addr] = report.Location{File: path.Join(o.Result.Dir, filepath.ToSlash(rel)), Line: pos.Line}
		}
		declared[report.Key{Dir: o.Result.Dir, Target: o.Result.Target}] = m
	}
	for i, r := range doc.Roots {
		doc.Roots[i].Declared = declared[report.Key{Dir: r.Dir, Target: r.Target}]
	}
	doc.Selection = selectionReport(run.Selection)
	doc.Window = windowReport(run.Selection)
	for _, w := range run.Warnings {
		doc.Warnings = append(doc.Warnings, report.Warning{File: w.File, Line: w.Line, Message: w.Msg})
	}
	return doc
}
