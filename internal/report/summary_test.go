package report_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/report"
)

func withPolicies() report.Document {
	results := mixedResults()
	pol := &report.Policies{ByTarget: map[report.Key][]policy.Result{
		{Dir: "infra/app", Target: "prod"}: {
			{Policy: "terraform.security.network", Rule: "deny_open_ingress", Kind: "deny", Level: policy.HardMandatory, Severity: "critical", Msg: "aws_security_group.web opens 22 to 0.0.0.0/0", Resource: "aws_security_group.web", Failed: true},
			{Policy: "terraform.cost", Rule: "deny_instance_upgrade", Kind: "deny", Level: policy.SoftMandatory, Severity: "high", Msg: "aws_instance.web: t3.micro -> t3.large (+$52.56/month)", Resource: "aws_instance.web", Overridden: true},
			{Policy: "terraform.drift", Rule: "deny_drift", Kind: "deny", Level: policy.Advisory, Severity: "medium", Msg: "aws_instance.web changed outside terraform | <b>", Resource: "aws_instance.web"},
			{Policy: "terraform.drift", Rule: "deny_drift", Kind: "deny", Level: policy.Advisory, Severity: "medium", Msg: "aws_s3_bucket.logs changed outside terraform (delete)", Resource: "aws_s3_bucket.logs"},
			{Policy: "terraform.drift", Rule: "deny_pending_change", Kind: "deny", Level: policy.Advisory, Severity: "medium", Msg: "aws_instance.web has a pending change (update): the plan is not empty", Resource: "aws_instance.web"},
		},
	}, Manifests: []policy.Result{
		{Policy: "gatekeeper.k8snoprivileged", Rule: "K8sNoPrivileged/no-privileged-containers", Kind: "deny", Level: policy.HardMandatory, Severity: "critical", Msg: "privileged container: nginx", Resource: "v1 Pod default/web k8s/pod.yaml:1", Failed: true},
	}}
	return report.WithPolicies(results, pol)
}

func TestJobSummaryGolden(t *testing.T) {
	t.Parallel()
	links := report.Links{Run: "https://github.example/acme/infra/actions/runs/42", Comment: "https://github.example/acme/infra/pull/7#issuecomment-1", ResultJSON: ".drift-action/result.json", Source: "HCP Terraform assessment", Shard: "2/3"}
	tests := []struct {
		name string
		doc  report.Document
	}{
		{"summary-policies", withPolicies()},
		{"summary-plain", report.New(mixedResults())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := report.JobSummary(&buf, tt.doc, links, report.StepSummaryLimit); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.name+".md", buf.Bytes())
		})
	}
	// The pull request comment body is the markdown report with policies.
	var buf bytes.Buffer
	if err := report.Markdown(&buf, withPolicies()); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "comment-policies.md", buf.Bytes())
	if got := withPolicies().ExitCode(); got != 1 {
		t.Errorf("exit code with an error target = %d, want 1 (errors win over policy)", got)
	}
}

func TestJobSummaryStaysUnderLimit(t *testing.T) {
	t.Parallel()
	// Thousands of drifted targets with long values: far over 1 MiB in full.
	var results []drift.Result
	for i := range 3000 {
		results = append(results, drift.Result{
			Dir: fmt.Sprintf("stacks/s%04d", i), Target: "default", Status: drift.StatusDrifted,
			Drift: []drift.Resource{{Address: "aws_instance.web", Type: "aws_instance", Actions: []string{"update"},
				Attributes: []drift.Attribute{{Path: "user_data", Before: strings.Repeat("a", 100), After: strings.Repeat("b", 100)}}}},
		})
	}
	doc := report.New(results)
	var full bytes.Buffer
	report.Markdown(&full, doc)
	for _, limit := range []int{report.StepSummaryLimit, 64 * 1024} {
		var buf bytes.Buffer
		if err := report.JobSummary(&buf, doc, report.Links{ResultJSON: ".drift-action/result.json"}, limit); err != nil {
			t.Fatal(err)
		}
		if full.Len() <= limit {
			t.Fatalf("test setup: full report (%d bytes) should exceed the limit %d", full.Len(), limit)
		}
		if buf.Len() > limit {
			t.Errorf("limit %d: summary is %d bytes", limit, buf.Len())
		}
		out := buf.String()
		for _, w := range []string{"details are in the JSON result (<code>.drift-action/result.json</code>)", "| Root | Target | Status |"} {
			if !strings.Contains(out, w) {
				t.Errorf("limit %d: summary lacks %q", limit, w)
			}
		}
		// Never cut mid-table: every table line is a whole row.
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "|") && !strings.HasSuffix(l, "|") {
				t.Errorf("limit %d: a table row was cut: %q", limit, l)
			}
		}
		if limit < report.StepSummaryLimit && !strings.Contains(out, "more target(s) not shown") {
			t.Errorf("limit %d: dropped rows are not counted", limit)
		}
	}
}
