package app

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sethvargo/go-githubactions"
)

func TestRunnerUntrustedAndOutputs(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	outFile := filepath.Join(t.TempDir(), "out")
	gha := githubactions.New(githubactions.WithWriter(&out), githubactions.WithGetenv(func(k string) string {
		if k == "GITHUB_OUTPUT" {
			return outFile
		}
		return ""
	}))
	r := runner{gha: gha, out: &out}
	r.untrusted("::set-output name=x::1\n::add-mask::y")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("want stop, 2 lines, resume; got %q", lines)
	}
	m := regexp.MustCompile(`^::stop-commands::([0-9a-f]{32})$`).FindStringSubmatch(lines[0])
	if m == nil || lines[3] != "::"+m[1]+"::" {
		t.Errorf("untrusted text not fenced by a random stop-commands token: %q", lines)
	}
	if err := r.setOutput("drift-detected", "true\n_GitHubActionsFileCommandDelimeter_\npwned=1"); err == nil {
		t.Errorf("a multi-line output value must be refused")
	}
	if err := r.setOutput("drift-detected", "true"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(outFile)
	if strings.Contains(string(b), "pwned") || !strings.Contains(string(b), "drift-detected<<") {
		t.Errorf("output file: %q", b)
	}
	bad := runner{gha: githubactions.New(githubactions.WithWriter(&out), githubactions.WithGetenv(func(k string) string {
		return map[string]string{"GITHUB_OUTPUT": "/nonexistent/dir/out"}[k]
	})), out: &out}
	if err := bad.setOutput("k", "v"); err == nil {
		t.Errorf("an unwritable output file must be an error, not a panic or silence")
	}
}

func TestFindGatekeeperMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := findGatekeeper("")
	if err == nil || !strings.Contains(err.Error(), "drift-action-gatekeeper not found") || !strings.Contains(err.Error(), "go build") {
		t.Errorf("error = %v, want one that says how to get the companion binary", err)
	}
	if p, err := findGatekeeper("/opt/gk"); err != nil || p != "/opt/gk" {
		t.Errorf("explicit path: %q %v", p, err)
	}
}
