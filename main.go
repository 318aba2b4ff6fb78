// Command drift-action keeps infrastructure-as-code and the real world in
// agreement: it plans every terraform root, reports drift and pending
// changes, and (as a GitHub Action) records and heals them.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/myorg/drift-action/internal/app"
	"github.com/myorg/drift-action/internal/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout)
	stop()
	os.Exit(app.Code(err, os.Stderr))
}

// run only wires the process to the app: arguments, environment and streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cwd, err := os.Getwd()
	if err != nil {
		return err
	}
	env := config.Env{Getenv: getenv, Environ: os.Environ(), Cwd: cwd}
	return app.Run(ctx, args, env, stdout, os.Stderr)
}
