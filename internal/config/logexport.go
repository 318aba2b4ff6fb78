package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// LogExport is one `log export` run.
type LogExport struct {
	Log    string // the record's log file, absolute
	Format string // ndjson
	Out    string // file to write, absolute; "" writes stdout
	Index  string // emit a _bulk body for this index or data stream; "" plain documents
}

// LogExportFormats are what log export's --format takes.
var LogExportFormats = []string{"ndjson"}

func logExportCommand(c *LogExport) Command {
	fset := flag.NewFlagSet("log export", flag.ContinueOnError)
	fset.StringVar(&c.Log, "log", ActionDefaults["log-path"], "the record's log `FILE`, as the action's log-path input")
	fset.StringVar(&c.Format, "format", "ndjson", "output `FORMAT`: "+strings.Join(LogExportFormats, ", "))
	fset.StringVar(&c.Out, "out", "", "write to `FILE`, replaced whole, never half written (default: stdout)")
	fset.StringVar(&c.Index, "index", "", "write an Elasticsearch _bulk body: a create action for `INDEX` (an index or data stream) before each document")
	return Command{Flags: fset, Header: "usage: drift-action log export [--log FILE] [--format ndjson] [--out FILE] [--index INDEX]\n\n" +
		"Writes the record's event log as NDJSON in the Elastic Common Schema, one\n" +
		"document per event, for Filebeat or, with --index, Elasticsearch's _bulk API.\n\n" +
		"Exit codes: 0 written, 1 error.\n"}
}

// ParseLogExport reads `log export` flags; paths are relative to env.Cwd.
func ParseLogExport(args []string, env Env, usage io.Writer) (LogExport, error) {
	var c LogExport
	cmd := logExportCommand(&c)
	extra, err := cmd.Parse(args, usage)
	if err != nil {
		return c, err
	}
	if len(extra) > 0 {
		fmt.Fprint(usage, cmd.Usage())
		return c, fmt.Errorf("log export: unexpected argument %q: name the log with --log", extra[0])
	}
	if c.Format != "ndjson" {
		return c, fmt.Errorf("log export: --format %q is not supported: use one of %s", c.Format, strings.Join(LogExportFormats, ", "))
	}
	if c.Log == "" {
		return c, fmt.Errorf("log export: --log is empty: name the record's log file, e.g. %s", ActionDefaults["log-path"])
	}
	indexGiven := false
	cmd.Flags.Visit(func(f *flag.Flag) { indexGiven = indexGiven || f.Name == "index" })
	if indexGiven && c.Index == "" {
		return c, errors.New("log export: --index is empty: name the index or data stream for the _bulk body, or leave --index out for plain NDJSON documents")
	}
	if err := checkIndex(c.Index); err != nil {
		return c, fmt.Errorf("log export: --index %q: %w", c.Index, err)
	}
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(env.Cwd, p)
	}
	c.Log, c.Out = abs(c.Log), abs(c.Out)
	return c, nil
}

// checkIndex applies Elasticsearch's rules for index and data stream
// names, so a bad name fails here, not in every line of a _bulk response.
func checkIndex(s string) error {
	switch {
	case s == "":
		return nil
	case s == "." || s == "..":
		return fmt.Errorf("is not an index name")
	case len(s) > 255:
		return fmt.Errorf("is longer than 255 bytes")
	case strings.ToLower(s) != s:
		return fmt.Errorf("has capitals: index names are lowercase")
	case strings.ContainsAny(s[:1], "-_+"):
		return fmt.Errorf("starts with %q: index names may not", s[:1])
	case strings.ContainsAny(s, "\\/*?\"<>| ,#:"):
		return fmt.Errorf(`has one of \ / * ? " < > | space , # : which index names may not`)
	}
	return nil
}
