package gatekeeper

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestVerify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		paths []string
		want  bool
		// lines that must appear in the output, in order
		lines []string
	}{
		{
			name:  "bundled policy suite passes",
			paths: []string{policyDir},
			want:  true,
			lines: []string{
				"ok    " + filepath.Join(policyDir, "suite.yaml"),
				"  ok    no-privileged-containers",
				"    ok    unprivileged-pod-is-allowed",
				"    ok    privileged-container-is-denied",
				"    ok    privileged-init-container-is-denied",
				"    ok    every-kind-of-container-is-checked",
				"    ok    kube-system-is-excluded",
				"  ok    exempt-images",
				"    ok    prefix-exemption-allows-kube-proxy",
				"    ok    exact-exemption-is-not-a-prefix",
				"    ok    other-images-are-still-denied",
				"PASS: 1 suite(s), 2 test(s), 8 case(s); 0 test(s) and 0 case(s) failed",
			},
		},
		{
			name:  "suite file given directly",
			paths: []string{filepath.Join(policyDir, "suite.yaml")},
			want:  true,
			lines: []string{"ok    " + filepath.Join(policyDir, "suite.yaml"), "PASS: 1 suite(s)"},
		},
		{
			name:  "directory is searched recursively (libs and CEL suites)",
			paths: []string{tdp("suites", "pass")},
			want:  true,
			lines: []string{
				"ok    " + tdp("suites", "pass", "cel", "suite.yaml"),
				"  ok    deployments-need-team",
				"    ok    deployment-without-team",
				"    ok    pods-are-not-matched",
				"ok    " + tdp("suites", "pass", "suite.yaml"),
				"  ok    no-latest-tag",
				"    ok    floating-tags",
				"    ok    pinned",
				"PASS: 2 suite(s), 2 test(s), 4 case(s)",
			},
		},
		{
			name:  "wrong expectation fails",
			paths: []string{tdp("suites", "fail")},
			want:  false,
			lines: []string{
				"FAIL  " + tdp("suites", "fail", "suite.yaml"),
				"  FAIL  no-privileged",
				"    ok    plain-pod-passes",
				"    FAIL  privileged-pod-wrongly-expected-to-pass",
				"          unexpected number of violations",
				"FAIL: 1 suite(s), 1 test(s), 2 case(s); 1 test(s) and 1 case(s) failed",
			},
		},
		{
			name:  "template with a CamelCase name: gator's error plus a hint",
			paths: []string{tdp("suites", "badname")},
			want:  false,
			lines: []string{
				"FAIL  " + tdp("suites", "badname", "suite.yaml"),
				"  FAIL  camel-case-template",
				`template "k8snoprivileged" not found`,
				"hint: " + tdp("bad", "camel-name-template.yaml") + ":6 (document 1)",
				`rename it to "k8snoprivileged"`,
			},
		},
		{
			name:  "a failing suite fails the whole run",
			paths: []string{policyDir, tdp("suites", "fail")},
			want:  false,
			lines: []string{"ok    " + filepath.Join(policyDir, "suite.yaml"), "FAIL  " + tdp("suites", "fail", "suite.yaml"), "FAIL: 2 suite(s)"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out strings.Builder
			got, err := Verify(context.Background(), tc.paths, &out, false)
			if err != nil {
				t.Fatalf("Verify(%q): %v\n%s", tc.paths, err, out.String())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Verify(%q) mismatch (-want +got):\n%s\noutput:\n%s", tc.paths, diff, out.String())
			}
			rest := out.String()
			for _, l := range tc.lines {
				i := strings.Index(rest, l)
				if i < 0 {
					t.Errorf("Verify(%q) output lacks %q (in order); output:\n%s", tc.paths, l, out.String())
					break
				}
				rest = rest[i+len(l):]
			}
		})
	}
}

func TestVerifyVerbose(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	ok, err := Verify(context.Background(), []string{tdp("suites", "pass", "suite.yaml")}, &out, true)
	if err != nil || !ok {
		t.Fatalf("Verify = %v, %v; output:\n%s", ok, err, out.String())
	}
	if !strings.Contains(out.String(), "    ok    floating-tags (") {
		t.Errorf("verbose output lacks case run times:\n%s", out.String())
	}
}

func TestVerifyErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		paths []string
		want  string
	}{
		{"no paths", nil, "no suite paths"},
		{"directory without suites", []string{tdp("suites", "empty")}, "no Suite"},
		{"file that is not a suite", []string{policyTemplate}, "no Suite"},
		{"missing path", []string{tdp("suites", "nope")}, "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out strings.Builder
			ok, err := Verify(context.Background(), tc.paths, &out, false)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Verify(%q) = %v, %v; want an error containing %q", tc.paths, ok, err, tc.want)
			}
			if ok {
				t.Errorf("Verify(%q) = true with an error", tc.paths)
			}
		})
	}
}
