// Package matrix is the action's fan-out: the jobs a list run hands to a
// GitHub Actions matrix (each plans one shard of the targets), and the
// JSON results an aggregate run reads back from those jobs.
package matrix

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/myorg/drift-action/internal/discover"
	"github.com/myorg/drift-action/internal/glob"
	"github.com/myorg/drift-action/internal/report"
)

// MaxJobs is GitHub's limit on jobs one matrix may generate.
const MaxJobs = 256

// DefaultSize is how many targets one job plans when drift.yaml does not
// say (shard_size).
const DefaultSize = 10

// Job is one matrix job: detect with shard: ${{ matrix.shard }}.
type Job struct {
	Shard   string `json:"shard"`   // "i/n", or "i/n@TIME" with a schedule window
	Roots   string `json:"roots"`   // dir@target of each target, for the job's name
	Targets int    `json:"targets"` // how many
}

// Matrix is the action's matrix output.
type Matrix struct {
	Include []Job `json:"include"`
	Size    int   `json:"-"` // the most targets one job plans
}

// Jobs splits targets into jobs of up to size (DefaultSize when not
// positive), at most MaxJobs, as each job's shard splits them
// (discover.Shard). With none to plan, one job still runs to report so:
// GitHub refuses an empty matrix. due is the start of the schedule window's
// slot the targets are due in (zero without a window): each job's shard
// value carries it, so a job that starts in the next slot still plans its
// part of this one.
func Jobs(targets []discover.Target, size int, due time.Time) Matrix {
	if size <= 0 {
		size = DefaultSize
	}
	jobs := (len(targets) + size - 1) / size
	if jobs > MaxJobs {
		jobs = MaxJobs
	}
	if jobs == 0 {
		jobs = 1
	}
	m := Matrix{Include: []Job{}, Size: size}
	for i := 1; i <= jobs; i++ {
		part := discover.Shard(targets, i, jobs)
		var names []string
		for _, t := range part {
			names = append(names, t.Dir+"@"+t.Name)
		}
		shard := fmt.Sprintf("%d/%d", i, jobs)
		if !due.IsZero() {
			shard += "@" + due.UTC().Format(time.RFC3339)
		}
		m.Include = append(m.Include, Job{Shard: shard, Roots: strings.Join(names, " "), Targets: len(part)})
	}
	return m
}

// Results are a matrix's JSON results, read back by the aggregate job.
type Results struct {
	Files int // result files found
	// Shards are the results that are exactly the shards 1..n of the run,
	// each once (report.CheckShards).
	Shards []report.Document
	// Problems name every file refused and every shard missing or given
	// twice: a job that died before uploading must never make the run look
	// clean.
	Problems []string
}

// Read finds the results the patterns name under workspace (with ** for
// any depth) and keeps those of run (repository and run ID).
func Read(workspace string, patterns []string, run report.Origin) (Results, error) {
	files, err := find(workspace, patterns)
	if err != nil {
		return Results{}, err
	}
	var shards []report.ShardFile
	var problems []string
	for _, f := range files {
		rel, _ := filepath.Rel(workspace, f)
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
	keep, more := report.CheckShards(shards, run)
	return Results{Files: len(files), Shards: keep, Problems: append(problems, more...)}, nil
}

// find expands the results globs under the workspace.
func find(workspace string, patterns []string) ([]string, error) {
	var out []string
	for _, p := range patterns {
		var found []string
		err := filepath.WalkDir(workspace, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			// A link (committed to the repository, say) could name any file
			// on the runner: results are the files the jobs uploaded.
			if !d.Type().IsRegular() {
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
