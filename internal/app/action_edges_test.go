package app

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/report"
	"github.com/myorg/drift-action/internal/tftest"
)

type brokenStdout struct{ writes int }

func (b *brokenStdout) Write(p []byte) (int, error) {
	b.writes++
	return 0, errors.New("write /dev/stdout: broken pipe")
}

// A log or runner file that cannot be written is exit 1 (an error), never
// a panic (Go's exit 2, the documented drift code) and never 0 or 2.
func TestActionWriteFailuresExitOne(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	ws := driftedWorkspace(t, env, "pw-write-1")
	tests := []struct {
		name   string
		stdout bool   // stdout itself is broken
		file   string // or this runner file is unwritable
	}{
		{name: "stdout", stdout: true},
		{name: "GITHUB_OUTPUT", file: "GITHUB_OUTPUT"},
		{name: "GITHUB_STEP_SUMMARY", file: "GITHUB_STEP_SUMMARY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tmp := t.TempDir()
			vars := map[string]string{
				"GITHUB_ACTIONS":      "true",
				"GITHUB_WORKSPACE":    ws,
				"GITHUB_EVENT_NAME":   "schedule",
				"GITHUB_OUTPUT":       filepath.Join(tmp, "output"),
				"GITHUB_STEP_SUMMARY": filepath.Join(tmp, "summary"),
				"TF_PLUGIN_CACHE_DIR": env.CacheDir,
				"HOME":                tmp,
			}
			if tt.file != "" {
				vars[tt.file] = filepath.Join(tmp, "no-such-dir", "file") // cannot be created
			}
			var out strings.Builder
			var stdout interface{ Write([]byte) (int, error) } = &out
			if tt.stdout {
				stdout = &brokenStdout{}
			}
			var stderr strings.Builder
			code := Main(context.Background(), nil, config.Env{Getenv: func(k string) string { return vars[k] }, Environ: env.Environ, Cwd: ws}, stdout, &stderr)
			if code != ExitError {
				t.Errorf("exit %d, want 1\nlog:\n%s", code, out.String())
			}
			if tt.file != "" && !strings.Contains(out.String(), tt.file) {
				t.Errorf("the log does not name %s:\n%s", tt.file, out.String())
			}
			if tt.file == "GITHUB_OUTPUT" {
				// The other sinks still ran.
				if b, _ := os.ReadFile(vars["GITHUB_STEP_SUMMARY"]); !strings.Contains(string(b), "outputs failed") || !strings.Contains(string(b), "## Drift report") {
					t.Errorf("summary does not tell the failed outputs and the report:\n%s", b)
				}
			}
		})
	}
}

// A symbolic link committed as .drift-action or as the result file never
// redirects the write; the run says so and exits 1.
func TestActionResultNeverFollowsSymlinks(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	tests := []struct {
		name string
		link func(t *testing.T, ws, victim string)
	}{
		{"directory", func(t *testing.T, ws, victim string) {
			if err := os.Symlink(filepath.Dir(victim), filepath.Join(ws, ".drift-action")); err != nil {
				t.Fatal(err)
			}
		}},
		{"file", func(t *testing.T, ws, victim string) {
			os.MkdirAll(filepath.Join(ws, ".drift-action"), 0o755)
			if err := os.Symlink(victim, filepath.Join(ws, ".drift-action", "result.json")); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ws := t.TempDir()
			root := tftest.WriteRoot(t, ws, "app", map[string]string{"main.tf": `resource "terraform_data" "x" { input = 1 }` + "\n"})
			env.Apply(t, root)
			victim := filepath.Join(t.TempDir(), "result.json")
			os.WriteFile(victim, []byte("precious"), 0o644)
			tt.link(t, ws, victim)
			res := runnerRun{t: t, env: env, workspace: ws, event: "schedule"}.run()
			if res.code != ExitError {
				t.Errorf("exit %d, want 1", res.code)
			}
			if b, _ := os.ReadFile(victim); string(b) != "precious" {
				t.Errorf("the file behind the link was overwritten: %q", b)
			}
			if !strings.Contains(res.stdout, "symbolic link") || !strings.Contains(res.summary, "result file failed") {
				t.Errorf("the run does not say why the result was not written\nlog:\n%s\nsummary:\n%s", res.stdout, res.summary)
			}
			if res.outputs["result-json"] != "" {
				t.Errorf("output result-json = %q for a file not written", res.outputs["result-json"])
			}
		})
	}
}

// writeShard stores a result document as a downloaded artifact would.
func writeShard(t *testing.T, ws, name string, d report.Document) {
	t.Helper()
	p := filepath.Join(ws, "drift-results", name, "result.json")
	os.MkdirAll(filepath.Dir(p), 0o755)
	b, _ := json.Marshal(d)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func shardDoc(run string, shard *report.Shard, dir string) report.Document {
	d := report.New([]drift.Result{{Dir: dir, Target: "default", Status: drift.StatusClean}})
	d.Origin = &report.Origin{Repository: "acme/infra", RunID: run, Shard: shard}
	return d
}

// aggregate refuses to call a run clean when a shard is missing, given
// twice, from another run, or not a shard at all; it names each.
func TestActionAggregateChecksShards(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		shards map[string]report.Document
		want   []string // in the log and the summary
	}{
		{
			name: "complete",
			shards: map[string]report.Document{
				"job1": shardDoc("42", &report.Shard{Index: 1, Count: 2}, "a"),
				"job2": shardDoc("42", &report.Shard{Index: 2, Count: 2}, "b"),
			},
		},
		{
			name:   "a shard missing",
			shards: map[string]report.Document{"job1": shardDoc("42", &report.Shard{Index: 1, Count: 3}, "a"), "job3": shardDoc("42", &report.Shard{Index: 3, Count: 3}, "c")},
			want:   []string{"shard 2/3 is missing"},
		},
		{
			name: "a shard twice",
			shards: map[string]report.Document{
				"job1": shardDoc("42", &report.Shard{Index: 1, Count: 2}, "a"), "job1-again": shardDoc("42", &report.Shard{Index: 1, Count: 2}, "a"),
				"job2": shardDoc("42", &report.Shard{Index: 2, Count: 2}, "b"),
			},
			want: []string{"shard 1/2 was given 2 times"},
		},
		{
			name: "a stale result of another run",
			shards: map[string]report.Document{
				"job1": shardDoc("42", &report.Shard{Index: 1, Count: 2}, "a"),
				"job2": shardDoc("41", &report.Shard{Index: 2, Count: 2}, "b"),
			},
			want: []string{"drift-results/job2/result.json comes from run 41", "shard 2/2 is missing"},
		},
		{
			name: "a result that is no shard",
			shards: map[string]report.Document{
				"job1":  shardDoc("42", &report.Shard{Index: 1, Count: 1}, "a"),
				"other": shardDoc("42", nil, "b"),
			},
			want: []string{"drift-results/other/result.json is not the result of a matrix shard"},
		},
		{
			name: "shard counts disagree",
			shards: map[string]report.Document{
				"job1": shardDoc("42", &report.Shard{Index: 1, Count: 2}, "a"),
				"job2": shardDoc("42", &report.Shard{Index: 2, Count: 3}, "b"),
			},
			want: []string{"but other results are of 2 shards", "shard 2/2 is missing"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ws := t.TempDir()
			for name, d := range tt.shards {
				writeShard(t, ws, name, d)
			}
			res := runnerRun{t: t, workspace: ws, event: "schedule", inputs: map[string]string{"mode": "aggregate"}}.run()
			wantCode := ExitClean
			if len(tt.want) > 0 {
				wantCode = ExitError
			}
			if res.code != wantCode {
				t.Errorf("exit %d, want %d\n%s", res.code, wantCode, res.stdout)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.stdout, w) || !strings.Contains(res.summary, w) {
					t.Errorf("log or summary lacks %q\nlog:\n%s\nsummary:\n%s", w, res.stdout, res.summary)
				}
			}
			var doc report.Document
			b, _ := os.ReadFile(filepath.Join(ws, ".drift-action", "result.json"))
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatalf("aggregate result: %v", err)
			}
			if len(doc.Problems) != len(tt.want) && len(tt.want) > 0 && len(doc.Problems) == 0 {
				t.Errorf("result records no problems: %+v", doc)
			}
			if doc.ExitCode() != wantCode {
				t.Errorf("aggregate result's exit code %d, want %d", doc.ExitCode(), wantCode)
			}
		})
	}
}
