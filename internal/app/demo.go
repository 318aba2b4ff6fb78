package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/demo"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/exitcode"
)

// runDemo applies the bundled example, drifts it and runs detect on it. The
// demo succeeds when detection works, whatever drift it finds.
func runDemo(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	cache := env.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		cache = filepath.Join(env.Getenv("HOME"), ".cache")
	}
	tfBin := env.Getenv("DRIFT_ACTION_TERRAFORM")
	if tfBin == "" {
		tfBin = "terraform"
	}
	setup, err := demo.Prepare(ctx, filepath.Join(cache, "drift-action", "demo"), tfBin, env.Environ, stderr)
	if setup.Dir != "" {
		defer os.RemoveAll(setup.Dir)
	}
	if err != nil {
		return err
	}
	denv := config.Env{Getenv: env.Getenv, Cwd: setup.Dir,
		Environ: append(append([]string{}, env.Environ...), "TF_CLI_CONFIG_FILE="+setup.CLIConfig)}
	c, err := config.ParseDetect(append(append([]string{"--terraform", tfBin}, args...), setup.Dir), denv, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "\nrunning: drift-action detect %s\n\n", setup.Dir)
	det, err := Detect(ctx, c, stderr)
	if det.PlanDir != "" {
		defer os.RemoveAll(det.PlanDir)
	}
	if err != nil {
		return err
	}
	det.Doc.ApplyCheckLevel(drift.CheckLevel(c.File.Checks))
	if err := render(stdout, c.Format, det.Doc, c.Color && isTerminal(stdout)); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	code := det.Doc.ExitCode()
	fmt.Fprintf(stderr, "\ndetect would exit %d (%s); the demo itself succeeded.\n", code, exitcode.Short)
	if code == ExitError {
		return ExitStatus(ExitError)
	}
	return nil
}
