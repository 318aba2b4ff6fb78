package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
)

// Cmd describes one git invocation without running it, so the commands this
// package builds can be checked in unit tests and run by any [Runner].
type Cmd struct {
	// Dir is the working directory (the checkout).
	Dir string
	// Args are the arguments after "git".
	Args []string
	// Env holds extra KEY=value pairs, added after the runner's environment.
	Env []string
	// Stdin, when non-nil, is fed to the command's standard input.
	Stdin []byte
}

// String is the command line with credentials redacted, for errors and logs.
func (c Cmd) String() string {
	return Redact("git " + strings.Join(c.Args, " "))
}

// Output is what a finished command produced.
type Output struct {
	Stdout   []byte
	Stderr   []byte
	ExitCode int
}

// Runner runs git commands. Run returns an error only when the command could
// not be run or was cancelled; a non-zero exit status is reported in
// [Output.ExitCode] with a nil error, because several git commands (push,
// symbolic-ref, var) answer through their exit status.
type Runner interface {
	Run(ctx context.Context, c Cmd) (Output, error)
}

// ExecRunner runs git as a child process.
type ExecRunner struct {
	// Git is the git executable; empty means "git" from PATH.
	Git string
	// Env is the base environment; nil means os.Environ(). Tests use it to
	// keep the user's global git configuration out.
	Env []string
}

// fixedEnv is added to every command: git must never wait for a password
// prompt in CI, and its messages must be in English because some of them are
// matched (the porcelain push status itself is not translated).
var fixedEnv = []string{"GIT_TERMINAL_PROMPT=0", "GCM_INTERACTIVE=never", "LC_ALL=C"}

// Run implements [Runner].
func (r ExecRunner) Run(ctx context.Context, c Cmd) (Output, error) {
	git := r.Git
	if git == "" {
		git = "git"
	}
	cmd := exec.CommandContext(ctx, git, c.Args...)
	cmd.Dir = c.Dir
	env := r.Env
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = append(append(slices.Clip(env), fixedEnv...), c.Env...)
	if c.Stdin != nil {
		cmd.Stdin = bytes.NewReader(c.Stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	out := Output{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	if ctxErr := ctx.Err(); ctxErr != nil && err != nil {
		return out, ctxErr
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		out.ExitCode = exitErr.ExitCode()
		return out, nil
	}
	if errors.Is(err, exec.ErrNotFound) {
		return out, fmt.Errorf("%w: install git on the runner (or put it on PATH)", err)
	}
	return out, err
}

// CmdError is a git command that failed. Its fields are already redacted.
type CmdError struct {
	// Op is the operation that ran the command, such as "fetch".
	Op string
	// Command is the redacted command line.
	Command string
	// ExitCode is git's exit status (0 when Err is set).
	ExitCode int
	// Stderr is git's redacted, trimmed standard error.
	Stderr string
	// Err is set when git could not be run at all.
	Err error
}

// Error implements error.
func (e *CmdError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("gitrepo: %s: %s: %v", e.Op, e.Command, e.Err)
	}
	msg := fmt.Sprintf("gitrepo: %s: %s exited with status %d", e.Op, e.Command, e.ExitCode)
	if e.Stderr != "" {
		msg += ": " + e.Stderr
	}
	return msg
}

// Unwrap returns the error that stopped git from running, if any.
func (e *CmdError) Unwrap() error { return e.Err }
