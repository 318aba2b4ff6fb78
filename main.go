// Command drift-action keeps infrastructure-as-code and the real world in
// agreement: it plans every terraform root, reports drift and pending
// changes, and (as a GitHub Action) records and heals them.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/myorg/drift-action/internal/app"
	"github.com/myorg/drift-action/internal/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// run only wires the process to the app: arguments, environment and streams.
func run(ctx context.Context, args []string) int {
	cwd, err := os.Getwd()
	if err != nil {
		fmt.Fprintf(os.Stderr, "drift-action: working directory: %v\n", err)
		return app.ExitError
	}
	env := config.Env{Getenv: os.Getenv, Environ: os.Environ(), Cwd: cwd}
	return app.Main(ctx, args, env, os.Stdout, os.Stderr)
}
