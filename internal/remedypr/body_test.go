package remedypr

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/github"
	"github.com/myorg/drift-action/internal/tfsource"
)

func TestWriteBodyGolden(t *testing.T) {
	t.Parallel()
	where := func(addr string) string {
		if addr == "aws_instance.web" {
			return "envs/app/main.tf:2"
		}
		return ""
	}
	hostile := drift.Resource{Address: "aws_s3_bucket.x[\"a|b</summary><script>\"]", Type: "aws_s3_bucket", Actions: []string{"update"},
		Attributes: []drift.Attribute{{Path: "tags.note", Before: "ok", After: "`rm -rf` | [link](https://evil) @team <img src=x>"}}}
	tests := []struct {
		name string
		page Page
	}{
		{name: "pr", page: Page{Target: func() Target {
			tg := drifted("envs/app", webDrift("t3.large"), drift.Resource{Address: "aws_eip.old", Type: "aws_eip", Actions: []string{"delete"}})
			tg.Policy = samplePolicy()
			tg.Result.Checks = []drift.Check{{Address: "check.health", Kind: "check", Status: drift.CheckFail, Problems: []string{"health endpoint returned 503"}}}
			return tg
		}(), Strategy: StrategyPR}},
		{name: "pr-named-target", page: Page{Target: func() Target {
			tg := drifted("envs/app", webDrift("t3.large"))
			tg.Name, tg.Workspace = "eu", "prod-eu"
			tg.Handover = []Handover{{Address: "aws_instance.web", Reason: "policy aws.tags denies applying it"}}
			return tg
		}(), Strategy: StrategyPR}},
		{name: "adopt", page: Page{Target: drifted("envs/app", webDrift("t3.large")), Strategy: StrategyAdopt,
			Adopted: []Adoption{{Address: "aws_instance.web", Path: "instance_type", File: "envs/app/main.tf", Line: 2}},
			NotAdopted: []Adoption{
				{Address: "aws_instance.web", Path: "tags.env", Reason: tfsource.Variable, Detail: "var.env"},
				{Address: "aws_db_instance.db", Path: "password", Reason: tfsource.Sensitive},
			}}},
		{name: "adopt-all", page: Page{Target: drifted("envs/net", vpcDrift()), Strategy: StrategyAdopt,
			Adopted: []Adoption{{Address: "aws_vpc.main", Path: "cidr_block", File: "envs/net/main.tf", Line: 1}}}},
		{name: "adopt-shared", page: Page{Target: drifted("envs/fleet", instance("aws_instance.web[0]", typeTo("t3.large")), instance("aws_instance.web[1]", typeTo("t3.large")), instance("aws_instance.web[2]", typeTo("t3.small"))), Strategy: StrategyAdopt,
			Adopted: []Adoption{
				{Address: "aws_instance.web[0]", Path: "ami", File: "envs/fleet/main.tf", Line: 1, Shared: []string{"aws_instance.web[0]", "aws_instance.web[1]"}},
				{Address: "aws_instance.web[1]", Path: "ami", File: "envs/fleet/main.tf", Line: 1, Shared: []string{"aws_instance.web[0]", "aws_instance.web[1]"}},
			},
			NotAdopted: []Adoption{
				{Address: "aws_instance.web[0]", Path: "instance_type", Reason: tfsource.SharedLiteral, Detail: "aws_instance.web[0], aws_instance.web[1], aws_instance.web[2] drifted to different values"},
				{Address: "aws_instance.web[1]", Path: "instance_type", Reason: tfsource.SharedLiteral, Detail: "aws_instance.web[0], aws_instance.web[1], aws_instance.web[2] drifted to different values"},
			}}},
		{name: "escaping", page: Page{Target: drifted("envs/`x`|y", hostile), Strategy: StrategyPR}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := tt.page
			p.Base, p.Branch, p.Record = "main", BranchName(p.Target.Root, p.Target.Name), RecordPath(p.Target.Root, p.Target.Name)
			p.Run = Run{URL: "https://github.com/octo/infra/actions/runs/42", SHA: "0123456789abcdef0123"}
			p.Where = where
			p.Resources = handedOver(p.Target)
			var body, rec bytes.Buffer
			if err := WriteBody(&body, p); err != nil {
				t.Fatal(err)
			}
			if err := WriteRecord(&rec, p); err != nil {
				t.Fatal(err)
			}
			got := "title: " + Title(p) + "\n\n" + body.String()
			goldenFile(t, tt.name+".md", got)
			goldenFile(t, tt.name+".record.md", rec.String())
			if tt.name == "escaping" {
				for _, bad := range []string{"<script>", "<img", "](https://evil)", "`rm", "| [link]", "@team"} {
					// The record's YAML front matter is data; its markdown must be safe.
					_, recMarkdown, _ := strings.Cut(strings.TrimPrefix(rec.String(), "---\n"), "\n---\n")
					if strings.Contains(body.String(), bad) || strings.Contains(recMarkdown, bad) {
						t.Errorf("untrusted text %q was not escaped", bad)
					}
				}
			}
		})
	}
}

func TestRenderBodyFitsGitHub(t *testing.T) {
	t.Parallel()
	var rs []drift.Resource
	for i := range 3000 {
		rs = append(rs, drift.Resource{Address: fmt.Sprintf("aws_instance.web[%d]", i), Type: "aws_instance", Actions: []string{"update"},
			Attributes: []drift.Attribute{{Path: "tags.note", Before: strings.Repeat("a", 40), After: strings.Repeat("b", 40)}}})
	}
	tests := []struct {
		name string
		n    int
		cut  bool // the body is cut, not just compact
	}{
		{name: "fits as is", n: 3},
		{name: "compact", n: 300},
		{name: "cut", n: 3000, cut: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := Page{Target: drifted("envs/app", rs[:tt.n]...), Strategy: StrategyPR, Base: "main", Branch: "drift/envs/app", Record: "drift/remediation/envs/app.md"}
			body, err := renderBody(p)
			if err != nil {
				t.Fatal(err)
			}
			if n := utf8.RuneCountInString(body); n > github.MaxPullRequestBody {
				t.Fatalf("body is %d characters, over %d", n, github.MaxPullRequestBody)
			}
			if got := strings.Contains(body, "cut to fit"); got != tt.cut {
				t.Errorf("cut = %v, want %v", got, tt.cut)
			}
		})
	}
}
