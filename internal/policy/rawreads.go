package policy

import (
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// RawReads says which members of input.raw (terraform's plan JSON) the
// loaded policies can read: all of it, or only the top-level members in
// Keys. A plan's prior_state, planned_values and configuration hold most
// of its bytes, and the bundled policies read the tfplan/v2 views instead;
// a member no policy can reach is not built into the input at all, which
// on a 10,000-resource plan is most of the memory policies cost.
type RawReads struct {
	All  bool
	Keys map[string]bool
	// Verdict: input.drift (drift-action's verdict) can be read too. A
	// plan given to `policy check` is classified only for it.
	Verdict bool
	// Context: input.context (the event, root, target and workspace) can
	// be read; when not, targets whose inputs differ only there get the
	// same results (Engine.SharedKey).
	Context bool
}

// ReadsVerdict says whether any policy can read input.drift.
func (r RawReads) ReadsVerdict() bool { return r.All || r.Verdict }

// ReadsContext says whether any policy can read input.context.
func (r RawReads) ReadsContext() bool { return r.All || r.Context }

// bulky are the members of a plan left out of input.raw when no policy
// reads them. The views (resource_changes, resource_drift, output_changes,
// variables) are built from raw, so their members always stay.
var bulky = []string{"prior_state", "planned_values", "configuration"}

// skipped is what ParsePlanFor leaves out under r.
func (r RawReads) skipped() map[string]bool {
	if r.All {
		return nil
	}
	out := map[string]bool{}
	for _, k := range bulky {
		if !r.Keys[k] {
			out[k] = true
		}
	}
	return out
}

// rawReads finds, in the compiled policies (tests excluded), every
// reference to input: `input` whole, `input[x]` with x not a literal, or
// `input.raw` whole or with a computed key can read anything; `input.raw.K`
// reads K; `input.drift` reads the verdict. Imports and `with` are already rewritten to full references in
// compiled modules.
func rawReads(modules map[string]*ast.Module) RawReads {
	r := RawReads{Keys: map[string]bool{}}
	for name, m := range modules {
		if strings.HasSuffix(name, "_test.rego") {
			continue
		}
		ast.WalkRefs(m, func(ref ast.Ref) bool {
			if r.All || !ref.HasPrefix(ast.InputRootRef) {
				return r.All
			}
			if len(ref) < 2 {
				r.All = true
				return true
			}
			k, ok := ref[1].Value.(ast.String)
			if !ok {
				r.All = true
				return true
			}
			switch k {
			case "drift":
				r.Verdict = true
			case "context":
				r.Context = true
			}
			if k != "raw" {
				return false
			}
			if len(ref) < 3 {
				r.All = true
				return true
			}
			if key, ok := ref[2].Value.(ast.String); ok {
				r.Keys[string(key)] = true
			} else {
				r.All = true
			}
			return r.All
		})
	}
	return r
}

// ParsePlanFor is ParsePlan for policies that read only what r says: the
// members of the plan no policy can reach are read past without being
// built (what redaction needs of them is read all the same). Anything else
// is as ParsePlan returns it.
func ParsePlanFor(data []byte, r RawReads) (Plan, error) {
	return parsePlan(data, r.skipped())
}
