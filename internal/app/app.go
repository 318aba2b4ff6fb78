// Package app wires one run of drift-action: it parses the command, calls the
// stages in order (config, discover, plan, classify, render) and turns the
// outcome into an exit status.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"time"

	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/exitcode"
	"github.com/myorg/drift-action/internal/metrics"
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
	if len(args) == 0 && env.InAction() {
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
  drift-action detect [flags] [DIR|GLOB...]     plan every root module and report drift
  drift-action record [flags] [DIR|GLOB...]     detect, then commit the record (locally unless --push)
  drift-action remediate [flags] [DIR|GLOB...]  detect, heal, open remediation PRs, commit the record
  drift-action demo [--format FORMAT] [--keep DIR]  apply a small example, change it out-of-band, detect it
  drift-action policy test [flags] [DIR...]     run the Rego unit tests of policies
  drift-action policy check --plan FILE [flags] evaluate a plan JSON file against policies
  drift-action gatekeeper verify [-v] PATH...   run Gatekeeper (gator) Suite files
  drift-action serve [flags]                    receive drift webhooks and dispatch the action
  drift-action crd [--group GROUP]              print the DriftReport CRD for the record's API group
  drift-action dashboard --out DIR [flags]      write a static drift dashboard from the record
  drift-action log export [flags]               write the record's log as ECS NDJSON (Elasticsearch, Filebeat)
  drift-action version                          print the version
  drift-action help [COMMAND...]                print a command's help, as COMMAND -h does

Flags may follow the directories (detect infra/app --format json); -- ends them.
With no arguments under GITHUB_ACTIONS=true it runs as the GitHub Action.
record and remediate --dry-run show every side effect and make none.

` + exitcode.Usage

// Version is set at build time with -ldflags "-X ...app.Version=v1.2.3"; it
// wins over the module version Go records in the binary. "dev", the
// Dockerfile's default, counts as unset.
var Version = ""

// Run executes one command. Help asked for with -h, --help or help is printed
// on stdout and is no error; usage errors print the usage on stderr.
func Run(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	err := run(ctx, args, env, stdout, stderr)
	var h *config.HelpError
	if errors.As(err, &h) {
		if _, werr := io.WriteString(stdout, h.Usage); werr != nil {
			return fmt.Errorf("write help: %w", werr)
		}
		return nil
	}
	return err
}

func run(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		if env.InAction() {
			// The action's log is stdout alone: see Main.
			if code := mainAction(ctx, env, stdout); code != 0 {
				return ExitStatus(code)
			}
			return nil
		}
		fmt.Fprint(stderr, usage)
		return errors.New("name a command: detect, record, remediate, demo, policy, gatekeeper, serve, dashboard, log, crd or version")
	}
	switch args[0] {
	case "detect":
		return runDetect(ctx, args[1:], env, stdout, stderr)
	case "record", "remediate":
		return runLocal(ctx, args[0], args[1:], env, stdout, stderr)
	case "demo":
		return runDemo(ctx, args[1:], env, stdout, stderr)
	case "policy":
		return runPolicy(ctx, args[1:], env, stdout, stderr)
	case "gatekeeper":
		return runGatekeeper(ctx, args[1:], env, stdout, stderr)
	case "serve":
		return runServe(ctx, args[1:], env, stdout, stderr)
	case "crd":
		return runCRD(args[1:], stdout, stderr)
	case "dashboard":
		return runDashboard(args[1:], env, stdout, stderr)
	case "log":
		return runLog(args[1:], env, stdout, stderr)
	case "version":
		return runVersion(args[1:], stdout, stderr)
	case "--version":
		return runVersion(nil, stdout, stderr)
	case "-h", "--help":
		return &config.HelpError{Usage: usage}
	case "help":
		if len(args) == 1 {
			return &config.HelpError{Usage: usage}
		}
		// help policy check is policy check -h.
		return run(ctx, append(append([]string{}, args[1:]...), "-h"), env, stdout, stderr)
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q: use detect, record, remediate, demo, policy, gatekeeper, serve, dashboard, log, crd or version", args[0])
}

func runVersion(args []string, stdout, stderr io.Writer) error {
	cmd := config.Command{Flags: flag.NewFlagSet("version", flag.ContinueOnError),
		Header: "usage: drift-action version\n\nPrints the version of drift-action, and the commit it was built from when known.\n"}
	extra, err := cmd.Parse(args, stderr)
	if err != nil {
		return err
	}
	if len(extra) > 0 {
		fmt.Fprint(stderr, cmd.Usage())
		return fmt.Errorf("version: unexpected argument %q: version takes none", extra[0])
	}
	bi, _ := debug.ReadBuildInfo()
	_, err = fmt.Fprintln(stdout, versionLine(Version, bi))
	return err
}

// versionLine is what version prints: the -ldflags version when set, else
// the module version Go recorded, then the commit and whether the tree was
// modified, when the build recorded them.
func versionLine(ldflags string, bi *debug.BuildInfo) string {
	v := versionOf(ldflags, bi)
	var rev string
	modified := false
	if bi != nil {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	line := "drift-action " + v
	switch {
	case rev != "" && modified:
		line += " (commit " + rev + ", modified)"
	case rev != "":
		line += " (commit " + rev + ")"
	}
	return line
}

// versionOf is the version alone: the -ldflags version when set, else
// the module version Go recorded, else "dev".
func versionOf(ldflags string, bi *debug.BuildInfo) string {
	v := ldflags
	if (v == "" || v == "dev") && bi != nil && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	if v == "" {
		v = "dev"
	}
	return v
}

// toolVersion is this binary's version, as SARIF logs name it.
func toolVersion() string {
	bi, _ := debug.ReadBuildInfo()
	return versionOf(Version, bi)
}

func runDetect(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	c, err := config.ParseDetect(args, env, stderr)
	if err != nil {
		return err
	}
	started := time.Now()
	run, err := detect(ctx, detectOptions(c, nil), c.GatekeeperBin, stderr)
	defer run.Close()
	if err != nil {
		return err
	}
	doc := document(run)
	if err := renderDetect(stdout, c, doc); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	if err := writeMetricsFile(c.MetricsFile, metrics.Input{Doc: doc, Started: started, Duration: time.Since(started)}); err != nil {
		return err
	}
	if code := doc.ExitCode(); code != 0 {
		return ExitStatus(code)
	}
	return nil
}

// renderDetect prints the document in the format detect's flags name
// (detect, record and remediate share them), SARIF included.
func renderDetect(w io.Writer, c config.Detect, doc report.Document) error {
	if c.Format == "sarif" {
		return report.SARIF(w, doc, sarifOptions(c.RepoRoot, c.Cwd, c.Dirs, c.Shard))
	}
	return render(w, c.Format, doc, c.Color && isTerminal(w))
}

// writeMetricsFile writes --metrics-file, when given, replaced whole.
func writeMetricsFile(path string, in metrics.Input) error {
	if path == "" {
		return nil
	}
	reg, err := metrics.Registry(in)
	if err != nil {
		return err
	}
	if err := metrics.WriteFile(path, reg); err != nil {
		return fmt.Errorf("--metrics-file: %w", err)
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
