package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/dashboard"
	"github.com/myorg/drift-action/internal/pipeline"
	"github.com/myorg/drift-action/internal/record"
)

// dashboardNow is the clock the dashboard's ages are measured to, unless
// --now says otherwise.
var dashboardNow = time.Now

// runDashboard is `drift-action dashboard`: the record read, the static
// site written.
func runDashboard(args []string, env config.Env, stdout, stderr io.Writer) error {
	var logPath, reportPath, out, now, group, repo string
	fset := flag.NewFlagSet("dashboard", flag.ContinueOnError)
	fset.StringVar(&logPath, "log", record.DefaultLogPath, "the record log `FILE` to read")
	fset.StringVar(&reportPath, "report", "", "the DriftReport `FILE`, for the attributes drifted now and when each target was last checked (optional)")
	fset.StringVar(&out, "out", "", "the `DIR` to write the site into (created if missing; files of the same names are replaced)")
	fset.StringVar(&now, "now", "", "the `TIME` (RFC 3339) ages and snoozes are measured at (default: now)")
	fset.StringVar(&group, "group", record.DefaultGroup, "the API `GROUP` the DriftReport file was written with")
	fset.StringVar(&repo, "repository", "", "the `NAME` on the page and the repository's badge (default: the log's)")
	cmd := config.Command{Flags: fset, Header: "usage: drift-action dashboard --log FILE [--report FILE] --out DIR\n\n" +
		"Writes a static site from the record: DIR/index.html (styles and charts inline,\n" +
		"nothing loaded from elsewhere, no script), DIR/badge.svg (the repository's\n" +
		"status) and DIR/badges/ROOT.svg (each root's), for GitHub Pages or any\n" +
		"web server.\n\nExit codes: 0 written, 1 error.\n"}
	extra, err := cmd.Parse(args, stderr)
	if err != nil {
		return err
	}
	if len(extra) > 0 {
		fmt.Fprint(stderr, cmd.Usage())
		return fmt.Errorf("dashboard: unexpected argument %q: name the files with --log, --report and --out", extra[0])
	}
	if out == "" {
		fmt.Fprint(stderr, cmd.Usage())
		return errors.New("dashboard: name the directory to write with --out DIR")
	}
	at := dashboardNow()
	if now != "" {
		if at, err = time.Parse(time.RFC3339, now); err != nil {
			return fmt.Errorf("dashboard: --now %q is not an RFC 3339 time such as 2026-01-02T15:04:05Z", now)
		}
	}
	in := dashboard.Input{Now: at, Repository: repo}
	data, err := os.ReadFile(pipeline.Abs(env.Cwd, logPath))
	if err != nil {
		return fmt.Errorf("dashboard: read the log: %w (record one with mode: record, or name it with --log)", err)
	}
	l, err := record.ParseLogLenient(logPath, data)
	if err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	in.Events = l.Events
	if reportPath != "" {
		data, err := os.ReadFile(pipeline.Abs(env.Cwd, reportPath))
		if err != nil {
			return fmt.Errorf("dashboard: read the report: %w", err)
		}
		if in.Reports, err = record.ParseReportsLenient(reportPath, data, group); err != nil {
			return fmt.Errorf("dashboard: %w", err)
		}
	}
	m := dashboard.Build(in)
	files, err := dashboard.Site(m)
	if err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	dir := pipeline.Abs(env.Cwd, out)
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		err := os.MkdirAll(filepath.Dir(p), 0o755)
		if err == nil {
			err = os.WriteFile(p, f.Data, 0o644)
		}
		if err != nil {
			return fmt.Errorf("dashboard: --out %s: %w (name a directory that can be created and written)", out, err)
		}
	}
	_, err = fmt.Fprintf(stdout, "wrote %s: %s, %s drifted now, status %s\n", filepath.Join(out, "index.html"),
		counted(m.Events, "event", "events"), counted(len(m.Open), "target", "targets"), m.Status)
	return err
}

// counted is "1 event" or "2 events".
func counted(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
