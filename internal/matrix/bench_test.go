package matrix

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/report"
)

// BenchmarkAggregate1000 is an aggregate job's own work for a 1,000-root
// repository in 20 shards: read the 20 results back, merge them, render
// the JSON result and the job summary. One root in 25 drifted (3
// resources, 2 attributes each). "window" carries in every shard the
// schedule window of all 1,000 targets, as a scheduled run with one does.
// bench/scale.sh measures the whole process (start-up, RSS) on real shard
// results.
func BenchmarkAggregate1000(b *testing.B) {
	for _, window := range []bool{false, true} {
		name := "plain"
		if window {
			name = "window"
		}
		b.Run(name, func(b *testing.B) {
			ws := b.TempDir()
			writeShards(b, ws, 1000, 20, window)
			run := report.Origin{Repository: "acme/infra", RunID: "42"}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				res, err := Read(ws, []string{"drift-results/**/*.json"}, run)
				if err != nil || len(res.Problems) > 0 || len(res.Shards) != 20 {
					b.Fatalf("read: %v %v, %d shards", err, res.Problems, len(res.Shards))
				}
				doc, err := report.Merge(res.Shards)
				if err != nil || len(doc.Roots) != 1000 {
					b.Fatalf("merge: %v, %d roots", err, len(doc.Roots))
				}
				if err := report.JSON(io.Discard, doc); err != nil {
					b.Fatal(err)
				}
				if err := report.JobSummary(io.Discard, doc, report.Links{}, report.StepSummaryLimit); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// writeShards writes the results of a run of roots targets in shards jobs
// under ws/drift-results, as the artifacts are downloaded there.
func writeShards(b *testing.B, ws string, roots, shards int, window bool) {
	b.Helper()
	var win *report.Window
	if window {
		start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		win = &report.Window{Length: "6h", Every: "1h", Slot: 5, Slots: 6, Start: start, Planned: []report.WindowTarget{}, Later: []report.WindowTarget{}}
		for i := range roots {
			t := report.WindowTarget{Root: fmt.Sprintf("roots/r%04d", i), Target: "default", Due: start.Add(time.Duration(i%6) * time.Hour)}
			if i%6 == 0 {
				win.Planned = append(win.Planned, t)
			} else {
				win.Later = append(win.Later, t)
			}
		}
	}
	size := (roots + shards - 1) / shards
	for s := range shards {
		var results []drift.Result
		for i := s * size; i < min((s+1)*size, roots); i++ {
			r := drift.Result{Dir: fmt.Sprintf("roots/r%04d", i), Target: "default"}
			if i%25 == 0 {
				for k := range 3 {
					r.Drift = append(r.Drift, drift.Resource{Address: fmt.Sprintf("aws_instance.web[%d]", k), Type: "aws_instance", Actions: []string{"update"},
						Attributes: []drift.Attribute{{Path: "tags.owner", Before: "a", After: "b"}, {Path: "instance_type", Before: "t3.small", After: "t3.large"}}})
				}
			}
			r.SetStatus()
			results = append(results, r)
		}
		d := report.New(results)
		d.Origin = &report.Origin{Repository: "acme/infra", RunID: "42", Shard: &report.Shard{Index: s + 1, Count: shards}}
		d.Window = win
		data, err := json.Marshal(d)
		if err != nil {
			b.Fatal(err)
		}
		p := filepath.Join(ws, "drift-results", fmt.Sprintf("shard-%d", s+1), "result.json")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
}
