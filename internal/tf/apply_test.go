package tf

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/tftest"
)

func TestApplyArgs(t *testing.T) {
	t.Parallel()
	// The saved plan is the last argument, and nothing that would make
	// terraform plan anew (-var, -var-file, -target, -replace) is passed.
	got := applyArgs(ApplyTarget{Dir: "/repo/infra", PlanFile: "/plans/0.tfplan"}, Options{LockTimeout: 90 * time.Second})
	want := []string{"apply", "-no-color", "-auto-approve", "-input=false", "-lock-timeout=1m30s",
		"-lock=true", "-parallelism=10", "-refresh=true", "-json", "/plans/0.tfplan"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("apply arguments (-want +got):\n%s", diff)
	}
}

// TestApplySavedPlan heals in-place drift by applying the saved plan, with
// terraform and with OpenTofu: the cloud's JSON file changes back and a
// second plan is clean.
func TestApplySavedPlan(t *testing.T) {
	t.Parallel()
	for _, p := range tftest.Planners(t) {
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			env := p.Env
			dir := t.TempDir()
			root := appliedRoot(t, env, dir, "drifted")
			plan := filepath.Join(dir, "plan")
			o := options(env, env.Terraform)
			if _, err := Run(context.Background(), Target{Dir: root, PlanFile: plan}, o); err != nil {
				t.Fatalf("Run: %v", err)
			}
			got, err := Apply(context.Background(), ApplyTarget{Dir: root, PlanFile: plan}, o)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			want := ApplyOutcome{
				Applied: []AppliedResource{{Address: "fakecloud_instance.web", Action: "update"}},
				Summary: &ChangeSummary{Change: 1},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("apply outcome (-want +got):\n%s", diff)
			}
			cloud, err := os.ReadFile(filepath.Join(dir, "cloud.json"))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(cloud), "huge") {
				t.Errorf("the cloud still has the drifted value after apply:\n%s", cloud)
			}
			again, err := Run(context.Background(), Target{Dir: root, PlanFile: filepath.Join(dir, "plan2")}, o)
			if err != nil {
				t.Fatalf("second Run: %v", err)
			}
			if again.Events.NeedsShow() {
				t.Errorf("a second plan after apply is not clean: %+v", again.Events)
			}
		})
	}
}

// TestApplyStalePlan changes the state between plan and apply: terraform
// and OpenTofu each refuse the saved plan and the error says it is stale,
// so what is applied is only ever the plan that was evaluated.
func TestApplyStalePlan(t *testing.T) {
	t.Parallel()
	for _, p := range tftest.Planners(t) {
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			env := p.Env
			dir := t.TempDir()
			root := appliedRoot(t, env, dir, "drifted")
			plan := filepath.Join(dir, "plan")
			o := options(env, env.Terraform)
			if _, err := Run(context.Background(), Target{Dir: root, PlanFile: plan}, o); err != nil {
				t.Fatalf("Run: %v", err)
			}
			env.Run(t, root, "apply", "-refresh-only", "-auto-approve", "-input=false")
			got, err := Apply(context.Background(), ApplyTarget{Dir: root, PlanFile: plan}, o)
			if !errors.Is(err, ErrStalePlan) {
				t.Fatalf("Apply of a stale plan: got %v, want an error matching ErrStalePlan", err)
			}
			var se *StepError
			if !errors.As(err, &se) || se.Step != "apply" || !strings.Contains(se.Msg, "Saved plan is stale") {
				t.Errorf("error %#v: want step apply with %s's words", err, p.Name)
			}
			if len(got.Applied) != 0 {
				t.Errorf("a stale plan applied %v", got.Applied)
			}
		})
	}
}

func TestApplyWithoutPlan(t *testing.T) {
	t.Parallel()
	_, err := Apply(context.Background(), ApplyTarget{Dir: t.TempDir()}, Options{})
	if err == nil || !strings.Contains(err.Error(), "no saved plan") {
		t.Fatalf("got %v, want an error saying there is no saved plan", err)
	}
}

func TestApplyParser(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		stream    string
		want      ApplyOutcome
		wantStale bool
	}{
		{
			name: "applied",
			stream: `{"@level":"info","@message":"Terraform 1.11.4","type":"version"}
{"@level":"info","type":"apply_start","hook":{"resource":{"addr":"a.b"},"action":"update"}}
{"@level":"info","type":"apply_complete","hook":{"resource":{"addr":"a.b"},"action":"update","id_value":"i-1"}}
{"@level":"info","type":"change_summary","changes":{"add":0,"change":1,"import":0,"remove":0,"operation":"apply"}}
`,
			want: ApplyOutcome{Applied: []AppliedResource{{Address: "a.b", Action: "update"}}, Summary: &ChangeSummary{Change: 1}},
		},
		{
			name: "stale",
			stream: `{"@level":"error","type":"diagnostic","diagnostic":{"severity":"error","summary":"Saved plan is stale","detail":"The given plan file can no longer be applied because the state was changed by another operation after the plan was created."}}
`,
			want:      ApplyOutcome{Diagnostics: []string{"Error: Saved plan is stale: The given plan file can no longer be applied because the state was changed by another operation after the plan was created."}},
			wantStale: true,
		},
		{
			name: "errored, last line without newline",
			stream: `{"type":"apply_errored","hook":{"resource":{"addr":"a.c"},"action":"create"}}
{"type":"diagnostic","diagnostic":{"severity":"warning","summary":"ignored"}}
{"type":"diagnostic","diagnostic":{"severity":"error","summary":"boom","address":"a.c"}}`,
			want: ApplyOutcome{Errored: []string{"a.c"}, Diagnostics: []string{"Error: boom [a.c]"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := &applyParser{}
			// Written in small pieces, as a pipe delivers it.
			for s := tc.stream; s != ""; {
				n := min(len(s), 7)
				if _, err := p.Write([]byte(s[:n])); err != nil {
					t.Fatal(err)
				}
				s = s[n:]
			}
			_ = p.Close()
			if diff := cmp.Diff(tc.want, p.out); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantStale, p.stale); diff != "" {
				t.Errorf("stale (-want +got):\n%s", diff)
			}
		})
	}
}
