package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/myorg/drift-action/internal/policy"
)

// PolicyText lists policy results for a terminal, worst first within each
// policy, with a closing count.
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
	fmt.Fprintf(bw, "\n%d deny, %d warn: %d failed, %d overridden, %d waived", s.Denies, s.Warnings, s.Failed, s.Overridden, s.Waived)
	if s.Mandatory {
		fmt.Fprint(bw, " — a mandatory policy failed")
	}
	fmt.Fprintln(bw)
	return bw.Flush()
}

func verdict(r policy.Result) string {
	switch {
	case r.Failed:
		return "FAIL"
	case r.Overridden:
		return "OVERRIDDEN"
	case r.Waived:
		return "WAIVED"
	case r.Level == policy.Advisory:
		// Advice never fails a run: no capitals that read as a failure.
		return "advisory"
	case r.Kind == "deny":
		return "DENY"
	}
	return "WARN"
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
