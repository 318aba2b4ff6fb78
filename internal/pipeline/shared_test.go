package pipeline

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/tftest"
)

// Clean plans share their policy results only where that cannot change a
// result: every verdict (clean and changed plans, bundled and user
// policies, results that name the target) is the same as when every clean
// plan is evaluated on its own, the old path.
func TestCleanPlansSharePolicyResults(t *testing.T) {
	t.Parallel()
	tftest.Long(t)
	env := tftest.Setup(t)
	dir := t.TempDir()
	changedRoot(t, env, dir)
	clean := []string{"infra/a", "infra/b", "infra/c"}
	for _, r := range clean {
		env.Apply(t, tftest.WriteRoot(t, dir, r, map[string]string{"main.tf": `resource "terraform_data" "x" { input = "` + r + `" }` + "\n"}))
	}
	roots := append([]string{"infra/app"}, clean...)
	tests := []struct {
		name   string
		policy string
		// wantShared is how many clean plans take another's results.
		wantShared int
		// wantMsg, when set, is in each clean verdict's results, with the
		// target's root in place of ROOT.
		wantMsg string
	}{
		{
			name: "context unread",
			policy: `package watch

warn contains msg if {
	input.drift.status == "clean"
	msg := "a clean plan"
}

deny contains msg if {
	n := count(input.resource_changes)
	n > 0
	msg := sprintf("%d pending changes", [n])
}
`,
			wantShared: len(clean) - 1,
			wantMsg:    "a clean plan",
		},
		{
			name: "context read",
			policy: `package watch

warn contains msg if {
	input.drift.status == "clean"
	msg := sprintf("%s is clean", [input.context.root])
}
`,
			wantMsg: "ROOT is clean",
		},
		{
			name: "input read whole",
			policy: `package watch

warn contains msg if {
	msg := sprintf("%s", [object.get(input, "context", {}).root])
}
`,
			wantMsg: "ROOT",
		},
		{
			name: "nondeterministic builtin",
			policy: `package watch

warn contains msg if {
	time.now_ns() > 0
	msg := "checked at some time"
}
`,
			wantMsg: "checked at some time",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Not parallel: the cases plan the same roots.
			pol := tftest.WriteRoot(t, t.TempDir(), "policies", map[string]string{"watch.rego": tt.policy})
			detect := func(everyClean bool) Run {
				c := detectConfig(env, dir, nil, roots...)
				c.Policies = &Policies{Dirs: []string{pol}, Bundled: true}
				c.evalEveryClean = everyClean
				var progress bytes.Buffer
				run, err := Detect(context.Background(), c, &progress, nil)
				t.Cleanup(func() { _ = run.Close() })
				if err != nil {
					t.Fatalf("Detect: %v\n%s", err, progress.String())
				}
				return run
			}
			shared, every := detect(false), detect(true)
			if diff := cmp.Diff(verdictsOf(every), verdictsOf(shared)); diff != "" {
				t.Errorf("verdicts, every clean plan evaluated (-want) and clean plans sharing (+got):\n%s", diff)
			}
			if shared.sharedClean != tt.wantShared || every.sharedClean != 0 {
				t.Errorf("clean plans sharing results: %d (evaluating each: %d), want %d (0)", shared.sharedClean, every.sharedClean, tt.wantShared)
			}
			for _, v := range shared.Verdicts {
				switch v.Result.Status {
				case drift.StatusClean:
					want := strings.ReplaceAll(tt.wantMsg, "ROOT", v.Target.Dir)
					if !hasMsg(v.Policy, want) {
						t.Errorf("%s: policy results %+v, want one saying %q", v.Target.Dir, v.Policy, want)
					}
				case drift.StatusDrifted:
					if tt.name == "context unread" && !hasMsg(v.Policy, "3 pending changes") {
						t.Errorf("%s: policy results %+v, want the changed plan's deny", v.Target.Dir, v.Policy)
					}
				default:
					t.Errorf("%s: status %s (error %q)", v.Target.Dir, v.Result.Status, v.Result.Error)
				}
			}
		})
	}
}

// verdictSummary is what policies and the classifier made of a target.
type verdictSummary struct {
	Status drift.Status
	Error  string
	Policy []policy.Result
}

func verdictsOf(run Run) map[string]verdictSummary {
	out := map[string]verdictSummary{}
	for _, v := range run.Verdicts {
		out[v.Target.Dir] = verdictSummary{Status: v.Result.Status, Error: v.Result.Error, Policy: v.Policy}
	}
	return out
}

func hasMsg(prs []policy.Result, msg string) bool {
	for _, pr := range prs {
		if pr.Msg == msg {
			return true
		}
	}
	return false
}
