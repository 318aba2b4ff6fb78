package tf

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/myorg/drift-action/internal/tftest"
)

// TestReadmeProviderMirror plans a root with the README's provider mirror
// configuration as written, its path pointed at the tests' filesystem
// mirror: with no registry reachable, init installs hashicorp/local from
// the mirror alone, so the snippet users copy works.
func TestReadmeProviderMirror(t *testing.T) {
	tftest.Long(t)
	t.Parallel()
	env := tftest.Setup(t)
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n### Providers without the registry (network-restricted runners)\n")
	if !ok {
		t.Fatal("README.md has no provider mirror section")
	}
	_, block, ok := strings.Cut(section, "```hcl\n")
	block, _, _ = strings.Cut(block, "```")
	if !ok || !strings.Contains(block, "filesystem_mirror") {
		t.Fatalf("the section has no hcl block with a filesystem_mirror:\n%s", section)
	}
	tests, err := os.ReadFile(env.CLIConfig)
	if err != nil {
		t.Fatal(err)
	}
	pathLine := regexp.MustCompile(`path\s*=\s*"([^"]+)"`)
	m := pathLine.FindStringSubmatch(string(tests))
	if m == nil {
		t.Fatalf("no mirror path in the tests' CLI configuration:\n%s", tests)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "terraformrc")
	if err := os.WriteFile(cfg, []byte(pathLine.ReplaceAllString(block, `path = "`+m[1]+`"`)), 0o644); err != nil {
		t.Fatal(err)
	}
	var environ []string
	for _, kv := range env.Environ {
		if !strings.HasPrefix(kv, "TF_CLI_CONFIG_FILE=") {
			environ = append(environ, kv)
		}
	}
	environ = append(environ, "TF_CLI_CONFIG_FILE="+cfg)
	root := tftest.WriteRoot(t, dir, "root", map[string]string{"main.tf": `terraform {
  required_providers {
    local = { source = "hashicorp/local" }
  }
}
resource "local_file" "f" {
  filename = "${path.module}/out.txt"
  content  = "x"
}
`})
	o := options(env, env.Terraform)
	o.Env, o.PluginCacheDir = environ, "" // no cache: init must install from the mirror
	out, err := Run(context.Background(), Target{Dir: root, PlanFile: filepath.Join(dir, "plan")}, o)
	if err != nil {
		t.Fatalf("plan with the README's mirror configuration: %v", err)
	}
	if out.Events.Planned != 1 {
		t.Errorf("%d planned changes, want the local_file to create", out.Events.Planned)
	}
}
