// Package companion runs drift-action-gatekeeper, the companion binary that
// links Gatekeeper's packages, and reads its answers (the wire JSON of
// internal/gatekeeper/wire). Gatekeeper's packages link the Kubernetes
// client libraries, whose start-up cost every command would pay; the main
// binary only starts the companion, found at $DRIFT_ACTION_GATEKEEPER,
// beside this executable or on PATH.
package companion

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/myorg/drift-action/internal/gatekeeper/wire"
	"github.com/myorg/drift-action/internal/policy"
)

// Binary is the companion's file name.
const Binary = "drift-action-gatekeeper"

// Companion is the companion binary as one run uses it.
type Companion struct {
	// Bin is the companion's path ($DRIFT_ACTION_GATEKEEPER); "" finds it
	// beside this executable, then on PATH.
	Bin string
	// Dir is the directory relative paths are read from and reported to.
	Dir string
}

// Find is the companion's path: explicit when given, else beside this
// executable, else on PATH; the error says how to build it.
func Find(explicit string) (string, error) {
	if explicit != "" {
		return explicit, nil
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), Binary)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath(Binary); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("gatekeeper: %s not found beside drift-action, on PATH or at $DRIFT_ACTION_GATEKEEPER; build it with: go build -o \"$(dirname \"$(command -v drift-action)\")\" ./internal/gatekeeper/cmd/%s (the Docker image has it)", Binary, Binary)
}

// ErrCaseFailed is verify's answer when a suite's case failed; the
// companion printed which.
var ErrCaseFailed = errors.New("gatekeeper verify: a case failed")

// Verify runs gator Suite files (a directory means every suite below it),
// as gator verify does, printing to stdout and stderr.
func (c Companion) Verify(ctx context.Context, verbose bool, paths []string, stdout, stderr io.Writer) error {
	var args []string
	if verbose {
		args = append(args, "-v")
	}
	for _, p := range paths {
		args = append(args, c.abs(p))
	}
	bin, err := Find(c.Bin)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, append([]string{"verify"}, args...)...)
	cmd.Stdout, cmd.Stderr, cmd.Dir = stdout, stderr, c.Dir
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		return ErrCaseFailed
	case errors.As(err, &exit):
		return fmt.Errorf("gatekeeper verify failed (see above)")
	}
	return fmt.Errorf("gatekeeper verify: %w", err)
}

// Check evaluates the Kubernetes manifests the globs name (templates and
// constraints included) with Gatekeeper, as admission would: a deny
// fails hard-mandatory; warn and dryrun are advisory.
func (c Companion) Check(ctx context.Context, globs []string) ([]policy.Result, error) {
	var files []string
	for _, g := range globs {
		matches, err := filepath.Glob(c.abs(g))
		if err != nil {
			return nil, fmt.Errorf("manifests %q: %w", g, err)
		}
		if len(matches) == 0 {
			return nil, fmt.Errorf("manifests %q matches no file", g)
		}
		files = append(files, matches...)
	}
	sort.Strings(files)
	bin, err := Find(c.Bin)
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
		return nil, fmt.Errorf("%s output: %w", Binary, err)
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
			Resource: strings.TrimSpace(v.Resource + " " + c.rel(v.File)),
		}
		// Admission would reject a deny: it is mandatory; warn and dryrun only report.
		if v.EnforcementAction == "deny" {
			r.Level, r.Failed = policy.HardMandatory, true
		}
		results = append(results, r)
	}
	return results, nil
}

// abs is p read from Dir.
func (c Companion) abs(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Dir, p)
}

// rel is p relative to Dir when inside it.
func (c Companion) rel(p string) string {
	if r, err := filepath.Rel(c.Dir, p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}
