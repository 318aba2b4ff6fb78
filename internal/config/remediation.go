package config

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Strategies are how drift may be remediated: apply the saved plan, open a
// pull request, adopt the drift into the code, or auto (apply for the
// safe types, a pull request for the rest).
var Strategies = []string{"pr", "apply", "adopt", "auto"}

// Causes a guardrail may allow, as drift.Resource.Cause names them (a
// drift+code change needs both).
var Causes = []string{"drift", "code"}

// DefaultMaxResources is the guardrails' max-resources when not set.
const DefaultMaxResources = 10

// Remediation is drift.yaml's remediation key: which strategy heals which
// root and resource type, and the guardrails an apply must stay within.
type Remediation struct {
	// Default is the strategy for roots and types no rule names; "" when
	// not set (the action's remediation input, else pr).
	Default string
	// SafeTypes are resource type globs that auto applies.
	SafeTypes  []string
	Guardrails Guardrails
	// MaxOpenPRs caps open remediation pull requests; 0 means
	// DefaultMaxOpenPRs (see OpenPRCap).
	MaxOpenPRs int
	Roots      []RemediationRoot // first matching dir wins
}

// Guardrails bound what an apply may do; a plan with any change outside
// them is not applied at all.
type Guardrails struct {
	AllowDelete  bool
	AllowReplace bool
	MaxResources int      // most resources one plan may change
	Types        []string // resource type globs an apply may touch; empty: any
	Causes       []string // allowed causes of changes: drift, code
}

// DefaultGuardrails are the guardrails when drift.yaml sets none: no
// deletes, no replacements, at most 10 resources, any type, drift only.
func DefaultGuardrails() Guardrails {
	return Guardrails{MaxResources: DefaultMaxResources, Causes: []string{"drift"}}
}

// RemediationRoot sets the strategy for roots whose directory matches Dir
// (a glob relative to the repository), by resource type.
type RemediationRoot struct {
	Dir      string
	Strategy string         // "" keeps the default
	Types    []TypeStrategy // first matching type wins
	// Guardrails are the top-level guardrails with this root's keys
	// replacing theirs.
	Guardrails Guardrails
	Line       int
}

// TypeStrategy is the strategy for resource types matching Type (a glob).
type TypeStrategy struct {
	Type     string
	Strategy string
}

// guardrailKeys are guardrails as written: nil for a key not set, so a
// root's block overrides only the keys it names.
type guardrailKeys struct {
	allowDelete, allowReplace *bool
	maxResources              *int
	types, causes             *[]string
}

func (k guardrailKeys) over(g Guardrails) Guardrails {
	if k.allowDelete != nil {
		g.AllowDelete = *k.allowDelete
	}
	if k.allowReplace != nil {
		g.AllowReplace = *k.allowReplace
	}
	if k.maxResources != nil {
		g.MaxResources = *k.maxResources
	}
	if k.types != nil {
		g.Types = *k.types
	}
	if k.causes != nil {
		g.Causes = *k.causes
	}
	return g
}

// DefaultMaxOpenPRs caps open remediation pull requests unless
// remediation.max-open-prs says otherwise.
const DefaultMaxOpenPRs = 10

// remediation parses the remediation key.
func (d decoder) remediation(n *yaml.Node) (Remediation, error) {
	var r Remediation
	var top guardrailKeys
	var roots []guardrailKeys
	err := d.mapping(n, "remediation", map[string]func(*yaml.Node) error{
		"default":    func(n *yaml.Node) (err error) { r.Default, err = d.strategy(n, "remediation.default"); return },
		"safe-types": func(n *yaml.Node) (err error) { r.SafeTypes, err = d.typeGlobs(n, "remediation.safe-types"); return },
		"guardrails": func(n *yaml.Node) (err error) { top, err = d.guardrails(n, "remediation.guardrails"); return },
		"max-open-prs": func(n *yaml.Node) (err error) {
			r.MaxOpenPRs, err = d.positive(n, "remediation.max-open-prs")
			return
		},
		"roots": func(n *yaml.Node) error {
			if n.Kind != yaml.SequenceNode {
				return d.errf(n, "remediation.roots must be a list of {dir: GLOB, strategy: pr|apply|adopt|auto, types: {TYPE: STRATEGY}, guardrails: {...}}")
			}
			for i, rn := range n.Content {
				rr, keys, err := d.remediationRoot(rn, fmt.Sprintf("remediation.roots[%d]", i))
				if err != nil {
					return err
				}
				r.Roots = append(r.Roots, rr)
				roots = append(roots, keys)
			}
			return nil
		},
	})
	r.Guardrails = top.over(DefaultGuardrails())
	for i := range r.Roots {
		r.Roots[i].Guardrails = roots[i].over(r.Guardrails)
	}
	return r, err
}

func (d decoder) remediationRoot(n *yaml.Node, where string) (RemediationRoot, guardrailKeys, error) {
	r := RemediationRoot{Line: n.Line}
	var keys guardrailKeys
	err := d.mapping(n, where, map[string]func(*yaml.Node) error{
		"dir":        func(n *yaml.Node) (err error) { r.Dir, err = d.str(n, where+".dir"); return },
		"strategy":   func(n *yaml.Node) (err error) { r.Strategy, err = d.strategy(n, where+".strategy"); return },
		"guardrails": func(n *yaml.Node) (err error) { keys, err = d.guardrails(n, where+".guardrails"); return },
		"types": func(n *yaml.Node) error {
			if n.Kind != yaml.MappingNode {
				return d.errf(n, "%s.types must map resource types (globs) to strategies, e.g. {aws_security_group: pr}", where)
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if strings.TrimSpace(k.Value) == "" {
					return d.errf(k, "%s.types: a resource type must not be empty", where)
				}
				s, err := d.strategy(v, where+".types."+k.Value)
				if err != nil {
					return err
				}
				r.Types = append(r.Types, TypeStrategy{Type: k.Value, Strategy: s})
			}
			return nil
		},
	})
	if err == nil && strings.TrimSpace(r.Dir) == "" {
		err = d.errf(n, "%s needs dir: the root module's path (or a glob) relative to the repository", where)
	}
	return r, keys, err
}

func (d decoder) guardrails(n *yaml.Node, where string) (guardrailKeys, error) {
	var g guardrailKeys
	err := d.mapping(n, where, map[string]func(*yaml.Node) error{
		"allow-delete": func(n *yaml.Node) error {
			v, err := d.boolean(n, where+".allow-delete")
			g.allowDelete = &v
			return err
		},
		"allow-replace": func(n *yaml.Node) error {
			v, err := d.boolean(n, where+".allow-replace")
			g.allowReplace = &v
			return err
		},
		"max-resources": func(n *yaml.Node) error {
			v, err := d.positive(n, where+".max-resources")
			g.maxResources = &v
			return err
		},
		"types": func(n *yaml.Node) error {
			v, err := d.typeGlobs(n, where+".types")
			g.types = &v
			return err
		},
		"causes": func(n *yaml.Node) error {
			v, err := d.strings(n, where+".causes")
			if err != nil {
				return err
			}
			for i, c := range v {
				if !slices.Contains(Causes, c) {
					return d.errf(n, "%s.causes[%d] %q: use drift (changes that only undo drift) and/or code (changes from the configuration); a drift+code change needs both", where, i, c)
				}
			}
			if len(v) == 0 {
				return d.errf(n, "%s.causes is empty, which would allow no change at all: list drift, code or both (or set the strategy to pr)", where)
			}
			g.causes = &v
			return nil
		},
	})
	return g, err
}

func (d decoder) strategy(n *yaml.Node, key string) (string, error) {
	s, err := d.str(n, key)
	if err == nil && !slices.Contains(Strategies, s) {
		err = d.errf(n, "%s %q is not a strategy: use pr, apply, adopt or auto", key, s)
	}
	return s, err
}

func (d decoder) typeGlobs(n *yaml.Node, key string) ([]string, error) {
	v, err := d.strings(n, key)
	if err != nil {
		return nil, err
	}
	for i, t := range v {
		if strings.TrimSpace(t) == "" {
			return nil, d.errf(n, "%s[%d] is empty: name a resource type or a glob such as aws_s3_*", key, i)
		}
	}
	return v, nil
}

// Strategy is the default strategy of a run: the action's remediation input
// when given (as a flag overrides drift.yaml), else drift.yaml's default,
// else pr. Roots and types drift.yaml names keep their own strategy.
func (r Remediation) Strategy(input string) (string, error) {
	switch {
	case input != "":
		if !slices.Contains(Strategies, input) {
			return "", fmt.Errorf("input remediation: %q is not accepted: use pr, apply, adopt or auto", input)
		}
		return input, nil
	case r.Default != "":
		return r.Default, nil
	}
	return "pr", nil
}

// OpenPRCap is the cap on open remediation pull requests.
func (r Remediation) OpenPRCap() int {
	if r.MaxOpenPRs == 0 {
		return DefaultMaxOpenPRs
	}
	return r.MaxOpenPRs
}
