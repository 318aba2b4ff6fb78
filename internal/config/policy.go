package config

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// Policy says which policies run and how strictly.
type Policy struct {
	Dirs      []string      // user policy directories, relative to Cwd
	Bundled   bool          // include the policies shipped in the binary
	SetFile   string        // a policy set file with enforcement levels
	Levels    []Level       // levels from drift.yaml, before any set file
	Overrides []string      // soft-mandatory policies overridden for this run
	Manifests []string      // Kubernetes manifest globs for Gatekeeper
	Timeout   time.Duration // per evaluation
	Disabled  bool
	// AllowNetwork lets policies call http.send and other builtins that
	// reach the network or the runtime; off by default.
	AllowNetwork bool
}

// Level is an enforcement level given in drift.yaml.
type Level struct {
	Name  string
	Level string
}

// DefaultPolicyTimeout bounds one evaluation of all policies for one target.
const DefaultPolicyTimeout = 30 * time.Second

// listFlag is a repeatable string flag.
type listFlag struct{ list *[]string }

func (l listFlag) String() string {
	if l.list == nil {
		return ""
	}
	return strings.Join(*l.list, ",")
}

func (l listFlag) Set(s string) error {
	*l.list = append(*l.list, s)
	return nil
}

// policyFlags registers the policy flags shared by detect and policy check.
func policyFlags(fset *flag.FlagSet, p *Policy) {
	fset.Var(listFlag{&p.Dirs}, "policy", "policy directory (repeatable); replaces the bundled policies unless --bundled is given")
	fset.BoolVar(&p.Bundled, "bundled", true, "evaluate the bundled policies (default: only when no --policy is given)")
	fset.StringVar(&p.SetFile, "policy-set", "", "policy set file with enforcement levels (default: policy-set.yaml in each policy directory, then the bundled one)")
	fset.Var(listFlag{&p.Overrides}, "override", "override a soft-mandatory policy by name or glob (repeatable); every override is recorded")
	fset.DurationVar(&p.Timeout, "policy-timeout", DefaultPolicyTimeout, "time limit for evaluating the policies of one target")
	fset.BoolVar(&p.AllowNetwork, "allow-network-builtins", false, "let policies call http.send, net.lookup_ip_addr and opa.runtime (policy.allow-network in drift.yaml)")
}

// finishPolicy applies "--policy replaces the bundled set unless --bundled".
func finishPolicy(p *Policy, set map[string]bool) error {
	if len(p.Dirs) > 0 && !set["bundled"] {
		p.Bundled = false
	}
	if p.Timeout <= 0 {
		return fmt.Errorf("--policy-timeout must be positive, got %s", p.Timeout)
	}
	return nil
}

// PolicyCheck is `drift-action policy check`.
type PolicyCheck struct {
	Plan   string
	Format string
	Policy Policy
	Cwd    string
}

// ParsePolicyCheck reads `policy check` flags.
func ParsePolicyCheck(args []string, env Env, usage io.Writer) (PolicyCheck, error) {
	c := PolicyCheck{Cwd: env.Cwd}
	fset := flag.NewFlagSet("policy check", flag.ContinueOnError)
	fset.SetOutput(usage)
	fset.Usage = func() {
		fmt.Fprintf(usage, "usage: drift-action policy check --plan FILE [--policy DIR]... [--format text|json]\n\nEvaluates one terraform plan JSON file (terraform show -json) against policies.\nExit codes: 0 nothing mandatory failed, 3 a mandatory policy failed, 1 error.\n\nflags:\n")
		fset.PrintDefaults()
	}
	fset.StringVar(&c.Plan, "plan", "", "plan JSON file, as `terraform show -json PLANFILE` prints it (required)")
	fset.StringVar(&c.Format, "format", "text", "output format: text or json")
	policyFlags(fset, &c.Policy)
	if err := fset.Parse(args); err != nil {
		return c, err
	}
	if fset.NArg() > 0 {
		return c, fmt.Errorf("policy check: unexpected argument %q; pass the plan with --plan FILE", fset.Arg(0))
	}
	set := map[string]bool{}
	fset.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if c.Plan == "" {
		return c, fmt.Errorf("policy check: --plan FILE is required (make one with: terraform show -json plan.tfplan > plan.json)")
	}
	if c.Format != "text" && c.Format != "json" {
		return c, fmt.Errorf("--format %q is not supported by policy check: use text or json", c.Format)
	}
	return c, finishPolicy(&c.Policy, set)
}
