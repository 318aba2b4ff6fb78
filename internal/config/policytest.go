package config

import (
	"flag"
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
	fset.BoolVar(&c.AllowNetwork, "allow-network-builtins", false, "let policies call http.send, net.lookup_ip_addr and opa.runtime (policy.allow-network in drift.yaml)")
	cmd := Command{Flags: fset, Header: "usage: drift-action policy test [--allow-network-builtins] [DIR...]\n\n" +
		"Lists each policy of each DIR (or the bundled policies) with its enforcement\n" +
		"level and where the level comes from (LEVEL, POLICY, WHY), then runs their\n" +
		"Rego unit tests (test_ rules). detect and policy check put drift.yaml's\n" +
		"policy.levels and --policy-set before those levels.\n\n" +
		"Exit codes: 0 all passed, 1 a test failed or errored.\n"}
	dirs, err := cmd.Parse(args, usage)
	if err != nil {
		return c, err
	}
	c.Dirs = dirs
	return c, nil
}
