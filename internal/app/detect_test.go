package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/report"
	"github.com/myorg/drift-action/internal/tftest"
)

// scenario is one real-terraform detection: given roots applied in dir, when
// the world changes, then detect reports this.
type scenario struct {
	t   *testing.T
	env *tftest.Env
	dir string
}

func newScenario(t *testing.T) *scenario {
	t.Helper()
	t.Parallel()
	return &scenario{t: t, env: tftest.Setup(t), dir: t.TempDir()}
}

// newScenarioWith is a scenario planned by env's executable (terraform or
// OpenTofu); the caller runs it in parallel.
func newScenarioWith(t *testing.T, env *tftest.Env) *scenario {
	t.Helper()
	return &scenario{t: t, env: env, dir: t.TempDir()}
}

func (s *scenario) getenv(k string) string {
	switch k {
	case "HOME":
		return s.dir
	case "TF_PLUGIN_CACHE_DIR":
		return s.env.CacheDir
	}
	return ""
}

func (s *scenario) cfgEnv() config.Env {
	return config.Env{Getenv: s.getenv, Environ: s.env.Environ, Cwd: s.dir}
}

// cloudRoot writes a fakecloud root at rel whose cloud lives beside it.
func (s *scenario) cloudRoot(rel, body string) (string, tftest.Cloud) {
	s.t.Helper()
	cloud := tftest.Cloud{Path: filepath.Join(s.dir, rel+"-cloud.json")}
	if err := os.MkdirAll(filepath.Dir(cloud.Path), 0o755); err != nil {
		s.t.Fatal(err)
	}
	root := tftest.WriteRoot(s.t, s.dir, rel, map[string]string{"main.tf": tftest.FakeCloudProvider(cloud.Path) + body})
	return root, cloud
}

// detect runs `detect` through the CLI entry point and decodes its JSON.
func (s *scenario) detect(args ...string) (report.Document, int, string) {
	s.t.Helper()
	var stdout, stderr bytes.Buffer
	err := Run(context.Background(), append([]string{"detect", "--format", "json", "--terraform", s.env.Terraform}, args...), s.cfgEnv(), &stdout, &stderr)
	code := Code(err, &stderr)
	var doc report.Document
	if jerr := json.Unmarshal(stdout.Bytes(), &doc); jerr != nil {
		s.t.Fatalf("detect printed no JSON document (exit %d): %v\nstdout:\n%s\nstderr:\n%s", code, jerr, stdout.String(), stderr.String())
	}
	return doc, code, stderr.String()
}

func only(t *testing.T, doc report.Document) drift.Result {
	t.Helper()
	if len(doc.Roots) != 1 {
		t.Fatalf("want 1 root result, got %d: %+v", len(doc.Roots), doc.Roots)
	}
	return doc.Roots[0].Result
}

func addresses(rs []drift.Resource) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.Address+" "+strings.Join(r.Actions, ","))
	}
	return out
}

func attrPaths(r drift.Resource) map[string][2]any {
	out := map[string][2]any{}
	for _, a := range r.Attributes {
		out[a.Path] = [2]any{a.Before, a.After}
	}
	return out
}

const webInstance = `
resource "fakecloud_instance" "web" {
  name          = "web"
  instance_type = "small"
  tags          = { env = "prod", team = "platform" }
  password      = "initial-canary-0000"
  disk {
    size = 10
    type = "ssd"
  }
}
`

func TestDetectClean(t *testing.T) {
	s := newScenario(t)
	root, _ := s.cloudRoot("infra/app", webInstance+`
resource "terraform_data" "release" {
  input = "v1"
}
`)
	s.env.Apply(t, root)
	doc, code, _ := s.detect("infra/app")
	r := only(t, doc)
	if r.Status != drift.StatusClean || code != 0 || doc.Drifted {
		t.Fatalf("want clean and exit 0, got status %s exit %d error %q", r.Status, code, r.Error)
	}
	if diff := cmp.Diff([]string{}, addresses(r.Changes)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if r.Dir != "infra/app" || r.Target != "default" {
		t.Errorf("dir/target = %q/%q, want infra/app/default", r.Dir, r.Target)
	}
}

func localFileRoot(s *scenario) string {
	return tftest.WriteRoot(s.t, s.dir, "files", map[string]string{"main.tf": `
terraform {
  required_providers {
    local = { source = "hashicorp/local", version = "1.4.0" }
  }
}
resource "local_file" "app" {
  filename = "${path.module}/app.conf"
  content  = "workers = 4\n"
}
`})
}

func TestDetectFileEditedOutOfBand(t *testing.T) {
	s := newScenario(t)
	root := localFileRoot(s)
	s.env.Apply(t, root)
	if err := os.WriteFile(filepath.Join(root, "app.conf"), []byte("workers = 64\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	doc, code, _ := s.detect("files")
	r := only(t, doc)
	// hashicorp/local 1.4.0 treats a file whose content no longer matches as
	// gone, so a hand edit shows as deleted outside terraform and re-created.
	if diff := cmp.Diff([]string{"local_file.app delete"}, addresses(r.Drift)); diff != "" {
		t.Errorf("drift (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"local_file.app create"}, addresses(r.Changes)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if got := attrPaths(r.Drift[0])["content"]; got != [2]any{"workers = 4\n", nil} {
		t.Errorf("content attribute = %v, want the applied content before and null after", got)
	}
	if r.Status != drift.StatusDrifted || code != 2 || !doc.Drifted {
		t.Errorf("status %s exit %d drifted %v, want drifted, 2, true", r.Status, code, doc.Drifted)
	}
}

func TestDetectFileDeleted(t *testing.T) {
	s := newScenario(t)
	root := localFileRoot(s)
	s.env.Apply(t, root)
	if err := os.Remove(filepath.Join(root, "app.conf")); err != nil {
		t.Fatal(err)
	}
	doc, code, _ := s.detect("files")
	r := only(t, doc)
	if diff := cmp.Diff([]string{"local_file.app delete"}, addresses(r.Drift)); diff != "" {
		t.Errorf("drift (-want +got):\n%s", diff)
	}
	if r.Status != drift.StatusDrifted || code != 2 {
		t.Errorf("status %s exit %d, want drifted and 2", r.Status, code)
	}
}

func TestDetectInPlaceAttributeDrift(t *testing.T) {
	s := newScenario(t)
	root, cloud := s.cloudRoot("app", webInstance)
	s.env.Apply(t, root)
	cloud.EditInstance(t, "web", func(i map[string]any) { i["instance_type"] = "xlarge" })
	doc, _, _ := s.detect("app")
	r := only(t, doc)
	if diff := cmp.Diff([]string{"fakecloud_instance.web update"}, addresses(r.Drift)); diff != "" {
		t.Fatalf("drift (-want +got):\n%s", diff)
	}
	want := []drift.Attribute{{Path: "instance_type", Before: "small", After: "xlarge"}}
	if diff := cmp.Diff(want, r.Drift[0].Attributes); diff != "" {
		t.Errorf("attributes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"fakecloud_instance.web update"}, addresses(r.Changes)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
}

func TestDetectNestedAttributeDrift(t *testing.T) {
	s := newScenario(t)
	root, cloud := s.cloudRoot("app", webInstance)
	s.env.Apply(t, root)
	cloud.EditInstance(t, "web", func(i map[string]any) {
		i["disk"].([]any)[0].(map[string]any)["size"] = 500
		i["tags"].(map[string]any)["team"] = "someone-else"
	})
	doc, _, _ := s.detect("app")
	r := only(t, doc)
	if len(r.Drift) != 1 {
		t.Fatalf("want 1 drifted resource, got %+v", r.Drift)
	}
	got := attrPaths(r.Drift[0])
	want := map[string][2]any{
		"disk[0].size": {json.Number("10"), json.Number("500")},
		"tags.team":    {"platform", "someone-else"},
	}
	// Numbers decode as json.Number; compare their text.
	norm := func(m map[string][2]any) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[k] = fmt.Sprint(v[0]) + " -> " + fmt.Sprint(v[1])
		}
		return out
	}
	if diff := cmp.Diff(norm(want), norm(got)); diff != "" {
		t.Errorf("attributes (-want +got):\n%s", diff)
	}
}

// canary is a secret that must never reach any output.
const canary = "CANARY-hunter2-7f3a9"

func TestDetectSensitiveAttributeDrift(t *testing.T) {
	s := newScenario(t)
	root, cloud := s.cloudRoot("app", strings.Replace(webInstance, "initial-canary-0000", canary+"-applied", 1))
	s.env.Apply(t, root)
	cloud.EditInstance(t, "web", func(i map[string]any) { i["password"] = canary })
	doc, _, stderr := s.detect("app")
	r := only(t, doc)
	want := []drift.Attribute{{Path: "password", Before: drift.Sensitive, After: drift.Sensitive, Sensitive: true}}
	if len(r.Drift) != 1 {
		t.Fatalf("want 1 drifted resource, got %+v", r.Drift)
	}
	if diff := cmp.Diff(want, r.Drift[0].Attributes); diff != "" {
		t.Errorf("attributes (-want +got):\n%s", diff)
	}
	// Every rendering, and the progress log, must be free of the canary.
	outputs := map[string]string{"progress": stderr}
	for _, format := range config.Formats {
		var stdout, errOut bytes.Buffer
		err := Run(context.Background(), []string{"detect", "--format", format, "app"}, s.cfgEnv(), &stdout, &errOut)
		if Code(err, &errOut) != ExitDrift {
			t.Fatalf("%s: want exit 2, got %v\n%s", format, err, errOut.String())
		}
		outputs[format] = stdout.String() + errOut.String()
	}
	for name, out := range outputs {
		if strings.Contains(out, canary) {
			t.Errorf("%s output leaks the sensitive canary:\n%s", name, out)
		}
		if name != "progress" && !strings.Contains(out, drift.Sensitive) {
			t.Errorf("%s output does not show the drifted password as %s:\n%s", name, drift.Sensitive, out)
		}
	}
}

func TestDetectUserMaskedValue(t *testing.T) {
	s := newScenario(t)
	root, cloud := s.cloudRoot("app", webInstance)
	s.env.Apply(t, root)
	cloud.EditInstance(t, "web", func(i map[string]any) { i["tags"].(map[string]any)["token"] = canary })
	tftest.WriteRoot(t, s.dir, ".github", map[string]string{"drift.yaml": "mask:\n  values: ['CANARY-[a-z0-9-]+']\n"})
	doc, _, stderr := s.detect("app")
	r := only(t, doc)
	raw, _ := json.Marshal(doc)
	if strings.Contains(string(raw)+stderr, canary) {
		t.Fatalf("masked value leaked: %s", raw)
	}
	want := []drift.Attribute{{Path: "tags.token", Before: nil, After: drift.Sensitive, Sensitive: true}}
	if diff := cmp.Diff(want, r.Drift[0].Attributes); diff != "" {
		t.Errorf("attributes (-want +got):\n%s", diff)
	}
}

func TestDetectOutputOnlyChange(t *testing.T) {
	s := newScenario(t)
	root := tftest.WriteRoot(t, s.dir, "net", map[string]string{"main.tf": `
resource "terraform_data" "vpc" { input = "10.0.0.0/16" }
output "cidr" { value = terraform_data.vpc.output }
`})
	s.env.Apply(t, root)
	tftest.WriteRoot(t, s.dir, "net", map[string]string{"main.tf": `
resource "terraform_data" "vpc" { input = "10.0.0.0/16" }
output "cidr" { value = "cidr=${terraform_data.vpc.output}" }
`})
	doc, code, _ := s.detect("net")
	r := only(t, doc)
	if r.Status != drift.StatusClean || code != 0 {
		t.Errorf("an output-only change is neither drift nor a change: got status %s exit %d (%+v)", r.Status, code, r)
	}
	// ...but it is reported, by name.
	if diff := cmp.Diff([]string{"cidr"}, r.Outputs); diff != "" {
		t.Errorf("output changes (-want +got):\n%s", diff)
	}
}

func TestDetectDataSourceRead(t *testing.T) {
	s := newScenario(t)
	root, _ := s.cloudRoot("app", webInstance+`
data "fakecloud_instance" "web" {
  id = fakecloud_instance.web.id
}
resource "terraform_data" "uses_lookup" {
  input = data.fakecloud_instance.web.instance_type
}
`)
	s.env.Apply(t, root)
	// A code change to web makes the data source read during apply: the plan
	// shows a read, which is neither drift nor a change of its own.
	tftest.WriteRoot(t, s.dir, "app", map[string]string{"main.tf": strings.Replace(
		mustRead(t, filepath.Join(root, "main.tf")), `instance_type = "small"`, `instance_type = "large"`, 1)})
	doc, _, _ := s.detect("app")
	r := only(t, doc)
	for _, c := range r.Changes {
		if strings.HasPrefix(c.Address, "data.") {
			t.Errorf("data source read reported as a change: %+v", c)
		}
	}
	if len(r.Drift) != 0 {
		t.Errorf("no drift expected, got %+v", r.Drift)
	}
	if !slices.Contains(addresses(r.Changes), "fakecloud_instance.web update") {
		t.Errorf("changes %v should hold the code change to web", addresses(r.Changes))
	}
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDetectPendingCodeChangeWithoutDrift(t *testing.T) {
	s := newScenario(t)
	root, _ := s.cloudRoot("app", webInstance)
	s.env.Apply(t, root)
	tftest.WriteRoot(t, s.dir, "app", map[string]string{"extra.tf": `
resource "terraform_data" "new" { input = "pending" }
`})
	doc, code, _ := s.detect("app")
	r := only(t, doc)
	if diff := cmp.Diff([]string{"terraform_data.new create"}, addresses(r.Changes)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if r.Status != drift.StatusChanged || len(r.Drift) != 0 || code != ExitPending || doc.Drifted {
		t.Errorf("status %s drift %v exit %d drifted %v, want changed, none, 4, false", r.Status, r.Drift, code, doc.Drifted)
	}
}

func TestDetectDriftPlusCodeChange(t *testing.T) {
	s := newScenario(t)
	root, cloud := s.cloudRoot("app", webInstance)
	s.env.Apply(t, root)
	cloud.EditInstance(t, "web", func(i map[string]any) { i["instance_type"] = "xlarge" })
	tftest.WriteRoot(t, s.dir, "app", map[string]string{"extra.tf": `
resource "terraform_data" "new" { input = "pending" }
`})
	doc, _, _ := s.detect("app")
	r := only(t, doc)
	if diff := cmp.Diff([]string{"fakecloud_instance.web update"}, addresses(r.Drift)); diff != "" {
		t.Errorf("drift (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"fakecloud_instance.web update", "terraform_data.new create"}, addresses(r.Changes)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if r.Status != drift.StatusDrifted {
		t.Errorf("status %s, want drifted", r.Status)
	}
}

func TestDetectIgnoredAttribute(t *testing.T) {
	s := newScenario(t)
	root, cloud := s.cloudRoot("app", webInstance)
	s.env.Apply(t, root)
	cloud.EditInstance(t, "web", func(i map[string]any) { i["last_modified"] = "1999-12-31T23:59:59Z" })

	// Without a rule the noisy computed attribute is drift...
	doc, _, _ := s.detect("app")
	if r := only(t, doc); r.Status != drift.StatusDrifted {
		t.Fatalf("without an ignore rule: status %s, want drifted (%+v)", r.Status, r)
	}
	// ...with one it is dropped, and counted.
	tftest.WriteRoot(t, s.dir, ".github", map[string]string{"drift.yaml": `
ignore:
  - type: fakecloud_*
    paths: ["last_modified", "*.last_modified"]
`})
	doc, code, _ := s.detect("app")
	r := only(t, doc)
	if r.Status != drift.StatusClean || code != 0 {
		t.Errorf("with an ignore rule: status %s exit %d, want clean 0", r.Status, code)
	}
	want := []drift.Ignored{{Address: "fakecloud_instance.web", Path: "last_modified"}}
	if diff := cmp.Diff(want, r.Ignored); diff != "" {
		t.Errorf("ignored (-want +got):\n%s", diff)
	}
	if doc.Summary.IgnoredAttrs != 1 {
		t.Errorf("summary ignored = %d, want 1", doc.Summary.IgnoredAttrs)
	}
}

func TestDetectProviderCrashInOneOfTwentyRoots(t *testing.T) {
	s := newScenario(t)
	var crashing tftest.Cloud
	for i := range 20 {
		root, cloud := s.cloudRoot(fmt.Sprintf("fleet/r%02d", i), fmt.Sprintf(`
resource "fakecloud_instance" "node" {
  name = "node-%d"
}
`, i))
		s.env.Apply(t, root)
		if i == 7 {
			crashing = cloud
		}
	}
	crashing.EditInstance(t, "node-7", func(i map[string]any) { i["crash"] = true })
	doc, code, _ := s.detect("--parallelism", "4", "fleet/*")
	if len(doc.Roots) != 20 {
		t.Fatalf("want 20 results, got %d", len(doc.Roots))
	}
	for _, r := range doc.Roots {
		if r.Dir == "fleet/r07" {
			if r.Status != drift.StatusError || !strings.Contains(r.Error, "plugin crashed") {
				t.Errorf("crashing root: status %s error %q, want error naming the plugin crash", r.Status, r.Error)
			}
			continue
		}
		if r.Status != drift.StatusClean {
			t.Errorf("%s: status %s (%s), want clean: one crash must not hide the others", r.Dir, r.Status, r.Error)
		}
	}
	if code != 1 || doc.Summary.Errors != 1 || doc.Summary.Clean != 19 {
		t.Errorf("exit %d summary %+v, want 1 with 1 error and 19 clean", code, doc.Summary)
	}
}

// lockServer is a terraform http backend whose state lock is always held.
type lockServer struct {
	mu    sync.Mutex
	calls []string
}

func (l *lockServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	l.calls = append(l.calls, r.Method)
	l.mu.Unlock()
	switch r.Method {
	case "LOCK":
		w.WriteHeader(http.StatusLocked)
		fmt.Fprint(w, `{"ID":"held-by-someone","Operation":"OperationTypeApply","Who":"alice@laptop","Version":"1.11.4","Created":"2026-11-24T10:00:00Z","Path":""}`)
	case http.MethodGet:
		w.WriteHeader(http.StatusNoContent) // no state yet
	default:
		w.WriteHeader(http.StatusOK)
	}
}

func TestDetectStateLockHeld(t *testing.T) {
	s := newScenario(t)
	srv := httptest.NewServer(&lockServer{})
	defer srv.Close()
	tftest.WriteRoot(t, s.dir, "locked", map[string]string{"main.tf": fmt.Sprintf(`
terraform {
  backend "http" {
    address        = "%[1]s/state"
    lock_address   = "%[1]s/state"
    unlock_address = "%[1]s/state"
  }
}
resource "terraform_data" "x" { input = 1 }
`, srv.URL)})
	doc, code, _ := s.detect("--lock-timeout", "2s", "locked")
	r := only(t, doc)
	if r.Status != drift.StatusError || code != 1 {
		t.Fatalf("status %s exit %d, want error 1", r.Status, code)
	}
	if !strings.Contains(r.Error, "state lock") || !strings.Contains(r.Error, "held-by-someone") {
		t.Errorf("error should be terraform's own lock message naming the holder, got %q", r.Error)
	}
}

func TestDetectPlanHangHitsTimeout(t *testing.T) {
	s := newScenario(t)
	root, cloud := s.cloudRoot("slow", webInstance)
	s.env.Apply(t, root)
	cloud.Edit(t, func(doc map[string]any) { doc["hang"] = true })
	start := time.Now()
	doc, code, _ := s.detect("--timeout", "4s", "--grace-period", "2s", "slow")
	elapsed := time.Since(start)
	r := only(t, doc)
	if r.Status != drift.StatusError || code != 1 || !strings.Contains(r.Error, "timed out after 4s") {
		t.Fatalf("status %s exit %d error %q, want a timeout error", r.Status, code, r.Error)
	}
	if elapsed > time.Minute {
		t.Errorf("detect took %s: the hung terraform was not stopped", elapsed)
	}
	// The killed run must not leave the state locked: with the provider
	// healthy again, the next run plans cleanly.
	cloud.Edit(t, func(doc map[string]any) { delete(doc, "hang") })
	doc, _, _ = s.detect("--lock-timeout", "0s", "slow")
	if r := only(t, doc); r.Status != drift.StatusClean {
		t.Errorf("after the timeout: status %s error %q, want clean (lock released)", r.Status, r.Error)
	}
}

func TestDetectTargetsPerRegion(t *testing.T) {
	s := newScenario(t)
	cloudDir := filepath.Join(s.dir, "clouds")
	if err := os.MkdirAll(cloudDir, 0o755); err != nil {
		t.Fatal(err)
	}
	root := tftest.WriteRoot(t, s.dir, "regional", map[string]string{
		"main.tf": `
terraform {
  required_providers {
    fakecloud = { source = "myorg/fakecloud", version = "0.1.0" }
  }
}
variable "region" { type = string }
provider "fakecloud" { state_file = "../clouds/${var.region}.json" }
resource "fakecloud_instance" "web" {
  name          = "web-${var.region}"
  instance_type = "small"
}
`,
		"us-east-1.tfvars": `region = "us-east-1"` + "\n",
		"eu-west-1.tfvars": `region = "eu-west-1"` + "\n",
	})
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		s.env.Run(t, root, "init", "-input=false")
		s.env.Run(t, root, "workspace", "new", region)
		s.env.Run(t, root, "apply", "-auto-approve", "-input=false", "-var-file="+region+".tfvars")
	}
	tftest.Cloud{Path: filepath.Join(cloudDir, "eu-west-1.json")}.EditInstance(t, "web-eu-west-1", func(i map[string]any) { i["instance_type"] = "huge" })
	tftest.WriteRoot(t, s.dir, ".github", map[string]string{"drift.yaml": `
roots:
  - dir: regional
    targets:
      - {name: us-east-1, workspace: us-east-1, var-files: [us-east-1.tfvars]}
      - {name: eu-west-1, workspace: eu-west-1, var-files: [eu-west-1.tfvars]}
`})
	doc, _, _ := s.detect()
	got := map[string]drift.Status{}
	for _, r := range doc.Roots {
		got[r.Dir+"@"+r.Target] = r.Status
	}
	want := map[string]drift.Status{"regional@eu-west-1": drift.StatusDrifted, "regional@us-east-1": drift.StatusClean}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("per-target status (-want +got):\n%s", diff)
	}
}

func TestDetectCancelledMidPlan(t *testing.T) {
	s := newScenario(t)
	for _, rel := range []string{"a", "b"} {
		tftest.WriteRoot(t, s.dir, rel, map[string]string{"main.tf": `resource "terraform_data" "x" { input = 1 }` + "\n"})
	}
	started := filepath.Join(s.dir, "plan-started")
	// The first plan hangs until interrupted; with parallelism 1 the other
	// root waits its turn and must never run.
	bin := s.env.Wrapper(t, ": >'"+started+"'\nexec sleep 120")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for ctx.Err() == nil {
			if _, err := os.Stat(started); err == nil {
				cancel()
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	var stdout, stderr bytes.Buffer
	err := Run(ctx, []string{"detect", "--format", "json", "--terraform", bin, "--parallelism", "1", "a", "b"}, s.cfgEnv(), &stdout, &stderr)
	code := Code(err, &stderr)
	var doc report.Document
	if jerr := json.Unmarshal(stdout.Bytes(), &doc); jerr != nil {
		t.Fatalf("detect printed no JSON document (exit %d): %v\nstderr:\n%s", code, jerr, stderr.String())
	}
	var got []string
	for _, r := range doc.Roots {
		if r.Status != drift.StatusError {
			t.Errorf("%s: status %s, want error: a cancelled target is never clean", r.Dir, r.Status)
		}
		if strings.Contains(r.Error, "timed out") {
			t.Errorf("%s: error %q calls a cancellation a timeout", r.Dir, r.Error)
		}
		switch {
		case strings.HasPrefix(r.Error, "plan: cancelled"):
			got = append(got, "in flight")
		case r.Error == "cancelled before terraform ran":
			got = append(got, "not started")
		default:
			got = append(got, r.Error)
		}
	}
	slices.Sort(got)
	if diff := cmp.Diff([]string{"in flight", "not started"}, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
}

// TestDetectRelativeTerraformLogDir: a relative --terraform-log-dir is
// the working directory's, not each root's. Terraform runs in the root and
// reads TF_LOG_PATH from there, so such a directory used to get an empty
// file per target while terraform logged nowhere. The log is redacted of
// the plan's secrets as ever.
func TestDetectRelativeTerraformLogDir(t *testing.T) {
	s := newScenario(t)
	root, cloud := s.cloudRoot("infra/app", webInstance)
	s.env.Apply(t, root)
	cloud.EditInstance(t, "web", func(i map[string]any) { i["password"] = canary })
	_, code, stderr := s.detect("--terraform-log-dir", "tf-logs", "infra/app")
	if code != ExitDrift {
		t.Fatalf("exit %d, want %d\n%s", code, ExitDrift, stderr)
	}
	entries, err := os.ReadDir(filepath.Join(s.dir, "tf-logs"))
	if err != nil || len(entries) != 1 {
		t.Fatalf("tf-logs holds %v (%v), want one file", entries, err)
	}
	text, err := os.ReadFile(filepath.Join(s.dir, "tf-logs", entries[0].Name()))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(text, []byte("[DEBUG]")) {
		t.Errorf("%s holds no DEBUG line of terraform's (%d bytes)", entries[0].Name(), len(text))
	}
	if bytes.Contains(text, []byte(canary)) {
		t.Errorf("the log holds a sensitive value")
	}
	if _, err := os.Stat(filepath.Join(root, "tf-logs")); err == nil {
		t.Errorf("terraform wrote its log below the root")
	}
}
