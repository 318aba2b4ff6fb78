package main

import (
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBinaryLinksNoKubernetes keeps the Kubernetes libraries (k8s.io and
// sigs.k8s.io modules) out of the action's binary: they are large and slow
// to start, and only the Gatekeeper companion binary needs them.
func TestBinaryLinksNoKubernetes(t *testing.T) {
	t.Parallel()
	out, err := exec.CommandContext(t.Context(), "go", "list", "-deps", ".").Output()
	if err != nil {
		var stderr string
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go list -deps .: %v\n%s", err, stderr)
	}
	var k8s []string
	for _, pkg := range strings.Fields(string(out)) {
		host, _, _ := strings.Cut(pkg, "/")
		if host == "k8s.io" || strings.HasSuffix(host, ".k8s.io") {
			k8s = append(k8s, pkg)
		}
	}
	if diff := cmp.Diff([]string(nil), k8s); diff != "" {
		t.Errorf("packages of the main binary from Kubernetes modules (-want +got):\n%s\n"+
			"move the code that needs them into the companion binary, or write the small part needed locally", diff)
	}
	if !strings.Contains(string(out), "github.com/myorg/drift-action/internal/app\n") {
		t.Errorf("go list -deps . did not list internal/app; is the test running in the repository root?\n%s", out)
	}
}
