package discover

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSelect(t *testing.T) {
	t.Parallel()
	all := []Target{}
	for _, d := range []string{"infra/a", "infra/b", "infra/c", "stacks/x"} {
		all = append(all, Target{Dir: d, AbsDir: "/repo/" + d, Name: DefaultTarget})
	}
	tests := []struct {
		name    string
		roots   []string
		shard   Part
		want    []string
		wantErr string
	}{
		{name: "everything", want: []string{"infra/a@default", "infra/b@default", "infra/c@default", "stacks/x@default"}},
		{name: "dispatched roots", roots: []string{"infra/b", "./stacks/*"}, want: []string{"infra/b@default", "stacks/x@default"}},
		{name: "shard of everything", shard: Part{Index: 2, Count: 2}, want: []string{"infra/c@default", "stacks/x@default"}},
		{name: "shard of the dispatched roots", roots: []string{"infra/*"}, shard: Part{Index: 1, Count: 2}, want: []string{"infra/a@default", "infra/b@default"}},
		{name: "no dispatched root is here", roots: []string{"gone", "also\ngone"}, wantErr: `discover: none of the roots "gone", "also\ngone" is a root module here`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Select(all, "/repo", tt.roots, tt.shard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, names(got)); diff != "" {
				t.Errorf("selected (-want +got):\n%s", diff)
			}
		})
	}
}
