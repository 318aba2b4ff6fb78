package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/myorg/drift-action/internal/policy"
)

// PolicyText lists policy results for a terminal, worst first within each
// policy, with a closing count of outcomes (the run's Policy line).
func PolicyText(w io.Writer, rs []policy.Result) error {
	bw := bufio.NewWriter(w)
	for _, r := range rs {
		fmt.Fprintf(bw, "%-10s [%s] %s.%s (%s)", verdict(r), r.Level, r.Policy, r.Rule, r.Severity)
		if r.Resource != "" && !strings.HasPrefix(r.Msg, r.Resource) {
			fmt.Fprintf(bw, " %s", r.Resource)
		}
		fmt.Fprintf(bw, ": %s\n", oneLine(r.Msg))
	}
	s := policy.Summarize(rs)
	fmt.Fprintf(bw, "\nPolicy: %s", s.Words(", "))
	if s.Mandatory {
		fmt.Fprint(bw, " — a mandatory policy failed")
	}
	fmt.Fprintln(bw)
	return bw.Flush()
}

// verdict is what the result did to the run, in the words every output
// uses (policy.Outcome).
func verdict(r policy.Result) string { return string(r.Outcome()) }

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
