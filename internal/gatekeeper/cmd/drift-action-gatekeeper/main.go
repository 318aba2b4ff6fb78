// Command drift-action-gatekeeper runs Gatekeeper's own packages for
// drift-action: `verify` runs gator Suites and `evaluate` checks manifests,
// printing a JSON report. It is a separate binary because Gatekeeper links
// the Kubernetes client libraries, whose start-up cost (tens of megabytes of
// memory) every drift-action command would otherwise pay.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/myorg/drift-action/internal/gatekeeper"
	"github.com/myorg/drift-action/internal/gatekeeper/wire"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: drift-action-gatekeeper verify [-v] PATH... | evaluate PATH...")
		return 2
	}
	switch args[0] {
	case "verify":
		verbose := false
		var paths []string
		for _, a := range args[1:] {
			if a == "-v" {
				verbose = true
				continue
			}
			paths = append(paths, a)
		}
		ok, err := gatekeeper.Verify(ctx, paths, stdout, verbose)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		if !ok {
			return 1
		}
		return 0
	case "evaluate":
		rep, err := gatekeeper.Evaluate(ctx, args[1:])
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		if err := wire.Write(stdout, rep); err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		return 0
	}
	fmt.Fprintf(stderr, "unknown command %q: use verify or evaluate\n", args[0])
	return 2
}
