package tftest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTofuBuild builds (or finds cached) the real OpenTofu and checks that
// it is the release asked for and that its environment installs both test
// providers under OpenTofu's registry host from the mirror. .ci/run runs
// it first, with a long timeout, so the one-time build never eats into
// another package's test timeout.
func TestTofuBuild(t *testing.T) {
	env := SetupTofu(t)
	if filepath.Base(env.Terraform) != "tofu" {
		t.Errorf("executable %s: drift-action tells OpenTofu by the name tofu", env.Terraform)
	}
	out, err := exec.Command(env.Terraform, "version", "-json").Output()
	if err != nil {
		t.Fatalf("%s version -json: %v", env.Terraform, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("version -json: %v: %s", err, out)
	}
	if diff := cmp.Diff(TofuVersion, "v"+v.Version); diff != "" {
		t.Errorf("tofu version (-want +got):\n%s", diff)
	}
	before, err := os.Stat(env.Terraform)
	if err != nil {
		t.Fatal(err)
	}
	again, err := EnsureTofu(cacheBase())
	if err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(again)
	if err != nil {
		t.Fatal(err)
	}
	if again != env.Terraform || !os.SameFile(before, after) || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("a second EnsureTofu rebuilt or moved the binary: %s then %s", env.Terraform, again)
	}

	// Sources without a host, as roots usually write them.
	root := WriteRoot(t, t.TempDir(), "root", map[string]string{"main.tf": `
terraform {
  required_providers {
    local     = { source = "hashicorp/local", version = "1.4.0" }
    fakecloud = { source = "myorg/fakecloud", version = "0.1.0" }
  }
}
`})
	env.Run(t, root, "init", "-input=false")
	lock, err := os.ReadFile(filepath.Join(root, ".terraform.lock.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`provider "registry.opentofu.org/hashicorp/local"`, `provider "registry.opentofu.org/myorg/fakecloud"`} {
		if !strings.Contains(string(lock), want) {
			t.Errorf("the lock file lacks %s:\n%s", want, lock)
		}
	}
}
