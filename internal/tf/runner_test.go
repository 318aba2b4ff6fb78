package tf

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/tftest"
)

// dataRoot is a root that needs no provider download and has nothing to do
// once applied.
const dataRoot = `resource "terraform_data" "x" { input = "a" }` + "\n"

const cloudInstance = `
resource "fakecloud_instance" "web" {
  name = "web"
}
`

// appliedRoot builds an applied root in dir: "clean", "drift-only" (an
// out-of-band edit terraform reports but would not undo) or "drifted" (an
// edit terraform plans to undo).
func appliedRoot(t *testing.T, env *tftest.Env, dir, kind string) string {
	t.Helper()
	if kind == "clean" {
		root := tftest.WriteRoot(t, dir, "root", map[string]string{"main.tf": dataRoot})
		env.Apply(t, root)
		return root
	}
	cloud := tftest.Cloud{Path: filepath.Join(dir, "cloud.json")}
	root := tftest.WriteRoot(t, dir, "root", map[string]string{"main.tf": tftest.FakeCloudProvider(cloud.Path) + cloudInstance})
	env.Apply(t, root)
	cloud.EditInstance(t, "web", func(i map[string]any) {
		if kind == "drift-only" {
			i["last_modified"] = "2001-01-01T00:00:00Z"
		} else {
			i["instance_type"] = "huge"
		}
	})
	return root
}

func options(env *tftest.Env, bin string) Options {
	return Options{Binary: bin, Env: env.Environ, PluginCacheDir: env.CacheDir, Timeout: 5 * time.Minute, LockTimeout: 5 * time.Second, Grace: 5 * time.Second}
}

func TestRunFinishedPlans(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	tests := []struct {
		name     string
		root     string
		want     Events
		wantPlan bool
	}{
		// terraform 1.11 exits 0 for drift alone: nothing would change.
		{name: "clean", root: "clean", want: Events{Resources: 1, Summary: &ChangeSummary{}}},
		{name: "drift only", root: "drift-only", want: Events{Drifted: 1, Resources: 1, Summary: &ChangeSummary{}}, wantPlan: true},
		{name: "drifted", root: "drifted", want: Events{Drifted: 1, Planned: 1, Resources: 1, Summary: &ChangeSummary{Change: 1}}, wantPlan: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			root := appliedRoot(t, env, dir, tc.root)
			out, err := Run(context.Background(), Target{Dir: root, PlanFile: filepath.Join(dir, "plan")}, options(env, env.Terraform))
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if diff := cmp.Diff(tc.want, out.Events); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if got := out.Plan != nil; got != tc.wantPlan {
				t.Errorf("plan detailed: got %v, want %v", got, tc.wantPlan)
			}
			if got := out.PlanJSON != nil; got != tc.wantPlan {
				t.Errorf("plan JSON kept: got %v, want %v", got, tc.wantPlan)
			}
			if tc.wantPlan {
				// The bytes are terraform's, not a re-encoding of the decoded plan.
				show := exec.Command(env.Terraform, "show", "-json", filepath.Join(dir, "plan"))
				show.Dir, show.Env = root, env.Environ
				want, err := show.Output()
				if err != nil {
					t.Fatalf("terraform show -json: %v", err)
				}
				if !bytes.Equal(want, out.PlanJSON) {
					t.Errorf("PlanJSON differs from terraform show -json:\nwant %s\ngot  %s", want, out.PlanJSON)
				}
			}
		})
	}
}

func TestRunIncompletePlanIsNotClean(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	const (
		noSummary   = "terraform's plan stream ended without its change summary"
		nothingSaid = "terraform exited 2 (changes present) but its plan stream reported no change"
		// Keep terraform's exit code but lose all but the first lines.
		truncate = `tmp=$(mktemp); "$TERRAFORM" "$@" >"$tmp"; code=$?; head -n 3 "$tmp"; rm -f "$tmp"; exit $code`
	)
	tests := []struct {
		name    string
		root    string
		plan    string
		wantMsg string
	}{
		{name: "stream cut short", root: "clean", plan: truncate, wantMsg: noSummary},
		{name: "stream cut short and exit code lost", root: "clean", plan: `"$TERRAFORM" "$@" | head -n 3; exit 0`, wantMsg: noSummary},
		{name: "no output, exit 2", root: "clean", plan: "exit 2", wantMsg: noSummary},
		{name: "no output, exit 0", root: "clean", plan: "exit 0", wantMsg: noSummary},
		{name: "drifted root, stream cut short", root: "drifted", plan: truncate, wantMsg: noSummary},
		{name: "drifted root, summary lost", root: "drifted", plan: `tmp=$(mktemp); "$TERRAFORM" "$@" >"$tmp"; code=$?; grep -v '"type":"change_summary"' "$tmp"; rm -f "$tmp"; exit $code`, wantMsg: noSummary},
		{name: "exit 2 with a stream that says nothing changes", root: "clean", plan: `"$TERRAFORM" "$@"; exit 2`, wantMsg: nothingSaid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			root := appliedRoot(t, env, dir, tc.root)
			bin := env.Wrapper(t, tc.plan)
			out, err := Run(context.Background(), Target{Dir: root, PlanFile: filepath.Join(dir, "plan")}, options(env, bin))
			if err == nil {
				t.Fatalf("Run reported a finished plan (plan detailed: %v, events %+v); want a plan error", out.Plan != nil, out.Events)
			}
			var se *StepError
			if !errors.As(err, &se) || se.Step != "plan" {
				t.Fatalf("error %v (%T), want a plan StepError", err, err)
			}
			if !errors.Is(err, ErrIncompletePlan) || !strings.Contains(se.Msg, tc.wantMsg) || !strings.Contains(se.Msg, "not clean") {
				t.Errorf("message %q (ErrIncompletePlan: %v), want it to contain %q and say the target is not clean", se.Msg, errors.Is(err, ErrIncompletePlan), tc.wantMsg)
			}
		})
	}
}

func TestRunCancelledOrTimedOut(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	const (
		// The marker that lets the test cancel is written after the trap is
		// set, so the interrupt never arrives before terraform ignores it.
		stops   = ":"
		ignores = "trap '' INT" // ignoring is inherited across exec
	)
	tests := []struct {
		name         string
		plan         string
		cancel       bool // cancel the caller's context once plan runs
		timeout      time.Duration
		wantMsg      []string
		wantCanceled bool
		notMsg       []string
	}{
		{name: "cancelled, terraform stops", plan: stops, cancel: true, timeout: 30 * time.Minute,
			wantMsg: []string{"cancelled", "interrupted"}, wantCanceled: true, notMsg: []string{"timed out", "killed"}},
		{name: "cancelled, terraform ignores the interrupt", plan: ignores, cancel: true, timeout: 30 * time.Minute,
			wantMsg: []string{"cancelled", "killed", "state lock may still be held"}, wantCanceled: true, notMsg: []string{"timed out"}},
		{name: "timed out, terraform stops", plan: stops, timeout: 10 * time.Second, // generous: init must finish first on a loaded machine
			wantMsg: []string{"timed out after 10s"}, notMsg: []string{"cancelled", "killed"}},
		{name: "timed out, terraform ignores the interrupt", plan: ignores, timeout: 10 * time.Second, // generous: init must finish first on a loaded machine
			wantMsg: []string{"timed out after 10s", "killed", "state lock may still be held"}, notMsg: []string{"cancelled"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			root := tftest.WriteRoot(t, dir, "root", map[string]string{"main.tf": dataRoot})
			started := filepath.Join(dir, "plan-started")
			bin := env.Wrapper(t, tc.plan+"\n: >'"+started+"'\nexec sleep 120")
			o := options(env, bin)
			o.Timeout, o.Grace = tc.timeout, time.Second
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancel {
				go func() {
					for ctx.Err() == nil {
						if _, err := os.Stat(started); err == nil {
							cancel()
							return
						}
						time.Sleep(50 * time.Millisecond)
					}
				}()
			}
			start := time.Now()
			_, err := Run(ctx, Target{Dir: root, PlanFile: filepath.Join(dir, "plan")}, o)
			if elapsed := time.Since(start); elapsed > time.Minute {
				t.Errorf("Run took %s: terraform was not stopped", elapsed)
			}
			var se *StepError
			if !errors.As(err, &se) || se.Step != "plan" {
				t.Fatalf("error %v (%T), want a plan StepError", err, err)
			}
			t.Logf("message: %s", se.Msg)
			for _, s := range tc.wantMsg {
				if !strings.Contains(se.Msg, s) {
					t.Errorf("message %q does not say %q", se.Msg, s)
				}
			}
			for _, s := range tc.notMsg {
				if strings.Contains(se.Msg, s) {
					t.Errorf("message %q says %q", se.Msg, s)
				}
			}
			got := map[string]bool{"canceled": errors.Is(err, context.Canceled), "timeout": errors.Is(err, ErrTimeout), "deadline": errors.Is(err, context.DeadlineExceeded)}
			want := map[string]bool{"canceled": tc.wantCanceled, "timeout": !tc.wantCanceled, "deadline": !tc.wantCanceled}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("errors.Is (-want +got):\n%s", diff)
			}
		})
	}
}
