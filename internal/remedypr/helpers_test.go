package remedypr

import (
	"bytes"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/github"
	"github.com/myorg/drift-action/internal/github/githubtest"
	"github.com/myorg/drift-action/internal/policy"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const (
	owner = "octo"
	repo  = "infra"
)

const appTF = `# The app root.
resource "aws_instance" "web" {
  ami           = "ami-123"
  instance_type = "t3.micro" # sized for idle
  monitoring    = var.monitoring

  tags = {
    env   = "prod"
    owner = local.owner
  }
}

resource "aws_db_instance" "db" {
  password = "hunter2-in-code"
}
`

const netTF = `resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

module "peering" {
  source = "./peering"
}
`

// recorder keeps every request body sent to the fake.
type recorder struct {
	mu     sync.Mutex
	bodies []string
	base   http.RoundTripper
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		b, _ := io.ReadAll(req.Body)
		_ = req.Body.Close()
		r.mu.Lock()
		r.bodies = append(r.bodies, string(b))
		r.mu.Unlock()
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	return r.base.RoundTrip(req)
}

func (r *recorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.bodies...)
}

// env is a fake GitHub with a main branch holding the two roots, the same
// files in a local checkout, and a client.
type env struct {
	srv  *githubtest.Server
	gh   *github.Client
	rec  *recorder
	cfg  Config
	main string // sha of main
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := githubtest.NewServer(t)
	files := map[string]string{"envs/app/main.tf": appTF, "envs/net/main.tf": netTF, "README.md": "infra\n"}
	sha := srv.SetBranch(owner, repo, "main", files)
	root := t.TempDir()
	for p, c := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	hc := srv.Client()
	rec := &recorder{base: hc.Transport}
	hc.Transport = rec
	gh, err := github.NewClient(t.Context(), srv.Token(), srv.URL(), hc)
	if err != nil {
		t.Fatal(err)
	}
	return &env{srv: srv, gh: gh, rec: rec, main: sha, cfg: Config{
		Owner: owner, Repo: repo, Base: "main", RepoRoot: root,
		Run: Run{URL: "https://github.com/octo/infra/actions/runs/42", SHA: "0123456789abcdef0123"},
	}}
}

// drifted is a target whose resources drifted.
func drifted(root string, rs ...drift.Resource) Target {
	r := drift.Result{Dir: root, Target: "default", Drift: rs}
	for _, d := range rs {
		r.Changes = append(r.Changes, drift.Resource{Address: d.Address, Type: d.Type, Actions: []string{"update"}, Cause: drift.CauseDrift})
	}
	r.SetStatus()
	return Target{Root: root, Result: r}
}

func clean(root string) Target {
	r := drift.Result{Dir: root, Target: "default"}
	r.SetStatus()
	return Target{Root: root, Result: r}
}

func webDrift(instanceType string) drift.Resource {
	return drift.Resource{Address: "aws_instance.web", Type: "aws_instance", Actions: []string{"update"}, Attributes: []drift.Attribute{
		{Path: "instance_type", Before: "t3.micro", After: instanceType},
		{Path: "tags.env", Before: "prod", After: "production"},
	}}
}

func vpcDrift() drift.Resource {
	return drift.Resource{Address: "aws_vpc.main", Type: "aws_vpc", Actions: []string{"update"}, Attributes: []drift.Attribute{
		{Path: "cidr_block", Before: "10.0.0.0/16", After: "10.9.0.0/16"},
	}}
}

func samplePolicy() []policy.Result {
	return []policy.Result{{Policy: "aws", Rule: "tags", Kind: "deny", Level: policy.SoftMandatory, Severity: "high",
		Msg: "aws_instance.web must have tag env=prod", Resource: "aws_instance.web", Failed: true}}
}

func goldenFile(t *testing.T, name string, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}
