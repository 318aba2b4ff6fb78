package app

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/myorg/drift-action/internal/actions"
	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/discover"
	"github.com/myorg/drift-action/internal/gitops"
	"github.com/myorg/drift-action/internal/matrix"
	"github.com/myorg/drift-action/internal/report"
)

// origin says which run (and shard) made a document, so aggregate can
// refuse results of another run.
func origin(a config.Action) *report.Origin {
	o := &report.Origin{Repository: a.Repository, RunID: a.RunID, RunAttempt: a.RunAttempt, Commit: a.SHA}
	if a.Shard.IsSet() {
		o.Shard = &report.Shard{Index: a.Shard.Index, Count: a.Shard.Count}
	}
	return o
}

// actionList writes the matrix of shards for a fan-out: each job runs
// detect with shard: ${{ matrix.shard }}.
// The matrix covers the targets detect would plan for the same event: a
// drift-detected dispatch's roots only, and on a pull request the roots its
// changes affect (discover.Choose, as in detect).
func actionList(ctx context.Context, a config.Action, ev config.Event, env config.Env, log *actions.Log) error {
	c, err := config.ActionDetect(a, ev, env)
	if err != nil {
		return err
	}
	changes, err := pullRequestChanges(ctx, a, ev, c, log)
	if err != nil {
		return err
	}
	o := detectOptions(c, changes)
	targets, err := discover.Targets(o.Find)
	if err != nil {
		return err
	}
	// Every job splits the same selection; the shard is each job's own.
	o.Choose.Shard = discover.Part{}
	targets, sel, err := discover.Choose(targets, o.Choose)
	if err != nil {
		return err
	}
	if err := logSelection(log, sel); err != nil {
		return err
	}
	m := matrix.Jobs(targets, c.File.ShardSize, windowStart(sel))
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := log.Printf("drift-action: %d target(s) in %d matrix job(s) of up to %d\n", len(targets), len(m.Include), m.Size); err != nil {
		return err
	}
	return log.SetOutput("matrix", string(b))
}

// actionAggregate merges the JSON results of one run's matrix jobs into one
// report. A shard missing, given twice, of another run or not a shard at
// all is named in the report and the summary and fails the run.
func actionAggregate(ctx context.Context, a config.Action, ev config.Event, log *actions.Log) error {
	started := time.Now()
	res, err := matrix.Read(a.Workspace, a.Results, report.Origin{Repository: a.Repository, RunID: a.RunID})
	if err != nil {
		return err
	}
	doc, err := report.Merge(res.Shards)
	if err != nil {
		return fmt.Errorf("aggregate: %w", err)
	}
	doc.Problems = res.Problems
	doc.Origin = origin(config.Action{Repository: a.Repository, RunID: a.RunID, RunAttempt: a.RunAttempt, SHA: a.SHA})
	if err := log.Printf("drift-action: merged %d of %d result file(s), %d target(s)\n", len(res.Shards), res.Files, len(doc.Roots)); err != nil {
		return err
	}
	a.Shard = config.Shard{}
	var g gitops.Result
	var sent *slackSent
	if a.Record {
		// The shards hand their results here; the matrix records once,
		// and Slack's threads ride in that commit as in mode record, so a
		// drift told once is not told again on the next run.
		e := gitopsRecordEdges(a, log)
		sent = &slackSent{}
		e.Beside = slackBeside(a, doc, sent)
		g = gitops.RecordShards(ctx, gitopsOptions(a, ev), e, res.Shards)
	}
	return publish(ctx, a, ev, doc, log, g, sent, started)
}
