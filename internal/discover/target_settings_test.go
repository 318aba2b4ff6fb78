package discover

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestTargetSettings(t *testing.T) {
	t.Parallel()
	dir := repo(t)
	app := filepath.Join(dir, "infra/app")
	if err := os.WriteFile(filepath.Join(app, "eu.hcl"), []byte("path = \"eu.tfstate\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := func(ts ...TargetConfig) File {
		return File{Path: ".github/drift.yaml", Roots: []Root{{Dir: "infra/app", Timeout: time.Hour, Line: 2, Targets: ts}}}
	}
	tests := []struct {
		name    string
		target  TargetConfig
		want    Target
		wantErr string
	}{
		{
			name: "every setting",
			target: TargetConfig{Name: "eu", Workspace: "eu", Timeout: time.Minute,
				BackendConfig: []Setting{{Value: "eu.hcl"}, {Value: "key=eu/state"}},
				Vars:          []Setting{{Key: "region", Value: "eu-west-1"}, {Key: "db_password", Value: "pw", Sensitive: true}},
				Env:           []Setting{{Key: "AWS_PROFILE", Value: "eu"}}},
			want: Target{Dir: "infra/app", AbsDir: app, Name: "eu", Workspace: "eu", Timeout: time.Minute,
				BackendConfig: []string{filepath.Join(app, "eu.hcl"), "key=eu/state"},
				Vars:          []string{"region=eu-west-1", "db_password=pw"},
				Env:           []string{"AWS_PROFILE=eu"}},
		},
		{
			name:   "root timeout when the target has none",
			target: TargetConfig{Name: "us"},
			want:   Target{Dir: "infra/app", AbsDir: app, Name: "us", Timeout: time.Hour},
		},
		{
			name:    "missing backend-config file",
			target:  TargetConfig{Name: "eu", BackendConfig: []Setting{{Value: "nope.hcl"}}},
			wantErr: `discover: root "infra/app" target "eu": backend-config file "nope.hcl": no such file or directory (backend-config files are relative to the root directory)`,
		},
		{
			name:    "missing sensitive backend-config file is not named",
			target:  TargetConfig{Name: "eu", BackendConfig: []Setting{{Value: "canary-secret", Sensitive: true}}},
			wantErr: `discover: root "infra/app" target "eu": backend-config file (sensitive): no such file or directory`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Targets(Request{Cwd: dir, RepoRoot: dir, File: root(tt.target)})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want it to contain %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "canary") {
					t.Errorf("error shows a sensitive value: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]Target{tt.want}, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("targets (-want +got):\n%s", diff)
			}
		})
	}
}

// drift.yaml's `new: true` on a root reaches each of its targets, and only
// its own.
func TestTargetNewRoot(t *testing.T) {
	t.Parallel()
	dir := repo(t)
	f := File{Path: ".github/drift.yaml", Roots: []Root{
		{Dir: "infra/app", New: true, Targets: []TargetConfig{{Name: "us"}, {Name: "eu"}}},
		{Dir: "infra/db"},
	}}
	got, err := Targets(Request{Cwd: dir, RepoRoot: dir, File: f})
	if err != nil {
		t.Fatal(err)
	}
	news := map[string]bool{}
	for _, tg := range got {
		news[tg.Dir+" "+tg.Name] = tg.New
	}
	want := map[string]bool{"infra/app us": true, "infra/app eu": true, "infra/db default": false}
	if diff := cmp.Diff(want, news); diff != "" {
		t.Errorf("New per target (-want +got):\n%s", diff)
	}
}
