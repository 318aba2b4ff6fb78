package tfsetting

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in  string
		auto, set bool
		wantErr   string
	}{
		{name: "empty is not set: auto", in: "", auto: true},
		{name: "auto", in: "auto", auto: true, set: true},
		{name: "exact", in: "1.10.5", set: true},
		{name: "exact with v", in: "v1.10.5", set: true},
		{name: "constraint", in: "~> 1.10, != 1.10.3", set: true},
		{name: "word", in: "newest", wantErr: `"newest" is not accepted: use auto, an exact version such as 1.10.5, or a constraint such as "~> 1.10"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := ParseVersion(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([2]bool{tt.auto, tt.set}, [2]bool{s.IsAuto(), s.IsSet()}); diff != "" {
				t.Errorf("[IsAuto, IsSet] (-want +got):\n%s", diff)
			}
		})
	}
}
