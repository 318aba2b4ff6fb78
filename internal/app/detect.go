package app

import (
	"context"
	"io"

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

// document is the report of a run's outcomes.
func document(run pipeline.Run, checks drift.CheckLevel) report.Document {
	var doc report.Document
	if !run.Policies {
		doc = report.New(run.Results())
	} else {
		pols := &report.Policies{ByTarget: map[report.Key][]policy.Result{}, Manifests: run.Manifests}
		for _, o := range run.Outcomes {
			pols.ByTarget[report.Key{Dir: o.Result.Dir, Target: o.Result.Target}] = o.Policy
		}
		doc = report.WithPolicies(run.Results(), pols)
	}
	doc.ApplyCheckLevel(checks)
	return doc
}
