// Package tfmirror lays providers out as a terraform filesystem mirror, so
// terraform init works where no registry is reachable (the demo, the tests).
// Providers are built from Go source and cached; building is safe to race
// between processes because each binary appears by atomic rename.
package tfmirror

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Provider is one provider to place in the mirror.
type Provider struct {
	Source  string // e.g. registry.terraform.io/hashicorp/local
	Version string // e.g. 1.4.0
	// Build writes the provider executable to dst.
	Build func(ctx context.Context, dst string) error
}

// Path is where terraform looks for the provider inside the mirror.
func (p Provider) Path(mirror string) string {
	name := p.Source[strings.LastIndex(p.Source, "/")+1:]
	return filepath.Join(mirror, filepath.FromSlash(p.Source), p.Version, runtime.GOOS+"_"+runtime.GOARCH,
		"terraform-provider-"+name+"_v"+p.Version)
}

// Ensure builds every provider not yet in the mirror.
func Ensure(ctx context.Context, mirror string, providers ...Provider) error {
	for _, p := range providers {
		dst := p.Path(mirror)
		if _, err := os.Stat(dst); err == nil {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("mirror %s: %w", p.Source, err)
		}
		tmp := fmt.Sprintf("%s.tmp%d", dst, os.Getpid())
		if err := p.Build(ctx, tmp); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("build provider %s %s: %w", p.Source, p.Version, err)
		}
		if err := os.Rename(tmp, dst); err != nil {
			return fmt.Errorf("mirror %s: %w", p.Source, err)
		}
	}
	return nil
}

// CLIConfig is a terraform CLI configuration that installs the given
// providers from the mirror and nothing from the network.
func CLIConfig(mirror string, providers ...Provider) string {
	var inc []string
	for _, p := range providers {
		inc = append(inc, fmt.Sprintf("%q", p.Source))
	}
	return fmt.Sprintf(`provider_installation {
  filesystem_mirror {
    path    = %q
    include = [%s]
  }
  direct {
    exclude = ["registry.terraform.io/*/*", "registry.opentofu.org/*/*"]
  }
}
`, mirror, strings.Join(inc, ", "))
}

// GoInstall builds module@version with `go install` (through the Go module
// proxy) and moves the binary to dst.
func GoInstall(module, version string) func(context.Context, string) error {
	return func(ctx context.Context, dst string) error {
		bin, err := os.MkdirTemp(filepath.Dir(dst), "gobin-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(bin)
		cmd := exec.CommandContext(ctx, "go", "install", module+"@"+version)
		cmd.Env = append(os.Environ(), "GOBIN="+bin, "CGO_ENABLED=0")
		cmd.Dir = bin
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go install %s@%s: %w\n%s", module, version, err, out)
		}
		return os.Rename(filepath.Join(bin, filepath.Base(module)), dst)
	}
}

// GoBuild builds the main package in dir (its own module) to dst.
func GoBuild(dir string) func(context.Context, string) error {
	return func(ctx context.Context, dst string) error {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", dst, ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build in %s: %w\n%s", dir, err, out)
		}
		return nil
	}
}

// Local is hashicorp/local 1.4.0, whose files are real out-of-band state.
var Local = Provider{
	Source:  "registry.terraform.io/hashicorp/local",
	Version: "1.4.0",
	Build:   GoInstall("github.com/terraform-providers/terraform-provider-local", "v1.4.0"),
}
