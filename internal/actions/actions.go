// Package actions writes to a GitHub Actions runner: its log, its output and
// summary files. Workflow commands are switched off for the whole log from
// the first byte, so text from payloads, terraform, the cloud or an error
// message can never issue one; only the commands this package is asked for
// are issued, each in a short window opened with a fresh random token.
// Nothing here panics: every write is checked and the first failure is kept.
package actions

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/sethvargo/go-githubactions"
)

// Log is the runner's log. Write takes untrusted text; the methods issue
// workflow commands. It is safe for concurrent use, and stdout and stderr
// must both be this one Log so that the runner sees lines in order.
type Log struct {
	mu      sync.Mutex
	w       io.Writer
	token   string // the current stop-commands token; "" before Start
	midLine bool   // the last untrusted write did not end a line
	err     error  // the first write error
	getenv  func(string) string
}

// New returns a Log writing to w. getenv finds the runner's files
// (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY).
func New(w io.Writer, getenv func(string) string) *Log {
	return &Log{w: w, getenv: getenv}
}

// Start switches workflow commands off for the rest of the step. Call it
// before anything else is written.
func (l *Log) Start() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stop()
}

func newToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("stop-commands token: %w", err)
	}
	return "drift-action-" + hex.EncodeToString(b), nil
}

// stop issues ::stop-commands:: with a new token; the caller holds mu.
func (l *Log) stop() error {
	t, err := newToken()
	if err != nil {
		return l.fail(err)
	}
	if err := l.raw("::stop-commands::" + t + "\n"); err != nil {
		return err
	}
	l.token = t
	return nil
}

func (l *Log) raw(s string) error {
	if l.err != nil {
		return l.err
	}
	if _, err := io.WriteString(l.w, s); err != nil {
		return l.fail(fmt.Errorf("write to the runner log: %w", err))
	}
	return nil
}

func (l *Log) fail(err error) error {
	if l.err == nil {
		l.err = err
	}
	return err
}

// Err is the first write that failed, if any.
func (l *Log) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Write prints untrusted text. Called before Start, it starts first, so
// nothing reaches the log while commands are live.
func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.token == "" {
		if err := l.stop(); err != nil {
			return 0, err
		}
	}
	// A line that held the token would switch commands back on.
	text := strings.ReplaceAll(string(p), l.token, "***")
	if err := l.raw(text); err != nil {
		return 0, err
	}
	if len(p) > 0 {
		l.midLine = p[len(p)-1] != '\n'
	}
	return len(p), nil
}

// Printf prints untrusted text.
func (l *Log) Printf(format string, args ...any) error {
	_, err := fmt.Fprintf(l, format, args...)
	return err
}

// Command issues one workflow command: commands are resumed with the
// current token, the command is written (its message and properties
// escaped, so it is one line), and commands are stopped again with a new
// token that no earlier output could have known.
func (l *Log) Command(name string, props map[string]string, msg string) error {
	cmd := githubactions.Command{Name: name, Message: msg, Properties: props}
	line := cmd.String()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.token == "" {
		if err := l.stop(); err != nil {
			return err
		}
	}
	var b bytes.Buffer
	if l.midLine {
		b.WriteString("\n") // the resume token only counts at the start of a line
		l.midLine = false
	}
	b.WriteString("::" + l.token + "::\n")
	b.WriteString(line + "\n")
	if err := l.raw(b.String()); err != nil {
		return err
	}
	return l.stop()
}

// Group opens a collapsible log group.
func (l *Log) Group(title string) error { return l.Command("group", nil, title) }

// EndGroup closes the current log group.
func (l *Log) EndGroup() error { return l.Command("endgroup", nil, "") }

// Mask hides v in the rest of the log.
func (l *Log) Mask(v string) error {
	if v == "" {
		return nil
	}
	return l.Command("add-mask", nil, v)
}

// Annotation is an error, warning or notice shown on the run and, with
// File and Line, on the code.
type Annotation struct {
	Level string // error, warning or notice
	Title string
	File  string
	Line  int
	Msg   string
}

// Annotate issues an annotation.
func (l *Log) Annotate(a Annotation) error {
	props := map[string]string{}
	if a.Title != "" {
		props["title"] = a.Title
	}
	if a.File != "" {
		props["file"] = a.File
		if a.Line > 0 {
			props["line"] = fmt.Sprint(a.Line)
		}
	}
	level := a.Level
	if level != "error" && level != "warning" && level != "notice" {
		level = "error"
	}
	return l.Command(level, props, a.Msg)
}

// ErrMultiline refuses an output value that would end the output file's
// fixed heredoc early and smuggle in outputs of its own.
var ErrMultiline = errors.New("refusing a multi-line value")

// SetOutput writes one step output to the GITHUB_OUTPUT file.
func (l *Log) SetOutput(name, value string) error {
	if strings.ContainsAny(value, "\r\n") {
		return fmt.Errorf("output %s: %w", name, ErrMultiline)
	}
	if strings.ContainsAny(name, "\r\n<=") || name == "" {
		return fmt.Errorf("output %q: not a valid output name", name)
	}
	return l.appendFile("GITHUB_OUTPUT", fmt.Sprintf("%s<<%s\n%s\n%s\n", name, outputDelimiter(), value, outputDelimiter()))
}

// outputDelimiter is go-githubactions' delimiter, so files stay readable by
// the tools that read it.
func outputDelimiter() string { return "_GitHubActionsFileCommandDelimeter_" }

// AddStepSummary appends markdown to the job summary (GITHUB_STEP_SUMMARY).
func (l *Log) AddStepSummary(markdown string) error {
	if !strings.HasSuffix(markdown, "\n") {
		markdown += "\n"
	}
	return l.appendFile("GITHUB_STEP_SUMMARY", markdown)
}

// HasFile reports whether the runner named a file for env.
func (l *Log) HasFile(env string) bool { return l.getenv(env) != "" }

func (l *Log) appendFile(env, text string) (err error) {
	path := l.getenv(env)
	if path == "" {
		return fmt.Errorf("%s is not set: the runner sets it for every step; run this as a GitHub Action", env)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("write %s: %w", env, err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("write %s: %w", env, cerr)
		}
	}()
	if _, err := io.WriteString(f, text); err != nil {
		return fmt.Errorf("write %s: %w", env, err)
	}
	return nil
}
