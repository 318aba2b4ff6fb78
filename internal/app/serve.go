package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"

	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/github"
	"github.com/myorg/drift-action/internal/serve"
)

// runServe is `drift-action serve`: the drift receiver, until SIGTERM.
func runServe(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	c, err := config.ParseServe(args, env, stderr)
	if err != nil {
		return err
	}
	client, err := serveClient(ctx, c, nil)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", c.Listen, err)
	}
	return serveOn(ctx, c, client, ln, stderr)
}

// serveClient is the GitHub client dispatches go through: the App's, when
// one is configured, renewing its installation tokens; else the token's.
func serveClient(ctx context.Context, c config.Serve, hc *http.Client) (*github.Client, error) {
	if c.App != nil {
		return github.NewAppClient(ctx, github.App{ID: c.App.ID, InstallationID: c.App.InstallationID, PrivateKey: c.App.PrivateKey}, c.APIURL, hc)
	}
	return github.NewClient(ctx, c.Token, c.APIURL, hc)
}

// serveOn runs the receiver on ln; tests hand it their own listener and
// dispatcher.
func serveOn(ctx context.Context, c config.Serve, d serve.Dispatcher, ln net.Listener, logTo io.Writer) error {
	log := slog.New(slog.NewTextHandler(logTo, nil))
	srv, err := serve.New(serve.Config{
		Secrets:         serve.Secrets{TFE: c.TFEToken, ArgoCD: c.ArgoCDToken, Generic: c.WebhookSecret},
		Mapping:         serveMapping(c),
		Dispatcher:      d,
		Logger:          log,
		MaxBodyBytes:    c.MaxBodyBytes,
		ShutdownTimeout: c.ShutdownTimeout,
		QueueFile:       c.QueueFile,
	})
	if err != nil {
		ln.Close()
		return err
	}
	log.Info("drift receiver listening", "addr", ln.Addr().String(), "path", serve.Path, "config", c.String())
	if err := srv.Run(ctx, ln); err != nil {
		return err
	}
	log.Info("drift receiver stopped")
	return nil
}

func serveMapping(c config.Serve) serve.Mapping {
	conv := func(in map[string]config.ServeTarget) map[string]serve.Target {
		out := make(map[string]serve.Target, len(in))
		for k, t := range in {
			out[k] = serve.Target{Repo: t.Repo, Roots: t.Roots}
		}
		return out
	}
	return serve.Mapping{
		Default:    serve.Target{Repo: c.Repo},
		Workspaces: conv(c.Mapping.Workspaces),
		Apps:       conv(c.Mapping.Apps),
	}
}
