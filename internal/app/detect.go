package app

import (
	"context"
	"io"
	"time"

	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/pipeline"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/report"
)

// detect runs the pipeline with the companion binary as its manifest
// checker. The caller closes the run (it holds the saved plans), also on
// error.
func detect(ctx context.Context, c config.Detect, progress io.Writer) (pipeline.Run, error) {
	return pipeline.Detect(ctx, c, progress, func(ctx context.Context, globs []string) ([]policy.Result, error) {
		return checkManifests(ctx, globs, c.GatekeeperBin, c.Cwd)
	})
}

// document is the report of a run's outcomes under the config file's
// checks level and snoozes; now is the run's time, against which snoozes
// expire. Snoozes apply to the verdict after policies ran: policies judge
// the plan as terraform made it (see docs/policy-input.md).
func document(run pipeline.Run, f config.File, now time.Time) report.Document {
	results := run.Results()
	snoozes := pipeline.Snoozes(f)
	for i := range results {
		results[i].ApplySnoozes(snoozes, now)
	}
	var doc report.Document
	if !run.Policies {
		doc = report.New(results)
	} else {
		pols := &report.Policies{ByTarget: map[report.Key][]policy.Result{}, Manifests: run.Manifests}
		for _, o := range run.Outcomes {
			pols.ByTarget[report.Key{Dir: o.Result.Dir, Target: o.Result.Target}] = o.Policy
		}
		doc = report.WithPolicies(results, pols)
	}
	doc.ApplyCheckLevel(drift.CheckLevel(f.Checks))
	doc.Selection = selectionReport(run.Selection)
	return doc
}
