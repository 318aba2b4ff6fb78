package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
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
			c := detectConfig(env, dir, nil)
			c.Find.File = discover.File{Path: ".github/drift.yaml", Roots: []discover.Root{tt.root}}
			run, err := Detect(context.Background(), c, &bytes.Buffer{}, nil)
			defer run.Close()
			if err != nil {
				t.Fatal(err)
			}
			if len(run.Verdicts) != 1 {
				t.Fatalf("%d verdicts, want 1", len(run.Verdicts))
			}
			r := run.Verdicts[0].Result
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
