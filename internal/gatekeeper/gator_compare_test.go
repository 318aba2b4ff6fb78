package gatekeeper

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// gatorBinary is the gator binary named by $GATOR, for the comparison
// tests; they are skipped without it, except under CI=true where a missing
// gator fails. Build one with
//
//	GOBIN=/tmp/gk go install github.com/open-policy-agent/gatekeeper/v3/cmd/gator@v3.23.1
//	GATOR=/tmp/gk/gator go test ./internal/gatekeeper/ -run Gator
func gatorBinary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("GATOR")
	if bin == "" {
		if os.Getenv("CI") == "true" {
			// CI builds gator in .ci/run; agreement with it is part of the contract.
			t.Fatal("GATOR is not set: CI must compare verdicts with gator (see .ci/run)")
		}
		t.Skip("set GATOR to a gator binary to compare verdicts with `gator test` and `gator verify`")
	}
	return bin
}

// verdict is what both this package and gator report for a violation.
type verdict struct {
	Constraint, Resource, Msg, Action string
}

// TestMatchesGator runs `gator test -o json` on the inputs of every
// TestEvaluate case and compares its violations with Evaluate's.
func TestMatchesGator(t *testing.T) {
	t.Parallel()
	bin := gatorBinary(t)
	for _, tc := range evaluateCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := []string{"test", "-o", "json"}
			for _, p := range tc.paths {
				args = append(args, "-f", p)
			}
			cmd := exec.Command(bin, args...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1 && stderr.Len() == 0) {
				t.Fatalf("gator %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
			}
			var results []struct {
				Msg             string                     `json:"msg"`
				Constraint      *unstructured.Unstructured `json:"constraint"`
				Action          string                     `json:"enforcementAction"`
				Scoped          []string                   `json:"scopedActions"`
				ViolatingObject *unstructured.Unstructured `json:"violatingObject"`
			}
			if err := json.Unmarshal(stdout.Bytes(), &results); err != nil {
				t.Fatalf("gator output: %v\n%s", err, stdout.String())
			}
			var want []verdict
			for _, r := range results {
				want = append(want, verdict{
					Constraint: r.Constraint.GetKind() + "/" + r.Constraint.GetName(),
					Resource:   resource(r.ViolatingObject),
					Msg:        r.Msg,
					Action:     effectiveAction(r.Action, r.Scoped),
				})
			}
			rep, err := Evaluate(context.Background(), tc.paths)
			if err != nil {
				t.Fatal(err)
			}
			var got []verdict
			for _, v := range rep.Violations {
				got = append(got, verdict{v.Constraint, v.Resource, v.Msg, v.EnforcementAction})
			}
			sortVerdicts(want)
			sortVerdicts(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("gator test vs Evaluate on %q (-gator +Evaluate):\n%s", tc.paths, diff)
			}
		})
	}
}

func sortVerdicts(vs []verdict) {
	sort.Slice(vs, func(i, j int) bool {
		a, b := vs[i], vs[j]
		if a.Resource != b.Resource {
			return a.Resource < b.Resource
		}
		if a.Constraint != b.Constraint {
			return a.Constraint < b.Constraint
		}
		return a.Msg < b.Msg
	})
}

// TestVerifyMatchesGator runs `gator verify DIR/...` and Verify on the same
// suites and compares pass/fail.
func TestVerifyMatchesGator(t *testing.T) {
	t.Parallel()
	bin := gatorBinary(t)
	for _, dir := range []string{policyDir, tdp("suites", "pass"), tdp("suites", "fail"), tdp("suites", "badname")} {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(bin, "verify", dir+"/...")
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if err != nil && !errors.As(err, &exit) {
				t.Fatalf("gator verify %s: %v", dir, err)
			}
			gatorPass := err == nil
			ok, err := Verify(context.Background(), []string{dir}, io.Discard, false)
			if err != nil {
				t.Fatal(err)
			}
			if ok != gatorPass {
				t.Errorf("Verify(%s) = %v, gator verify passed = %v; gator said:\n%s", dir, ok, gatorPass, out)
			}
		})
	}
}
