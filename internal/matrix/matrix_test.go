package matrix

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/discover"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/report"
)

func targets(n int) []discover.Target {
	out := make([]discover.Target, n)
	for i := range out {
		out[i] = discover.Target{Dir: fmt.Sprintf("r%d", i), Name: "default"}
	}
	return out
}

// The matrix splits the targets as each job's shard does, never empty and
// never past GitHub's limit.
func TestJobs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		targets    int
		size       int
		wantJobs   int
		wantCounts []int // targets of the first jobs
	}{
		{"nothing to plan is one job", 0, 10, 1, []int{0}},
		{"one job when the targets fit", 3, 10, 1, []int{3}},
		{"the default size is 10", 25, 0, 3, []int{9, 9, 7}},
		{"near-equal contiguous parts", 25, 10, 3, []int{9, 9, 7}},
		{"at most GitHub's 256 jobs", 1000, 1, MaxJobs, []int{4, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := targets(tt.targets)
			m := Jobs(ts, tt.size, time.Time{})
			if want := max(tt.size, 0); (want == 0 && m.Size != DefaultSize) || (want > 0 && m.Size != want) {
				t.Errorf("size %d, want %d (or the default for none)", m.Size, tt.size)
			}
			if len(m.Include) != tt.wantJobs {
				t.Fatalf("%d jobs, want %d", len(m.Include), tt.wantJobs)
			}
			total := 0
			for i, j := range m.Include {
				if want := fmt.Sprintf("%d/%d", i+1, tt.wantJobs); j.Shard != want {
					t.Errorf("job %d shard %q, want %q", i, j.Shard, want)
				}
				if i < len(tt.wantCounts) && j.Targets != tt.wantCounts[i] {
					t.Errorf("job %d plans %d targets, want %d", i, j.Targets, tt.wantCounts[i])
				}
				if got := len(strings.Fields(j.Roots)); got != j.Targets {
					t.Errorf("job %d names %d roots for %d targets", i, got, j.Targets)
				}
				total += j.Targets
			}
			if total != tt.targets {
				t.Errorf("the jobs plan %d targets, want all %d", total, tt.targets)
			}
		})
	}
	b, err := json.Marshal(Jobs(targets(2), 10, time.Time{}))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(`{"include":[{"shard":"1/1","roots":"r0@default r1@default","targets":2}]}`, string(b)); diff != "" {
		t.Errorf("matrix JSON (-want +got):\n%s", diff)
	}
}

// With a schedule window every job's shard value carries the slot's start,
// in UTC, so a job that starts in the next slot plans this one's targets.
func TestJobsCarryWindowSlot(t *testing.T) {
	t.Parallel()
	due := time.Date(2026, 12, 1, 11, 0, 0, 0, time.FixedZone("CET", 3600))
	b, err := json.Marshal(Jobs(targets(3), 2, due))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"include":[{"shard":"1/2@2026-12-01T10:00:00Z","roots":"r0@default r1@default","targets":2},{"shard":"2/2@2026-12-01T10:00:00Z","roots":"r2@default","targets":1}]}`
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("matrix JSON (-want +got):\n%s", diff)
	}
}

// The aggregate reads every result the patterns name and refuses, by name,
// what is no shard of this run.
func TestRead(t *testing.T) {
	t.Parallel()
	shard := func(run string, i, n int) string {
		d := report.New([]drift.Result{{Dir: fmt.Sprintf("s%d", i), Target: "default", Status: drift.StatusClean}})
		d.Origin = &report.Origin{Repository: "acme/infra", RunID: run, Shard: &report.Shard{Index: i, Count: n}}
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	run := report.Origin{Repository: "acme/infra", RunID: "42"}
	tests := []struct {
		name         string
		files        map[string]string
		patterns     []string
		wantFiles    int
		wantShards   []string // the roots kept
		wantProblems []string // a substring of each problem, in order
		wantErr      string
	}{
		{name: "every shard once", patterns: []string{"drift-results/**/*.json"},
			files:     map[string]string{"drift-results/a/result.json": shard("42", 1, 2), "drift-results/b/result.json": shard("42", 2, 2)},
			wantFiles: 2, wantShards: []string{"s1", "s2"}},
		{name: "a broken file and a missing shard are named", patterns: []string{"drift-results/**/*.json"},
			files:     map[string]string{"drift-results/a/result.json": shard("42", 1, 2), "drift-results/b/result.json": "{"},
			wantFiles: 2, wantShards: []string{"s1"},
			wantProblems: []string{"drift-results/b/result.json is not a drift-action JSON result", "shard 2/2 is missing"}},
		{name: "another run's result is refused", patterns: []string{"drift-results/**/*.json"},
			files:        map[string]string{"drift-results/a/result.json": shard("41", 1, 1)},
			wantFiles:    1,
			wantProblems: []string{"comes from run 41 of acme/infra, not this run"}},
		{name: "a link is not read, whatever it names", patterns: []string{"drift-results/**/*.json"},
			files:     map[string]string{"drift-results/a/result.json": shard("42", 1, 2), "drift-results/b/result.json": "link:" + shard("42", 2, 2)},
			wantFiles: 1, wantShards: []string{"s1"}, wantProblems: []string{"shard 2/2 is missing"}},
		{name: "a pattern matching nothing", patterns: []string{"results/*.json"},
			wantErr: `aggregate: input results "results/*.json" matches no file under the workspace`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ws := t.TempDir()
			for name, text := range tt.files {
				p := filepath.Join(ws, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if target, ok := strings.CutPrefix(text, "link:"); ok {
					// A file outside the workspace, named by a link in it.
					outside := filepath.Join(t.TempDir(), "elsewhere.json")
					if err := os.WriteFile(outside, []byte(target), 0o644); err != nil {
						t.Fatal(err)
					}
					if err := os.Symlink(outside, p); err != nil {
						t.Fatal(err)
					}
					continue
				}
				if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := Read(ws, tt.patterns, run)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var roots []string
			for _, d := range got.Shards {
				for _, r := range d.Roots {
					roots = append(roots, r.Dir)
				}
			}
			if diff := cmp.Diff(tt.wantShards, roots); diff != "" {
				t.Errorf("kept shards (-want +got):\n%s", diff)
			}
			if got.Files != tt.wantFiles {
				t.Errorf("files = %d, want %d", got.Files, tt.wantFiles)
			}
			if len(got.Problems) != len(tt.wantProblems) {
				t.Fatalf("problems %q, want %d", got.Problems, len(tt.wantProblems))
			}
			for i, w := range tt.wantProblems {
				if !strings.Contains(got.Problems[i], w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, got.Problems[i], w)
				}
			}
		})
	}
}
