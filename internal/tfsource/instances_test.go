package tfsource

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestInstancesOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, code string
		want       Instances
		has, hasNo []string
	}{
		{name: "single", code: `x = 1`, want: Instances{Count: -1}},
		{name: "count literal", code: `count = 3`, want: Instances{Repeated: true, Known: true, Count: 3}, has: []string{"0", "2"}, hasNo: []string{"3", "-1", "01", "a"}},
		{name: "count zero", code: `count = 0`, want: Instances{Repeated: true, Known: true, Count: 0}, hasNo: []string{"0"}},
		{name: "count variable", code: `count = var.n`, want: Instances{Repeated: true, Count: -1, Expr: "var.n"}, hasNo: []string{"0"}},
		{name: "count absurd", code: `count = 1e9999999`, want: Instances{Repeated: true, Count: -1, Expr: "1e9999999"}},
		{name: "count fraction", code: `count = 1.5`, want: Instances{Repeated: true, Count: -1, Expr: "1.5"}},
		{name: "for_each toset", code: `for_each = toset(["a", "b", "a"])`, want: Instances{Repeated: true, Known: true, Count: -1, Keys: []string{"a", "b"}}, has: []string{"a", "b"}, hasNo: []string{"c"}},
		{name: "for_each map", code: "for_each = {\n  a = 1\n  \"b.c\" = 2\n}", want: Instances{Repeated: true, Known: true, Count: -1, Keys: []string{"a", "b.c"}}, has: []string{"b.c"}},
		{name: "for_each list is not terraform's", code: `for_each = ["a"]`, want: Instances{Repeated: true, Count: -1, Expr: `["a"]`}},
		{name: "for_each expression", code: `for_each = toset(var.names)`, want: Instances{Repeated: true, Count: -1, Expr: "toset(var.names)"}},
		{name: "for_each template key", code: `for_each = toset(["${var.a}"])`, want: Instances{Repeated: true, Count: -1, Expr: `toset(["${var.a}"])`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := []byte("resource \"a\" \"b\" {\n  " + tt.code + "\n}\n")
			got, err := InstancesOf(src, "a.b[0]")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("InstancesOf (-want +got):\n%s", diff)
			}
			for _, k := range tt.has {
				if !got.Has(k) {
					t.Errorf("Has(%q) = false", k)
				}
			}
			for _, k := range tt.hasNo {
				if got.Has(k) {
					t.Errorf("Has(%q) = true", k)
				}
			}
		})
	}
}

func TestInstanceKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		address, key, block string
		ok                  bool
	}{
		{"aws_instance.web", "", "aws_instance.web", false},
		{"aws_instance.web[0]", "0", "aws_instance.web", true},
		{`aws_s3_bucket.logs["a"]`, "a", "aws_s3_bucket.logs", true},
		{`aws_s3_bucket.logs["a[1]"]`, "a[1]", "aws_s3_bucket.logs", true},
		{`aws_s3_bucket.logs["q\"[x"]`, `q"[x`, "aws_s3_bucket.logs", true},
		{`aws_s3_bucket.logs["a.b"]`, "a.b", "aws_s3_bucket.logs", true},
	}
	for _, tt := range tests {
		t.Run(tt.address, func(t *testing.T) {
			t.Parallel()
			key, ok := InstanceKey(tt.address)
			if diff := cmp.Diff([]any{tt.key, tt.ok}, []any{key, ok}); diff != "" {
				t.Errorf("InstanceKey (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.block, BlockAddress(tt.address)); diff != "" {
				t.Errorf("BlockAddress (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRewriteAbsurdNumbers: a plan value is untrusted; a number that
// would take millions of digits to write is refused at once, not written.
func TestRewriteAbsurdNumbers(t *testing.T) {
	t.Parallel()
	src := []byte("resource \"a\" \"b\" {\n  n = 1\n  s = \"1\"\n}\n")
	tests := []struct {
		name  string
		path  string
		value any
	}{
		{"huge json number", "n", json.Number("1e9999999")},
		{"huge negative", "n", json.Number("-1e9999999")},
		{"tiny", "n", json.Number("1e-9999999")},
		{"exponent overflow", "n", json.Number("1e99999999999999999999")},
		{"long text", "n", json.Number("1" + strings.Repeat("0", 1000))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			done := make(chan error, 1)
			go func() {
				_, err := Rewrite(src, "a.b", tt.path, tt.value)
				done <- err
			}()
			select {
			case err := <-done:
				if diff := cmp.Diff(Unsupported, ReasonOf(err)); diff != "" {
					t.Errorf("reason (-want +got):\n%s\nerror: %v", diff, err)
				}
			case <-time.After(time.Minute):
				t.Fatal("Rewrite did not return within a minute: it hangs on the number")
			}
		})
	}
	// Numbers in float64's range are still written.
	for _, v := range []any{json.Number("1.7976931348623157e308"), json.Number("5e-324"), 1e300} {
		if _, err := Rewrite(src, "a.b", "n", v); err != nil {
			t.Errorf("Rewrite(%v): %v", v, err)
		}
	}
}
