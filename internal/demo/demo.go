// Package demo shows drift-action end to end on a bundled example: it applies
// small roots with real terraform into a temporary directory, changes the
// world out-of-band, and hands the directory to detection.
package demo

import (
	"context"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"
	"github.com/myorg/drift-action/internal/tfmirror"
)

//go:embed infra
var infra embed.FS

// Setup is a prepared demo workspace.
type Setup struct {
	Dir       string // holds the applied roots
	CLIConfig string // terraform CLI config naming the provider mirror
}

// Prepare builds the provider mirror (cached under cacheDir), applies the
// example into a new temporary directory and then drifts it.
func Prepare(ctx context.Context, cacheDir, terraform string, environ []string, log io.Writer) (Setup, error) {
	return prepare(ctx, "", cacheDir, terraform, environ, log)
}

// PrepareRepo is Prepare into dir (created, or empty), which it then makes
// a git repository holding the example's code on branch main, for record
// and remediate to keep their record in. Terraform's state and the files
// it renders stay out of git, as in a real repository.
func PrepareRepo(ctx context.Context, dir, cacheDir, terraform string, environ []string, log io.Writer) (Setup, error) {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return Setup{}, fmt.Errorf("demo: %s is not empty: name a new or empty directory", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Setup{}, fmt.Errorf("demo: %w", err)
	}
	s, err := prepare(ctx, dir, cacheDir, terraform, environ, log)
	if err != nil {
		return s, err
	}
	ignore := "# terraform's working files and what it renders: not code\n.terraform/\n*.tfstate*\n.terraform.lock.hcl\nrendered/\nterraform.rc\n"
	if err := os.WriteFile(filepath.Join(dir, ".gitignore"), []byte(ignore), 0o644); err != nil {
		return s, fmt.Errorf("demo: %w", err)
	}
	for _, args := range [][]string{
		{"init", "--quiet", "--initial-branch=main"},
		{"add", "."},
		{"-c", "user.name=drift-action demo", "-c", "user.email=demo@example.invalid", "commit", "--quiet", "-m", "the demo's infrastructure code"},
	} {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return s, fmt.Errorf("demo: git %s: %w: %s", args[0], err, out)
		}
	}
	return s, nil
}

func prepare(ctx context.Context, dir, cacheDir, terraform string, environ []string, log io.Writer) (Setup, error) {
	mirror := filepath.Join(cacheDir, "provider-mirror")
	if _, err := os.Stat(tfmirror.Local.Path(mirror)); err != nil {
		fmt.Fprintf(log, "building hashicorp/local %s from the Go module proxy (first run only, usually a minute or two; cached in %s)...\n", tfmirror.Local.Version, mirror)
		// A cold build is silent for a long while: say it is still going.
		stop := ticker(log, 15*time.Second, "still building hashicorp/local")
		err = tfmirror.Ensure(ctx, mirror, tfmirror.Local)
		stop()
		if err != nil {
			return Setup{}, fmt.Errorf("demo: %w", err)
		}
		fmt.Fprintln(log, "provider built.")
	}
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "drift-action-demo-"); err != nil {
			return Setup{}, fmt.Errorf("demo: %w", err)
		}
	}
	s := Setup{Dir: dir, CLIConfig: filepath.Join(dir, "terraform.rc")}
	if err := os.WriteFile(s.CLIConfig, []byte(tfmirror.CLIConfig(mirror, tfmirror.Local)), 0o644); err != nil {
		return s, fmt.Errorf("demo: %w", err)
	}
	if err := copyInfra(dir); err != nil {
		return s, fmt.Errorf("demo: copy example: %w", err)
	}
	for _, root := range []string{"app", "network"} {
		fmt.Fprintf(log, "applying example root %s with terraform...\n", root)
		tfx, err := tfexec.NewTerraform(filepath.Join(dir, root), terraform)
		if err != nil {
			return s, fmt.Errorf("demo: %w", err)
		}
		env := map[string]string{}
		for _, kv := range environ {
			if k, v, ok := strings.Cut(kv, "="); ok {
				env[k] = v
			}
		}
		env["TF_CLI_CONFIG_FILE"] = s.CLIConfig
		if err := tfx.SetEnv(tfexec.CleanEnv(env)); err != nil {
			return s, fmt.Errorf("demo: %w", err)
		}
		if err := tfx.Init(ctx); err != nil {
			return s, fmt.Errorf("demo: init %s: %w", root, err)
		}
		if err := tfx.Apply(ctx); err != nil {
			return s, fmt.Errorf("demo: apply %s: %w", root, err)
		}
	}
	fmt.Fprintln(log, "changing the world out-of-band:")
	fmt.Fprintln(log, "  - editing app/rendered/app.conf by hand: hashicorp/local 1.4.0 reads a file whose content changed as gone, so terraform reports it deleted outside terraform and plans to re-create it (cause: drift)")
	fmt.Fprintln(log, "  - deleting app/rendered/feature-flags.json: deleted outside terraform, re-created by the plan (cause: drift)")
	fmt.Fprintln(log, "  - adding terraform_data.subnet to network/main.tf without applying it: a pending code change (cause: code)")
	rendered := filepath.Join(dir, "app", "rendered")
	if err := os.WriteFile(filepath.Join(rendered, "app.conf"), []byte("listen = 8080\nworkers = 32 # hotfix during incident\n"), 0o644); err != nil {
		return s, fmt.Errorf("demo: drift: %w", err)
	}
	if err := os.Remove(filepath.Join(rendered, "feature-flags.json")); err != nil {
		return s, fmt.Errorf("demo: drift: %w", err)
	}
	pending := "\nresource \"terraform_data\" \"subnet\" {\n  input = \"10.0.1.0/24\"\n}\n"
	f, err := os.OpenFile(filepath.Join(dir, "network", "main.tf"), os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		_, err = f.WriteString(pending)
		err = errJoin(err, f.Close())
	}
	if err != nil {
		return s, fmt.Errorf("demo: pending change: %w", err)
	}
	return s, nil
}

// ticker writes "msg (Ns)..." every interval until stop is called.
func ticker(log io.Writer, every time.Duration, msg string) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fmt.Fprintf(log, "%s (%s)...\n", msg, time.Since(start).Round(time.Second))
			}
		}
	}()
	return func() { close(done); <-finished }
}

func errJoin(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func copyInfra(dst string) error {
	return fs.WalkDir(infra, "infra", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("infra", p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := infra.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}
