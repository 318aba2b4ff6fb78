package config

import (
	"flag"
	"fmt"
	"io"
)

// PolicyTest is `drift-action policy test`.
type PolicyTest struct {
	Dirs         []string // policy directories, relative to Cwd; none means the bundled ones
	AllowNetwork bool     // as in evaluation: network builtins only when allowed
}

// ParsePolicyTest reads `policy test` flags and directories.
func ParsePolicyTest(args []string, usage io.Writer) (PolicyTest, error) {
	var c PolicyTest
	fset := flag.NewFlagSet("policy test", flag.ContinueOnError)
	fset.SetOutput(usage)
	fset.Usage = func() {
		fmt.Fprintf(usage, "usage: drift-action policy test [--allow-network-builtins] [DIR...]\n\nRuns the Rego unit tests (test_ rules) of DIR, or of the bundled policies.\nExit codes: 0 all passed, 1 a test failed or errored.\n\nflags:\n")
		fset.PrintDefaults()
	}
	fset.BoolVar(&c.AllowNetwork, "allow-network-builtins", false, "let policies call http.send, net.lookup_ip_addr and opa.runtime (policy.allow-network in drift.yaml)")
	if err := fset.Parse(args); err != nil {
		return c, err
	}
	c.Dirs = fset.Args()
	return c, nil
}
