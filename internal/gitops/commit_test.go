package gitops

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/notify"
	"github.com/myorg/drift-action/internal/pipeline"
	"github.com/myorg/drift-action/internal/report"
	"github.com/myorg/drift-action/internal/tftest"
)

// git runs git in dir with no user or system configuration.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "init.defaultBranch=main", "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// checkout is a clone of a new bare remote on main, as actions/checkout
// leaves it; it returns the workspace and the remote.
func checkout(t *testing.T) (string, string) {
	t.Helper()
	tftest.Long(t)
	ws, remote := t.TempDir(), filepath.Join(t.TempDir(), "remote.git")
	git(t, ws, "init", "--bare", remote)
	git(t, ws, "init")
	os.WriteFile(filepath.Join(ws, "README.md"), []byte("infra\n"), 0o644)
	git(t, ws, "add", ".")
	git(t, ws, "commit", "-m", "infra")
	git(t, ws, "remote", "add", "origin", remote)
	git(t, ws, "push", "-u", "origin", "main")
	return ws, remote
}

// fakeBot answers chat.postMessage and chat.update as Slack does, each
// post with a new ts.
type fakeBot struct {
	mu    sync.Mutex
	posts int
}

func (f *fakeBot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/chat.postMessage":
		f.posts++
		w.Write([]byte(`{"ok":true,"channel":"C0CHAN","ts":"1700000000.00000` + string(rune('0'+f.posts)) + `"}`))
	case "/chat.update":
		w.Write([]byte(`{"ok":true,"channel":"C0CHAN","ts":"1700000000.000001"}`))
	default:
		http.NotFound(w, r)
	}
}

// A run records its targets and Slack's threads in one commit, and only
// when what the record says changed: a run that finds the same drift
// commits nothing (the remote's head stays) and says so; Slack is not told
// again either.
func TestRecordOneCommitOnlyOnChange(t *testing.T) {
	t.Parallel()
	ws, remote := checkout(t)
	bot := &fakeBot{}
	srv := httptest.NewServer(bot)
	t.Cleanup(srv.Close)
	const reportPath, logPath = "drift/drift-report.yaml", "drift/drift-log.yaml"
	drifted := report.New([]drift.Result{{Dir: "infra/app", Target: "default", Status: drift.StatusDrifted,
		Drift: []drift.Resource{{Address: "fakecloud_instance.web", Type: "fakecloud_instance", Actions: []string{"update"},
			Attributes: []drift.Attribute{{Path: "tags.team"}}}}}})
	clean := report.New([]drift.Result{{Dir: "infra/app", Target: "default", Status: drift.StatusClean}})

	type step struct {
		name        string
		doc         report.Document
		wantCommit  bool
		wantFiles   []string // changed by the run's one commit
		wantSays    string   // in the activity and the log
		wantPosts   int      // Slack posts so far: a run's message and its reply per target
		wantThreads bool     // the thread file holds infra/app's thread
	}
	steps := []step{
		{name: "new drift", doc: drifted, wantCommit: true,
			wantFiles: []string{logPath, reportPath, "drift/slack-threads.yaml"}, wantSays: "recorded " + reportPath, wantPosts: 2, wantThreads: true},
		{name: "the same drift an hour later", doc: drifted, wantSays: "already say what this run found: nothing committed", wantPosts: 2, wantThreads: true},
		{name: "recovered", doc: clean, wantCommit: true,
			wantFiles: []string{logPath, reportPath, "drift/slack-threads.yaml"}, wantSays: "recorded " + reportPath, wantPosts: 4},
		{name: "clean again", doc: clean, wantSays: "nothing committed", wantPosts: 4},
	}
	start := time.Date(2026, 7, 1, 6, 0, 0, 0, time.UTC)
	for i, s := range steps {
		before := git(t, ws, "--git-dir", remote, "rev-parse", "main")
		log := &fakeLog{}
		e := noEdges(t, log)
		e.Roots = func(pipeline.Run) []report.Root { return s.doc.Roots }
		e.Beside = func(ctx context.Context, g Result) []File {
			run := notify.Run{Doc: s.doc, Notes: g.Notes, Now: start, Workspace: ws, StatePath: notify.StatePath(reportPath),
				Poster: notify.NewBot("xoxb-test", "#drift", notify.Options{APIURL: srv.URL + "/"})}
			threads, err := run.Send(ctx)
			if err != nil {
				t.Errorf("%s: Slack: %v", s.name, err)
			}
			if threads.Empty() {
				return nil
			}
			return []File{{Path: threads.Path, Regenerate: func(cur []byte) []byte {
				out, err := threads.Merge(cur)
				if err != nil {
					t.Errorf("%s: threads: %v", s.name, err)
					return cur
				}
				return out
			}}}
		}
		o := Options{Mode: "record", Event: Event{Name: "schedule"}, Workspace: ws, RepoRoot: ws,
			ReportPath: reportPath, LogPath: logPath, Repository: "acme/infra", SHA: "0123abc", RunID: string(rune('1' + i))}
		g := Run(context.Background(), o, e, pipeline.Run{}, start.Add(time.Duration(i)*time.Hour))
		if len(g.Errs) > 0 {
			t.Fatalf("%s: %v", s.name, g.Errs)
		}
		after := git(t, ws, "--git-dir", remote, "rev-parse", "main")
		commits := git(t, ws, "--git-dir", remote, "rev-list", "--count", before+".."+after)
		wantCount := map[bool]string{true: "1", false: "0"}[s.wantCommit]
		if commits != wantCount {
			t.Fatalf("%s: %s commit(s) on the remote, want %s", s.name, commits, wantCount)
		}
		if s.wantCommit {
			files := strings.Split(git(t, ws, "--git-dir", remote, "diff", "--name-only", before, after), "\n")
			slices.Sort(files)
			if diff := cmp.Diff(s.wantFiles, files); diff != "" {
				t.Errorf("%s: files of the run's commit (-want +got):\n%s", s.name, diff)
			}
			if g.RecordCommit != after || g.Unchanged {
				t.Errorf("%s: result commit %q unchanged %v, want %s", s.name, g.RecordCommit, g.Unchanged, after)
			}
		} else if !g.Unchanged || g.RecordCommit != "" {
			t.Errorf("%s: result unchanged %v commit %q, want unchanged and no commit", s.name, g.Unchanged, g.RecordCommit)
		}
		said := strings.Join(g.Activity, "\n")
		if !strings.Contains(said, s.wantSays) {
			t.Errorf("%s: activity %q lacks %q", s.name, said, s.wantSays)
		}
		if !s.wantCommit && !strings.Contains(strings.Join(log.lines, ""), "nothing committed") {
			t.Errorf("%s: the log does not say nothing was committed:\n%s", s.name, log.lines)
		}
		bot.mu.Lock()
		if bot.posts != s.wantPosts {
			t.Errorf("%s: %d Slack posts, want %d", s.name, bot.posts, s.wantPosts)
		}
		bot.mu.Unlock()
		threads := git(t, ws, "--git-dir", remote, "show", "main:drift/slack-threads.yaml")
		if got := strings.Contains(threads, "root: infra/app"); got != s.wantThreads {
			t.Errorf("%s: thread file holds infra/app = %v, want %v:\n%s", s.name, got, s.wantThreads, threads)
		}
	}
}
