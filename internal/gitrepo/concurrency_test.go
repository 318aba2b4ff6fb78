package gitrepo

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

const logFile = "drift/log.yaml"

// driftLog is the YAML log the writers append to.
type driftLog struct {
	Entries []logEntry `yaml:"entries"`
}

type logEntry struct {
	ID     string `yaml:"id"`
	Writer int    `yaml:"writer"`
	Run    int    `yaml:"run"`
}

// appendEntry is the RegenerateFunc of one run: it parses the log at the
// tip it is given and appends its entry. It deliberately does not skip an
// entry already present, so a retry that re-applied a landed change would
// show up as a duplicate.
func appendEntry(e logEntry) RegenerateFunc {
	return func(cur map[string][]byte) (map[string][]byte, string, error) {
		var l driftLog
		if err := yaml.Unmarshal(cur[logFile], &l); err != nil {
			return nil, "", fmt.Errorf("parsing %s: %w", logFile, err)
		}
		l.Entries = append(l.Entries, e)
		out, err := yaml.Marshal(&l)
		if err != nil {
			return nil, "", err
		}
		return map[string][]byte{logFile: out}, fmt.Sprintf("drift: record %s (%d entries)", e.ID, len(l.Entries)), nil
	}
}

// writerStats is what concurrent writers measured.
type writerStats struct {
	Records, Attempts, MaxAttempts int
}

// clones makes n clones of bare, one per writer.
func clones(tb testing.TB, bare string, n int) []string {
	tb.Helper()
	dirs := make([]string, n)
	for w := range dirs {
		dirs[w] = clone(tb, bare)
	}
	return dirs
}

// runWriters has one writer per checkout in dirs record runs entries each,
// all at once; it returns when every record landed or one failed.
func runWriters(dirs []string, runs int, opts Options) (writerStats, error) {
	writers := len(dirs)
	var (
		mu    sync.Mutex
		stats writerStats
		wg    sync.WaitGroup
		errs  = make(chan error, writers)
		start = make(chan struct{})
	)
	for w, dir := range dirs {
		wg.Go(func() {
			repo := New(dir, opts)
			<-start
			for r := range runs {
				e := logEntry{ID: fmt.Sprintf("w%d-r%02d", w, r), Writer: w, Run: r}
				res, err := repo.Commit(context.Background(), Change{Files: []string{logFile}, Regenerate: appendEntry(e)})
				if err != nil {
					errs <- fmt.Errorf("writer %d run %d: %w", w, r, err)
					return
				}
				if !res.Changed {
					errs <- fmt.Errorf("writer %d run %d: nothing recorded", w, r)
					return
				}
				mu.Lock()
				stats.Records++
				stats.Attempts += res.Attempts
				stats.MaxAttempts = max(stats.MaxAttempts, res.Attempts)
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	return stats, <-errs
}

// concurrentOptions scale the backoff to a local remote, where an attempt
// (fetch, build, push) takes tens of milliseconds instead of the seconds of
// GitHub. Writers here record back to back, so the contention is sustained
// and some records need many attempts; the bound only stops a livelock.
func concurrentOptions() Options {
	return Options{
		AllowWrite: true,
		Runner:     testRunner,
		Attempts:   100,
		BaseDelay:  50 * time.Millisecond,
		MaxDelay:   2 * time.Second,
	}
}

// TestConcurrentWritersLoseNothing has 8 writers, each in its own clone,
// record 25 runs each to one remote branch at the same time.
func TestConcurrentWritersLoseNothing(t *testing.T) {
	t.Parallel()
	const writers, runs = 8, 25
	bare := newRemote(t)
	began := time.Now()
	stats, err := runWriters(clones(t, bare, writers), runs, concurrentOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d records in %s, %d attempts (max %d for one record)",
		stats.Records, time.Since(began).Round(time.Millisecond), stats.Attempts, stats.MaxAttempts)

	// The final log: every entry exactly once.
	var final driftLog
	if err := yaml.Unmarshal([]byte(showFile(t, bare, "main", logFile)), &final); err != nil {
		t.Fatalf("final log: %v", err)
	}
	count := map[string]int{}
	for _, e := range final.Entries {
		count[e.ID]++
	}
	var lost, duplicated []string
	for w := range writers {
		for r := range runs {
			id := fmt.Sprintf("w%d-r%02d", w, r)
			switch count[id] {
			case 0:
				lost = append(lost, id)
			case 1:
			default:
				duplicated = append(duplicated, id)
			}
			delete(count, id)
		}
	}
	got := map[string]any{"entries": len(final.Entries), "lost": lost, "duplicated": duplicated, "unknown": len(count)}
	want := map[string]any{"entries": writers * runs, "lost": []string(nil), "duplicated": []string(nil), "unknown": 0}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("final log (-want +got):\n%s", diff)
	}

	// Every commit on the branch: valid YAML, one parent, and exactly one
	// entry more than its parent with the parent's entries untouched.
	if merges := git(t, bare, "rev-list", "--min-parents=2", "main"); merges != "" {
		t.Errorf("merge commits on main: %s", merges)
	}
	commits := strings.Fields(git(t, bare, "rev-list", "--reverse", "main"))
	if diff := cmp.Diff(writers*runs+1, len(commits)); diff != "" {
		t.Errorf("commits on main (-want +got):\n%s", diff)
	}
	versions := readVersions(t, bare, commits[1:], logFile)
	var prev driftLog
	for i, v := range versions {
		var l driftLog
		if err := yaml.Unmarshal(v, &l); err != nil {
			t.Errorf("commit %s (%d of %d): %s is not valid YAML: %v", commits[i+1], i+1, len(versions), logFile, err)
			continue
		}
		if len(l.Entries) != len(prev.Entries)+1 || !slices.Equal(prev.Entries, l.Entries[:len(prev.Entries)]) {
			t.Errorf("commit %s: %d entries after %d: want the parent's entries plus one", commits[i+1], len(l.Entries), len(prev.Entries))
		}
		prev = l
	}
}

// readVersions reads path at every commit with one git cat-file process.
func readVersions(tb testing.TB, dir string, commits []string, path string) [][]byte {
	tb.Helper()
	var in strings.Builder
	for _, c := range commits {
		in.WriteString(c + ":" + path + "\n")
	}
	out, err := testRunner.Run(context.Background(), Cmd{Dir: dir, Args: []string{"cat-file", "--batch"}, Stdin: []byte(in.String())})
	if err != nil || out.ExitCode != 0 {
		tb.Fatalf("git cat-file: %v %s", err, out.Stderr)
	}
	rest := out.Stdout
	versions := make([][]byte, 0, len(commits))
	for _, c := range commits {
		header, after, _ := bytes.Cut(rest, []byte("\n"))
		fields := strings.Fields(string(header))
		if len(fields) != 3 {
			tb.Fatalf("commit %s: no %s (%q)", c, path, header)
		}
		size, err := strconv.Atoi(fields[2])
		if err != nil {
			tb.Fatal(err)
		}
		versions = append(versions, after[:size])
		rest = after[size+1:]
	}
	return versions
}
