package tftest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/myorg/drift-action/internal/execfile"
	"github.com/myorg/drift-action/internal/tfmirror"
)

// TofuVersion is the OpenTofu release SetupTofu builds.
const TofuVersion = "v1.10.10"

const tofuModule = "github.com/opentofu/opentofu"

// tofuBuildTimeout bounds the one-time build: a cold build cache on two
// busy shared cores took 10 to 20 minutes.
const tofuBuildTimeout = 30 * time.Minute

var (
	tofuOnce   sync.Once
	tofuShared *Env
	tofuErr    error
)

// SetupTofu returns an environment like Setup's whose executable is a real
// OpenTofu `tofu`, built from the Go module proxy on first use and cached per
// machine. A failed build fails the test: these tests never skip silently.
func SetupTofu(t testing.TB) *Env {
	t.Helper()
	Long(t)
	tofuOnce.Do(func() { tofuShared, tofuErr = buildTofuEnv() })
	if tofuErr != nil {
		t.Fatalf("tftest: %v", tofuErr)
	}
	return tofuShared
}

// Planner is an executable that plans the scenarios, with its environment.
type Planner struct {
	Name string // terraform or tofu
	Env  *Env
}

// Planners are terraform (on PATH) and a real OpenTofu, for scenarios that
// must behave alike with either.
func Planners(t testing.TB) []Planner {
	t.Helper()
	return []Planner{{"terraform", Setup(t)}, {"tofu", SetupTofu(t)}}
}

func buildTofuEnv() (*Env, error) {
	mirror, providers, err := ensureMirror()
	if err != nil {
		return nil, err
	}
	// OpenTofu resolves a source without a host ("hashicorp/local") on
	// registry.opentofu.org, terraform on registry.terraform.io: the mirror
	// holds the same builds under both hosts. OpenTofu's configuration
	// offers only its own host, so a test that ran terraform by mistake
	// fails at init instead of passing for the wrong executable.
	var tofuProviders []tfmirror.Provider
	for _, p := range providers {
		tofuProviders = append(tofuProviders, onHost(p, "registry.opentofu.org", mirror))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := tfmirror.Ensure(ctx, mirror, tofuProviders...); err != nil {
		return nil, err
	}
	bin, err := EnsureTofu(cacheBase())
	if err != nil {
		return nil, err
	}
	return newEnv(bin, mirror, tofuProviders)
}

// onHost is p served from another registry host; its "build" links the
// binary already in the mirror.
func onHost(p tfmirror.Provider, host, mirror string) tfmirror.Provider {
	q := p
	q.Source = host + p.Source[strings.Index(p.Source, "/"):]
	q.Build = func(_ context.Context, dst string) error {
		src := p.Path(mirror)
		if err := os.Link(src, dst); err == nil {
			return nil
		}
		return execfile.Copy(dst, src)
	}
	return q
}

// EnsureTofu returns base/tofu-VERSION/tofu, building it first when absent.
// The binary is built beside its final path and renamed into place only
// once it answers `version -json` with TofuVersion, so a parallel test
// process sees no binary or a whole, working one; a lock keeps parallel
// processes from building it twice.
func EnsureTofu(base string) (string, error) {
	dir := filepath.Join(base, "tofu-"+TofuVersion)
	bin := filepath.Join(dir, "tofu") // the name drift-action recognises OpenTofu by
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("build tofu: %w", err)
	}
	// One process builds; the others (go test runs packages in parallel)
	// wait here and find the binary.
	unlock, err := lockFile(filepath.Join(dir, "build.lock"))
	if err != nil {
		return "", fmt.Errorf("build tofu: %w", err)
	}
	defer unlock()
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), tofuBuildTimeout)
	defer cancel()
	tmp := fmt.Sprintf("%s.tmp%d", bin, os.Getpid())
	defer os.Remove(tmp)
	if err := buildTofu(ctx, dir, tmp); err != nil {
		return "", fmt.Errorf("build tofu %s from the Go module proxy: %w", TofuVersion, err)
	}
	if err := checkTofuVersion(ctx, tmp); err != nil {
		return "", fmt.Errorf("build tofu %s: %w", TofuVersion, err)
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", fmt.Errorf("build tofu: %w", err)
	}
	return bin, nil
}

// buildTofu downloads OpenTofu's module and builds cmd/tofu to dst. `go
// install pkg@version` refuses the module (its go.mod has replace
// directives), so it is built inside the downloaded module; that directory
// is read-only, hence -o. -mod=mod lets go use the module's own go.mod as
// the main module's; release builds use CGO_ENABLED=0 and version.dev=no
// (else `tofu version` says 1.10.10-dev).
func buildTofu(ctx context.Context, workDir, dst string) error {
	dl := exec.CommandContext(ctx, "go", "mod", "download", "-json", tofuModule+"@"+TofuVersion)
	dl.Dir = workDir // outside any module, so no go.mod is touched
	dl.Env = append(os.Environ(), "GOWORK=off")
	var stderr bytes.Buffer
	dl.Stderr = &stderr
	out, err := dl.Output()
	var mod struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &mod); jerr != nil && err == nil {
		err = jerr
	}
	if mod.Error != "" {
		err = errors.New(mod.Error)
	}
	if err != nil {
		return fmt.Errorf("go mod download: %w\n%s", err, stderr.String())
	}
	build := exec.CommandContext(ctx, "go", "build", "-trimpath",
		"-ldflags", "-s -w -X "+tofuModule+"/version.dev=no", "-o", dst, "./cmd/tofu")
	build.Dir = mod.Dir
	build.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0", "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -mod=mod"))
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/tofu in %s: %w\n%s", mod.Dir, err, out)
	}
	return nil
}

// checkTofuVersion runs bin version -json, which must name TofuVersion.
func checkTofuVersion(ctx context.Context, bin string) error {
	cmd := exec.CommandContext(ctx, bin, "version", "-json")
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE=/dev/null")
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("%s version -json: %w", bin, err)
	}
	var v struct {
		Version string `json:"terraform_version"` // OpenTofu keeps terraform's field name
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return fmt.Errorf("%s version -json: %w: %s", bin, err, out)
	}
	if "v"+v.Version != TofuVersion {
		return fmt.Errorf("%s version -json says %q, want %s", bin, v.Version, TofuVersion)
	}
	return nil
}
