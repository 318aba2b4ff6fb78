package tf

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/tftest"
)

// TestSetupStepsRunLean plans a drifted root (so every step runs: version,
// init, workspace select, plan, show) through a terraform stand-in that
// logs each step's collector settings, and checks that only the setup
// steps run with the collector deferred, that a user's own settings win
// everywhere, and that the events terraform reports are the same either
// way.
func TestSetupStepsRunLean(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	lean := "GOGC=off GOMEMLIMIT=" + leanHeap
	deflt := "GOGC=unset GOMEMLIMIT=unset"
	tests := []struct {
		name    string
		userEnv []string
		version string // sh run for `version`; "" passes it to terraform
		want    []string
	}{
		{
			name: "setup steps lean, plan and show as terraform defaults",
			want: []string{"version " + lean, "init " + lean, "workspace " + lean, "plan " + deflt, "show " + deflt},
		},
		{
			name:    "a user's GOGC is kept for every step",
			userEnv: []string{"GOGC=100"},
			want:    []string{"version GOGC=100 GOMEMLIMIT=unset", "init GOGC=100 GOMEMLIMIT=unset", "workspace GOGC=100 GOMEMLIMIT=unset", "plan GOGC=100 GOMEMLIMIT=unset", "show GOGC=100 GOMEMLIMIT=unset"},
		},
		{
			name:    "a user's GOMEMLIMIT is kept for every step",
			userEnv: []string{"GOMEMLIMIT=3GiB"},
			want:    []string{"version GOGC=unset GOMEMLIMIT=3GiB", "init GOGC=unset GOMEMLIMIT=3GiB", "workspace GOGC=unset GOMEMLIMIT=3GiB", "plan GOGC=unset GOMEMLIMIT=3GiB", "show GOGC=unset GOMEMLIMIT=3GiB"},
		},
		{
			// Built with a Go that ignores GOMEMLIMIT: GOGC=off would
			// leave init's heap unbounded.
			name:    "terraform before 1.3: only the version probe is lean",
			version: `echo '{"terraform_version":"1.2.9","platform":"linux_amd64","provider_selections":{}}'; exit 0`,
			want:    []string{"version " + lean, "init " + deflt, "workspace " + deflt, "plan " + deflt, "show " + deflt},
		},
	}
	events := make([]Events, len(tests))
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			log := filepath.Join(dir, "calls.log")
			bin := loggingShim(t, env, dir, `"$1 GOGC=${GOGC-unset} GOMEMLIMIT=${GOMEMLIMIT-unset}"`, log, tc.version)
			root := appliedRoot(t, env, dir, "drifted")
			o := options(env, bin)
			o.Env = append(append([]string{}, o.Env...), tc.userEnv...)
			out, err := Run(context.Background(), Target{Dir: root, Workspace: "default", PlanFile: filepath.Join(dir, "plan"), DataDir: filepath.Join(dir, "data")}, o)
			if err != nil {
				t.Fatal(err)
			}
			if out.PlanJSONFile == "" {
				t.Fatal("the drifted root was not shown: the test no longer covers show")
			}
			events[i] = out.Events
			data, err := os.ReadFile(log)
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Split(strings.TrimSpace(string(data)), "\n")
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("each step's collector settings (-want +got):\n%s", diff)
			}
		})
	}
	for i := range tests[1:] {
		if diff := cmp.Diff(events[0], events[i+1]); diff != "" {
			t.Errorf("events with lean setup steps vs %q (-lean +other):\n%s", tests[i+1].name, diff)
		}
	}
}
