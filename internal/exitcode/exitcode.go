// Package exitcode defines drift-action's process exit codes, the public
// contract of the CLI and the action, in one place for the code that
// decides them (report, app) and the text that documents them.
package exitcode

// Exit codes, worst first when several apply: an error wins over a failed
// mandatory policy, which wins over drift, which wins over pending code.
const (
	Clean   = 0 // nothing drifted and nothing is pending
	Error   = 1 // a target or the run failed; the verdict is unknown
	Drift   = 2 // something drifted outside terraform
	Policy  = 3 // a mandatory policy failed
	Pending = 4 // code changes are pending and nothing drifted
)

// Usage is the exit-code table as the usage text and docs print it.
const Usage = `exit codes:
  0  clean: nothing drifted, nothing pending
  1  error: a target or the run failed (its verdict is unknown)
  2  drift: something changed outside terraform
  3  a mandatory policy failed
  4  code changes pending, nothing drifted
`

// Short is the one-line form, for messages.
const Short = "0 clean, 1 error, 2 drift, 3 a mandatory policy failed,\n4 code changes pending and no drift; 1 wins over 3, 3 over 2, 2 over 4."
