package policy

import (
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Options are the choices a run makes about what policies may do.
type Options struct {
	// AllowNetwork lets policies call builtins that reach the network or
	// the runtime (http.send, net.lookup_ip_addr, opa.runtime).
	AllowNetwork bool
}

// networkBuiltins reach beyond the plan: policies run on CI runners that
// hold cloud credentials, so these stay out unless a run allows them.
var networkBuiltins = []string{"http.send", "net.lookup_ip_addr", "opa.runtime"}

// capabilities are this OPA's builtins, less the network ones unless allowed.
func capabilities(opts Options) *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	if opts.AllowNetwork {
		return caps
	}
	caps.Builtins = slices.DeleteFunc(caps.Builtins, func(b *ast.Builtin) bool {
		return slices.Contains(networkBuiltins, b.Name)
	})
	// An empty (not nil) list: JSON schemas may fetch no remote $ref either.
	caps.AllowNet = []string{}
	return caps
}

// newCompiler compiles Rego v1 with the run's capabilities.
func newCompiler(opts Options) *ast.Compiler {
	return ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1).WithCapabilities(capabilities(opts))
}

// explainDisabled rewrites OPA's "undefined function http.send" (and, for
// a test mocking it, "with keyword target must reference existing ...")
// for a builtin left out on purpose, so the author learns how to allow it.
func explainDisabled(errs ast.Errors, opts Options) {
	if opts.AllowNetwork {
		return
	}
	for _, e := range errs {
		if e.Code != ast.TypeErr {
			continue
		}
		name, ok := strings.CutPrefix(e.Message, "undefined function ")
		if !ok && strings.HasPrefix(e.Message, "with keyword target must reference existing") && e.Location != nil {
			name, ok = string(e.Location.Text), true
		}
		if !ok || !slices.Contains(networkBuiltins, name) {
			continue
		}
		e.Message = name + " is disabled: policies may not reach the network or the runtime by default; " +
			"to allow it set policy.allow-network: true in drift.yaml (or pass --allow-network-builtins)"
	}
}
