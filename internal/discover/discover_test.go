package discover

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/drift"
)

// repo lays out a repository with roots, modules and noise.
func repo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"infra/app/main.tf":                     "module \"net\" {\n  source = \"../shared\"\n}\nmodule \"x\" {\n  source = \"./modules/x\"\n}\n",
		"infra/app/us.tfvars":                   "region = \"us\"\n",
		"infra/app/modules/x/main.tf":           "variable \"a\" {}\n",
		"infra/shared/main.tf":                  "variable \"b\" {}\n",
		"infra/db/main.tf.json":                 `{"resource": {}}`,
		"infra/db/.terraform/modules/m/main.tf": "# downloaded module\n",
		"infra/README.md":                       "docs\n",
		"stacks/prod/eu/main.tf":                "# root\n",
		"stacks/prod/us/main.tf":                "# root\n",
		"modules/vpc/main.tf":                   "# shared module library\n",
		".github/workflows/x.tf":                "# hidden: skipped\n",
		"broken/main.tf":                        "this is { not hcl",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func names(ts []Target) []string {
	out := []string{}
	for _, t := range ts {
		out = append(out, t.Dir+"@"+t.Name)
	}
	return out
}

func TestTargets(t *testing.T) {
	t.Parallel()
	dir := repo(t)
	tests := []struct {
		name string
		cwd  string
		args []string
		file File
		want []string
	}{
		{name: "whole repository", want: []string{"broken@default", "infra/app@default", "infra/db@default", "stacks/prod/eu@default", "stacks/prod/us@default"}},
		{name: "glob", args: []string{"infra/*"}, want: []string{"infra/app@default", "infra/db@default"}},
		{name: "double star glob", args: []string{"stacks/**/us"}, want: []string{"stacks/prod/us@default"}},
		{name: "directory without tf files is searched below", args: []string{"stacks"}, want: []string{"stacks/prod/eu@default", "stacks/prod/us@default"}},
		{name: "module named explicitly is planned", args: []string{"infra/shared", "modules/vpc"}, want: []string{"infra/shared@default", "modules/vpc@default"}},
		{name: "relative to the working directory", cwd: "infra", args: []string{"app"}, want: []string{"app@default"}},
		{name: "config roots with targets", file: File{Roots: []Root{
			{Dir: "infra/app", Targets: []TargetConfig{{Name: "us", VarFiles: []string{"us.tfvars"}}, {Name: "eu", Workspace: "eu"}}},
			{Dir: "stacks/prod/*"},
		}}, want: []string{"infra/app@us", "infra/app@eu", "stacks/prod/eu@default", "stacks/prod/us@default"}},
		{name: "exclude", file: File{Exclude: []string{"stacks/**", "broken"}}, want: []string{"infra/app@default", "infra/db@default"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Targets(Request{Cwd: filepath.Join(dir, tt.cwd), RepoRoot: dir, Args: tt.args, File: tt.file})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, names(got)); diff != "" {
				t.Errorf("targets (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTargetsSettings(t *testing.T) {
	t.Parallel()
	dir := repo(t)
	got, err := Targets(Request{Cwd: dir, RepoRoot: dir, Args: []string{"infra/app"}, File: File{
		Ignore: []drift.IgnoreRule{{Type: "*", Paths: []string{"tags_all"}}},
		Roots:  []Root{{Dir: "infra/*", Ignore: []drift.IgnoreRule{{Paths: []string{"x"}}}, Targets: []TargetConfig{{Name: "us", VarFiles: []string{"us.tfvars"}}}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Target{{
		Dir: "infra/app", AbsDir: filepath.Join(dir, "infra/app"), Name: "us",
		VarFiles: []string{filepath.Join(dir, "infra/app/us.tfvars")},
		Ignore:   []drift.IgnoreRule{{Type: "*", Paths: []string{"tags_all"}}, {Paths: []string{"x"}}},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
}

func TestTargetsErrors(t *testing.T) {
	t.Parallel()
	dir := repo(t)
	tests := []struct {
		name string
		args []string
		file File
		want string
	}{
		{"missing directory", []string{"nope"}, File{}, `argument "nope": no such directory`},
		{"file instead of directory", []string{"infra/app/main.tf"}, File{}, "is a file; pass the root module's directory"},
		{"glob matching nothing", []string{"zzz/*"}, File{}, `"zzz/*" matches no directory`},
		{"no roots at all", []string{"infra/README.md/.."}, File{Exclude: []string{"**"}}, "no terraform root module found"},
		{"missing var-file", nil, File{Path: "drift.yaml", Roots: []Root{{Dir: "infra/app", Line: 3, Targets: []TargetConfig{{Name: "x", VarFiles: []string{"missing.tfvars"}}}}}}, `var-file "missing.tfvars"`},
		{"config root missing", nil, File{Path: "drift.yaml", Roots: []Root{{Dir: "gone", Line: 7}}}, `drift.yaml:7: root "gone": no such directory`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Targets(Request{Cwd: dir, RepoRoot: dir, Args: tt.args, File: tt.file})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
