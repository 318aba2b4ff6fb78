package pipeline

import (
	"context"
	"encoding/json"
	"github.com/myorg/drift-action/internal/discover"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	tfjson "github.com/hashicorp/terraform-json"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/policy"
)

// edgePlans are changes the fixtures may not hold, in terraform's words.
var edgePlans = map[string]string{
	"forget, read, no-op and a data source": `{"format_version": "1.2", "resource_changes": [
	  {"address": "a.forgotten", "mode": "managed", "type": "a", "name": "forgotten", "change": {"actions": ["forget"], "before": {}, "after": null}},
	  {"address": "a.read", "mode": "managed", "type": "a", "name": "read", "change": {"actions": ["read"], "before": null, "after": {}}},
	  {"address": "a.same", "mode": "managed", "type": "a", "name": "same", "change": {"actions": ["no-op"], "before": {}, "after": {}}},
	  {"address": "data.a.d", "mode": "data", "type": "a", "name": "d", "change": {"actions": ["read"], "before": null, "after": {}}},
	  {"address": "a.cbd", "mode": "managed", "type": "a", "name": "cbd", "change": {"actions": ["create", "delete"], "before": {"x": 1}, "after": {"x": 2}}}
	]}`,
	"drift whose only difference is invisible": `{"format_version": "1.2", "resource_drift": [
	  {"address": "a.same", "mode": "managed", "type": "a", "name": "same", "change": {"actions": ["update"], "before": {"x": 1}, "after": {"x": 1}}},
	  {"address": "a.gone", "mode": "managed", "type": "a", "name": "gone", "change": {"actions": ["delete"], "before": {"x": 1}, "after": null}},
	  {"address": "data.a.d", "mode": "data", "type": "a", "name": "d", "change": {"actions": ["update"], "before": {"x": 1}, "after": {"x": 2}}}
	]}`,
}

// planFixtures are every plan JSON fixture in the repository and the edge
// cases above, by name.
func planFixtures(t testing.TB) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	files, err := filepath.Glob(filepath.Join("..", "drift", "testdata", "plans", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no plan fixtures found (%v)", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = b
	}
	for name, p := range edgePlans {
		out[name] = []byte(p)
	}
	return out
}

// One definition of a change: the classifier (drift.Classify, which detect
// and policy check both use through Plan.Classify) and the bundled Rego
// library (terraform.lib.tfplan, as terraform.drift applies it) agree on
// which addresses drifted and which would change, for every plan fixture.
func TestClassifierAndRegoAgree(t *testing.T) {
	t.Parallel()
	e, err := LoadPolicies(context.Background(), Policies{Bundled: true}, ".")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range planFixtures(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			plan, err := ReadPlan(data)
			if err != nil {
				t.Fatalf("ReadPlan: %v", err)
			}
			r := plan.Classify(drift.Options{})
			results, err := evaluate(context.Background(), e, PolicyInput(plan, r, policy.RunContext{Event: "cli"}, policy.Masks{}), policyTimeout, nil)
			if err != nil {
				t.Fatalf("evaluate: %v", err)
			}
			rego := map[string][]string{"drift": {}, "changes": {}}
			for _, pr := range results {
				switch {
				case pr.Policy != "terraform.drift":
				case pr.Rule == "deny_drift":
					rego["drift"] = append(rego["drift"], pr.Resource)
				case pr.Rule == "deny_pending_change":
					rego["changes"] = append(rego["changes"], pr.Resource)
				}
			}
			classifier := map[string][]string{"drift": addrs(r.Drift), "changes": addrs(r.Changes)}
			for _, l := range rego {
				slices.Sort(l)
			}
			if diff := cmp.Diff(classifier, rego); diff != "" {
				t.Errorf("addresses (-classifier +rego):\n%s", diff)
			}
		})
	}
}

func addrs(rs []drift.Resource) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.Address)
	}
	slices.Sort(out)
	return out
}

// writePlan writes plan JSON to a file, as terraform show writes it for detect.
func writePlan(t testing.TB, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// decodeWhole decodes the whole plan as terraform-exec does: the reference
// for decoding only what the classifier reads.
func decodeWhole(t testing.TB, data []byte) *tfjson.Plan {
	t.Helper()
	var p tfjson.Plan
	p.UseJSONNumber(true)
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatalf("decode the whole plan: %v", err)
	}
	return &p
}

// Detect classifies the plan from terraform's file and policy check from
// its bytes, decoding only what the classifier reads. Both give the verdict
// of the whole decoded plan on every plan fixture, also with masks applied.
func TestClassifyFileAgrees(t *testing.T) {
	t.Parallel()
	opts := map[string]drift.Options{
		"no masks": {},
		"masks":    {MaskPaths: []string{"*.input", "*.instance_type"}, MaskValues: []*regexp.Regexp{regexp.MustCompile("small")}},
	}
	for name, data := range planFixtures(t) {
		for oname, o := range opts {
			t.Run(name+"/"+oname, func(t *testing.T) {
				t.Parallel()
				whole := Plan{TF: decodeWhole(t, data)}.Classify(o)
				plan, err := ReadPlan(data)
				if err != nil {
					t.Fatalf("ReadPlan: %v", err)
				}
				if diff := cmp.Diff(whole, plan.Classify(o)); diff != "" {
					t.Errorf("verdict (-whole plan +ReadPlan):\n%s", diff)
				}
				got, err := classifyFile(writePlan(t, data), o)
				if err != nil {
					t.Fatalf("classifyFile: %v", err)
				}
				if diff := cmp.Diff(whole, got.result); diff != "" {
					t.Errorf("verdict (-whole plan +from file):\n%s", diff)
				}
			})
		}
	}
}

func TestClassifyFileRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, data, wantErr string
	}{
		{name: "not an object", data: `[]`, wantErr: "a plan JSON document is an object"},
		{name: "empty", data: ``, wantErr: "a plan JSON document is an object"},
		{name: "no format version", data: `{"resource_changes": []}`, wantErr: "format version is missing"},
		{name: "unsupported format version", data: `{"format_version": "9.0"}`, wantErr: "unsupported plan format version"},
		{name: "cut short", data: `{"format_version": "1.2", "resource_changes": [{"address": "a.b"`, wantErr: "resource_changes"},
		{name: "wrong type", data: `{"format_version": "1.2", "resource_changes": {}}`, wantErr: "resource_changes"},
		{name: "data after the plan", data: `{"format_version": "1.2"} {}`, wantErr: "unexpected data after the plan"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := classifyFile(writePlan(t, []byte(tc.data)), drift.Options{})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("classifyFile(%s) = %v, want an error saying %q", tc.data, err, tc.wantErr)
			}
		})
	}
}

// Plan JSON comes from outside (policy check reads any file): what ReadPlan
// accepts is safe for the verdict and the policy input, and detect's
// reading from a file gives the same verdict.
func FuzzReadPlan(f *testing.F) {
	for _, data := range planFixtures(f) {
		f.Add(data)
	}
	f.Add([]byte(`{"format_version": "1.2", "resource_changes": [{"change": {"actions": []}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		plan, err := ReadPlan(data)
		if err != nil {
			return
		}
		r := plan.Classify(drift.Options{})
		for _, c := range append(r.Drift, r.Changes...) {
			if len(c.Actions) == 0 {
				t.Errorf("%s without actions", c.Address)
			}
		}
		if r.Status == drift.StatusError {
			t.Errorf("a plan's verdict is never an error by itself: %+v", r)
		}
		var p tfjson.Plan
		p.UseJSONNumber(true)
		if err := json.Unmarshal(data, &p); err == nil {
			if diff := cmp.Diff(Plan{TF: &p}.Classify(drift.Options{}), r); diff != "" {
				t.Errorf("verdict (-whole plan +ReadPlan):\n%s", diff)
			}
		}
		fromFile, err := classifyFile(writePlan(t, data), drift.Options{})
		if err != nil {
			t.Errorf("ReadPlan accepts the plan but classifyFile does not: %v", err)
		} else if diff := cmp.Diff(r, fromFile.result); diff != "" {
			t.Errorf("verdict (-whole plan +from file):\n%s", diff)
		}
		in := PolicyInput(plan, r, policy.RunContext{}, policy.Masks{})
		if in.Value == nil {
			t.Errorf("no input value for an accepted plan")
		}
	})
}

// The bundled policies read the tfplan/v2 views, never the bulky members
// of input.raw, so detect does not build those; and they give the same
// results on every fixture read for them as read whole.
func TestBundledPoliciesOnPlansReadForThem(t *testing.T) {
	t.Parallel()
	e, err := LoadPolicies(context.Background(), Policies{Bundled: true}, ".")
	if err != nil {
		t.Fatal(err)
	}
	if reads := e.RawReads(); reads.All || reads.Keys["prior_state"] || reads.Keys["planned_values"] || reads.Keys["configuration"] {
		t.Errorf("bundled policies read %+v of input.raw, want none of prior_state, planned_values, configuration", reads)
	}
	for name, data := range planFixtures(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			results := func(plan Plan) []policy.Result {
				t.Helper()
				r := plan.Classify(drift.Options{})
				rs, err := evaluate(context.Background(), e, PolicyInput(plan, r, policy.RunContext{Event: "cli"}, policy.Masks{}), policyTimeout, nil)
				if err != nil {
					t.Fatalf("evaluate: %v", err)
				}
				return rs
			}
			whole, err := ReadPlan(data)
			if err != nil {
				t.Fatal(err)
			}
			part, err := ReadPlanFor(data, e.RawReads())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(results(whole), results(part)); diff != "" {
				t.Errorf("results (-whole +read for the policies):\n%s", diff)
			}
		})
	}
}

// With no policy reading input.drift, policy check does not decode the plan
// for the classifier: its results are those of the plan read whole and
// classified, on every fixture, for policies reading the views and raw.
func TestCheckSameWithoutVerdict(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{
		"count.rego": `package count

noop(rc) if rc.change.actions == ["no-op"]

deny contains sprintf("%d resources have pending changes", [count(changed)]) if {
	changed := [rc.address | some rc in input.resource_changes; not noop(rc)]
	count(changed) > 0
}
`,
		"raw.rego": `package raw

warn contains {"msg": sprintf("%s: %v", [rc.address, rc.change.actions]), "resource": rc.address} if {
	some rc in input.raw.resource_changes
}

warn contains sprintf("output %s: %v", [name, oc.after]) if { some name, oc in input.output_changes }

warn contains sprintf("variable %s: %v", [name, v.value]) if { some name, v in input.variables }
`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e, err := LoadPolicies(context.Background(), Policies{Dirs: []string{dir}}, ".")
	if err != nil {
		t.Fatal(err)
	}
	if e.RawReads().ReadsVerdict() {
		t.Fatalf("RawReads %+v: these policies must not read input.drift", e.RawReads())
	}
	rules := Rules{Masks: policy.Masks{Values: []*regexp.Regexp{regexp.MustCompile("small")}}, PolicyTimeout: policyTimeout, Event: "cli"}
	for name, data := range planFixtures(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			check := func(plan Plan, err error) Checked {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
				c, err := Check(context.Background(), e, plan, NewJudge(rules, discover.Target{}), time.Now())
				if err != nil {
					t.Fatal(err)
				}
				return c
			}
			whole := check(ReadPlan(data))
			part := check(ReadPlanFor(data, e.RawReads()))
			if diff := cmp.Diff(whole.Policy, part.Policy); diff != "" {
				t.Errorf("results (-whole +without the verdict):\n%s", diff)
			}
			if part.Result.Status != "" {
				t.Errorf("a verdict was made though no policy reads it: %+v", part.Result)
			}
		})
	}
}

// A plan not decoded for the classifier is still checked whole: bad JSON
// anywhere, in a member nothing builds too, is refused.
func TestReadPlanWithoutVerdictChecksSyntax(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, data, want string }{
		{"bad literal in planned_values", `{"format_version": "1.2", "planned_values": {"a": tru}}`, "invalid literal"},
		{"bad escape in configuration", `{"format_version": "1.2", "configuration": {"a": "\x"}}`, "invalid escape"},
		{"bad number in prior_state", `{"format_version": "1.2", "prior_state": [01]}`, "invalid number"},
		{"control character in a skipped string", "{\"format_version\": \"1.2\", \"prior_state\": \"a\tb\"}", "control character"},
		{"cut short inside a skipped member", `{"format_version": "1.2", "planned_values": {"a": [1, 2`, "unterminated array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ReadPlanFor([]byte(tt.data), policy.RawReads{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadPlanFor(%s) = %v, want an error saying %q", tt.data, err, tt.want)
			}
		})
	}
}
