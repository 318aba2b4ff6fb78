// Package app wires one run of drift-action: it parses the command, calls the
// stages in order (config, discover, plan, classify, render) and turns the
// outcome into an exit status.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/exitcode"
	"github.com/myorg/drift-action/internal/report"
)

// Exit codes, the public contract of the CLI (defined in internal/exitcode).
const (
	ExitClean   = exitcode.Clean
	ExitError   = exitcode.Error
	ExitDrift   = exitcode.Drift
	ExitPolicy  = exitcode.Policy
	ExitPending = exitcode.Pending
)

// ExitStatus carries a non-zero exit code that is not itself an error to
// print (drift found, for instance).
type ExitStatus int

func (e ExitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// Code maps the error Run returned to the process exit code, printing real
// errors to stderr.
func Code(err error, stderr io.Writer) int {
	if err == nil {
		return ExitClean
	}
	var st ExitStatus
	if errors.As(err, &st) {
		return int(st)
	}
	if errors.Is(err, config.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "drift-action: %v\n", describeErr(err))
	return ExitError
}

// describeErr says "cancelled" plainly when a signal stopped the run.
func describeErr(err error) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("cancelled (SIGINT or SIGTERM): %w", err)
	}
	return err
}

// Main runs one command and returns the process exit code. Run with no
// arguments under GITHUB_ACTIONS=true it is the GitHub Action, whose whole
// log, stdout and stderr alike, goes through one command-safe writer. A
// panic is an error (exit 1), never Go's exit 2, which means drift here.
func Main(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) (code int) {
	if len(args) == 0 && env.Getenv("GITHUB_ACTIONS") == "true" {
		return mainAction(ctx, env, stdout)
	}
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "drift-action: internal error: %v\n%s", p, debug.Stack())
			code = ExitError
		}
	}()
	return Code(Run(ctx, args, env, stdout, stderr), stderr)
}

const usage = `drift-action keeps infrastructure-as-code and the real world in agreement.

usage:
  drift-action detect [flags] [DIR|GLOB...]   plan every root module and report drift
  drift-action demo                           apply a small example, change it out-of-band, detect it
  drift-action policy test [DIR...]           run Rego unit tests of policies
  drift-action policy check --plan FILE       evaluate a plan JSON file against policies (exit 3: mandatory failure)
  drift-action gatekeeper verify PATH...      run Gatekeeper (gator) Suite files
  drift-action version

Run "drift-action detect -h" for the detect flags.

` + exitcode.Usage

// Version is set at build time with -ldflags "-X ...app.Version=v1.2.3".
var Version = "dev"

// Run executes one command.
func Run(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		if env.Getenv("GITHUB_ACTIONS") == "true" {
			// The action's log is stdout alone: see Main.
			if code := mainAction(ctx, env, stdout); code != 0 {
				return ExitStatus(code)
			}
			return nil
		}
		fmt.Fprint(stderr, usage)
		return ExitStatus(ExitError)
	}
	switch args[0] {
	case "detect":
		return runDetect(ctx, args[1:], env, stdout, stderr)
	case "demo":
		return runDemo(ctx, args[1:], env, stdout, stderr)
	case "policy":
		return runPolicy(ctx, args[1:], env, stdout, stderr)
	case "gatekeeper":
		return runGatekeeper(ctx, args[1:], env, stdout, stderr)
	case "version", "--version":
		fmt.Fprintf(stdout, "drift-action %s\n", Version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q: use detect, demo, policy, gatekeeper or version", args[0])
}

func runDetect(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	c, err := config.ParseDetect(args, env, stderr)
	if err != nil {
		return err
	}
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
	if code := det.Doc.ExitCode(); code != 0 {
		return ExitStatus(code)
	}
	return nil
}

func render(w io.Writer, format string, d report.Document, color bool) error {
	switch format {
	case "json":
		return report.JSON(w, d)
	case "markdown":
		return report.Markdown(w, d)
	default:
		return report.Text(w, d, color)
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
