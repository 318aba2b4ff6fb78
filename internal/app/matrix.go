package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/myorg/drift-action/internal/actions"
	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/discover"
	"github.com/myorg/drift-action/internal/gitops"
	"github.com/myorg/drift-action/internal/glob"
	"github.com/myorg/drift-action/internal/report"
)

// maxMatrixJobs is GitHub's limit on jobs one matrix may generate.
const maxMatrixJobs = 256

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
// changes affect (discover.Choose, as in detect). With none to plan, one job
// still runs to report so.
func actionList(ctx context.Context, a config.Action, ev config.Event, env config.Env, log *actions.Log) error {
	c, err := config.ActionDetect(a, ev, env)
	if err != nil {
		return err
	}
	if err := pullRequestChanges(ctx, a, ev, &c, log); err != nil {
		return err
	}
	targets, err := discover.Targets(discover.Request{Cwd: c.Cwd, RepoRoot: c.RepoRoot, Args: c.Dirs, File: c.File})
	if err != nil {
		return err
	}
	// Every job splits the same selection; the shard is each job's own.
	c.Shard = config.Shard{}
	targets, sel, err := discover.Choose(targets, c)
	if err != nil {
		return err
	}
	if err := logSelection(log, sel); err != nil {
		return err
	}
	size := c.File.ShardSize
	if size <= 0 {
		size = 10
	}
	jobs := (len(targets) + size - 1) / size
	if jobs > maxMatrixJobs {
		jobs = maxMatrixJobs
	}
	if jobs == 0 {
		// GitHub refuses an empty matrix; one job reports that nothing
		// needed planning.
		jobs = 1
	}
	type job struct {
		Shard   string `json:"shard"`
		Roots   string `json:"roots"`
		Targets int    `json:"targets"`
	}
	m := struct {
		Include []job `json:"include"`
	}{Include: []job{}}
	for i := 1; i <= jobs; i++ {
		part := discover.Shard(targets, i, jobs)
		var names []string
		for _, t := range part {
			names = append(names, t.Dir+"@"+t.Name)
		}
		m.Include = append(m.Include, job{Shard: fmt.Sprintf("%d/%d", i, jobs), Roots: strings.Join(names, " "), Targets: len(part)})
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := log.Printf("drift-action: %d target(s) in %d matrix job(s) of up to %d\n", len(targets), jobs, size); err != nil {
		return err
	}
	return log.SetOutput("matrix", string(b))
}

// actionAggregate merges the JSON results of one run's matrix jobs into one
// report. A shard missing, given twice, of another run or not a shard at
// all is named in the report and the summary and fails the run: a job that
// died before uploading must never make the run look clean.
func actionAggregate(ctx context.Context, a config.Action, ev config.Event, log *actions.Log) error {
	files, err := findResults(a.Workspace, a.Results)
	if err != nil {
		return err
	}
	var shards []report.ShardFile
	var problems []string
	for _, f := range files {
		rel, _ := filepath.Rel(a.Workspace, f)
		rel = filepath.ToSlash(rel)
		data, err := os.ReadFile(f)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s cannot be read: %v", rel, err))
			continue
		}
		var d report.Document
		if err := json.Unmarshal(data, &d); err != nil {
			problems = append(problems, fmt.Sprintf("%s is not a drift-action JSON result (%v); refused", rel, err))
			continue
		}
		shards = append(shards, report.ShardFile{Name: rel, Doc: d})
	}
	keep, more := report.CheckShards(shards, report.Origin{Repository: a.Repository, RunID: a.RunID})
	problems = append(problems, more...)
	doc, err := report.Merge(keep)
	if err != nil {
		return fmt.Errorf("aggregate: %w", err)
	}
	doc.Problems = problems
	doc.Origin = origin(config.Action{Repository: a.Repository, RunID: a.RunID, RunAttempt: a.RunAttempt, SHA: a.SHA})
	if err := log.Printf("drift-action: merged %d of %d result file(s), %d target(s)\n", len(keep), len(files), len(doc.Roots)); err != nil {
		return err
	}
	a.Shard = config.Shard{}
	var g gitops.Result
	if a.Record {
		// The shards hand their results here; the matrix records once.
		g = gitops.RecordShards(ctx, gitopsOptions(a, ev), gitopsRecordEdges(a, log), keep)
	}
	return publish(ctx, a, ev, doc, log, g)
}

// findResults expands the results globs (with ** for any depth) under the
// workspace.
func findResults(workspace string, patterns []string) ([]string, error) {
	var out []string
	for _, p := range patterns {
		var found []string
		err := filepath.WalkDir(workspace, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			rel, _ := filepath.Rel(workspace, path)
			if glob.MatchDir(p, filepath.ToSlash(rel)) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("aggregate: %w", err)
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("aggregate: input results %q matches no file under the workspace; download the matrix jobs' artifacts there first (actions/download-artifact)", p)
		}
		out = append(out, found...)
	}
	return out, nil
}
