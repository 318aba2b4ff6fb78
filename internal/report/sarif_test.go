package report_test

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/report"
	"github.com/myorg/drift-action/internal/report/sariftest"
)

// sarifDoc has drift (declared and not), code changes alone and changes
// that undo drift, failed, waived and advisory policies (one about no
// resource) and a target in error.
func sarifDoc() report.Document {
	pols := &report.Policies{ByTarget: map[report.Key][]policy.Result{
		{Dir: "infra/app", Target: "prod"}: {
			{Policy: "myorg.tags", Rule: "deny_untagged", Kind: "deny", Level: policy.HardMandatory, Severity: "high", Msg: "aws_instance.web has no owner tag", Resource: "aws_instance.web", Failed: true},
			{Policy: "myorg.tags", Rule: "deny_untagged", Kind: "deny", Level: policy.HardMandatory, Severity: "high", Msg: "aws_instance.web has no cost-center tag", Resource: "aws_instance.web", Failed: true},
			{Policy: "myorg.cost", Rule: "deny big", Kind: "deny", Level: policy.SoftMandatory, Severity: "medium", Msg: "the plan\nadds 3 instances", Failed: true},
			{Policy: "myorg.tags", Rule: "deny_untagged", Kind: "deny", Level: policy.HardMandatory, Severity: "high", Msg: "waived", Resource: "aws_s3_bucket.logs", Waived: true},
			{Policy: "myorg.style", Rule: "warn_name", Kind: "warn", Level: policy.Advisory, Severity: "low", Msg: "advice", Resource: "aws_instance.web"},
		},
	}}
	d := report.WithPolicies([]drift.Result{driftedResult(), changedResult(), errorResult(), cleanResult()}, pols)
	for i, r := range d.Roots {
		switch r.Target {
		case "prod":
			d.Roots[i].Declared = map[string]report.Location{"aws_instance.web": {File: "infra/app/main.tf", Line: 12}}
		case "staging":
			d.Roots[i].Declared = map[string]report.Location{
				"aws_instance.web": {File: "infra/app/main.tf", Line: 12},
				`module.cdn.aws_cloudfront_distribution.this["www"]`: {File: "infra/app/cdn.tf", Line: 3},
			}
		}
	}
	return d
}

func renderSARIF(t *testing.T, d report.Document, o report.SARIFOptions) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := report.SARIF(&b, d, o); err != nil {
		t.Fatalf("SARIF: %v", err)
	}
	return b.Bytes()
}

type sarifSummary struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Rules []struct {
					ID string `json:"id"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Invocations []struct {
			Notifications []struct {
				Level   string `json:"level"`
				Message struct {
					Text string `json:"text"`
				} `json:"message"`
			} `json:"toolExecutionNotifications"`
		} `json:"invocations"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			Level     string `json:"level"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI string `json:"uri"`
					} `json:"artifactLocation"`
					Region *struct {
						StartLine int `json:"startLine"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
		} `json:"results"`
	} `json:"runs"`
}

func readSARIF(t *testing.T, data []byte) sarifSummary {
	t.Helper()
	var s sarifSummary
	if err := json.Unmarshal(data, &s); err != nil || len(s.Runs) != 1 {
		t.Fatalf("not one SARIF run (%v):\n%s", err, data)
	}
	return s
}

// The SARIF log of a mixed run, as code scanning reads it: the golden
// file, valid against the SARIF 2.1.0 schema, paths from the repository
// root.
func TestSARIFGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  report.Document
		opts report.SARIFOptions
	}{
		{"mixed", sarifDoc(), report.SARIFOptions{ToolVersion: "1.2.3", Category: "drift-action/all/", RepoPrefix: "ops"}},
		{"empty", report.New(nil), report.SARIFOptions{ToolVersion: "1.2.3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := renderSARIF(t, tt.doc, tt.opts)
			if err := sariftest.Validate(got); err != nil {
				t.Errorf("%v\n%s", err, got)
			}
			checkGolden(t, tt.name+".sarif", got)
		})
	}
}

// What each result says and where: drift warns, a code change alone is a
// note, a failed policy an error (two denies of one rule and resource in
// one alert); a change that undoes drift, a waived deny and advice are
// not alerts.
func TestSARIFResults(t *testing.T) {
	t.Parallel()
	s := readSARIF(t, renderSARIF(t, sarifDoc(), report.SARIFOptions{RepoPrefix: "ops"}))
	type res struct{ Rule, Level, URI string }
	var got []res
	for _, r := range s.Runs[0].Results {
		l := r.Locations[0].PhysicalLocation
		uri := l.ArtifactLocation.URI
		if l.Region != nil {
			uri += ":" + strconv.Itoa(l.Region.StartLine)
		}
		got = append(got, res{r.RuleID, r.Level, uri})
	}
	want := []res{
		{"policy/myorg.tags/deny_untagged", "error", "ops/infra/app/main.tf:12"},
		{"policy/myorg.cost/deny-big", "error", "ops/infra/app/"},
		{report.RuleDrifted, "warning", "ops/infra/app/main.tf:12"},
		{report.RuleDrifted, "warning", "ops/infra/app/"},
		{report.RuleCodePending, "note", "ops/infra/app/main.tf:12"},
		{report.RuleCodePending, "note", "ops/infra/app/cdn.tf:3"},
		{report.RuleCodePending, "note", "ops/infra/app/"},
		{report.RuleCodePending, "note", "ops/infra/app/"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	var errs []string
	for _, n := range s.Runs[0].Invocations[0].Notifications {
		errs = append(errs, n.Level+": "+n.Message.Text)
	}
	if len(errs) != 1 || !strings.HasPrefix(errs[0], "error: infra/db (default) was not checked: Error: Invalid value for variable") {
		t.Errorf("notifications %q, want the target in error", errs)
	}
}

// A fingerprint names the rule, root, target and address only: moving a
// declaration or changing the drifted values keeps the alert; another
// target is another alert.
func TestSARIFFingerprintsStable(t *testing.T) {
	t.Parallel()
	fps := func(d report.Document) []string {
		var out []string
		for _, r := range readSARIF(t, renderSARIF(t, d, report.SARIFOptions{})).Runs[0].Results {
			out = append(out, r.PartialFingerprints[report.SARIFFingerprint])
		}
		return out
	}
	before := fps(sarifDoc())
	moved := sarifDoc()
	for i := range moved.Roots {
		for a, l := range moved.Roots[i].Declared {
			l.Line += 40
			moved.Roots[i].Declared[a] = l
		}
		for j := range moved.Roots[i].Drift {
			for k := range moved.Roots[i].Drift[j].Attributes {
				moved.Roots[i].Drift[j].Attributes[k].After = "something else"
			}
		}
	}
	if diff := cmp.Diff(before, fps(moved)); diff != "" {
		t.Errorf("fingerprints changed when lines and values moved (-before +after):\n%s", diff)
	}
	// The same roots named from the repository root by a run started
	// there: the same alerts.
	fromRoot := sarifDoc()
	for i := range fromRoot.Roots {
		fromRoot.Roots[i].Dir = "ops/" + fromRoot.Roots[i].Dir
	}
	withPrefix := func(d report.Document, prefix string) []string {
		var out []string
		for _, r := range readSARIF(t, renderSARIF(t, d, report.SARIFOptions{RepoPrefix: prefix})).Runs[0].Results {
			out = append(out, r.PartialFingerprints[report.SARIFFingerprint])
		}
		return out
	}
	if diff := cmp.Diff(withPrefix(sarifDoc(), "ops"), withPrefix(fromRoot, "")); diff != "" {
		t.Errorf("fingerprints depend on where the run started (-from ops +from the root):\n%s", diff)
	}
	other := sarifDoc()
	for i := range other.Roots {
		other.Roots[i].Target += "-eu"
	}
	seen := map[string]bool{}
	for _, f := range before {
		if f == "" || seen[f] {
			t.Errorf("fingerprint %q empty or repeated in %q", f, before)
		}
		seen[f] = true
	}
	for _, f := range fps(other) {
		if seen[f] {
			t.Errorf("fingerprint %s of another target equals one of the first", f)
		}
	}
}

// Past the results limit the most severe are kept, the rules follow them,
// and a notification says how many were left out.
func TestSARIFCapsResults(t *testing.T) {
	t.Parallel()
	data := renderSARIF(t, sarifDoc(), report.SARIFOptions{MaxResults: 3})
	if err := sariftest.Validate(data); err != nil {
		t.Fatal(err)
	}
	s := readSARIF(t, data)
	var levels, rules []string
	for _, r := range s.Runs[0].Results {
		levels = append(levels, r.Level)
	}
	for _, r := range s.Runs[0].Tool.Driver.Rules {
		rules = append(rules, r.ID)
	}
	if diff := cmp.Diff([]string{"error", "error", "warning"}, levels); diff != "" {
		t.Errorf("levels kept (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{report.RuleDrifted, "policy/myorg.cost/deny-big", "policy/myorg.tags/deny_untagged"}, rules); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
	ns := s.Runs[0].Invocations[0].Notifications
	if n := ns[len(ns)-1]; n.Level != "warning" || !strings.HasPrefix(n.Message.Text, "5 of 8 results were left out") {
		t.Errorf("last notification %+v, want a warning that 5 of 8 were left out", n)
	}
}

// A log over the gzipped size limit is an error saying what to do, and
// nothing is written.
func TestSARIFTooBig(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	err := report.SARIF(&b, sarifDoc(), report.SARIFOptions{MaxGzipBytes: 200})
	if err == nil || !strings.Contains(err.Error(), "gzipped, over code scanning's limit of 200") || !strings.Contains(err.Error(), "shard") {
		t.Errorf("error %v, want the size limit named with what to do", err)
	}
	if b.Len() != 0 {
		t.Errorf("wrote %d bytes despite the error", b.Len())
	}
}
