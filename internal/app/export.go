package app

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/ecs"
	"github.com/myorg/drift-action/internal/record"
	"github.com/myorg/drift-action/internal/report"
	"github.com/myorg/drift-action/internal/wsfile"
)

const logUsage = `usage: drift-action log export [--log FILE] [--format ndjson] [--out FILE] [--index INDEX]

Commands of the record's event log:
  export    write it as Elastic Common Schema NDJSON (Filebeat, Elasticsearch _bulk)
`

func runLog(args []string, env config.Env, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, logUsage)
		return errors.New("log: name a command: export")
	}
	switch args[0] {
	case "export":
		return runLogExport(args[1:], env, stdout, stderr)
	case "-h", "--help", "help":
		return &config.HelpError{Usage: logUsage}
	}
	fmt.Fprint(stderr, logUsage)
	return fmt.Errorf("unknown log command %q: use export", args[0])
}

// runLogExport renders the log whole before writing anything, so a bad
// event (named by file and line) leaves --out as it was.
func runLogExport(args []string, env config.Env, stdout, stderr io.Writer) error {
	c, err := config.ParseLogExport(args, env, stderr)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(c.Log)
	if err != nil {
		return fmt.Errorf("log export: %w (name the record's log with --log)", err)
	}
	// Read as the dashboard reads it: an export only shows the log, so a
	// field or event kind a newer drift-action wrote is passed over.
	l, err := record.ParseLogLenient(displayPath(env.Cwd, c.Log), data)
	if err != nil {
		return fmt.Errorf("log export: %w", err)
	}
	var b bytes.Buffer
	if err := ecs.NDJSON(&b, l, ecs.Options{Index: c.Index}); err != nil {
		return fmt.Errorf("log export: %w", err)
	}
	if c.Out == "" {
		_, err = stdout.Write(b.Bytes())
		return err
	}
	// Beside its final name, then renamed: a reader (Filebeat) never sees
	// half a file, and a link at that name is refused, not followed.
	if err := wsfile.Write(filepath.Dir(c.Out), filepath.Base(c.Out), b.Bytes()); err != nil {
		return fmt.Errorf("log export: --out %s: %w (name a file in an existing directory)", displayPath(env.Cwd, c.Out), err)
	}
	return nil
}

// displayPath is p relative to cwd when it lies below it, as errors name
// files the user named.
func displayPath(cwd, p string) string {
	if rel, err := filepath.Rel(cwd, p); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return p
}

// sarifOptions are a run's SARIF settings: paths from the repository root
// (the document's are from cwd), and a category naming what the run
// covered (its directories and shard), so uploads of other roots or
// shards never close each other's alerts.
func sarifOptions(repoRoot, cwd string, dirs []string, shard config.Shard) report.SARIFOptions {
	prefix := ""
	if rel, err := filepath.Rel(repoRoot, cwd); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
		prefix = filepath.ToSlash(rel)
	}
	return report.SARIFOptions{ToolVersion: toolVersion(), Category: sarifCategory(prefix, dirs, shard), RepoPrefix: prefix}
}

// sarifCategory is "drift-action/<what>/": the directories as given
// (from the repository root; "all" when none) and the shard.
func sarifCategory(prefix string, dirs []string, shard config.Shard) string {
	var parts []string
	for _, d := range dirs {
		parts = append(parts, slug(filepath.ToSlash(filepath.Join(prefix, d))))
	}
	what := strings.Join(parts, "+")
	if what == "" {
		what = "all"
		if prefix != "" {
			what = slug(prefix)
		}
	}
	if shard.IsSet() {
		what += fmt.Sprintf("-shard-%d-of-%d", shard.Index, shard.Count)
	}
	return "drift-action/" + what + "/"
}

func slug(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			b[i] = '-'
		}
	}
	return string(b)
}
