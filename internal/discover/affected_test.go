package discover

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAffect(t *testing.T) {
	t.Parallel()
	roots := []RootDeps{
		{Dir: "infra/app", Rel: "infra/app", Modules: []string{"modules/net", "modules/web"},
			Files: []TargetFile{{Path: "vars/prod.tfvars", Kind: "var-file"}, {Path: "backends/prod.tfbackend", Kind: "backend file"}}},
		{Dir: "infra/app/edge", Rel: "infra/app/edge"},
		{Dir: "infra/db", Rel: "infra/db", DependsOn: []string{"shared/**/*.json"}},
	}
	globals := []Global{{Path: ".github/drift.yaml", Kind: "config"}, {Path: "policy", Kind: "policy"}}
	all := func(reason string) []Planned {
		return []Planned{{"infra/app", []string{reason}}, {"infra/app/edge", []string{reason}}, {"infra/db", []string{reason}}}
	}
	tests := []struct {
		name    string
		changes Changes
		want    Selection
	}{
		{
			name:    "file under a root",
			changes: Changes{Source: "git", Files: []string{"infra/db/main.tf", "README.md"}},
			want: Selection{Mode: "affected", Source: "git", Planned: []Planned{{"infra/db", []string{"changed: infra/db/main.tf"}}},
				Skipped: []string{"infra/app", "infra/app/edge"}},
		},
		{
			name:    "a nested root's files are its own",
			changes: Changes{Files: []string{"infra/app/edge/main.tf"}},
			want:    Selection{Mode: "affected", Planned: []Planned{{"infra/app/edge", []string{"changed: infra/app/edge/main.tf"}}}, Skipped: []string{"infra/app", "infra/db"}},
		},
		{
			name:    "files in a subdirectory of a root, listed up to three",
			changes: Changes{Files: []string{"infra/app/templates/a.tpl", "infra/app/b.tf", "./infra/app/c.tf", "infra/app/d.tf"}},
			want: Selection{Mode: "affected", Planned: []Planned{{"infra/app", []string{"changed: infra/app/b.tf, infra/app/c.tf, infra/app/d.tf and 1 more"}}},
				Skipped: []string{"infra/app/edge", "infra/db"}},
		},
		{
			name:    "a module the root calls, transitively",
			changes: Changes{Files: []string{"modules/net/subnets.tf"}},
			want:    Selection{Mode: "affected", Planned: []Planned{{"infra/app", []string{"module modules/net changed"}}}, Skipped: []string{"infra/app/edge", "infra/db"}},
		},
		{
			name:    "a var-file a target names",
			changes: Changes{Files: []string{"vars/prod.tfvars"}},
			want:    Selection{Mode: "affected", Planned: []Planned{{"infra/app", []string{"var-file vars/prod.tfvars changed"}}}, Skipped: []string{"infra/app/edge", "infra/db"}},
		},
		{
			name:    "a backend file a target names",
			changes: Changes{Files: []string{"backends/prod.tfbackend"}},
			want:    Selection{Mode: "affected", Planned: []Planned{{"infra/app", []string{"backend file backends/prod.tfbackend changed"}}}, Skipped: []string{"infra/app/edge", "infra/db"}},
		},
		{
			name:    "a depends-on glob",
			changes: Changes{Files: []string{"shared/eu/regions.json", "shared/notes.md"}},
			want: Selection{Mode: "affected", Planned: []Planned{{"infra/db", []string{"depends-on shared/**/*.json: shared/eu/regions.json changed"}}},
				Skipped: []string{"infra/app", "infra/app/edge"}},
		},
		{
			name:    "every reason at once",
			changes: Changes{Files: []string{"infra/app/main.tf", "modules/web/main.tf", "vars/prod.tfvars"}},
			want: Selection{Mode: "affected", Planned: []Planned{{"infra/app", []string{"changed: infra/app/main.tf", "module modules/web changed", "var-file vars/prod.tfvars changed"}}},
				Skipped: []string{"infra/app/edge", "infra/db"}},
		},
		{
			name:    "the config file affects every root",
			changes: Changes{Source: "GitHub API", Files: []string{"infra/db/main.tf", ".github/drift.yaml"}},
			want:    Selection{Mode: "affected", Source: "GitHub API", Planned: all("config changed: .github/drift.yaml"), Note: "config changed (.github/drift.yaml): planned every root"},
		},
		{
			name:    "a policy affects every root",
			changes: Changes{Files: []string{"policy/cost.rego"}},
			want:    Selection{Mode: "affected", Planned: all("policy changed: policy/cost.rego"), Note: "policy changed (policy/cost.rego): planned every root"},
		},
		{
			name:    "nothing affected",
			changes: Changes{Source: "git", Files: []string{"docs/index.md", ".github/workflows/drift.yml"}},
			want: Selection{Mode: "affected", Source: "git", Skipped: []string{"infra/app", "infra/app/edge", "infra/db"},
				Note: "no root is affected by this pull request's changes: nothing to plan"},
		},
		{
			name:    "an empty pull request",
			changes: Changes{Source: "git", Files: []string{}},
			want: Selection{Mode: "affected", Source: "git", Skipped: []string{"infra/app", "infra/app/edge", "infra/db"},
				Note: "no root is affected by this pull request's changes: nothing to plan"},
		},
		{
			name:    "a submodule holding a module's directory",
			changes: Changes{Source: "git", Files: []string{"modules"}, Kinds: map[string]string{"modules": "submodule"}},
			want: Selection{Mode: "affected", Source: "git", Planned: []Planned{{"infra/app", []string{"submodule modules changed"}}},
				Skipped: []string{"infra/app/edge", "infra/db"}},
		},
		{
			name:    "a file where a root's parent directory was",
			changes: Changes{Files: []string{"infra"}},
			want:    Selection{Mode: "affected", Planned: []Planned{{"infra/app", []string{"infra changed"}}, {"infra/app/edge", []string{"infra changed"}}, {"infra/db", []string{"infra changed"}}}},
		},
		{
			name:    "a path outside the repository",
			changes: Changes{Files: []string{"../x.tf"}},
			want: Selection{Mode: "affected", Planned: all("cannot tell: ../x.tf: not a path inside the repository"),
				Note: "cannot tell which roots ../x.tf affects (not a path inside the repository): planned every root"},
		},
		{
			name:    "changed files unknown",
			changes: Changes{Unknown: "changed files unknown (GitHub API: too many)"},
			want:    Selection{Mode: "affected", Planned: all("changed files unknown"), Note: "changed files unknown (GitHub API: too many): planned every root"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Affect(roots, globals, tt.changes, nil)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("selection (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAffectRootAtRepositoryRoot(t *testing.T) {
	t.Parallel()
	roots := []RootDeps{{Dir: ".", Rel: "."}, {Dir: "stacks/a", Rel: "stacks/a"}}
	got := Affect(roots, nil, Changes{Files: []string{"main.tf", "stacks/a/main.tf"}}, nil)
	want := Selection{Mode: "affected", Planned: []Planned{{".", []string{"changed: main.tf"}}, {"stacks/a", []string{"changed: stacks/a/main.tf"}}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("selection (-want +got):\n%s", diff)
	}
}

// affectedRepo is a repository whose infra/app calls modules/web (which
// calls modules/net) and names a var-file outside its directory, and whose
// infra/db depends on shared files by drift.yaml.
func affectedRepo(t *testing.T) (string, File) {
	t.Helper()
	dir := t.TempDir()
	for p, body := range map[string]string{
		"infra/app/main.tf":      "module \"web\" {\n  source = \"../../modules/web\"\n}\nmodule \"vpc\" {\n  source = \"registry.example/vpc/aws\"\n}\n",
		"infra/db/main.tf":       "resource \"terraform_data\" \"db\" {}\n",
		"modules/web/main.tf":    "module \"net\" {\n  source = \"../net\"\n}\n",
		"modules/net/main.tf":    "module \"again\" {\n  source = \"../web\"\n}\n", // a cycle must not hang
		"vars/prod.tfvars":       "x = 1\n",
		"backends/prod.hcl":      "path = \"prod.tfstate\"\n",
		"shared/eu/regions.json": "[]\n",
	} {
		p = filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, File{Path: ".github/drift.yaml", Roots: []Root{
		{Dir: "infra/app", Targets: []TargetConfig{
			{Name: "prod", VarFiles: []string{"../../vars/prod.tfvars"}},
			{Name: "prod-again", VarFiles: []string{"../../vars/prod.tfvars"}, BackendConfig: []Setting{{Value: "../../backends/prod.hcl"}, {Value: "key=prod"}}},
		}},
		{Dir: "infra/db", DependsOn: []string{"shared/**"}},
	}}
}

func TestDependencies(t *testing.T) {
	t.Parallel()
	dir, f := affectedRepo(t)
	targets, err := Targets(Request{Cwd: dir, RepoRoot: dir, File: f})
	if err != nil {
		t.Fatal(err)
	}
	want := []RootDeps{
		{Dir: "infra/app", Rel: "infra/app", Modules: []string{"modules/net", "modules/web"},
			Files: []TargetFile{{Path: "vars/prod.tfvars", Kind: "var-file"}, {Path: "vars/prod.tfvars", Kind: "var-file"}, {Path: "backends/prod.hcl", Kind: "backend file"}}},
		{Dir: "infra/db", Rel: "infra/db", DependsOn: []string{"shared/**"}},
	}
	if diff := cmp.Diff(want, Dependencies(targets, dir, f)); diff != "" {
		t.Errorf("dependencies (-want +got):\n%s", diff)
	}
}

func TestChoose(t *testing.T) {
	t.Parallel()
	dir, f := affectedRepo(t)
	targets, err := Targets(Request{Cwd: dir, RepoRoot: dir, File: f})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		changes  *Changes
		shard    Part
		policies []string
		want     []string
		wantSel  bool
	}{
		{name: "not a pull request: everything", want: []string{"infra/app@prod", "infra/app@prod-again", "infra/db@default"}},
		{name: "a transitive module", changes: &Changes{Files: []string{"modules/net/main.tf"}}, want: []string{"infra/app@prod", "infra/app@prod-again"}, wantSel: true},
		{name: "a depends-on path", changes: &Changes{Files: []string{"shared/eu/regions.json"}}, want: []string{"infra/db@default"}, wantSel: true},
		{name: "the shard after the selection", changes: &Changes{Files: []string{"vars/prod.tfvars"}}, shard: Part{Index: 2, Count: 2}, want: []string{"infra/app@prod-again"}, wantSel: true},
		{name: "a policy directory", changes: &Changes{Files: []string{"policies/x.rego"}}, policies: []string{"./policies"},
			want: []string{"infra/app@prod", "infra/app@prod-again", "infra/db@default"}, wantSel: true},
		{name: "no policies evaluated: a policy change affects nothing", changes: &Changes{Files: []string{"policies/x.rego"}}, want: []string{}, wantSel: true},
		{name: "nothing affected", changes: &Changes{Files: []string{"README.md"}}, want: []string{}, wantSel: true},
		{name: "a backend file a target names", changes: &Changes{Files: []string{"backends/prod.hcl"}}, want: []string{"infra/app@prod", "infra/app@prod-again"}, wantSel: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, sel, err := Choose(targets, Choice{Cwd: dir, RepoRoot: dir, File: f, Changes: tt.changes, Shard: tt.shard, Policies: tt.policies})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, names(got)); diff != "" {
				t.Errorf("targets (-want +got):\n%s", diff)
			}
			if (sel != nil) != tt.wantSel {
				t.Errorf("selection %+v, want one: %v", sel, tt.wantSel)
			}
		})
	}
}

// source is a ChangedFiles answering as told.
type source struct {
	name  string
	files []string
	err   error
}

func (s source) Source() string                                 { return s.name }
func (s source) ChangedFiles(context.Context) ([]string, error) { return s.files, s.err }

func TestCollectChanges(t *testing.T) {
	t.Parallel()
	unavailable := source{name: "git", err: errors.New("no base commit: " + ErrUnavailable.Error())}
	api := source{name: "GitHub API", files: []string{"a.tf"}}
	tests := []struct {
		name    string
		sources []ChangedFiles
		want    Changes
	}{
		{name: "the first that answers", sources: []ChangedFiles{source{name: "git", files: []string{"b.tf"}}, api}, want: Changes{Source: "git", Files: []string{"b.tf"}}},
		{name: "git unavailable: the API", sources: []ChangedFiles{unavailable, api}, want: Changes{Source: "GitHub API", Files: []string{"a.tf"}}},
		{name: "none answers", sources: []ChangedFiles{unavailable, source{name: "GitHub API", err: errors.New("too many files")}},
			want: Changes{Unknown: "changed files unknown (git: no base commit: not available; GitHub API: too many files)"}},
		{name: "no source", want: Changes{Unknown: "changed files unknown: no source of them was given"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, CollectChanges(t.Context(), tt.sources...)); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
		})
	}
}
