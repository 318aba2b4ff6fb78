package policy

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/myorg/drift-action/internal/glob"
	"go.yaml.in/yaml/v3"
)

// Level is a Sentinel enforcement level.
type Level string

// Enforcement levels, as in Sentinel.
const (
	Advisory      Level = "advisory"       // reported, never fails the run
	SoftMandatory Level = "soft-mandatory" // fails unless overridden, and every override is recorded
	HardMandatory Level = "hard-mandatory" // always fails
)

// ConftestLevel is the level of a policy no policy set names: a deny fails
// the run and nothing but an exception in its package waives it, as
// conftest treats every deny.
const ConftestLevel = HardMandatory

// Outcome says what one result did to the run, in the words every output
// uses: each result has exactly one.
type Outcome string

// Outcomes.
const (
	OutcomeFailed     Outcome = "failed"     // a mandatory deny that stands: the run fails
	OutcomeAdvisory   Outcome = "advisory"   // reported only: an advisory policy's deny, or any warn
	OutcomeWaived     Outcome = "waived"     // a deny an exception rule waived
	OutcomeOverridden Outcome = "overridden" // a soft-mandatory deny overridden for this run
)

// Outcome is what the result did to the run.
func (r Result) Outcome() Outcome {
	switch {
	case r.Waived:
		return OutcomeWaived
	case r.Overridden:
		return OutcomeOverridden
	case r.Failed:
		return OutcomeFailed
	}
	return OutcomeAdvisory
}

// Severities, lowest first.
var Severities = []string{"low", "medium", "high", "critical"}

// Result is one deny or warn produced by a policy for one target.
type Result struct {
	Policy     string `json:"policy"`
	Rule       string `json:"rule"`
	Kind       string `json:"kind"` // deny or warn (gatekeeper: deny, warn or dryrun)
	Level      Level  `json:"level"`
	Severity   string `json:"severity"`
	Msg        string `json:"msg"`
	Resource   string `json:"resource,omitempty"`
	Waived     bool   `json:"waived,omitempty"`     // an exception rule waived this deny
	Overridden bool   `json:"overridden,omitempty"` // a soft-mandatory deny overridden for this run
	// OverriddenBy: the overrides naming this policy, when Overridden.
	OverriddenBy []Override `json:"overridden_by,omitempty"`
	// Failed: a mandatory deny that stands (not waived, not overridden).
	Failed bool `json:"failed"`
}

// Override overrides soft-mandatory policies (Name is a policy name or glob)
// for one run, recorded with where it came from.
type Override struct {
	Name   string `json:"name"`
	Source string `json:"source"`       // flag, config, input or label
	By     string `json:"by,omitempty"` // label: who added it, or "(unknown)"
}

func (o Override) String() string {
	// Names and logins come from labels and payloads: quoted, one line.
	s := fmt.Sprintf("%q (%s", o.Name, o.Source)
	if o.By != "" {
		s += " by " + strconv.Quote(o.By)
	}
	return s + ")"
}

// finish decides Overridden and Failed once level, kind and waiver are known.
func (r *Result) finish(overrides []Override) {
	if r.Kind != "deny" || r.Waived || r.Level == Advisory {
		return
	}
	if r.Level == SoftMandatory {
		if by := Matching(r.Policy, overrides); len(by) > 0 {
			r.Overridden, r.OverriddenBy = true, by
			return
		}
	}
	r.Failed = true
}

// Matching lists the overrides whose name (a glob) matches policy.
func Matching(policy string, overrides []Override) []Override {
	var out []Override
	for _, o := range overrides {
		if glob.Wildcard(strings.TrimSpace(o.Name), policy) {
			out = append(out, o)
		}
	}
	return out
}

// CheckOverrides refuses overrides that would silently do nothing: one
// naming (or a glob matching) no loaded policy, or matching a hard-mandatory
// policy, which nothing overrides.
func (e *Engine) CheckOverrides(overrides []Override) error {
	var errs []error
	for _, o := range overrides {
		var matched, hard []string
		for _, p := range e.policies {
			if glob.Wildcard(strings.TrimSpace(o.Name), p) {
				matched = append(matched, p)
				if l, _ := e.Level(p); l == HardMandatory {
					hard = append(hard, p)
				}
			}
		}
		switch {
		case len(matched) == 0:
			errs = append(errs, fmt.Errorf("override %s names no loaded policy (fix or remove it); the policies are: %s", o, e.describe()))
		case len(hard) > 0:
			errs = append(errs, fmt.Errorf("override %s names hard-mandatory %s, which nothing overrides (only an exception rule in its package waives a deny); the policies are: %s",
				o, strings.Join(hard, ", "), e.describe()))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("check overrides: %w", errors.Join(errs...))
	}
	return nil
}

// describe lists the loaded policies with their levels.
func (e *Engine) describe() string {
	out := make([]string, len(e.policies))
	for i, p := range e.policies {
		l, _ := e.Level(p)
		out[i] = fmt.Sprintf("%s (%s)", p, l)
	}
	return strings.Join(out, ", ")
}

// Level is the enforcement level of a loaded policy and where it comes
// from: the first policy set entry naming it (drift.yaml, --policy-set,
// the policy directories' sets, the bundled set, in that order), else the
// --policy-set file's default-level, else the default-level of the
// policy-set.yaml in the policy's own directory, else ConftestLevel: a
// user's deny without a policy set fails the run, as conftest's does.
func (e *Engine) Level(policy string) (Level, string) {
	return levelOf(policy, e.set, e.srcs, e.origin)
}

func levelOf(policy string, set Set, srcs []Source, origin map[string]int) (Level, string) {
	if l, from, ok := set.entry(policy); ok {
		return l, from
	}
	if set.Default != "" {
		return set.Default, "default-level of " + set.Path
	}
	if i, ok := origin[policy]; ok && i < len(srcs) && srcs[i].Default != "" {
		return srcs[i].Default, "default-level of " + srcs[i].DefaultFrom
	}
	return ConftestLevel, "no policy set names it: a deny fails the run, as in conftest"
}

// PolicyLevel is one loaded policy with its level.
type PolicyLevel struct {
	Policy string `json:"policy"`
	Level  Level  `json:"level"`
	From   string `json:"from"` // where the level comes from
}

// Levels lists the loaded policies, by name, with their levels.
func (e *Engine) Levels() []PolicyLevel {
	out := make([]PolicyLevel, len(e.policies))
	for i, p := range e.policies {
		l, from := e.Level(p)
		out[i] = PolicyLevel{Policy: p, Level: l, From: from}
	}
	return out
}

func normalSeverity(s, kind string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, k := range Severities {
		if s == k {
			return s
		}
	}
	if kind == "deny" {
		return "high"
	}
	return "medium"
}

func sortResults(rs []Result) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.Policy != b.Policy {
			return a.Policy < b.Policy
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if a.Resource != b.Resource {
			return a.Resource < b.Resource
		}
		return a.Msg < b.Msg
	})
}

// Summary counts results. Failed, Advisory, Waived and Overridden count
// each result once, by its Outcome, and add up to Denies + Warnings.
type Summary struct {
	Denies     int  `json:"denies"`   // deny results, whatever their outcome
	Warnings   int  `json:"warnings"` // warn (and dryrun) results
	Failed     int  `json:"failed"`
	Advisory   int  `json:"advisory"`
	Overridden int  `json:"overridden"`
	Waived     int  `json:"waived"`
	Mandatory  bool `json:"mandatory_failed"`
}

// Summarize counts a run's results.
func Summarize(rs []Result) Summary {
	var s Summary
	for _, r := range rs {
		switch r.Kind {
		case "deny":
			s.Denies++
		default:
			s.Warnings++
		}
		switch r.Outcome() {
		case OutcomeFailed:
			s.Failed++
			s.Mandatory = true
		case OutcomeOverridden:
			s.Overridden++
		case OutcomeWaived:
			s.Waived++
		default:
			s.Advisory++
		}
	}
	return s
}

// Words are the counts as every output says them, in one order:
// "2 failed, 5 advisory, 1 waived, 0 overridden" (sep ", ").
func (s Summary) Words(sep string) string {
	return strings.Join([]string{
		fmt.Sprintf("%d %s", s.Failed, OutcomeFailed),
		fmt.Sprintf("%d %s", s.Advisory, OutcomeAdvisory),
		fmt.Sprintf("%d %s", s.Waived, OutcomeWaived),
		fmt.Sprintf("%d %s", s.Overridden, OutcomeOverridden),
	}, sep)
}

// Set is a policy set file: enforcement levels by policy name (globs, first
// match wins) and a default.
type Set struct {
	Path    string
	Default Level
	Entries []SetEntry
}

// SetEntry gives the level of policies whose name matches Name.
type SetEntry struct {
	Name  string
	Level Level
	From  string // where the entry is written (file:line), for `policy test`
}

// entry is the level the first entry matching policy gives.
func (s Set) entry(policy string) (Level, string, bool) {
	for _, e := range s.Entries {
		if glob.Wildcard(e.Name, policy) {
			from := e.From
			if from == "" {
				from = fmt.Sprintf("policy set entry %q", e.Name)
			}
			return e.Level, from, true
		}
	}
	return "", "", false
}

// ParseSet reads a policy set file (policies/policy-set.yaml).
func ParseSet(path string, data []byte) (Set, error) {
	s := Set{Path: path}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return s, fmt.Errorf("%s: %w (fix the YAML syntax)", path, err)
	}
	if len(doc.Content) == 0 {
		return s, nil
	}
	top := doc.Content[0]
	errf := func(n *yaml.Node, format string, a ...any) error {
		return fmt.Errorf("%s:%d: %s", path, n.Line, fmt.Sprintf(format, a...))
	}
	if top.Kind != yaml.MappingNode {
		return s, errf(top, "a policy set is a mapping with version, default-level and policies")
	}
	var errs []error
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		switch k.Value {
		case "version":
			if v.Value != "1" {
				errs = append(errs, errf(v, "unsupported policy set version %q: this drift-action reads version 1", v.Value))
			}
		case "default-level":
			l, err := parseLevel(v.Value)
			if err != nil {
				errs = append(errs, errf(v, "default-level: %v", err))
			}
			s.Default = l
		case "policies":
			if v.Kind != yaml.SequenceNode {
				errs = append(errs, errf(v, "policies must be a list of {name: POLICY-GLOB, level: LEVEL}"))
				continue
			}
			for j, en := range v.Content {
				e := SetEntry{From: fmt.Sprintf("%s:%d", path, en.Line)}
				if en.Kind != yaml.MappingNode {
					errs = append(errs, errf(en, "policies[%d] must be {name: POLICY-GLOB, level: LEVEL}", j))
					continue
				}
				for m := 0; m+1 < len(en.Content); m += 2 {
					ek, ev := en.Content[m], en.Content[m+1]
					switch ek.Value {
					case "name":
						e.Name = ev.Value
					case "level":
						l, err := parseLevel(ev.Value)
						if err != nil {
							errs = append(errs, errf(ev, "policies[%d].level: %v", j, err))
						}
						e.Level = l
					default:
						errs = append(errs, errf(ek, "unknown key %q in policies[%d] (known keys: level, name)", ek.Value, j))
					}
				}
				if e.Name == "" || e.Level == "" {
					errs = append(errs, errf(en, "policies[%d] needs both name and level", j))
				}
				s.Entries = append(s.Entries, e)
			}
		default:
			errs = append(errs, errf(k, "unknown key %q in the policy set (known keys: default-level, policies, version)", k.Value))
		}
	}
	return s, errors.Join(errs...)
}

func parseLevel(s string) (Level, error) {
	switch l := Level(s); l {
	case Advisory, SoftMandatory, HardMandatory:
		return l, nil
	}
	return "", fmt.Errorf("unknown enforcement level %q: use advisory, soft-mandatory or hard-mandatory", s)
}
