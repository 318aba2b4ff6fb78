package report_test

import (
	"bytes"
	"encoding/json"
	"io"
	"regexp"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/report"
)

// outcomesDoc has a result of every outcome: failed, advisory (an
// advisory deny, a warn of a mandatory policy, a Gatekeeper warn), waived
// and overridden, over two targets and the manifests.
func outcomesDoc() report.Document {
	app := driftedResult()
	net := drift.Result{Dir: "infra/network", Target: "default", Status: drift.StatusClean}
	pol := &report.Policies{ByTarget: map[report.Key][]policy.Result{
		{Dir: app.Dir, Target: app.Target}: {
			{Policy: "terraform.security.network", Rule: "deny_open_ingress", Kind: "deny", Level: policy.HardMandatory, Severity: "critical", Msg: "aws_security_group.web opens 22 to 0.0.0.0/0", Resource: "aws_security_group.web", Failed: true},
			{Policy: "terraform.security.storage", Rule: "deny_public_bucket", Kind: "deny", Level: policy.HardMandatory, Severity: "high", Msg: "aws_s3_bucket.logs is public", Resource: "aws_s3_bucket.logs", Waived: true},
			{Policy: "terraform.cost", Rule: "deny_instance_upgrade", Kind: "deny", Level: policy.SoftMandatory, Severity: "high", Msg: "aws_instance.web: t3.micro -> t3.large", Resource: "aws_instance.web", Overridden: true, OverriddenBy: []policy.Override{{Name: "terraform.cost", Source: "label", By: "alice"}}},
			{Policy: "terraform.drift", Rule: "deny_drift", Kind: "deny", Level: policy.Advisory, Severity: "medium", Msg: "aws_instance.web changed outside terraform", Resource: "aws_instance.web"},
			{Policy: "terraform.drift", Rule: "deny_drift", Kind: "deny", Level: policy.Advisory, Severity: "medium", Msg: "aws_s3_bucket.logs changed outside terraform (delete)", Resource: "aws_s3_bucket.logs"},
			{Policy: "terraform.security.network", Rule: "warn", Kind: "warn", Level: policy.HardMandatory, Severity: "medium", Msg: "egress is open"},
		},
		{Dir: net.Dir, Target: net.Target}: {
			{Policy: "custom.tags", Rule: "deny", Kind: "deny", Level: policy.Advisory, Severity: "low", Msg: "no owner tag"},
		},
	}, Manifests: []policy.Result{
		{Policy: "gatekeeper.k8snoprivileged", Rule: "K8sNoPrivileged/no-privileged", Kind: "deny", Level: policy.HardMandatory, Severity: "critical", Msg: "privileged container: nginx", Resource: "v1 Pod default/web k8s/pod.yaml:1", Failed: true},
		{Policy: "gatekeeper.k8srequiredlabels", Rule: "K8sRequiredLabels/owner", Kind: "warn", Level: policy.Advisory, Severity: "medium", Msg: "missing label owner", Resource: "v1 Pod default/web k8s/pod.yaml:1"},
	}}
	return report.WithPolicies([]drift.Result{app, net}, pol)
}

// countsLine finds "N failed<sep>N advisory<sep>N waived<sep>N overridden".
var countsLine = regexp.MustCompile(`(\d+) failed(?:, | · )(\d+) advisory(?:, | · )(\d+) waived(?:, | · )(\d+) overridden`)

// Every renderer says the policy outcomes in the same words and the same
// numbers, and they are the step outputs' numbers.
func TestPolicyWordingAgrees(t *testing.T) {
	t.Parallel()
	d := outcomesDoc()
	want := []int{2, 5, 1, 1} // failed, advisory, waived, overridden: 9 results
	all := append(append([]policy.Result{}, d.Manifests...), d.Roots[0].Policy...)
	all = append(all, d.Roots[1].Policy...)
	if got := len(all); got != want[0]+want[1]+want[2]+want[3] {
		t.Fatalf("the fixture has %d results, want the outcomes to add up to them", got)
	}
	renders := []struct {
		name   string
		render func(io.Writer, report.Document) error
	}{
		{"outcomes.txt", func(w io.Writer, d report.Document) error { return report.Text(w, d, false) }},
		{"outcomes.md", report.Markdown},
		{"outcomes-summary.md", func(w io.Writer, d report.Document) error {
			return report.JobSummary(w, d, report.Links{ResultJSON: ".drift-action/result.json"}, report.StepSummaryLimit)
		}},
		{"outcomes-compact-summary.md", func(w io.Writer, d report.Document) error {
			return report.JobSummary(w, d, report.Links{ResultJSON: ".drift-action/result.json"}, 2048) // cut to totals and rows
		}},
		{"outcomes-policy.txt", func(w io.Writer, d report.Document) error { return report.PolicyText(w, all) }},
		{"outcomes.json", report.JSON},
	}
	for _, r := range renders {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := r.render(&buf, d); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, r.name, buf.Bytes())
			var got []int
			if r.name == "outcomes.json" {
				var doc struct{ Policy policy.Summary }
				if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
					t.Fatal(err)
				}
				got = []int{doc.Policy.Failed, doc.Policy.Advisory, doc.Policy.Waived, doc.Policy.Overridden}
			} else {
				m := countsLine.FindStringSubmatch(buf.String())
				if m == nil {
					t.Fatalf("no \"N failed, N advisory, N waived, N overridden\" line in:\n%s", buf.String())
				}
				for _, s := range m[1:] {
					n, _ := strconv.Atoi(s)
					got = append(got, n)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("failed, advisory, waived, overridden (-want +got):\n%s", diff)
			}
		})
	}
	outs := map[string]string{}
	for _, o := range report.Outputs(d) {
		outs[o.Name] = o.Value
	}
	wantOuts := map[string]string{
		"drift-detected": "true", "drifted-resources": "2", "changes-pending": "true",
		"policy-failed": "2", "policy-advisory": "5", "policy-waived": "1", "policy-overridden": "1",
		// Its first meaning: the 7 denies less the 1 waived, whatever
		// their level; warn results are not counted.
		"policy-violations": "6",
	}
	if diff := cmp.Diff(wantOuts, outs); diff != "" {
		t.Errorf("step outputs (-want +got):\n%s", diff)
	}
}
