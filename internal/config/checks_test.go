package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseFileChecks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		src     string
		want    string
		wantErr []string // all must appear in the error
	}{
		{name: "unset leaves the default to the reader", src: "parallelism: 2\n", want: ""},
		{name: "warn", src: "checks: warn\n", want: "warn"},
		{name: "error", src: "checks: error\n", want: "error"},
		{name: "ignore", src: "version: 1\nchecks: ignore\n", want: "ignore"},
		{name: "unknown level", src: "version: 1\nchecks: fail\n", wantErr: []string{"drift.yaml:2:", `checks "fail"`, "warn, error or ignore"}},
		{name: "not a string", src: "checks: [warn]\n", wantErr: []string{"drift.yaml:1:", "checks must be a string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := ParseFile("drift.yaml", []byte(tt.src))
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("want an error, got none")
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, f.Checks); diff != "" {
				t.Errorf("Checks (-want +got):\n%s", diff)
			}
		})
	}
}
