package deploy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	crdvalidation "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	k8svalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/myorg/drift-action/internal/app"
	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/record"
)

// argoCD is the Argo CD release whose Application CRD the Applications are
// checked against. v3.6 needs a newer Go than this repository's; .ci/run
// downloads this version so the test finds it in the module cache.
const argoCD = "github.com/argoproj/argo-cd/v3@v3.5.7"

// schema is one served version of a CRD, ready to validate objects as the
// API server does.
type schema struct {
	crd        *apiextensions.CustomResourceDefinition
	validator  validation.SchemaValidator
	structural *structuralschema.Structural
}

func loadCRD(t *testing.T, path, version string) schema {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return parseCRD(t, path, data, version)
}

// parseCRD is loadCRD for a CRD's bytes; path names it in failures.
func parseCRD(t *testing.T, path string, data []byte, version string) schema {
	t.Helper()
	var v1 apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(data, &v1); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	apiextensionsv1.SetObjectDefaults_CustomResourceDefinition(&v1)
	var crd apiextensions.CustomResourceDefinition
	if err := apiextensionsv1.Convert_v1_CustomResourceDefinition_To_apiextensions_CustomResourceDefinition(&v1, &crd, nil); err != nil {
		t.Fatalf("%s: convert: %v", path, err)
	}
	var props *apiextensions.JSONSchemaProps
	for _, v := range crd.Spec.Versions {
		if v.Name == version && v.Served && v.Schema != nil {
			props = v.Schema.OpenAPIV3Schema
		}
	}
	if props == nil && crd.Spec.Validation != nil {
		props = crd.Spec.Validation.OpenAPIV3Schema
	}
	if props == nil {
		t.Fatalf("%s: no served version %s with a schema", path, version)
	}
	s, err := structuralschema.NewStructural(props)
	if err != nil {
		t.Fatalf("%s: schema is not structural: %v", path, err)
	}
	if errs := structuralschema.ValidateStructural(nil, s); len(errs) > 0 {
		t.Fatalf("%s: schema is not structural: %v", path, errs.ToAggregate())
	}
	val, _, err := validation.NewSchemaValidator(props)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return schema{crd: &crd, validator: val, structural: s}
}

// check validates obj as the API server would on create, and reports the
// fields it would prune (drop silently) as errors too: data a sync loses.
func (s schema) check(obj map[string]any) []string {
	var out []string
	for _, e := range validation.ValidateCustomResource(field.NewPath(""), obj, s.validator) {
		out = append(out, e.Error())
	}
	pruned := pruning.PruneWithOptions(deepCopy(obj), s.structural, true,
		structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
	for _, p := range pruned {
		out = append(out, "unknown field pruned by the API server: "+p)
	}
	meta, _ := obj["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	for _, e := range k8svalidation.IsDNS1123Subdomain(name) {
		out = append(out, "metadata.name: "+e)
	}
	return out
}

func deepCopy(obj map[string]any) map[string]any {
	b, _ := json.Marshal(obj)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

// documents decodes every YAML document of a stream as the API server
// would receive it (as JSON).
func documents(t *testing.T, name string, data []byte) []map[string]any {
	t.Helper()
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []map[string]any
	for {
		var obj map[string]any
		err := dec.Decode(&obj)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if obj != nil {
			out = append(out, obj)
		}
	}
}

var update = flag.Bool("update", false, "rewrite crds/driftreport.yaml from the CRD template")

// The checked-in CRD is what `drift-action crd` prints for the default
// group: one source (internal/record's template), never a second copy.
func TestCRDFileIsGenerated(t *testing.T) {
	t.Parallel()
	path := filepath.Join("crds", "driftreport.yaml")
	var stdout, stderr bytes.Buffer
	if err := app.Run(context.Background(), []string{"crd"}, config.Env{Getenv: func(string) string { return "" }}, &stdout, &stderr); err != nil {
		t.Fatalf("drift-action crd: %v\n%s", err, stderr.String())
	}
	if *update {
		if err := os.WriteFile(path, stdout.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(stdout.String(), string(got)); diff != "" {
		t.Errorf("%s is not what drift-action crd prints; run go test ./deploy -run TestCRDFileIsGenerated -update (-want +got):\n%s", path, diff)
	}
}

// A team's own API group: the CRD `drift-action crd --group` prints is
// one the API server accepts, for that group, and every report recorded
// with that group validates against it; a report of the default group
// does not belong to it.
func TestCustomGroupReportsValidate(t *testing.T) {
	t.Parallel()
	const group = "drift.mycompany.io"
	var stdout, stderr bytes.Buffer
	if err := app.Run(context.Background(), []string{"crd", "--group", group}, config.Env{Getenv: func(string) string { return "" }}, &stdout, &stderr); err != nil {
		t.Fatalf("drift-action crd --group %s: %v\n%s", group, err, stderr.String())
	}
	s := parseCRD(t, "crd --group "+group, stdout.Bytes(), record.Version)
	if errs := crdvalidation.ValidateCustomResourceDefinition(context.Background(), s.crd); len(errs) > 0 {
		t.Fatalf("the API server would refuse the CRD: %v", errs.ToAggregate())
	}
	if diff := cmp.Diff([]string{group, "driftreports." + group}, []string{s.crd.Spec.Group, s.crd.Name}); diff != "" {
		t.Errorf("group and name (-want +got):\n%s", diff)
	}
	for _, c := range generatedFor(t, group) {
		docs := documents(t, c.name, c.data)
		if len(docs) == 0 {
			t.Fatalf("%s: no documents", c.name)
		}
		for i, obj := range docs {
			if obj["apiVersion"] != group+"/"+record.Version {
				t.Errorf("%s: document %d is %v, want %s/%s", c.name, i, obj["apiVersion"], group, record.Version)
			}
			if errs := s.check(obj); len(errs) > 0 {
				t.Errorf("%s: document %d does not validate:\n%s", c.name, i, strings.Join(errs, "\n"))
			}
		}
	}
	// The record reads only its own group's reports: one written with the
	// default group is refused, never rewritten into the other.
	def := generatedFor(t, record.DefaultGroup)[0]
	if _, err := record.ParseReports("drift/drift-report.yaml", def.data, group); err == nil || !strings.Contains(err.Error(), "want "+group+"/v1") {
		t.Errorf("ParseReports of a default-group file for %s = %v, want a refusal naming the group", group, err)
	}
}

func TestDriftReportCRD(t *testing.T) {
	t.Parallel()
	s := loadCRD(t, filepath.Join("crds", "driftreport.yaml"), record.Version)
	if errs := crdvalidation.ValidateCustomResourceDefinition(context.Background(), s.crd); len(errs) > 0 {
		t.Fatalf("the API server would refuse the CRD: %v", errs.ToAggregate())
	}
	checks := []struct {
		name, got, want string
	}{
		{"group", s.crd.Spec.Group, record.DefaultGroup},
		{"kind", s.crd.Spec.Names.Kind, record.Kind},
		{"name", s.crd.Name, "driftreports." + record.DefaultGroup},
	}
	for _, c := range checks {
		if diff := cmp.Diff(c.want, c.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
	// The status decision (docs/record.md): no status subresource, or the API
	// server would drop .status from apply and Argo CD sync.
	if s.crd.Spec.Subresources != nil && s.crd.Spec.Subresources.Status != nil {
		t.Error("the CRD declares the status subresource: sync would drop status")
	}
	for _, v := range s.crd.Spec.Versions {
		if v.Subresources != nil && v.Subresources.Status != nil {
			t.Errorf("version %s declares the status subresource: sync would drop status", v.Name)
		}
	}
}

// TestReportsValidate checks every report drift-action writes (the golden
// files of internal/record and reports generated here) against the CRD.
func TestReportsValidate(t *testing.T) {
	t.Parallel()
	s := loadCRD(t, filepath.Join("crds", "driftreport.yaml"), record.Version)
	files, err := filepath.Glob(filepath.Join("..", "internal", "record", "testdata", "*", "report*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden reports: %v", err)
	}
	type input struct {
		name string
		data []byte
	}
	var inputs []input
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, input{f, b})
	}
	for _, c := range generated(t) {
		inputs = append(inputs, input{"generated/" + c.name, c.data})
	}
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			t.Parallel()
			docs := documents(t, in.name, in.data)
			if len(docs) == 0 {
				t.Fatal("no documents")
			}
			for i, obj := range docs {
				if errs := s.check(obj); len(errs) > 0 {
					t.Errorf("document %d (%v) does not validate:\n%s", i, obj["metadata"], strings.Join(errs, "\n"))
				}
				spec, _ := obj["spec"].(map[string]any)
				status, _ := obj["status"].(map[string]any)
				if spec["state"] != status["state"] || spec["recovered"] != status["recovered"] {
					t.Errorf("document %d: status %v does not mirror spec state %v recovered %v", i, status, spec["state"], spec["recovered"])
				}
			}
		})
	}
}

type genCase struct {
	name string
	data []byte
}

// generated writes reports for targets of every shape: each status, every
// cause, policies of each level, notes, odd names and a long error.
func generated(t *testing.T) []genCase {
	t.Helper()
	return generatedFor(t, record.DefaultGroup)
}

// generatedFor is generated with the reports of group.
func generatedFor(t *testing.T, group string) []genCase {
	t.Helper()
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	res := func(addr, cause string) record.Resource {
		return record.Resource{Address: addr, Type: "null_resource", Actions: []string{"delete", "create"}, Paths: []string{"triggers[\"x\"]"}, Cause: cause}
	}
	cases := []struct {
		name    string
		targets []record.Target
	}{
		{"every status", []record.Target{
			{Root: "a", Target: "clean", Status: record.StatusClean},
			{Root: "a", Target: "drifted", Status: record.StatusDrifted, Drift: []record.Resource{res("null_resource.a", record.CauseDrift)}},
			{Root: "a", Target: "changed", Status: record.StatusChanged, Changes: []record.Resource{res("null_resource.b", record.CauseCode)}},
			{Root: "a", Target: "error", Status: record.StatusError, Error: strings.Repeat("Error: ünïcode ✗\n", 300)},
		}},
		{"every cause and policy", []record.Target{{
			Root: "infra/x", Target: "prod", Workspace: "prod", Status: record.StatusDrifted,
			Drift:   []record.Resource{res("a.b", ""), res("a.c", record.CauseDrift), res("a.d", record.CauseBoth)},
			Changes: []record.Resource{res("a.d", record.CauseBoth), res("a.e", record.CauseCode)},
			Policy: []record.PolicyResult{
				{Policy: "p.hard", Level: "hard-mandatory", Severity: "critical", Failed: true, Msg: "multi\nline: msg"},
				{Policy: "p.soft", Level: "soft-mandatory", Severity: "high", Overridden: true, OverriddenBy: []string{"x (flag)"}},
				{Policy: "p.adv", Level: "advisory", Severity: "low"},
				{Policy: "p.waived", Rule: "deny_open", Level: "hard-mandatory", Severity: "critical", Waived: true, WaivedBy: `exception "open" of package p.waived`},
			},
			Snoozed: []record.SnoozedResource{{Address: "a.f", Paths: []string{"tags.team"}, Until: record.NewTime(at.AddDate(0, 0, 7)), Reason: "load test"}},
			Notes: []record.Note{
				{Kind: record.RemediationPROpened, PR: "https://example.com/pr/1"},
				{Kind: record.Snoozed, Until: at.AddDate(0, 0, 7), By: "me"},
			},
		}}},
		{"deleted outside terraform", []record.Target{{
			Root: "infra/x", Target: "gone", Status: record.StatusDrifted,
			Drift: []record.Resource{{Address: "a.gone", Type: "a", Actions: []string{"delete"}, Paths: []string{"id", "name"}, Cause: record.CauseDrift}},
		}}},
		{"odd names", []record.Target{
			{Root: "../Weird Root/ÿ", Target: "UPPER_case.tgt", Status: record.StatusClean},
			{Root: strings.Repeat("deep/", 80), Target: "t", Status: record.StatusClean},
			{Root: ".", Target: "-", Status: record.StatusClean},
		}},
	}
	var out []genCase
	for _, c := range cases {
		r, err := record.Record(record.Files{}, record.Run{Time: at, RunURL: "https://example.com/run/1", Commit: "0123abc", Repository: "o/r", Group: group}, c.targets)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		out = append(out, genCase{c.name, r.Report})
	}
	return out
}

// TestArgoCDApplications validates deploy/argocd against Argo CD's own
// Application CRD, taken from the argo-cd module in the module cache (not a
// dependency of this module: it is only downloaded).
func TestArgoCDApplications(t *testing.T) {
	t.Parallel()
	s := loadCRD(t, argoCDCRD(t), "v1alpha1")
	files, err := filepath.Glob(filepath.Join("argocd", "*.yaml"))
	if err != nil || len(files) != 2 {
		t.Fatalf("want two Applications in argocd/, found %v (%v)", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			docs := documents(t, f, data)
			if len(docs) != 1 {
				t.Fatalf("want one Application, found %d documents", len(docs))
			}
			obj := docs[0]
			if errs := s.check(obj); len(errs) > 0 {
				t.Fatalf("does not validate:\n%s", strings.Join(errs, "\n"))
			}
			spec, _ := obj["spec"].(map[string]any)
			sp, _ := spec["syncPolicy"].(map[string]any)
			opts, _ := sp["syncOptions"].([]any)
			if !contains(opts, "Validate=true") {
				t.Errorf("syncOptions %v lack Validate=true", opts)
			}
			if auto, _ := sp["automated"].(map[string]any); auto["selfHeal"] != true {
				t.Errorf("syncPolicy.automated %v does not self-heal", auto)
			}
		})
	}
	// The reports Application prunes and applies the report file only.
	data, err := os.ReadFile(filepath.Join("argocd", "drift-reports.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	obj := documents(t, "drift-reports.yaml", data)[0]
	spec := obj["spec"].(map[string]any)
	auto := spec["syncPolicy"].(map[string]any)["automated"]
	if diff := cmp.Diff(map[string]any{"prune": true, "selfHeal": true}, auto); diff != "" {
		t.Errorf("drift-reports syncPolicy.automated (-want +got):\n%s", diff)
	}
	src := spec["source"].(map[string]any)
	if diff := cmp.Diff(filepath.Base(record.DefaultReportPath), src["directory"].(map[string]any)["include"]); diff != "" {
		t.Errorf("drift-reports applies more than the report file (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(filepath.Dir(record.DefaultReportPath), src["path"]); diff != "" {
		t.Errorf("drift-reports path (-want +got):\n%s", diff)
	}
}

func contains(list []any, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// argoCDCRD finds Argo CD's Application CRD, downloading the module into the
// module cache when it is not there yet.
func argoCDCRD(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("go", "mod", "download", "-json", argoCD)
	cmd.Dir = t.TempDir() // outside this module: go.mod stays as it is
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	var info struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &info); err != nil || jerr != nil || info.Error != "" || info.Dir == "" {
		msg := "cannot download " + argoCD + " for its Application CRD: " + strings.TrimSpace(info.Error)
		if err != nil {
			msg += " (" + err.Error() + ")"
		}
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI must validate the Argo CD Applications (.ci/run downloads it)")
		}
		t.Skip(msg)
	}
	return filepath.Join(info.Dir, "manifests", "crds", "application-crd.yaml")
}
