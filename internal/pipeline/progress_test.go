package pipeline

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/drift"
)

// TestDoneLineKeepsTimeApart: a finished target's line gives its time
// before its outcome, never after an error's text, which would read as
// part of terraform's message ("force-unlock if needed in 20.1s").
func TestDoneLineKeepsTimeApart(t *testing.T) {
	t.Parallel()
	const unlock = "plan: timed out after 30m0s (terraform was interrupted and given 30s to release the state lock); terraform did not stop within 30s of the interrupt and was killed with its providers, so a remote state lock may still be held: check it and run terraform force-unlock if needed"
	failed := drift.Result{Dir: "infra/app", Target: "default", Duration: 20*time.Second + 123*time.Millisecond}
	failed.Fail(unlock + "\nsecond line")
	tests := []struct {
		name string
		r    drift.Result
		want string
	}{
		{name: "error", r: failed,
			want: "[2/3] infra/app (default) took 20.1s: error: " + unlock + "\n"},
		{name: "clean", r: drift.Result{Dir: "a", Target: "prod", Status: drift.StatusClean, Duration: 1500 * time.Millisecond},
			want: "[2/3] a (prod) took 1.5s: clean\n"},
		{name: "drifted", r: drift.Result{Dir: "a", Target: "default", Status: drift.StatusDrifted, Drift: []drift.Resource{{Address: "x.y"}}, Duration: time.Minute},
			want: "[2/3] a (default) took 1m0s: drifted (1 drifted, 0 pending change(s))\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := doneLine(2, 3, tc.r)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("done line (-want +got):\n%s", diff)
			}
			if tc.r.Error != "" && strings.Contains(tc.r.Error, "20.1s") {
				t.Errorf("the verdict's error carries the elapsed time: %q", tc.r.Error)
			}
		})
	}
}
