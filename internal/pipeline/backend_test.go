package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/discover"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/tftest"
)

// stateServer is terraform's http backend keeping each address's state in
// memory: a GET of an address never written is an empty state, as a
// backend key that was never applied is.
type stateServer struct {
	mu     sync.Mutex
	states map[string][]byte
}

func (s *stateServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.Method {
	case http.MethodGet:
		st, ok := s.states[r.URL.Path]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Write(st)
	case http.MethodPost:
		b, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		s.states[r.URL.Path] = b
	case http.MethodDelete:
		delete(s.states, r.URL.Path)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

// detectOne runs detect on the repository at dir whose drift.yaml lists
// root alone, with one target, and returns that target's verdict.
func detectOne(t *testing.T, env *tftest.Env, dir string, root discover.Root) drift.Result {
	t.Helper()
	c := detectConfig(env, dir, nil)
	c.Find.File = discover.File{Path: ".github/drift.yaml", Roots: []discover.Root{root}}
	run, err := Detect(context.Background(), c, &bytes.Buffer{}, nil)
	defer run.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Verdicts) != 1 {
		t.Fatalf("%d verdicts, want 1", len(run.Verdicts))
	}
	return run.Verdicts[0].Result
}

// A root with a backend block planned against an empty state, every
// resource to create, is what a missing backend-config plans: an error
// naming the root, the target, the backend and what to do, unless
// drift.yaml says the root is new. Roots whose state has resources, and
// roots keeping state in the working tree, are unaffected.
func TestDetectUnconfiguredBackend(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	srv := httptest.NewServer(&stateServer{states: map[string][]byte{}})
	t.Cleanup(srv.Close) // after the parallel cases
	resources := `
resource "terraform_data" "web" { input = "web" }
resource "terraform_data" "db" { input = "db" }
`
	backend := func(kind string) string {
		switch kind {
		case "http":
			return "terraform {\n  backend \"http\" {}\n}\n"
		case "local":
			return "terraform {\n  backend \"local\" {}\n}\n"
		}
		return ""
	}
	// Applied before the run: its backend holds state, and a new resource
	// in its code is a create beside a no-op.
	applied := func(t *testing.T, dir string) {
		env.Run(t, dir, "init", "-input=false", "-backend-config=address="+srv.URL+"/applied")
		env.Run(t, dir, "apply", "-auto-approve", "-input=false")
		tftest.WriteRoot(t, dir, ".", map[string]string{"more.tf": `resource "terraform_data" "cache" { input = "cache" }` + "\n"})
	}
	tests := []struct {
		name    string
		backend string
		root    discover.Root // the root's drift.yaml entry, targets and all
		prepare func(t *testing.T, dir string)
		want    string // status, or status: error
	}{
		{
			name:    "backend block, empty state, every resource created: an error",
			backend: "http",
			root:    discover.Root{Dir: "infra/app", Targets: []discover.TargetConfig{{Name: "us-east-1", BackendConfig: []discover.Setting{{Value: "address=" + srv.URL + "/never-applied"}}}}},
			want: "error: backend probably not configured: infra/app (target us-east-1) declares backend \"http\" (infra/app/main.tf:2), " +
				"yet the state the plan read is empty and all 2 change(s) create resources, so terraform planned against a new, empty state rather than the real one; " +
				"give the target its backend settings in .github/drift.yaml (roots[].targets[].backend-config: a file relative to the root, or key=value), " +
				"or, if the root has never been applied, set new: true on the root in .github/drift.yaml",
		},
		{
			name:    "new: true: the creates are code changes",
			backend: "http",
			root:    discover.Root{Dir: "infra/app", New: true, Targets: []discover.TargetConfig{{Name: "us-east-1", BackendConfig: []discover.Setting{{Value: "address=" + srv.URL + "/new-root"}}}}},
			want:    "changed: 2 code",
		},
		{
			name:    "backend block with state: a new resource is a code change",
			backend: "http",
			root:    discover.Root{Dir: "infra/app", Targets: []discover.TargetConfig{{Name: "us-east-1", BackendConfig: []discover.Setting{{Value: "address=" + srv.URL + "/applied"}}}}},
			prepare: applied,
			want:    "changed: 1 code",
		},
		{
			name:    "local backend, empty state: new, as it always was",
			backend: "local",
			root:    discover.Root{Dir: "infra/app"},
			want:    "changed: 2 code",
		},
		{
			name:    "no backend block, empty state: new, as it always was",
			backend: "",
			root:    discover.Root{Dir: "infra/app"},
			want:    "changed: 2 code",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			root := tftest.WriteRoot(t, dir, "infra/app", map[string]string{"main.tf": backend(tt.backend) + resources})
			if tt.prepare != nil {
				tt.prepare(t, root)
			}
			r := detectOne(t, env, dir, tt.root)
			got := string(r.Status)
			if r.Error != "" {
				got += ": " + r.Error
			} else {
				got += fmt.Sprintf(": %d code", r.Count().Code)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("verdict (-want +got):\n%s", diff)
			}
			if r.Status == drift.StatusError && len(r.Changes) != 2 {
				t.Errorf("the error dropped the plan's changes: %+v", r.Changes)
			}
			if strings.Contains(got, srv.URL) {
				t.Errorf("the verdict shows the backend's settings: %s", got)
			}
		})
	}
}

// The state's managed resources are counted from prior_state in every
// module; data sources, which terraform reads into an empty state too,
// are not.
func TestClassifyFileCountsStateResources(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		prior string
		want  int
	}{
		{"no prior_state (terraform leaves it out for an empty state)", "", 0},
		{"data sources only", `"prior_state": {"values": {"root_module": {"resources": [{"address": "data.x.y", "mode": "data", "values": {}}]}}},`, 0},
		{"managed in the root and a child module", `"prior_state": {"values": {"root_module": {
			"resources": [{"address": "a.b", "mode": "managed", "values": {}, "sensitive_values": {}}, {"address": "data.x.y", "mode": "data"}],
			"child_modules": [{"resources": [{"address": "module.m.a.c", "mode": "managed", "values": {"p": "s"}, "sensitive_values": {"p": true}}]}]}}},`, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			plan := `{"format_version": "1.2", ` + tt.prior + ` "resource_changes": []}`
			got, err := classifyFile(writePlan(t, []byte(plan)), drift.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got.stateResources != tt.want {
				t.Errorf("stateResources = %d, want %d", got.stateResources, tt.want)
			}
		})
	}
}

// A root whose state files sit beside the code behind a backend block makes
// terraform ask, in every new working directory, whether to copy that state
// into the backend; a run cannot answer. The error says which files and
// what to do (for a local backend: remove the block; for any other: the
// files are leftovers), and no state file is touched. A root without a
// backend block keeps its workspaces' state beside the code and plans.
func TestDetectStateMigrationSaysWhatToDo(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	srv := httptest.NewServer(&stateServer{states: map[string][]byte{}})
	t.Cleanup(srv.Close) // after the parallel cases
	// terraform_data.web as applied: state terraform would copy (an empty
	// one it would not).
	const state = `{"version":4,"terraform_version":"1.11.0","serial":3,"lineage":"5f0c8a52-0d1e-4b7e-9c55-1a2b3c4d5e6f","outputs":{},` +
		`"resources":[{"mode":"managed","type":"terraform_data","name":"web","provider":"provider[\"terraform.io/builtin/terraform\"]",` +
		`"instances":[{"schema_version":0,"attributes":{"id":"c5c9f4b9-4f9c-31ca-385c-4c67d705b9d6","input":{"value":"web","type":"string"},` +
		`"output":{"value":"web","type":"string"},"triggers_replace":null},"sensitive_attributes":[]}]}],"check_results":null}` + "\n"
	const resources = `resource "terraform_data" "web" { input = "web" }` + "\n"
	const ask = "terraform stopped to ask whether to copy "
	const never = ": each target runs in a new working directory, which has no record of the backend, so terraform asks on every run; a run cannot answer, and drift-action never copies state. "
	tests := []struct {
		name   string
		main   string
		files  []string // state files written beside the code
		target discover.TargetConfig
		want   string // the advice, or the status when there is none
	}{
		{
			name:   "local backend block, workspaces' state beside the code",
			main:   "terraform {\n  backend \"local\" {}\n}\n" + resources,
			files:  []string{"terraform.tfstate.d/us/terraform.tfstate", "terraform.tfstate.d/eu/terraform.tfstate"},
			target: discover.TargetConfig{Name: "us", Workspace: "us"},
			want: ask + "the local state in infra/app (terraform.tfstate.d/eu, terraform.tfstate.d/us) into backend \"local\" (infra/app/main.tf:2)" + never +
				"A backend \"local\" block with no settings keeps state in these same files: remove it (terraform's default backend is the same, with nothing to copy); " +
				"one that sets path or workspace_dir keeps state there: move the state there and delete these files",
		},
		{
			name:   "http backend, a state file left over from a local run",
			main:   "\n\nterraform {\n  backend \"http\" {}\n}\n" + resources,
			files:  []string{"terraform.tfstate"},
			target: discover.TargetConfig{Name: "prod", BackendConfig: []discover.Setting{{Value: "address=" + srv.URL + "/prod"}}},
			want: ask + "the local state in infra/app (terraform.tfstate) into backend \"http\" (infra/app/main.tf:4)" + never +
				"If the backend holds the real state, these files are left over from a run without it: delete them from the repository and ignore terraform.tfstate* in .gitignore; " +
				"if they are the real state, copy it into the backend once by hand (terraform init -migrate-state), then delete them",
		},
		{
			name:   "no backend block: the workspace's state is used as it is",
			main:   resources,
			files:  []string{"terraform.tfstate.d/us/terraform.tfstate", "terraform.tfstate.d/eu/terraform.tfstate"},
			target: discover.TargetConfig{Name: "us", Workspace: "us"},
			want:   "clean",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			files := map[string]string{"main.tf": tt.main}
			for _, f := range tt.files {
				files[f] = state
			}
			root := tftest.WriteRoot(t, dir, "infra/app", files)
			r := detectOne(t, env, dir, discover.Root{Dir: "infra/app", Targets: []discover.TargetConfig{tt.target}})
			got := string(r.Status)
			if r.Error != "" {
				lines := strings.Split(r.Error, "\n")
				if !strings.HasPrefix(r.Error, "init: ") || !strings.Contains(r.Error, "state migration") {
					t.Errorf("the error does not keep terraform's own words first: %q", r.Error)
				}
				got = lines[len(lines)-1]
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("verdict (-want +got):\n%s", diff)
			}
			for _, f := range tt.files {
				b, err := os.ReadFile(filepath.Join(root, f))
				if err != nil || string(b) != state {
					t.Errorf("%s changed: %q %v", f, b, err)
				}
			}
			if strings.Contains(got, srv.URL) {
				t.Errorf("the verdict shows the backend's settings: %s", got)
			}
		})
	}
}
