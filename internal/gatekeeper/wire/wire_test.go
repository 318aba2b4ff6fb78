package wire

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The keys are the contract between two binaries that may be built apart:
// renaming one must fail here, not silently drop violations.
func TestWireFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    Report
		want string
	}{
		{name: "empty", r: Report{}, want: `{"Violations":null,"Objects":0,"Templates":0,"Constraints":0}` + "\n"},
		{
			name: "one violation",
			r: Report{Objects: 1, Templates: 1, Constraints: 1, Violations: []Violation{{
				Constraint: "K8sNoPrivileged/no-priv", Template: "k8snoprivileged", Resource: "v1 Pod default/p",
				File: "k8s/pod.yaml:1", Msg: "privileged", EnforcementAction: "deny", Severity: "high",
			}}},
			want: `{"Violations":[{"Constraint":"K8sNoPrivileged/no-priv","Template":"k8snoprivileged","Resource":"v1 Pod default/p","File":"k8s/pod.yaml:1","Msg":"privileged","EnforcementAction":"deny","Severity":"high"}],"Objects":1,"Templates":1,"Constraints":1}` + "\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			if err := Write(&b, tt.r); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, b.String()); diff != "" {
				t.Errorf("written (-want +got):\n%s", diff)
			}
			got, err := Read(b.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.r, got); diff != "" {
				t.Errorf("read back (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadRefusesNonJSON(t *testing.T) {
	t.Parallel()
	if _, err := Read([]byte("panic: boom")); err == nil {
		t.Error("Read accepted text that is not a report")
	}
}
