package tfsource

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestRewrite(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(filepath.Join("testdata", "rewrite", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		address string
		path    string
		value   any
		// golden is the file under testdata/rewrite holding the expected
		// result; empty when the rewrite must be refused.
		golden string
		reason Reason
	}{
		{name: "string", address: "aws_instance.web[0]", path: "instance_type", value: "t3.large", golden: "string.tf"},
		{name: "string keeps trailing comment", address: "aws_instance.web[0]", path: "ami", value: "ami-456", golden: "comment.tf"},
		{name: "bool", address: "aws_instance.web[1]", path: "monitoring", value: true, golden: "bool.tf"},
		{name: "number", address: `aws_s3_bucket.logs["b"]`, path: "days", value: 90.0, golden: "number.tf"},
		{name: "nested block refused", address: "aws_instance.web[0]", path: "root_block_device[0].volume_size", value: 30.0, reason: NestedBlock},
		{name: "list element number", address: "aws_security_group.web", path: "ports[1]", value: 8443.0, golden: "list.tf"},
		{name: "list element json number", address: "aws_security_group.web", path: "ports[1]", value: json.Number("8443"), golden: "list.tf"},
		{name: "negative number", address: "aws_security_group.web", path: "delay", value: 5.0, golden: "negative.tf"},
		{name: "number written as string stays a string", address: "aws_security_group.web", path: "port", value: 9090.0, golden: "quoted-number.tf"},
		{name: "map key", address: "aws_instance.web[0]", path: "tags.env", value: "staging", golden: "map-key.tf"},
		{name: "quoted map key", address: "aws_instance.web[0]", path: `tags["app.kubernetes.io/name"]`, value: "api", golden: "quoted-key.tf"},
		{name: "for_each instance goes to the one block", address: `aws_s3_bucket.logs["a"]`, path: "acl", value: "public-read", golden: "for-each.tf"},
		{name: "string with quotes and interpolation marks is escaped", address: "aws_security_group.web", path: "name", value: `we"b ${x} %{y}`, golden: "escaped.tf"},
		{name: "expression refused", address: "aws_instance.web[0]", path: "user_data", value: "x", reason: NotLiteral},
		{name: "template refused", address: `aws_s3_bucket.logs["a"]`, path: "bucket", value: "x", reason: NotLiteral},
		{name: "local in map refused", address: "aws_instance.web[0]", path: "tags.owner", value: "x", reason: NotLiteral},
		{name: "variable refused", address: "aws_instance.web[0]", path: "ebs_optimized", value: true, reason: Variable},
		{name: "variable list element refused", address: "aws_security_group.web", path: "cidrs[1]", value: "1.2.3.4/32", reason: Variable},
		{name: "module input refused", address: "module.net.aws_vpc.this", path: "cidr_block", value: "10.1.0.0/16", reason: ModuleInput},
		{name: "sensitive refused", address: "aws_instance.web[0]", path: "instance_type", value: "(sensitive)", reason: Sensitive},
		{name: "unknown refused", address: "aws_instance.web[0]", path: "instance_type", value: "(known after apply)", reason: Unsupported},
		{name: "null refused", address: "aws_instance.web[0]", path: "instance_type", value: nil, reason: Unsupported},
		{name: "whole map refused", address: "aws_instance.web[0]", path: "tags", value: "x", reason: Unsupported},
		{name: "attribute not in code", address: "aws_instance.web[0]", path: "key_name", value: "k", reason: NotFound},
		{name: "map key not in code", address: "aws_instance.web[0]", path: "tags.team", value: "a", reason: NotFound},
		{name: "list index out of range", address: "aws_security_group.web", path: "ports[5]", value: 1.0, reason: NotFound},
		{name: "resource not in file", address: "aws_instance.db", path: "ami", value: "a", reason: NotFound},
		{name: "data source refused", address: "data.aws_ami.x", path: "id", value: "a", reason: Unsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Rewrite(src, tt.address, tt.path, tt.value)
			if tt.golden == "" {
				if err == nil {
					t.Fatalf("Rewrite(%s, %s) = nil error, want refusal %q", tt.address, tt.path, tt.reason)
				}
				if diff := cmp.Diff(tt.reason, ReasonOf(err)); diff != "" {
					t.Errorf("Rewrite(%s, %s) reason (-want +got):\n%s\nerror: %v", tt.address, tt.path, diff, err)
				}
				if s, _ := tt.value.(string); s != "" && strings.Contains(err.Error(), s) && tt.reason == Sensitive {
					t.Errorf("error %q shows the value", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Rewrite(%s, %s): %v", tt.address, tt.path, err)
			}
			golden(t, filepath.Join("testdata", "rewrite", tt.golden), got)
		})
	}
}

// TestRewriteKeepsUnformattedFiles checks that a file that was not
// formatted is not reformatted: only the literal changes.
func TestRewriteKeepsUnformattedFiles(t *testing.T) {
	t.Parallel()
	src := []byte("resource \"a\" \"b\" {\n  x   =   \"old\"   // odd spacing\n y=1\n}\n")
	want := "resource \"a\" \"b\" {\n  x   =   \"new\"   // odd spacing\n y=1\n}\n"
	got, err := Rewrite(src, "a.b", "x", "new")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("Rewrite (-want +got):\n%s", diff)
	}
}

func TestRewriteRefusalError(t *testing.T) {
	t.Parallel()
	_, err := Rewrite([]byte("resource \"a\" \"b\" {\n  x = var.size\n}\n"), "a.b", "x", "new")
	want := "tfsource: rewrite a.b x: the code takes it from an input variable: change the variable's value instead (var.size)"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

func TestRewriteBadFile(t *testing.T) {
	t.Parallel()
	_, err := Rewrite([]byte("resource \"a\" {"), "a.b", "x", "new")
	if err == nil || ReasonOf(err) != "" {
		t.Errorf("error = %v, want a parse error that is not a refusal", err)
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

func TestParsePath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []pathSeg
	}{
		{"a", []pathSeg{{"a", -1}}},
		{"tags.env", []pathSeg{{"tags", -1}, {"env", -1}}},
		{`labels["app.kubernetes.io/name"]`, []pathSeg{{"labels", -1}, {"app.kubernetes.io/name", -1}}},
		{"disk[0].size", []pathSeg{{"disk", -1}, {"", 0}, {"size", -1}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := parsePath(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(pathSeg{})); diff != "" {
				t.Errorf("parsePath(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}
