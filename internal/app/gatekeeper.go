package app

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/gatekeeper/wire"
	"github.com/myorg/drift-action/internal/policy"
)

// Gatekeeper's packages link the Kubernetes client libraries, whose start-up
// cost every command would pay; they live in a companion binary, found
// beside this one, on PATH, or at $DRIFT_ACTION_GATEKEEPER.
const gatekeeperBinary = "drift-action-gatekeeper"

const gatekeeperUsage = `usage:
  drift-action gatekeeper verify [-v] PATH...   run gator Suite files (a directory means every suite below it)

Run "drift-action gatekeeper verify -h" for its flags.
`

func findGatekeeper(explicit string) (string, error) {
	if explicit != "" {
		return explicit, nil
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), gatekeeperBinary)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath(gatekeeperBinary); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("gatekeeper: %s not found beside drift-action, on PATH or at $DRIFT_ACTION_GATEKEEPER; build it with: go build -o \"$(dirname \"$(command -v drift-action)\")\" ./internal/gatekeeper/cmd/%s (the Docker image has it)", gatekeeperBinary, gatekeeperBinary)
}

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
	var cmdArgs []string
	if verbose {
		cmdArgs = append(cmdArgs, "-v")
	}
	cmdArgs = append(cmdArgs, absAll(env.Cwd, paths)...)
	bin, err := findGatekeeper(env.GatekeeperBin())
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, append([]string{"verify"}, cmdArgs...)...)
	cmd.Stdout, cmd.Stderr, cmd.Dir = stdout, stderr, env.Cwd
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		return ExitStatus(ExitError) // a suite failed; the helper printed which
	case errors.As(err, &exit):
		return fmt.Errorf("gatekeeper verify failed (see above)")
	}
	return fmt.Errorf("gatekeeper verify: %w", err)
}

// checkManifests evaluates Kubernetes manifests (templates and constraints
// included) with Gatekeeper, as admission would.
func checkManifests(ctx context.Context, globs []string, gatekeeperBin, cwd string) ([]policy.Result, error) {
	var files []string
	for _, g := range globs {
		matches, err := filepath.Glob(absAll(cwd, []string{g})[0])
		if err != nil {
			return nil, fmt.Errorf("manifests %q: %w", g, err)
		}
		if len(matches) == 0 {
			return nil, fmt.Errorf("manifests %q matches no file", g)
		}
		files = append(files, matches...)
	}
	sort.Strings(files)
	bin, err := findGatekeeper(gatekeeperBin)
	if err != nil {
		return nil, err
	}
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, append([]string{"evaluate"}, files...)...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s", strings.TrimSpace(errOut.String()+" "+err.Error()))
	}
	rep, err := wire.Read(out.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%s output: %w", gatekeeperBinary, err)
	}
	results := make([]policy.Result, 0, len(rep.Violations))
	for _, v := range rep.Violations {
		r := policy.Result{
			Policy:   "gatekeeper." + v.Template,
			Rule:     v.Constraint,
			Kind:     v.EnforcementAction,
			Level:    policy.Advisory,
			Severity: v.Severity,
			Msg:      v.Msg,
			Resource: strings.TrimSpace(v.Resource + " " + relTo(cwd, v.File)),
		}
		// Admission would reject a deny: it is mandatory; warn and dryrun only report.
		if v.EnforcementAction == "deny" {
			r.Level, r.Failed = policy.HardMandatory, true
		}
		results = append(results, r)
	}
	return results, nil
}

func relTo(base, p string) string {
	if r, err := filepath.Rel(base, p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}
