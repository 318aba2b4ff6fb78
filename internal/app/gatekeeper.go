package app

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/gatekeeper"
	"github.com/myorg/drift-action/internal/policy"
)

const gatekeeperUsage = `usage:
  drift-action gatekeeper verify [-v] PATH...   run gator Suite files (a directory means every suite below it)
`

func runGatekeeper(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprint(stderr, gatekeeperUsage)
		return ExitStatus(ExitError)
	}
	verbose := false
	var paths []string
	for _, a := range args[1:] {
		switch a {
		case "-v", "--verbose":
			verbose = true
		default:
			paths = append(paths, a)
		}
	}
	if len(paths) == 0 {
		fmt.Fprint(stderr, gatekeeperUsage)
		return fmt.Errorf("gatekeeper verify: name at least one suite file or directory")
	}
	ok, err := gatekeeper.Verify(ctx, absAll(env.Cwd, paths), stdout, verbose)
	if err != nil {
		return err
	}
	if !ok {
		return ExitStatus(ExitError)
	}
	return nil
}

// checkManifests evaluates Kubernetes manifests (templates and constraints
// included) with Gatekeeper, as admission would.
func checkManifests(ctx context.Context, globs []string, cwd string) ([]policy.Result, error) {
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
	rep, err := gatekeeper.Evaluate(ctx, files)
	if err != nil {
		return nil, err
	}
	out := make([]policy.Result, 0, len(rep.Violations))
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
		out = append(out, r)
	}
	return out, nil
}

func relTo(base, p string) string {
	if r, err := filepath.Rel(base, p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}
