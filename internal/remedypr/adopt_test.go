package remedypr

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/tfsource"
)

const fleetTF = `resource "aws_instance" "web" {
  count         = 3
  instance_type = "t3.micro"
  ami           = "ami-1"
}

resource "aws_instance" "var" {
  count         = var.n
  instance_type = "t3.micro"
}

resource "aws_s3_bucket" "logs" {
  for_each = toset(["a", "b"])
  acl      = "private"
}

resource "aws_instance" "one" {
  instance_type = "t3.micro"
}
`

func instance(addr string, attrs ...drift.Attribute) drift.Resource {
	return drift.Resource{Address: addr, Type: strings.SplitN(addr, ".", 2)[0], Actions: []string{"update"}, Attributes: attrs}
}

func typeTo(v string) drift.Attribute {
	return drift.Attribute{Path: "instance_type", Before: "t3.micro", After: v}
}

// TestAdoptSharedLiteral: instances of a count or for_each block share one
// literal; it is adopted only when that one value is right for every
// instance, else each instance's attribute goes to the pr strategy, saying
// why, and the file is left alone.
func TestAdoptSharedLiteral(t *testing.T) {
	t.Parallel()
	type row struct {
		Address, Path string
		Reason        tfsource.Reason
	}
	tests := []struct {
		name        string
		drift       []drift.Resource
		wantAdopted []row
		wantShared  []string // Shared of the first adopted row
		wantRefused []row
		wantDetail  string // in the first refusal's detail
		wantCode    string // in the rewritten file; "" : file unchanged
	}{
		{
			name:        "instances drifted to different values",
			drift:       []drift.Resource{instance("aws_instance.web[0]", typeTo("t3.large")), instance("aws_instance.web[1]", typeTo("t3.small")), instance("aws_instance.web[2]", typeTo("t3.large"))},
			wantRefused: []row{{"aws_instance.web[0]", "instance_type", tfsource.SharedLiteral}, {"aws_instance.web[1]", "instance_type", tfsource.SharedLiteral}, {"aws_instance.web[2]", "instance_type", tfsource.SharedLiteral}},
			wantDetail:  "aws_instance.web[0], aws_instance.web[1], aws_instance.web[2] drifted to different values",
		},
		{
			name:        "some instances did not drift",
			drift:       []drift.Resource{instance("aws_instance.web[0]", typeTo("t3.large")), instance("aws_instance.web[2]", typeTo("t3.large"))},
			wantRefused: []row{{"aws_instance.web[0]", "instance_type", tfsource.SharedLiteral}, {"aws_instance.web[2]", "instance_type", tfsource.SharedLiteral}},
			wantDetail:  "only aws_instance.web[0], aws_instance.web[2] of the 3 instances of aws_instance.web drifted",
		},
		{
			name:        "every instance drifted alike",
			drift:       []drift.Resource{instance("aws_instance.web[0]", typeTo("t3.large")), instance("aws_instance.web[1]", typeTo("t3.large")), instance("aws_instance.web[2]", typeTo("t3.large"))},
			wantAdopted: []row{{"aws_instance.web[0]", "instance_type", ""}, {"aws_instance.web[1]", "instance_type", ""}, {"aws_instance.web[2]", "instance_type", ""}},
			wantShared:  []string{"aws_instance.web[0]", "aws_instance.web[1]", "aws_instance.web[2]"},
			wantCode:    `instance_type = "t3.large"`,
		},
		{
			name: "per attribute: one alike, one not",
			drift: []drift.Resource{
				instance("aws_instance.web[0]", typeTo("t3.large"), drift.Attribute{Path: "ami", Before: "ami-1", After: "ami-2"}),
				instance("aws_instance.web[1]", typeTo("t3.small"), drift.Attribute{Path: "ami", Before: "ami-1", After: "ami-2"}),
				instance("aws_instance.web[2]", typeTo("t3.large"), drift.Attribute{Path: "ami", Before: "ami-1", After: "ami-2"}),
			},
			wantAdopted: []row{{"aws_instance.web[0]", "ami", ""}, {"aws_instance.web[1]", "ami", ""}, {"aws_instance.web[2]", "ami", ""}},
			wantShared:  []string{"aws_instance.web[0]", "aws_instance.web[1]", "aws_instance.web[2]"},
			wantRefused: []row{{"aws_instance.web[0]", "instance_type", tfsource.SharedLiteral}, {"aws_instance.web[1]", "instance_type", tfsource.SharedLiteral}, {"aws_instance.web[2]", "instance_type", tfsource.SharedLiteral}},
			wantDetail:  "different values",
			wantCode:    `ami           = "ami-2"`,
		},
		{
			name:        "count from a variable",
			drift:       []drift.Resource{instance("aws_instance.var[0]", typeTo("t3.large"))},
			wantRefused: []row{{"aws_instance.var[0]", "instance_type", tfsource.SharedLiteral}},
			wantDetail:  "repeated by var.n",
		},
		{
			name:        "for_each alike",
			drift:       []drift.Resource{instance(`aws_s3_bucket.logs["a"]`, drift.Attribute{Path: "acl", Before: "private", After: "log-delivery-write"}), instance(`aws_s3_bucket.logs["b"]`, drift.Attribute{Path: "acl", Before: "private", After: "log-delivery-write"})},
			wantAdopted: []row{{`aws_s3_bucket.logs["a"]`, "acl", ""}, {`aws_s3_bucket.logs["b"]`, "acl", ""}},
			wantShared:  []string{`aws_s3_bucket.logs["a"]`, `aws_s3_bucket.logs["b"]`},
			wantCode:    `acl      = "log-delivery-write"`,
		},
		{
			name:        "for_each one of two",
			drift:       []drift.Resource{instance(`aws_s3_bucket.logs["b"]`, drift.Attribute{Path: "acl", Before: "private", After: "public-read"})},
			wantRefused: []row{{`aws_s3_bucket.logs["b"]`, "acl", tfsource.SharedLiteral}},
			wantDetail:  `only aws_s3_bucket.logs["b"] of the 2 instances of aws_s3_bucket.logs drifted`,
		},
		{
			name:        "masked map key",
			drift:       []drift.Resource{instance("aws_instance.one", drift.Attribute{Path: `tags["(sensitive)"]`, Before: "a", After: "b"})},
			wantRefused: []row{{"aws_instance.one", `tags["(sensitive)"]`, tfsource.Sensitive}},
		},
		{
			name:        "single resource",
			drift:       []drift.Resource{instance("aws_instance.one", typeTo("t3.large"))},
			wantAdopted: []row{{"aws_instance.one", "instance_type", ""}},
			wantCode:    "resource \"aws_instance\" \"one\" {\n  instance_type = \"t3.large\"",
		},
	}
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "envs", "fleet"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "envs", "fleet", "main.tf"), []byte(fleetTF), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tg := drifted("envs/fleet", tt.drift...)
			ad := adopt(Config{RepoRoot: root}, tg, tt.drift)
			var adopted, refused []row
			for _, a := range ad.adopted {
				adopted = append(adopted, row{a.Address, a.Path, a.Reason})
			}
			for _, a := range ad.refused {
				refused = append(refused, row{a.Address, a.Path, a.Reason})
			}
			if diff := cmp.Diff(tt.wantAdopted, adopted); diff != "" {
				t.Errorf("adopted (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantRefused, refused); diff != "" {
				t.Errorf("not adopted (-want +got):\n%s", diff)
			}
			if len(ad.adopted) > 0 {
				if diff := cmp.Diff(tt.wantShared, ad.adopted[0].Shared); diff != "" {
					t.Errorf("shared (-want +got):\n%s", diff)
				}
			}
			if tt.wantDetail != "" && (len(ad.refused) == 0 || !strings.Contains(ad.refused[0].Detail, tt.wantDetail)) {
				t.Errorf("refusals %+v do not say %q", ad.refused, tt.wantDetail)
			}
			got, changed := ad.files["envs/fleet/main.tf"]
			switch {
			case tt.wantCode == "" && changed:
				t.Errorf("file rewritten though nothing was adopted:\n%s", got)
			case tt.wantCode != "" && !strings.Contains(string(got), tt.wantCode):
				t.Errorf("rewritten file lacks %q:\n%s", tt.wantCode, got)
			}
		})
	}
}
