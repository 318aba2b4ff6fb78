package tfsource

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFind(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{
		"main.tf": `terraform {
  required_version = ">= 1.6"
}

resource "aws_instance" "web" {
  count = 2
}

module "net" {
  source = "./modules/net"
}
`,
		"data.tf":      "\n\ndata \"aws_ami\" \"ubuntu\" {\n}\n",
		"json.tf.json": `{"resource": {"aws_s3_bucket": {"logs": {}}}}`,
		"broken.tf":    "resource \"x\" {",
	}
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ix := Load(dir)
	tests := []struct {
		addr string
		want Pos
		ok   bool
	}{
		{"aws_instance.web[1]", Pos{filepath.Join(dir, "main.tf"), 5}, true},
		{"aws_instance.web", Pos{filepath.Join(dir, "main.tf"), 5}, true},
		{`module.net.aws_vpc.this["a.b"]`, Pos{filepath.Join(dir, "main.tf"), 9}, true},
		{"data.aws_ami.ubuntu", Pos{filepath.Join(dir, "data.tf"), 3}, true},
		{"aws_s3_bucket.logs", Pos{filepath.Join(dir, "json.tf.json"), 1}, true},
		{"aws_instance.gone", Pos{}, false},
		{"nonsense", Pos{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			t.Parallel()
			got, ok := ix.Find(tt.addr)
			if ok != tt.ok {
				t.Fatalf("Find(%q) ok = %v, want %v", tt.addr, ok, tt.ok)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Find(%q) (-want +got):\n%s", tt.addr, diff)
			}
		})
	}
}
