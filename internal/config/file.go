package config

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/myorg/drift-action/internal/tfsetting"
	"go.yaml.in/yaml/v3"
)

// File is the parsed `.github/drift.yaml`. Zero values mean "not set".
type File struct {
	Path        string
	Terraform   string
	Parallelism int
	Timeout     time.Duration
	LockTimeout time.Duration
	Grace       time.Duration
	Roots       []Root
	Exclude     []string
	Ignore      []IgnoreRule
	MaskPaths   []string
	MaskValues  []*regexp.Regexp
	Policy      Policy
	ShardSize   int // targets per matrix job in mode: list
	// Checks is what a failing check block or condition does: warn
	// (reported; the default), error (the target is in error) or ignore.
	Checks string
	// Remediation is how drift is healed (remediation.go).
	Remediation Remediation
	// Snoozes accept known drift until a date (the snooze key).
	Snoozes []Snooze
	// PullRequestRoots is which roots a pull request run plans: those its
	// changes affect (PullRequestAffected, the default when "") or all.
	PullRequestRoots string
	// TerraformVersion is terraform-version: auto, a version or a
	// constraint; the zero value when not set.
	TerraformVersion tfsetting.Version
	// Budgets are request budgets per provider (budget.go).
	Budgets []Budget
	// Window spreads scheduled runs (schedule-window, schedule-every).
	Window Window
}

// Values of the pull-request-roots key.
const (
	PullRequestAffected = "affected"
	PullRequestAll      = "all"
)

// Snooze is one entry of the snooze key: drift on resources matching
// Address (and, when Paths are given, only those attributes) in roots
// matching Root, and of those only in the targets matching Target (a name
// or glob; "" for every target), is reported as snoozed, not drift, until
// Until.
type Snooze struct {
	Root    string
	Target  string
	Address string
	Paths   []string
	Until   time.Time // a date alone is midnight UTC starting that day
	Reason  string
	Line    int
}

// CheckLevels are the values of the checks key.
var CheckLevels = []string{"warn", "error", "ignore"}

// Root is one configured root module (dir may be a glob) with its targets
// and per-root settings.
type Root struct {
	Dir     string
	Targets []Target
	Ignore  []IgnoreRule
	Timeout time.Duration
	// DependsOn are globs of repository paths (files or directories) a
	// change to which affects the root on a pull request, beyond its own
	// directory, its local modules and its targets' files.
	DependsOn []string
	// New says the root has never been applied: a plan that creates every
	// resource against an empty state behind a backend block is its code
	// to apply, not a backend-config gone missing (which is an error
	// otherwise).
	New  bool
	Line int
}

// Target is one way of planning a root: a workspace and/or var-files, e.g. a
// region, with its own backend settings, variables, environment and timeout.
type Target struct {
	Name      string
	Workspace string
	VarFiles  []string
	// VarFileLines are the drift.yaml lines of VarFiles, one each.
	VarFileLines []int
	// BackendConfig are -backend-config arguments for init, in order: a
	// file (relative to the root) or key=value. Key is "".
	BackendConfig []Setting
	Vars          []Setting     // -var KEY=VALUE, in file order
	Env           []Setting     // extra environment for terraform, in file order
	Timeout       time.Duration // 0: the root's or the run's
	// Unset names the ${NAME} references the runner's environment does not
	// set (file:line and key, never a value). Such a target is not planned:
	// it fails alone when a run selects it, so a job that plans other
	// targets (another shard, another environment's job) needs none of its
	// variables.
	Unset error
}

// Setting is one configured value of a target. Value may reference the
// runner's environment as ${NAME} until ExpandTargets replaces it; a
// Sensitive value is masked everywhere once expanded.
type Setting struct {
	Key       string
	Value     string
	Sensitive bool
	Where     string // the key's path, e.g. roots[0].targets[1].vars.db_password
	Line      int
}

// IgnoreRule drops known-noise attribute paths on resources of Type (a glob).
type IgnoreRule struct {
	Type  string
	Paths []string
}

// ParseFile reads drift.yaml content. Every error names the file, the line,
// the key and what to do.
func ParseFile(path string, data []byte) (File, error) {
	f := File{Path: path}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return f, fmt.Errorf("%s: %w (fix the YAML syntax)", path, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return f, nil // empty file: all defaults
	}
	d := decoder{file: path}
	var windowNode, everyNode *yaml.Node // checked together, after the rest
	err := d.mapping(doc.Content[0], "top level", map[string]func(*yaml.Node) error{
		"schedule-window": func(n *yaml.Node) error { windowNode = n; return nil },
		"schedule-every":  func(n *yaml.Node) error { everyNode = n; return nil },
		"version": func(n *yaml.Node) error {
			v, err := d.integer(n, "version")
			if err == nil && v != 1 {
				err = d.errf(n, "unsupported version %d: this drift-action reads version 1", v)
			}
			return err
		},
		"terraform":    func(n *yaml.Node) (err error) { f.Terraform, err = d.str(n, "terraform"); return },
		"parallelism":  func(n *yaml.Node) (err error) { f.Parallelism, err = d.positive(n, "parallelism"); return },
		"timeout":      func(n *yaml.Node) (err error) { f.Timeout, err = d.duration(n, "timeout"); return },
		"lock-timeout": func(n *yaml.Node) (err error) { f.LockTimeout, err = d.duration(n, "lock-timeout"); return },
		"grace-period": func(n *yaml.Node) (err error) { f.Grace, err = d.duration(n, "grace-period"); return },
		"exclude":      func(n *yaml.Node) (err error) { f.Exclude, err = d.strings(n, "exclude"); return },
		"shard-size":   func(n *yaml.Node) (err error) { f.ShardSize, err = d.positive(n, "shard-size"); return },
		"ignore":       func(n *yaml.Node) (err error) { f.Ignore, err = d.ignore(n, "ignore"); return },
		"remediation":  func(n *yaml.Node) (err error) { f.Remediation, err = d.remediation(n); return },
		"snooze":       func(n *yaml.Node) (err error) { f.Snoozes, err = d.snoozes(n, "snooze"); return },
		"budgets":      func(n *yaml.Node) (err error) { f.Budgets, err = d.budgets(n, "budgets"); return },
		"pull-request-roots": func(n *yaml.Node) (err error) {
			f.PullRequestRoots, err = d.str(n, "pull-request-roots")
			if err == nil && f.PullRequestRoots != PullRequestAffected && f.PullRequestRoots != PullRequestAll {
				err = d.errf(n, "pull-request-roots %q: use affected (plan the roots a pull request's changes affect) or all", f.PullRequestRoots)
			}
			return
		},
		"checks": func(n *yaml.Node) (err error) {
			f.Checks, err = d.str(n, "checks")
			if err == nil && !slices.Contains(CheckLevels, f.Checks) {
				err = d.errf(n, "checks %q: use warn, error or ignore", f.Checks)
			}
			return
		},
		"terraform-version": func(n *yaml.Node) (err error) {
			s, err := d.str(n, "terraform-version")
			if err == nil {
				if f.TerraformVersion, err = tfsetting.ParseVersion(s); err != nil {
					err = d.errf(n, "terraform-version %v", err)
				}
			}
			return
		},
		"mask": func(n *yaml.Node) error {
			return d.mapping(n, "mask", map[string]func(*yaml.Node) error{
				"paths": func(n *yaml.Node) (err error) { f.MaskPaths, err = d.strings(n, "mask.paths"); return },
				"values": func(n *yaml.Node) error {
					vals, err := d.strings(n, "mask.values")
					if err != nil {
						return err
					}
					for i, v := range vals {
						re, err := regexp.Compile(v)
						if err != nil {
							return d.errf(n.Content[i], "mask.values[%d] is not a valid regular expression: %v", i, err)
						}
						f.MaskValues = append(f.MaskValues, re)
					}
					return nil
				},
			})
		},
		"policy": func(n *yaml.Node) error {
			return d.mapping(n, "policy", map[string]func(*yaml.Node) error{
				"dirs": func(n *yaml.Node) (err error) {
					f.Policy.Dirs, err = d.strings(n, "policy.dirs")
					return d.paths(n, err, "policy.dirs", f.Policy.Dirs, "policies/team")
				},
				"bundled": func(n *yaml.Node) error {
					on, err := d.boolean(n, "policy.bundled")
					f.Policy.NoBundled = !on
					return err
				},
				"enabled": func(n *yaml.Node) error {
					on, err := d.boolean(n, "policy.enabled")
					f.Policy.Disabled = !on
					return err
				},
				"set": func(n *yaml.Node) (err error) {
					if f.Policy.SetFile, err = d.str(n, "policy.set"); err == nil {
						err = d.filePath(n, "policy.set", f.Policy.SetFile, "policies/policy-set.yaml")
					}
					return
				},
				"overrides": func(n *yaml.Node) error {
					names, err := d.strings(n, "policy.overrides")
					f.Policy.Overrides = overrides(names, OverrideConfig)
					return err
				},
				"manifests": func(n *yaml.Node) (err error) {
					f.Policy.Manifests, err = d.strings(n, "policy.manifests")
					return d.paths(n, err, "policy.manifests", f.Policy.Manifests, "k8s/**/*.yaml")
				},
				"allow-network": func(n *yaml.Node) (err error) {
					f.Policy.AllowNetwork, err = d.boolean(n, "policy.allow-network")
					return
				},
				"levels": func(n *yaml.Node) error {
					if n.Kind != yaml.SequenceNode {
						return d.errf(n, "policy.levels must be a list of {name: POLICY-GLOB, level: advisory|soft-mandatory|hard-mandatory}")
					}
					for i, ln := range n.Content {
						var l Level
						w := fmt.Sprintf("policy.levels[%d]", i)
						err := d.mapping(ln, w, map[string]func(*yaml.Node) error{
							"name": func(n *yaml.Node) (err error) { l.Name, err = d.str(n, w+".name"); return },
							"level": func(n *yaml.Node) (err error) {
								l.Level, err = d.str(n, w+".level")
								if err == nil && l.Level != "advisory" && l.Level != "soft-mandatory" && l.Level != "hard-mandatory" {
									err = d.errf(n, "%s.level %q: use advisory, soft-mandatory or hard-mandatory", w, l.Level)
								}
								return
							},
						})
						if err != nil {
							return err
						}
						if l.Name == "" || l.Level == "" {
							return d.errf(ln, "%s needs name and level", w)
						}
						f.Policy.Levels = append(f.Policy.Levels, l)
					}
					return nil
				},
			})
		},
		"roots": func(n *yaml.Node) error {
			if n.Kind != yaml.SequenceNode {
				return d.errf(n, "roots must be a list of {dir: ..., targets: [...]}")
			}
			for i, rn := range n.Content {
				r, err := d.root(rn, fmt.Sprintf("roots[%d]", i))
				if err != nil {
					return err
				}
				f.Roots = append(f.Roots, r)
			}
			return nil
		},
	})
	if windowNode != nil || everyNode != nil {
		var werr error
		f.Window, werr = d.window(windowNode, everyNode)
		err = errors.Join(err, werr)
	}
	return f, err
}

type decoder struct{ file string }

func (d decoder) errf(n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", d.file, n.Line, fmt.Sprintf(format, args...))
}

func (d decoder) mapping(n *yaml.Node, where string, fields map[string]func(*yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return d.errf(n, "%s must be a mapping of keys to values", where)
	}
	seen := map[string]bool{}
	var errs []error
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		h, ok := fields[k.Value]
		if !ok {
			known := make([]string, 0, len(fields))
			for name := range fields {
				known = append(known, name)
			}
			slices.Sort(known)
			errs = append(errs, d.errf(k, "unknown key %q in %s (known keys: %s)", k.Value, where, strings.Join(known, ", ")))
			continue
		}
		if seen[k.Value] {
			errs = append(errs, d.errf(k, "key %q appears twice in %s", k.Value, where))
			continue
		}
		seen[k.Value] = true
		if err := h(v); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (d decoder) str(n *yaml.Node, key string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", d.errf(n, "%s must be a string", key)
	}
	return n.Value, nil
}

func (d decoder) strings(n *yaml.Node, key string) ([]string, error) {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		return []string{n.Value}, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, d.errf(n, "%s must be a list of strings", key)
	}
	out := make([]string, 0, len(n.Content))
	for i, c := range n.Content {
		s, err := d.str(c, fmt.Sprintf("%s[%d]", key, i))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func (d decoder) boolean(n *yaml.Node, key string) (bool, error) {
	switch n.Value {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, d.errf(n, "%s must be true or false, got %q", key, n.Value)
}

func (d decoder) integer(n *yaml.Node, key string) (int, error) {
	v, err := strconv.Atoi(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		return 0, d.errf(n, "%s must be a whole number, got %q", key, n.Value)
	}
	return v, nil
}

func (d decoder) positive(n *yaml.Node, key string) (int, error) {
	v, err := d.integer(n, key)
	if err == nil && v < 1 {
		err = d.errf(n, "%s must be at least 1, got %d", key, v)
	}
	return v, err
}

func (d decoder) duration(n *yaml.Node, key string) (time.Duration, error) {
	v, err := time.ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil || v < 0 {
		return 0, d.errf(n, "%s must be a duration such as 90s, 10m or 1h, got %q", key, n.Value)
	}
	return v, nil
}

func (d decoder) ignore(n *yaml.Node, key string) ([]IgnoreRule, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, d.errf(n, "%s must be a list of {type: GLOB, paths: [...]}", key)
	}
	var out []IgnoreRule
	for i, rn := range n.Content {
		var r IgnoreRule
		where := fmt.Sprintf("%s[%d]", key, i)
		err := d.mapping(rn, where, map[string]func(*yaml.Node) error{
			"type":  func(n *yaml.Node) (err error) { r.Type, err = d.str(n, where+".type"); return },
			"paths": func(n *yaml.Node) (err error) { r.Paths, err = d.strings(n, where+".paths"); return },
		})
		if err != nil {
			return nil, err
		}
		if len(r.Paths) == 0 {
			return nil, d.errf(rn, "%s needs paths: the attribute path globs to ignore, e.g. [tags_all, \"*.last_modified\"]", where)
		}
		for _, p := range r.Paths {
			if strings.Trim(p, ". ") == "" {
				return nil, d.errf(rn, "%s: an empty path would ignore every attribute; name the attributes to ignore", where)
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// snoozes decodes the snooze list; every entry's errors are reported
// together.
func (d decoder) snoozes(n *yaml.Node, key string) ([]Snooze, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, d.errf(n, "%s must be a list of {root, target, address, paths, until, reason}", key)
	}
	var out []Snooze
	var errs []error
	for i, sn := range n.Content {
		s := Snooze{Line: sn.Line}
		where := fmt.Sprintf("%s[%d]", key, i)
		err := d.mapping(sn, where, map[string]func(*yaml.Node) error{
			"root": func(n *yaml.Node) (err error) { s.Root, err = d.str(n, where+".root"); return },
			"target": func(n *yaml.Node) (err error) {
				if s.Target, err = d.str(n, where+".target"); err == nil && strings.TrimSpace(s.Target) == "" {
					err = d.errf(n, "%s.target is empty: name the target (or a glob such as us-*), or leave target out to snooze every target of the root", where)
				}
				return
			},
			"address": func(n *yaml.Node) (err error) { s.Address, err = d.str(n, where+".address"); return },
			"paths":   func(n *yaml.Node) (err error) { s.Paths, err = d.strings(n, where+".paths"); return },
			"reason":  func(n *yaml.Node) (err error) { s.Reason, err = d.str(n, where+".reason"); return },
			"until":   func(n *yaml.Node) (err error) { s.Until, err = d.until(n, where+".until"); return },
		})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var missing []string
		if strings.TrimSpace(s.Root) == "" {
			missing = append(missing, "root (the root module directory or glob, e.g. infra/app)")
		}
		if strings.TrimSpace(s.Address) == "" {
			missing = append(missing, "address (the resource address or glob, e.g. aws_instance.web)")
		}
		if s.Until.IsZero() {
			missing = append(missing, "until (the date the snooze ends, YYYY-MM-DD)")
		}
		if strings.TrimSpace(s.Reason) == "" {
			missing = append(missing, "reason (why this drift is accepted, for whoever reads the report)")
		}
		if len(missing) > 0 {
			errs = append(errs, d.errf(sn, "%s needs %s: a snooze without an end date or a reason is not allowed", where, strings.Join(missing, ", ")))
			continue
		}
		if s.Paths != nil && len(s.Paths) == 0 {
			errs = append(errs, d.errf(sn, "%s: paths is empty; list the attribute paths to snooze, or leave paths out to snooze the whole resource", where))
			continue
		}
		for _, p := range s.Paths {
			if strings.Trim(p, ". ") == "" {
				errs = append(errs, d.errf(sn, "%s: an empty path would snooze every attribute; leave paths out to snooze the whole resource", where))
				break
			}
		}
		out = append(out, s)
	}
	return out, errors.Join(errs...)
}

// until reads a date (YYYY-MM-DD, midnight UTC starting that day) or an
// RFC 3339 time.
func (d decoder) until(n *yaml.Node, key string) (time.Time, error) {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		if t, err := time.Parse(time.DateOnly, n.Value); err == nil {
			return t, nil
		}
		if t, err := time.Parse(time.RFC3339, n.Value); err == nil {
			return t, nil
		}
	}
	return time.Time{}, d.errf(n, "%s must be a date such as 2026-07-01 (YYYY-MM-DD) or an RFC 3339 time such as 2026-07-01T09:00:00Z, got %q", key, n.Value)
}

func (d decoder) root(n *yaml.Node, where string) (Root, error) {
	r := Root{Line: n.Line}
	if n.Kind == yaml.ScalarNode { // shorthand: "- infra/app"
		r.Dir = n.Value
		return r, d.filePath(n, where, r.Dir, "infra/app or infra/*")
	}
	err := d.mapping(n, where, map[string]func(*yaml.Node) error{
		"dir": func(n *yaml.Node) (err error) {
			if r.Dir, err = d.str(n, where+".dir"); err == nil {
				err = d.filePath(n, where+".dir", r.Dir, "infra/app or infra/*")
			}
			return
		},
		"timeout": func(n *yaml.Node) (err error) { r.Timeout, err = d.duration(n, where+".timeout"); return },
		"ignore":  func(n *yaml.Node) (err error) { r.Ignore, err = d.ignore(n, where+".ignore"); return },
		"new":     func(n *yaml.Node) (err error) { r.New, err = d.boolean(n, where+".new"); return },
		"depends-on": func(n *yaml.Node) (err error) {
			r.DependsOn, err = d.strings(n, where+".depends-on")
			for i, g := range r.DependsOn {
				if c := strings.Trim(strings.TrimSpace(g), "/"); c == "" || c == "." || strings.HasPrefix(g, "/") || slices.Contains(strings.Split(c, "/"), "..") {
					return d.errf(n, "%s.depends-on[%d] %q: use a path or glob inside the repository, relative to its root, e.g. shared/** or versions.tf", where, i, g)
				}
			}
			return
		},
		"targets": func(n *yaml.Node) error {
			if n.Kind != yaml.SequenceNode {
				return d.errf(n, "%s.targets must be a list of {name, workspace, var-files, backend-config, vars, env, timeout}", where)
			}
			names := map[string]bool{}
			for i, tn := range n.Content {
				tw := fmt.Sprintf("%s.targets[%d]", where, i)
				var t Target
				err := d.mapping(tn, tw, map[string]func(*yaml.Node) error{
					"name":      func(n *yaml.Node) (err error) { t.Name, err = d.str(n, tw+".name"); return },
					"workspace": func(n *yaml.Node) (err error) { t.Workspace, err = d.str(n, tw+".workspace"); return },
					"var-files": func(n *yaml.Node) (err error) {
						// Relative to the root directory, so .. may stay inside the
						// repository: discover checks where each resolves.
						t.VarFiles, err = d.strings(n, tw+".var-files")
						t.VarFileLines = nodeLines(n)
						return
					},
					"backend-config": func(n *yaml.Node) (err error) {
						t.BackendConfig, err = d.backendConfig(n, tw+".backend-config")
						return
					},
					"vars":    func(n *yaml.Node) (err error) { t.Vars, err = d.settings(n, tw+".vars", validVarName); return },
					"env":     func(n *yaml.Node) (err error) { t.Env, err = d.settings(n, tw+".env", validEnvName); return },
					"timeout": func(n *yaml.Node) (err error) { t.Timeout, err = d.duration(n, tw+".timeout"); return },
				})
				if err != nil {
					return err
				}
				if t.Name == "" {
					t.Name = t.Workspace
				}
				if t.Name == "" && len(t.VarFiles) > 0 {
					t.Name = strings.TrimSuffix(strings.TrimSuffix(baseName(t.VarFiles[0]), ".json"), ".tfvars")
				}
				if t.Name == "" {
					return d.errf(tn, "%s needs a name, a workspace or var-files", tw)
				}
				if names[t.Name] {
					return d.errf(tn, "%s: target name %q is used twice in this root; names must be unique", tw, t.Name)
				}
				names[t.Name] = true
				r.Targets = append(r.Targets, t)
			}
			return nil
		},
	})
	if err == nil && r.Dir == "" {
		err = d.errf(n, "%s needs dir: the root module's path (or a glob) relative to the repository", where)
	}
	return r, err
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}
