// Package record keeps drift-action's GitOps record: a report file of
// DriftReport custom resources (one YAML document per root and target,
// applied to a cluster by Argo CD) and an append-only event log beside it.
//
// The package is pure: it reads the previous file contents and a run's
// verdicts as values, and returns the new contents. It does no I/O and reads
// no clock (the run time comes in [Run]). Everything it parses comes from the
// repository and is treated as untrusted.
//
// # API note (mode: record)
//
// A caller (the action's `mode: record`) does:
//
//	prevReport, _ := os.ReadFile(reportPath) // nil when absent
//	prevLog, _ := os.ReadFile(logPath)       // nil when absent
//	res, err := record.Record(record.Files{
//		ReportPath: reportPath, Report: prevReport,
//		LogPath: logPath, Log: prevLog,
//	}, record.Run{Time: now, RunURL: url, Commit: sha, Repository: repo}, targets)
//	if err != nil { ... } // bad input: nothing was written, files stay as they are
//	// Replace the report (write a temp file, rename) with res.Report.
//	// Append res.LogAppend to the log (O_APPEND); never rewrite the log.
//	// res.Skipped names targets left alone because the record is newer.
//
// targets holds one [Target] per planned root and target: drifted and changed
// resources with their attribute paths (never values) and cause, policy
// results and the plan error, if any. Actions the caller took or learned of
// (self-healed, remediation PRs, snoozes) go in [Target.Notes] and are logged
// after the events Record derives (detected, changed, recovered,
// policy-violation, override).
//
// Report renderers that want "drifted for 3 days" call [ParseLog] and
// [Log.Drift], then [Age].
//
// The formats and the decision to keep the recovery state in spec (no status
// subresource) are described in docs/record.md.
package record
