package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/demo"
	"github.com/myorg/drift-action/internal/exitcode"
)

// runDemo applies the bundled example, drifts it and runs detect on it. The
// demo succeeds when detection works, whatever drift it finds.
func runDemo(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	// Flags are checked before the slow set-up: -h or a typo must not apply anything.
	var format, keep string
	fset := flag.NewFlagSet("demo", flag.ContinueOnError)
	fset.StringVar(&format, "format", "text", "output `FORMAT` of the detect run: "+strings.Join(config.Formats, ", "))
	fset.StringVar(&keep, "keep", "", "apply into `DIR` (new or empty) and keep it, a git repository for record and remediate to try (README: Try it locally)")
	demoCmd := config.Command{Flags: fset, Header: "usage: drift-action demo [--format FORMAT] [--keep DIR]\n\n" +
		"Applies a small bundled example with real terraform into a temporary directory,\n" +
		"changes it behind terraform's back, adds a resource to the code and runs detect\n" +
		"on it. Needs terraform (or $DRIFT_ACTION_TERRAFORM) and the Go module proxy\n" +
		"once, for the provider (cached under ~/.cache/drift-action/demo).\n\n" +
		"Exit codes: 0 the demo ran (whatever drift it found), 1 error.\n"}
	extra, err := demoCmd.Parse(args, stderr)
	if err != nil {
		return err
	}
	if len(extra) > 0 {
		fmt.Fprint(stderr, demoCmd.Usage())
		return fmt.Errorf("demo: unexpected argument %q: the demo plans its own example; use detect for your directories", extra[0])
	}
	if !slices.Contains(config.Formats, format) {
		return fmt.Errorf("demo: --format %q is not supported: use one of %s", format, strings.Join(config.Formats, ", "))
	}
	d := config.ParseDemo(env)
	tfBin := d.Terraform
	var setup demo.Setup
	if keep != "" {
		if !filepath.IsAbs(keep) {
			keep = filepath.Join(env.Cwd, keep)
		}
		setup, err = demo.PrepareRepo(ctx, keep, d.CacheDir, tfBin, env.Environ, stderr)
	} else {
		setup, err = demo.Prepare(ctx, d.CacheDir, tfBin, env.Environ, stderr)
		if setup.Dir != "" {
			defer os.RemoveAll(setup.Dir)
		}
	}
	if err != nil {
		return err
	}
	denv := config.Env{Getenv: env.Getenv, Cwd: setup.Dir,
		Environ: append(append([]string{}, env.Environ...), "TF_CLI_CONFIG_FILE="+setup.CLIConfig)}
	c, err := config.ParseDetect([]string{"--terraform", tfBin, "--format", format, "--", setup.Dir}, denv, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "\nrunning: drift-action detect %s\n\n", setup.Dir)
	run, err := detect(ctx, detectOptions(c, nil), c.GatekeeperBin, stderr)
	defer run.Close()
	if err != nil {
		return err
	}
	doc := document(run)
	if err := render(stdout, c.Format, doc, c.Color && isTerminal(stdout)); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	code := doc.ExitCode()
	fmt.Fprintf(stderr, "\ndetect would exit %d (%s); the demo itself succeeded.\n", code, strings.TrimSuffix(strings.ReplaceAll(exitcode.Short, "\n", " "), "."))
	if keep != "" {
		fmt.Fprintf(stderr, "\nthe example is kept in %s, a git repository; rehearse the action on it (README: Try it locally):\n"+
			"  TF_CLI_CONFIG_FILE=%s drift-action record --dry-run --workspace %s\n", setup.Dir, setup.CLIConfig, setup.Dir)
	}
	if code == ExitError {
		return ExitStatus(ExitError)
	}
	return nil
}
