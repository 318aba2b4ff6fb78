package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseFileAffectedKeys(t *testing.T) {
	t.Parallel()
	type keys struct {
		PullRequestRoots string
		DependsOn        [][]string
	}
	tests := []struct {
		name    string
		src     string
		want    keys
		wantErr []string
	}{
		{name: "unset: affected", src: "roots: [infra/app]\n", want: keys{DependsOn: [][]string{nil}}},
		{name: "affected", src: "pull-request-roots: affected\n", want: keys{PullRequestRoots: "affected"}},
		{name: "all", src: "pull-request-roots: all\n", want: keys{PullRequestRoots: "all"}},
		{name: "depends-on list and single glob", src: "roots:\n  - dir: infra/app\n    depends-on: [shared/**, versions.tf]\n  - dir: infra/db\n    depends-on: schemas/*.sql\n",
			want: keys{DependsOn: [][]string{{"shared/**", "versions.tf"}, {"schemas/*.sql"}}}},
		{name: "unknown mode", src: "pull-request-roots: changed\n", wantErr: []string{"drift.yaml:1:", `pull-request-roots "changed"`, "use affected", "or all"}},
		{name: "depends-on outside the repository", src: "roots:\n  - dir: a\n    depends-on: [../other/*]\n", wantErr: []string{"drift.yaml:3:", "roots[0].depends-on[0]", `"../other/*"`, "inside the repository"}},
		{name: "depends-on absolute", src: "roots:\n  - dir: a\n    depends-on: [/etc/x]\n", wantErr: []string{"roots[0].depends-on[0]", "inside the repository"}},
		{name: "depends-on the whole repository", src: "roots:\n  - dir: a\n    depends-on: [.]\n", wantErr: []string{"roots[0].depends-on[0]", "inside the repository"}},
		{name: "depends-on not strings", src: "roots:\n  - dir: a\n    depends-on: {x: 1}\n", wantErr: []string{"drift.yaml:3:", "depends-on must be a list of strings"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := ParseFile("drift.yaml", []byte(tt.src))
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatal("want an error, got none")
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
			got := keys{PullRequestRoots: f.PullRequestRoots}
			for _, r := range f.Roots {
				got.DependsOn = append(got.DependsOn, r.DependsOn)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlansAffected(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		mode string
		ev   Event
		want bool
	}{
		{name: "pull request, default", ev: Event{Name: "pull_request", PR: 3}, want: true},
		{name: "pull request, affected", mode: PullRequestAffected, ev: Event{Name: "pull_request", PR: 3}, want: true},
		{name: "pull request, all", mode: PullRequestAll, ev: Event{Name: "pull_request", PR: 3}},
		{name: "schedule", ev: Event{Name: "schedule"}},
		{name: "dispatch", mode: PullRequestAffected, ev: Event{Name: "repository_dispatch", DispatchType: "drift-detected"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := (File{PullRequestRoots: tt.mode}).PlansAffected(tt.ev); got != tt.want {
				t.Errorf("PlansAffected = %v, want %v", got, tt.want)
			}
		})
	}
}
