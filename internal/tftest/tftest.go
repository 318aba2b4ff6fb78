// Package tftest gives real-terraform tests what they share: a provider
// mirror (hashicorp/local from the Go module proxy and the test-only
// fakecloud provider from testdata/fakecloud) and a real OpenTofu, each
// built once per machine and cached, and scenario roots in temporary
// directories. It is imported by tests only.
package tftest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/myorg/drift-action/internal/execfile"
	"github.com/myorg/drift-action/internal/tfmirror"
)

// Env is a terraform environment that needs no network.
type Env struct {
	Terraform string   // terraform executable
	CLIConfig string   // TF_CLI_CONFIG_FILE content's path
	Environ   []string // environment for terraform and for drift-action
	CacheDir  string   // plugin cache shared by the tests of one process
}

var (
	once    sync.Once
	shared  *Env
	initErr error
)

// Setup returns the shared environment, building providers on first use. A
// missing terraform fails the test: these tests never skip silently.
func Setup(t testing.TB) *Env {
	t.Helper()
	Long(t)
	once.Do(func() { shared, initErr = build() })
	if initErr != nil {
		t.Fatalf("tftest: %v", initErr)
	}
	return shared
}

// Long skips a test that runs real terraform, git or a stress load when the
// unit tests alone were asked for (go test -short); CI runs everything.
func Long(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs real terraform, git or a load; run without -short")
	}
}

// FakeCloud is the test provider; its source hash names its mirror so a
// changed provider never meets a stale lock file.
func fakeCloud(src string) tfmirror.Provider {
	return tfmirror.Provider{Source: "registry.terraform.io/myorg/fakecloud", Version: "0.1.0", Build: tfmirror.GoBuild(src)}
}

func build() (*Env, error) {
	tfBin, err := exec.LookPath("terraform")
	if err != nil {
		return nil, fmt.Errorf("terraform is not on PATH: these tests run real terraform; install terraform >= 1.6 and retry (%w)", err)
	}
	mirror, providers, err := ensureMirror()
	if err != nil {
		return nil, err
	}
	return newEnv(tfBin, mirror, providers)
}

// cacheBase is where built providers and executables are kept between runs.
func cacheBase() string {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	return filepath.Join(cache, "drift-action-test")
}

// ensureMirror builds the provider mirror (once per machine and fakecloud
// source) and returns it with the providers it serves to terraform.
func ensureMirror() (string, []tfmirror.Provider, error) {
	_, self, _, _ := runtime.Caller(0)
	repo := filepath.Join(filepath.Dir(self), "..", "..")
	src := filepath.Join(repo, "testdata", "fakecloud")
	sum, err := hashDir(src)
	if err != nil {
		return "", nil, fmt.Errorf("hash fakecloud source: %w", err)
	}
	mirror := filepath.Join(cacheBase(), "mirror-"+sum[:12])
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	providers := []tfmirror.Provider{tfmirror.Local, fakeCloud(src)}
	if err := tfmirror.Ensure(ctx, mirror, providers...); err != nil {
		return "", nil, err
	}
	return mirror, providers, nil
}

// newEnv writes a CLI configuration serving providers from mirror and
// returns the environment that runs bin with it.
func newEnv(bin, mirror string, providers []tfmirror.Provider) (*Env, error) {
	dir, err := os.MkdirTemp("", "tftest-")
	if err != nil {
		return nil, err
	}
	cfg := filepath.Join(dir, "terraform.rc")
	if err := os.WriteFile(cfg, []byte(tfmirror.CLIConfig(mirror, providers...)), 0o644); err != nil {
		return nil, err
	}
	env := &Env{Terraform: bin, CLIConfig: cfg, CacheDir: filepath.Join(dir, "plugin-cache")}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "TF_") || strings.HasPrefix(k, "TOFU_") || strings.HasPrefix(k, "FAKECLOUD_") {
			continue // the developer's terraform and OpenTofu settings must not leak into tests
		}
		env.Environ = append(env.Environ, kv)
	}
	// OpenTofu 1.10 reads TF_CLI_CONFIG_FILE too (it has no TOFU_ name for it).
	env.Environ = append(env.Environ, "TF_CLI_CONFIG_FILE="+cfg, "CHECKPOINT_DISABLE=1")
	return env, nil
}

func hashDir(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		f, err := os.Open(filepath.Join(dir, n))
		if err != nil {
			return "", err
		}
		io.WriteString(h, n)
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// WriteRoot writes files (name -> content) into dir/rel and returns its path.
func WriteRoot(t testing.TB, dir, rel string, files map[string]string) string {
	t.Helper()
	root := filepath.Join(dir, rel)
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// Run runs terraform in dir with the test environment and fails on error.
func (e *Env) Run(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(e.Terraform, args...)
	cmd.Dir = dir
	cmd.Env = append(append([]string{}, e.Environ...), "TF_IN_AUTOMATION=1", "TF_INPUT=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("terraform %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	return string(out)
}

// Apply initialises and applies the root at dir.
func (e *Env) Apply(t testing.TB, dir string) {
	t.Helper()
	e.Run(t, dir, "init", "-input=false")
	e.Run(t, dir, "apply", "-auto-approve", "-input=false")
}

// FakeCloudProvider is the terraform block and provider configuration for a
// root using fakecloud with the cloud kept in stateFile.
func FakeCloudProvider(stateFile string) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    fakecloud = { source = "myorg/fakecloud", version = "0.1.0" }
  }
}

provider "fakecloud" {
  state_file = %q
}
`, stateFile)
}

// Cloud is a fakecloud state file that tests edit out-of-band.
type Cloud struct{ Path string }

// Edit rewrites the cloud document through fn, atomically.
func (c Cloud) Edit(t testing.TB, fn func(doc map[string]any)) {
	t.Helper()
	data, err := os.ReadFile(c.Path)
	if err != nil {
		t.Fatalf("read cloud: %v", err)
	}
	doc := map[string]any{}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("parse cloud: %v", err)
	}
	fn(doc)
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	tmp := c.Path + ".edit"
	if err := os.WriteFile(tmp, out, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, c.Path); err != nil {
		t.Fatal(err)
	}
}

// EditInstance changes the first instance named name.
func (c Cloud) EditInstance(t testing.TB, name string, fn func(inst map[string]any)) {
	t.Helper()
	found := false
	c.Edit(t, func(doc map[string]any) {
		insts, _ := doc["instances"].(map[string]any)
		for id, v := range insts {
			inst, _ := v.(map[string]any)
			if inst["name"] == name {
				fn(inst)
				insts[id] = inst
				found = true
				return
			}
		}
	})
	if !found {
		t.Fatalf("cloud %s has no instance named %q", c.Path, name)
	}
}

// DeleteInstance removes the instance named name, as if deleted by hand.
func (c Cloud) DeleteInstance(t testing.TB, name string) {
	t.Helper()
	c.Edit(t, func(doc map[string]any) {
		insts, _ := doc["instances"].(map[string]any)
		for id, v := range insts {
			if inst, _ := v.(map[string]any); inst["name"] == name {
				delete(insts, id)
			}
		}
	})
}

// Wrapper writes an executable that stands in for terraform and returns its
// path. Every subcommand goes to the real terraform (terraform-exec also runs
// `terraform version`) except plan, which runs planScript: a POSIX sh
// fragment in which "$TERRAFORM" is the real binary and "$@" the plan's
// arguments. A fragment that does not exit falls through to the real plan.
func (e *Env) Wrapper(t testing.TB, planScript string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "terraform")
	script := fmt.Sprintf("#!/bin/sh\nTERRAFORM=%s\nif [ \"$1\" = plan ]; then\n%s\nfi\nexec \"$TERRAFORM\" \"$@\"\n", shellQuote(e.Terraform), planScript)
	if err := execfile.Write(p, []byte(script)); err != nil {
		t.Fatal(err)
	}
	return p
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
