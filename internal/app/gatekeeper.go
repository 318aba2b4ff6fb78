package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/myorg/drift-action/internal/companion"
	"github.com/myorg/drift-action/internal/config"
)

const gatekeeperUsage = `usage:
  drift-action gatekeeper verify [-v] PATH...   run gator Suite files (a directory means every suite below it)

Run "drift-action gatekeeper verify -h" for its flags.
`

// runGatekeeper is `drift-action gatekeeper verify`, run by the companion
// binary.
func runGatekeeper(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, gatekeeperUsage)
		return errors.New("gatekeeper: name a command: verify")
	}
	switch args[0] {
	case "verify":
	case "-h", "--help", "help":
		return &config.HelpError{Usage: gatekeeperUsage}
	default:
		fmt.Fprint(stderr, gatekeeperUsage)
		return fmt.Errorf("unknown gatekeeper command %q: use verify", args[0])
	}
	var verbose bool
	fset := flag.NewFlagSet("gatekeeper verify", flag.ContinueOnError)
	fset.BoolVar(&verbose, "v", false, "add run times and the output of Rego print() calls")
	fset.BoolVar(&verbose, "verbose", false, "the same as -v")
	verifyCmd := config.Command{Flags: fset, Header: "usage: drift-action gatekeeper verify [-v] PATH...\n\n" +
		"Runs the gator Suite files at PATH, like gator verify; a directory means every\n" +
		"suite below it. Flags may follow the paths; -- ends them.\n\n" +
		"Exit codes: 0 all passed, 1 a case failed or an error.\n"}
	paths, err := verifyCmd.Parse(args[1:], stderr)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		fmt.Fprint(stderr, verifyCmd.Usage())
		return fmt.Errorf("gatekeeper verify: name at least one suite file or directory")
	}
	err = companion.Companion{Bin: env.GatekeeperBin(), Dir: env.Cwd}.Verify(ctx, verbose, paths, stdout, stderr)
	if errors.Is(err, companion.ErrCaseFailed) {
		return ExitStatus(ExitError) // a suite failed; the companion printed which
	}
	return err
}
