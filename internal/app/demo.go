package app

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/demo"
)

// runDemo applies the bundled example, drifts it and runs detect on it. The
// demo succeeds when detection works, whatever drift it finds.
func runDemo(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	d := config.ParseDemo(env)
	tfBin := d.Terraform
	setup, err := demo.Prepare(ctx, d.CacheDir, tfBin, env.Environ, stderr)
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
	run, err := detect(ctx, c, stderr)
	defer run.Close()
	if err != nil {
		return err
	}
	doc := document(run)
	if err := render(stdout, c.Format, doc, c.Color && isTerminal(stdout)); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	code := doc.ExitCode()
	fmt.Fprintf(stderr, "\ndetect would exit %d (0 clean, 1 error, 2 drift or pending changes); the demo itself succeeded.\n", code)
	if code == ExitError {
		return ExitStatus(ExitError)
	}
	return nil
}
