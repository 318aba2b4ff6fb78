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
	Dirs    []string // user policy directories, relative to Cwd
	Bundled bool     // include the policies shipped in the binary
	// NoBundled: drift.yaml says policy.bundled: false (files only; see resolvePolicy).
	NoBundled bool
	SetFile   string        // a policy set file with enforcement levels
	Levels    []Level       // levels from drift.yaml, before any set file
	Overrides []Override    // soft-mandatory policies overridden for this run
	Manifests []string      // Kubernetes manifest globs for Gatekeeper
	Timeout   time.Duration // per evaluation
	Disabled  bool
	// AllowNetwork lets policies call http.send and other builtins that
	// reach the network or the runtime; off by default.
	AllowNetwork bool
}

// Override overrides soft-mandatory policies (Name: a policy name or glob)
// for one run. Source says where it came from, so the result records it.
type Override struct {
	Name   string
	Source string // OverrideFlag, OverrideConfig, OverrideInput or OverrideLabel
	By     string // for labels: who added it, or UnknownAuthor
}

// Where an override came from.
const (
	OverrideFlag   = "flag"   // --override
	OverrideConfig = "config" // policy.overrides in drift.yaml
	OverrideInput  = "input"  // the action's policy-overrides input
	OverrideLabel  = "label"  // a pull request label drift-override:<policy>
)

// UnknownAuthor is By of a label override whose author the event does not
// name: only a labeled event's payload says who added that one label.
const UnknownAuthor = "(unknown)"

func overrides(names []string, source string) []Override {
	out := make([]Override, 0, len(names))
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, Override{Name: n, Source: source})
		}
	}
	return out
}

// overrideFlag is the repeatable --override flag.
type overrideFlag struct{ list *[]Override }

func (o overrideFlag) String() string {
	if o.list == nil {
		return ""
	}
	var names []string
	for _, x := range *o.list {
		names = append(names, x.Name)
	}
	return strings.Join(names, ",")
}

func (o overrideFlag) Set(s string) error {
	if strings.TrimSpace(s) == "" {
		return fmt.Errorf("an override needs a policy name or glob")
	}
	*o.list = append(*o.list, Override{Name: strings.TrimSpace(s), Source: OverrideFlag})
	return nil
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
	fset.Var(listFlag{&p.Dirs}, "policy", "policy directory (`DIR`, repeatable); replaces the bundled policies and drift.yaml's policy.dirs unless --bundled is given (default: the bundled policies and drift.yaml's policy.dirs)")
	fset.BoolVar(&p.Bundled, "bundled", true, "evaluate the bundled policies (default: true unless --policy is given or drift.yaml says policy.bundled: false)")
	fset.StringVar(&p.SetFile, "policy-set", "", "policy set `FILE` with enforcement levels (default: policy-set.yaml in each policy directory, then the bundled one)")
	fset.Var(overrideFlag{&p.Overrides}, "override", "override a soft-mandatory `POLICY` by name or glob (repeatable); every override is recorded")
	fset.DurationVar(&p.Timeout, "policy-timeout", DefaultPolicyTimeout, "time limit for evaluating the policies of one target")
	fset.BoolVar(&p.AllowNetwork, "allow-network-builtins", false, "let policies call http.send, net.lookup_ip_addr and opa.runtime (policy.allow-network in drift.yaml)")
}

// resolvePolicy merges drift.yaml's policy settings (f) into the flags' (p;
// set names the flags given) and decides which policies run. It is the one
// place for the rule, so detect, policy check and the action agree:
//
//   - --policy DIR replaces the bundled policies, and drift.yaml's dirs,
//     unless --bundled is given too;
//   - otherwise drift.yaml's policy.dirs run beside the bundled policies,
//     unless drift.yaml says policy.bundled: false (or --bundled=false).
func resolvePolicy(p *Policy, f Policy, set map[string]bool) error {
	if !set["policy"] {
		p.Dirs = f.Dirs
	}
	if !set["bundled"] {
		p.Bundled = !set["policy"] && !f.NoBundled
	}
	if !set["policy-set"] {
		p.SetFile = f.SetFile
	}
	if !set["manifests"] {
		p.Manifests = f.Manifests
	}
	p.Levels = f.Levels
	p.Overrides = append(p.Overrides, f.Overrides...)
	if f.Disabled && !set["no-policy"] {
		p.Disabled = true
	}
	if !set["allow-network-builtins"] {
		p.AllowNetwork = f.AllowNetwork
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
	// File is drift.yaml, its targets expanded as detect expands them (so
	// their sensitive values are masked): its masks, ignore rules, snoozes
	// and policy settings apply as in detect.
	File File
	// Root is the root module directory (relative to Cwd) the plan was made
	// for, whose settings judge it; "" infers it from where the plan file is.
	Root string
	// Target names the root's target when it has several.
	Target   string
	Cwd      string
	RepoRoot string
}

// policyCheckCommand declares the policy check flags, writing into c. The
// config file path is returned apart: it is read once the flags are.
func policyCheckCommand(c *PolicyCheck) (Command, *string) {
	fset := flag.NewFlagSet("policy check", flag.ContinueOnError)
	fset.StringVar(&c.Plan, "plan", "", "plan JSON `FILE`, as terraform show -json PLANFILE prints it (required)")
	fset.StringVar(&c.Root, "root", "", "root module `DIR` the plan was made for, one detect plans with no arguments; its drift.yaml settings (ignore rules, snoozes) apply (default: the plan file's directory when it is such a root, else drift.yaml's global settings only)")
	fset.StringVar(&c.Target, "target", "", "the root's target `NAME`, needed when the root has several")
	fset.StringVar(&c.Format, "format", "text", "output `FORMAT`: text or json")
	configPath := fset.String("config", "", "config `FILE` (default: "+DefaultFile+" in the repository root, if present)")
	policyFlags(fset, &c.Policy)
	return Command{Flags: fset, Header: "usage: drift-action policy check --plan FILE [--root DIR [--target NAME]] [flags]\n\n" +
		"Evaluates one terraform plan JSON file (terraform show -json) against policies,\n" +
		"judged as detect judges the plan of that root: the config file's masks, ignore\n" +
		"rules, snoozes and policy settings for the root (--root DIR, or the directory\n" +
		"the plan file is in).\n\n" +
		"Exit codes: 0 nothing mandatory failed, 1 error, 3 a mandatory policy failed.\n"}, configPath
}

// ParsePolicyCheck reads `policy check` flags.
func ParsePolicyCheck(args []string, env Env, usage io.Writer) (PolicyCheck, error) {
	c := PolicyCheck{Cwd: env.Cwd, RepoRoot: RepoRoot(env.Cwd)}
	cmd, configPath := policyCheckCommand(&c)
	fset := cmd.Flags
	args, err := cmd.Parse(args, usage)
	if err != nil {
		return c, err
	}
	if len(args) > 0 {
		fmt.Fprint(usage, cmd.Usage())
		return c, fmt.Errorf("policy check: unexpected argument %q; pass the plan with --plan FILE", args[0])
	}
	set := map[string]bool{}
	fset.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if c.Plan == "" {
		fmt.Fprint(usage, cmd.Usage())
		return c, fmt.Errorf("policy check: --plan FILE is required (make one with: terraform show -json plan.tfplan > plan.json)")
	}
	if c.Format != "text" && c.Format != "json" {
		return c, fmt.Errorf("--format %q is not supported by policy check: use text or json", c.Format)
	}
	f, err := loadFile(*configPath, c.RepoRoot, env.Cwd)
	if err != nil {
		return c, err
	}
	// As detect does: a target's sensitive values join the masks, so they
	// are hidden from policies and their messages here too.
	if err := f.ExpandTargets(Lookup(env.Environ)); err != nil {
		return c, err
	}
	c.File = f
	// An explicit check runs even where drift.yaml turns policies off for detect.
	f.Policy.Disabled = false
	return c, resolvePolicy(&c.Policy, f.Policy, set)
}
