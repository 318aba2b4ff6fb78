package report

import "strconv"

// Output is one step output the document decides.
type Output struct{ Name, Value string }

// Outputs are the action's step outputs that come from the document, in
// action.yml's order. The policy counts are the Policy line's (each result
// counted once, by its outcome); policy-violations keeps its first meaning
// for workflows that read it: deny results not waived, at any level
// (failed + overridden + advisory denies; warn results not counted).
func Outputs(d Document) []Output {
	var s policySummary
	if d.Policy != nil {
		s = policySummary{d.Policy.Failed, d.Policy.Advisory, d.Policy.Waived, d.Policy.Overridden, d.Policy.Denies - d.Policy.Waived}
	}
	return []Output{
		{"drift-detected", strconv.FormatBool(d.Drifted)},
		{"drifted-resources", strconv.Itoa(d.Summary.DriftedResources)},
		{"changes-pending", strconv.FormatBool(d.Pending())},
		{"policy-failed", strconv.Itoa(s.failed)},
		{"policy-advisory", strconv.Itoa(s.advisory)},
		{"policy-waived", strconv.Itoa(s.waived)},
		{"policy-overridden", strconv.Itoa(s.overridden)},
		{"policy-violations", strconv.Itoa(s.violations)},
	}
}

type policySummary struct{ failed, advisory, waived, overridden, violations int }
