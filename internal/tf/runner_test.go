package tf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/execfile"
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

// failingCheck is a check block whose assertion fails on dataRoot.
const failingCheck = `
check "pinned" {
  assert {
    condition     = terraform_data.x.input == "b"
    error_message = "input must be b"
  }
}
`

// nestedCheck reads a data source inside a check block: the check fails
// when upstream.tfstate is not a state file.
const nestedCheck = `
check "upstream" {
  data "terraform_remote_state" "up" {
    backend = "local"
    config  = { path = "${path.module}/upstream.tfstate" }
  }
  assert {
    condition     = data.terraform_remote_state.up.outputs != null
    error_message = "upstream state unreadable"
  }
}
`

// appliedRoot builds an applied root in dir: "clean", "check-only" (clean
// but for a failing check block), "nested-check-passes" and
// "nested-check-fails" (clean but for a check block reading a data source,
// which passes or fails), "drift-only" (an out-of-band edit terraform
// reports but would not undo) or "drifted" (an edit terraform plans to
// undo).
func appliedRoot(t *testing.T, env *tftest.Env, dir, kind string) string {
	t.Helper()
	switch kind {
	case "clean":
		root := tftest.WriteRoot(t, dir, "root", map[string]string{"main.tf": dataRoot})
		env.Apply(t, root)
		return root
	case "check-only", "nested-check-passes", "nested-check-fails":
		root := tftest.WriteRoot(t, dir, "root", map[string]string{"main.tf": dataRoot})
		env.Apply(t, root)
		files := map[string]string{"main.tf": dataRoot + failingCheck}
		if kind != "check-only" {
			files = map[string]string{"main.tf": dataRoot + nestedCheck, "upstream.tfstate": "not a state file"}
			if kind == "nested-check-passes" {
				state, err := os.ReadFile(filepath.Join(root, "terraform.tfstate"))
				if err != nil {
					t.Fatal(err)
				}
				files["upstream.tfstate"] = string(state)
			}
		}
		tftest.WriteRoot(t, dir, "root", files)
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

// TestRunFinishedPlans plans each root with terraform and with OpenTofu;
// both tell the same events from their -json streams.
func TestRunFinishedPlans(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		root     string
		want     Events
		wantTofu *Events // where OpenTofu's stream says otherwise
		wantPlan bool
	}{
		// terraform 1.11 exits 0 for drift alone: nothing would change.
		{name: "clean", root: "clean", want: Events{Resources: 1, Summary: &ChangeSummary{}}},
		// A failing check block is a warning and exit 0: only the plan file details it.
		{name: "failing check only", root: "check-only", want: Events{Resources: 1, Checks: 1, Warnings: 1, Summary: &ChangeSummary{}}, wantPlan: true},
		// A data source nested in a check block is planned to be read on
		// apply: terraform exits 2 with nothing else to say.
		{name: "passing check with a nested data source", root: "nested-check-passes", want: Events{Resources: 1, CheckReads: 1, Summary: &ChangeSummary{}}},
		// Its failure is told as the data source's warnings, without the check's name.
		// OpenTofu adds a third: it cannot tell whether the unreadable
		// state is encrypted.
		{name: "failing nested data source only", root: "nested-check-fails", want: Events{Resources: 1, CheckReads: 1, Warnings: 2, Summary: &ChangeSummary{}},
			wantTofu: &Events{Resources: 1, CheckReads: 1, Warnings: 3, Summary: &ChangeSummary{}}, wantPlan: true},
		{name: "drift only", root: "drift-only", want: Events{Drifted: 1, Resources: 1, Summary: &ChangeSummary{}}, wantPlan: true},
		{name: "drifted", root: "drifted", want: Events{Drifted: 1, Planned: 1, Resources: 1, Summary: &ChangeSummary{Change: 1}}, wantPlan: true},
	}
	for _, p := range tftest.Planners(t) {
		env := p.Env
		for _, tc := range tests {
			t.Run(p.Name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				root := appliedRoot(t, env, dir, tc.root)
				out, err := Run(context.Background(), Target{Dir: root, PlanFile: filepath.Join(dir, "plan")}, options(env, env.Terraform))
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
				want := tc.want
				if p.Name == "tofu" && tc.wantTofu != nil {
					want = *tc.wantTofu
				}
				if diff := cmp.Diff(want, out.Events); diff != "" {
					t.Errorf("events (-want +got):\n%s", diff)
				}
				if got := out.PlanJSONFile != ""; got != tc.wantPlan {
					t.Errorf("plan detailed (PlanJSONFile %q): got %v, want %v", out.PlanJSONFile, got, tc.wantPlan)
				}
				if tc.wantPlan {
					if want := filepath.Join(dir, "plan.json"); out.PlanJSONFile != want {
						t.Errorf("PlanJSONFile %q, want %q (next to the plan)", out.PlanJSONFile, want)
					}
					// The bytes are terraform's, not a re-encoding of a decoded plan.
					show := exec.Command(env.Terraform, "show", "-json", filepath.Join(dir, "plan"))
					show.Dir, show.Env = root, env.Environ
					want, err := show.Output()
					if err != nil {
						t.Fatalf("terraform show -json: %v", err)
					}
					got, err := os.ReadFile(out.PlanJSONFile)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(want, got) {
						t.Errorf("plan JSON file differs from terraform show -json:\nwant %s\ngot  %s", want, got)
					}
					// Plans carry secrets: the file is the owner's alone.
					if fi, err := os.Stat(out.PlanJSONFile); err != nil || fi.Mode().Perm() != 0o600 {
						t.Errorf("plan JSON file mode: %v (%v), want 0600", fi.Mode().Perm(), err)
					}
				}
			})
		}
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
				t.Fatalf("Run reported a finished plan (plan JSON %q, events %+v); want a plan error", out.PlanJSONFile, out.Events)
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

// showWrapper is a terraform whose `show` runs script (POSIX sh, "$TERRAFORM"
// the real binary) after touching started; every other command is real.
func showWrapper(t *testing.T, env *tftest.Env, started, script string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "terraform")
	body := "#!/bin/sh\nTERRAFORM='" + env.Terraform + "'\nif [ \"$1\" = show ]; then\n: >'" + started + "'\n" + script + "\nfi\nexec \"$TERRAFORM\" \"$@\"\n"
	if err := execfile.Write(p, []byte(body)); err != nil {
		t.Fatal(err)
	}
	return p
}

// `show -json` writes straight to a file: a failure, a cancellation and a terraform that ignores the
// interrupt are reported as for the other steps, and no plan JSON is handed on.
func TestRunShowStep(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	tests := []struct {
		name    string
		show    string
		cancel  bool // cancel the caller's context once show runs
		wantMsg []string
		notMsg  []string
	}{
		{name: "show fails", show: `echo "Error: the plan file is corrupt" >&2; exit 1`,
			wantMsg: []string{"Error: the plan file is corrupt"}, notMsg: []string{"exit status"}},
		{name: "cancelled, terraform stops", show: "exec sleep 120", cancel: true,
			wantMsg: []string{"cancelled", "before terraform show finished"}, notMsg: []string{"killed"}},
		{name: "cancelled, terraform ignores the interrupt", show: "trap '' INT; exec sleep 120", cancel: true,
			wantMsg: []string{"cancelled", "killed", "state lock may still be held"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			root := appliedRoot(t, env, dir, "check-only")
			started := filepath.Join(dir, "show-started")
			o := options(env, showWrapper(t, env, started, tc.show))
			o.Grace = time.Second
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
			out, err := Run(ctx, Target{Dir: root, PlanFile: filepath.Join(dir, "plan")}, o)
			if elapsed := time.Since(start); elapsed > time.Minute {
				t.Errorf("Run took %s: terraform was not stopped", elapsed)
			}
			var se *StepError
			if !errors.As(err, &se) || se.Step != "show" {
				t.Fatalf("error %v (%T), want a show StepError", err, err)
			}
			if out.PlanJSONFile != "" {
				t.Errorf("PlanJSONFile %q handed on after show failed", out.PlanJSONFile)
			}
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
			if got := errors.Is(err, context.Canceled); got != tc.cancel {
				t.Errorf("errors.Is(err, context.Canceled) = %v, want %v", got, tc.cancel)
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
		// Writing more than a pipe holds blocks until this process reads
		// the command's stderr, so the marker after it is a plan that is
		// being waited on.
		awaitReader = "yes | head -c 262144 >&2"
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
			bin := env.Wrapper(t, tc.plan+"\n"+awaitReader+"\n: >'"+started+"'\nexec sleep 120")
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

// What a cancelled step says depends on how far terraform got.
func TestStoppedSaysHowFarTerraformGot(t *testing.T) {
	t.Parallel()
	o := Options{Timeout: time.Minute, Grace: 3 * time.Second}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"before start", context.Canceled, "cancelled: the run was interrupted before terraform plan started"},
		{"start failed", fmt.Errorf("start: %w", os.ErrNotExist), "cancelled: the run was interrupted before terraform plan started"},
		{"ran", &exec.ExitError{ProcessState: &os.ProcessState{}}, "cancelled: the run was interrupted before terraform plan finished"},
		// command.run's error for a terraform that exited 0 once interrupted.
		{"ran, exited 0 when interrupted", fmt.Errorf("%w\n", errors.Join(context.Canceled, &exec.ExitError{ProcessState: &os.ProcessState{}})), "cancelled: the run was interrupted before terraform plan finished"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := stopped("plan", context.Canceled, tt.err, "", o).Error()
			if !strings.HasPrefix(got, "plan: "+tt.want) {
				t.Errorf("message %q, want it to start with %q", got, "plan: "+tt.want)
			}
		})
	}
}
