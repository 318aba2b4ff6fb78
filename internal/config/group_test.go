package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The record's API group is the record-group input: the default group
// when unset, any DNS subdomain with a dot otherwise, and a clear error
// naming the input for anything else.
func TestParseActionRecordGroup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		input   string
		want    string
		wantErr []string
	}{
		{name: "default", want: "infra.example.com"},
		{name: "a team's own group", input: "drift.mycompany.io", want: "drift.mycompany.io"},
		{name: "no dot", input: "drift", wantErr: []string{`input record-group: group "drift"`, "no dot", "drift-action crd --group"}},
		{name: "upper case", input: "Drift.MyCompany.io", wantErr: []string{`input record-group: group "Drift.MyCompany.io"`, "lowercase"}},
		{name: "too long for the CRD's name", input: strings.Repeat("a", 240) + ".io", wantErr: []string{"input record-group", "driftreports.", "is no DNS subdomain"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inputs := map[string]string{}
			if tt.input != "" {
				inputs["record-group"] = tt.input
			}
			a, err := ParseAction(actionEnv(t.TempDir(), inputs))
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("ParseAction: no error, group %q", a.RecordGroup)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, a.RecordGroup); diff != "" {
				t.Errorf("group (-want +got):\n%s", diff)
			}
		})
	}
}
