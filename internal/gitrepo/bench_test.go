package gitrepo

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// Benchmarks use git's default durability (fsync on), unlike the tests.
//
//	go test -run '^$' -bench . -benchtime 1x ./internal/gitrepo   # see bench/README.md

func benchRunner() ExecRunner {
	var env []string
	for _, kv := range testEnv() {
		if !strings.HasPrefix(kv, "GIT_CONFIG_COUNT=") && !strings.HasPrefix(kv, "GIT_CONFIG_KEY_") && !strings.HasPrefix(kv, "GIT_CONFIG_VALUE_") {
			env = append(env, kv)
		}
	}
	return ExecRunner{Env: env}
}

// timedRunner adds up the wall time git spends per subcommand.
type timedRunner struct {
	inner Runner
	mu    sync.Mutex
	total map[string]time.Duration
}

func (r *timedRunner) Run(ctx context.Context, c Cmd) (Output, error) {
	start := time.Now()
	out, err := r.inner.Run(ctx, c)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.total == nil {
		r.total = map[string]time.Duration{}
	}
	r.total[c.Args[0]] += time.Since(start)
	return out, err
}

// report adds ms per record for fetch, push, fast-import and the other git
// commands together.
func (r *timedRunner) report(b *testing.B, records int) {
	var other time.Duration
	for cmd, d := range r.total {
		switch cmd {
		case "fetch", "push", "fast-import":
			b.ReportMetric(float64(d.Microseconds())/1000/float64(records), cmd+"-ms/record")
		default:
			other += d
		}
	}
	b.ReportMetric(float64(other.Microseconds())/1000/float64(records), "other-git-ms/record")
}

func benchRemote(b *testing.B) string {
	b.Helper()
	bare := newRemote(b)
	git(b, bare, "config", "--unset", "core.fsync")
	return bare
}

// BenchmarkRecordUncontended is one record (fetch, read, build, push, move
// the checkout) on a repository nobody else pushes to.
func BenchmarkRecordUncontended(b *testing.B) {
	bare := benchRemote(b)
	dir := clone(b, bare)
	opts := concurrentOptions()
	timed := &timedRunner{inner: benchRunner()}
	opts.Runner = timed
	repo := New(dir, opts)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		e := logEntry{ID: fmt.Sprintf("r%d", i), Run: i}
		res, err := repo.Commit(ctx, Change{Files: []string{logFile}, Regenerate: appendEntry(e)})
		if err != nil || res.Attempts != 1 {
			b.Fatalf("record %d: %+v, %v", i, res, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/record")
	timed.report(b, b.N)
}

// BenchmarkConcurrentWriters8x25 is the time for 8 writers, each in its own
// clone, to land 25 records each on one remote branch at the same time.
func BenchmarkConcurrentWriters8x25(b *testing.B) {
	const writers, runs = 8, 25
	opts := concurrentOptions()
	timed := &timedRunner{inner: benchRunner()}
	opts.Runner = timed
	var attempts, maxAttempts int
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		dirs := clones(b, benchRemote(b), writers)
		b.StartTimer()
		start := time.Now()
		stats, err := runWriters(dirs, runs, opts)
		elapsed += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		attempts += stats.Attempts
		maxAttempts = max(maxAttempts, stats.MaxAttempts)
	}
	b.ReportMetric(elapsed.Seconds()/float64(b.N), "s/200records")
	b.ReportMetric(float64(attempts)/float64(b.N*writers*runs), "attempts/record")
	b.ReportMetric(float64(maxAttempts), "max-attempts")
	timed.report(b, b.N*writers*runs)
}
