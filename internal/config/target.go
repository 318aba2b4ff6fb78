package config

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/myorg/drift-action/internal/tfsetting"
	"go.yaml.in/yaml/v3"
)

var (
	varName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)
	envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

func validVarName(k string) string {
	if !varName.MatchString(k) {
		return "a terraform variable name: letters, digits, _ and -, not starting with a digit"
	}
	return ""
}

func validEnvName(k string) string {
	if !envName.MatchString(k) {
		return "an environment variable name: letters, digits and _, not starting with a digit"
	}
	if why, reserved := tfsetting.ReservedEnv(k); reserved {
		return "not " + k + ", which drift-action keeps to the run (" + why + ")"
	}
	return ""
}

// value reads a setting's value: a scalar, or {value: ..., sensitive: true}.
func (d decoder) value(n *yaml.Node, where string) (Setting, error) {
	s := Setting{Where: where, Line: n.Line}
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		s.Value = n.Value
		return s, nil
	}
	if n.Kind != yaml.MappingNode {
		return s, d.errf(n, "%s must be a value or {value: ..., sensitive: true}", where)
	}
	set := false
	err := d.mapping(n, where, map[string]func(*yaml.Node) error{
		"value": func(n *yaml.Node) error {
			if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
				return d.errf(n, "%s.value must be a string", where)
			}
			s.Value, set = n.Value, true
			return nil
		},
		"sensitive": func(n *yaml.Node) (err error) { s.Sensitive, err = d.boolean(n, where+".sensitive"); return },
	})
	if err == nil && !set {
		err = d.errf(n, "%s needs value", where)
	}
	return s, err
}

// settings reads a mapping of names to values (vars, env), in file order.
func (d decoder) settings(n *yaml.Node, where string, valid func(string) string) ([]Setting, error) {
	if n.Kind != yaml.MappingNode {
		return nil, d.errf(n, "%s must be a mapping of names to values, e.g. {region: us-east-1}", where)
	}
	var out []Setting
	var errs []error
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		w := where + "." + k.Value
		if why := valid(k.Value); why != "" {
			errs = append(errs, d.errf(k, "%s: the name must be %s", w, why))
			continue
		}
		if seen[k.Value] {
			errs = append(errs, d.errf(k, "%s appears twice", w))
			continue
		}
		seen[k.Value] = true
		s, err := d.value(v, w)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.Key = k.Value
		out = append(out, s)
	}
	return out, errors.Join(errs...)
}

// backendConfig reads init's -backend-config list: files or key=value.
func (d decoder) backendConfig(n *yaml.Node, where string) ([]Setting, error) {
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	var out []Setting
	for i, c := range items {
		s, err := d.value(c, fmt.Sprintf("%s[%d]", where, i))
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(s.Value) == "" {
			return nil, d.errf(c, "%s is empty: give a file (relative to the root) or key=value", s.Where)
		}
		out = append(out, s)
	}
	return out, nil
}

// ErrUnset is Expand's error for a ${NAME} the environment does not set.
var ErrUnset = errors.New("not set in the runner's environment")

var reference = regexp.MustCompile(`\$\$|\$\{([^}]*)\}`)

// Expand replaces ${NAME} in v with NAME's value from lookup ($$ is a
// literal $). A NAME that is not set is an error naming it.
func Expand(v string, lookup func(string) (string, bool)) (string, error) {
	var errs []error
	out := reference.ReplaceAllStringFunc(v, func(m string) string {
		if m == "$$" {
			return "$"
		}
		name := m[2 : len(m)-1]
		if !envName.MatchString(name) {
			errs = append(errs, fmt.Errorf("${%s} is not a valid environment variable name (write $$ for a literal $)", name))
			return ""
		}
		val, ok := lookup(name)
		if !ok {
			errs = append(errs, fmt.Errorf("${%s} is %w (set it in the step's env, or write $$ for a literal $)", name, ErrUnset))
			return ""
		}
		return val
	})
	return out, errors.Join(errs...)
}

// ExpandTargets replaces ${NAME} references in every target's
// backend-config, vars and env with the runner's environment (lookup;
// never the process's own), and adds each sensitive value to MaskValues so
// it is redacted wherever it would be shown. A reference that is not set
// goes to the target's Unset (it fails only if planned); one that is not a
// valid name is an error of the file. Errors name the file, line and key,
// never a value.
func (f *File) ExpandTargets(lookup func(string) (string, bool)) error {
	var errs []error
	for ri := range f.Roots {
		for ti := range f.Roots[ri].Targets {
			t := &f.Roots[ri].Targets[ti]
			var unset []error
			for _, list := range [][]Setting{t.BackendConfig, t.Vars, t.Env} {
				for i := range list {
					s := &list[i]
					v, err := Expand(s.Value, lookup)
					if err != nil {
						where := fmt.Errorf("%s:%d: %s: %w", f.Path, s.Line, s.Where, err)
						if onlyUnset(err) {
							unset = append(unset, where)
						} else {
							errs = append(errs, where)
						}
						continue
					}
					s.Value = v
					if s.Sensitive {
						if _, after, ok := strings.Cut(v, "="); ok && s.Key == "" {
							v = after // backend-config key=value: the value is the secret
						}
						if v != "" { // an empty mask would hide everything
							f.MaskValues = append(f.MaskValues, regexp.MustCompile(regexp.QuoteMeta(v)))
						}
					}
				}
			}
			t.Unset = errors.Join(unset...)
		}
	}
	return errors.Join(errs...)
}

// onlyUnset reports an Expand error made only of unset references.
func onlyUnset(err error) bool {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return errors.Is(err, ErrUnset)
	}
	for _, e := range j.Unwrap() {
		if !errors.Is(e, ErrUnset) {
			return false
		}
	}
	return true
}

// Lookup reads an environment given as KEY=VALUE entries; the last entry
// of a key wins, as in exec.
func Lookup(environ []string) func(string) (string, bool) {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}
