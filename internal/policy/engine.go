// Package policy evaluates Rego policies (conftest-style deny/warn/exception
// rules) over each target's plan, applies Sentinel-style enforcement levels
// and overrides, and runs Rego unit tests. Modules are compiled once and the
// prepared query is evaluated for every target.
package policy

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/myorg/drift-action/internal/yamlerr"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/loader"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"go.yaml.in/yaml/v3"
)

// ruleRef is one rule the prepared query reads.
type ruleRef struct {
	policy  string // package path without "data.", e.g. terraform.security.network
	name    string // deny, warn, deny_open_ingress, exception, ...
	kind    string // deny, warn or exception
	varName string
}

// Engine holds compiled policies; it is safe for concurrent Eval calls.
type Engine struct {
	pq       rego.PreparedEvalQuery
	rules    []ruleRef
	set      Set
	policies []string
	modules  map[string]*ast.Module // including tests, for Test
	store    storage.Store
	compiler *ast.Compiler
	reads    RawReads
	srcs     []Source
	origin   map[string]int // policy -> index in srcs of the directory it came from
	// deterministic: no policy calls a builtin whose result may change
	// from one evaluation to the next (time, random numbers, the network),
	// so equal inputs get equal results (SharedKey).
	deterministic bool
}

// RawReads says which members of input.raw the policies can read; plans
// parsed with ParsePlanFor and it give every policy the same results as
// whole plans.
func (e *Engine) RawReads() RawReads {
	if e == nil {
		return RawReads{All: true}
	}
	return e.reads
}

// Load parses and compiles every .rego file under dirs but the tests
// (*_test.rego), and the data files under each dir's data/ directory,
// mounted at the root of `data`. Any parse or compile error fails closed
// with file:line:col. Tests are never evaluated as policies (`policy test`
// parses and compiles them, see RunTests); reading them was more than half
// of every detect's policy set-up.
func Load(ctx context.Context, srcs []Source, set Set, opts Options) (*Engine, error) {
	return load(ctx, srcs, set, opts, false)
}

// load is Load, with the tests compiled too when tests is set (a test
// shows that changes no result).
func load(ctx context.Context, srcs []Source, set Set, opts Options, tests bool) (*Engine, error) {
	modules, origin, data, err := loadFiles(srcs, tests)
	if err != nil {
		return nil, err
	}
	compiler := newCompiler(opts)
	compiler.Compile(modules)
	if compiler.Failed() {
		explainDisabled(compiler.Errors, opts)
		return nil, fmt.Errorf("compile policies (fix these, policies fail closed):\n%w", locate(compiler.Errors))
	}

	e := &Engine{set: set, modules: modules, compiler: compiler, store: inmem.NewFromObject(data), reads: rawReads(compiler.Modules),
		srcs: srcs, origin: map[string]int{}, deterministic: deterministic(compiler)}
	seen := map[string]bool{}
	var query []string
	names := make([]string, 0, len(modules))
	for n := range modules {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, file := range names {
		m := modules[file]
		if strings.HasSuffix(file, "_test.rego") {
			continue
		}
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		for _, r := range m.Rules {
			name := r.Head.Name.String()
			if name == "" && len(r.Head.Reference) > 0 {
				name = r.Head.Reference[0].String()
			}
			kind := ruleKind(name)
			if kind == "" || seen[pkg+"."+name] {
				continue
			}
			seen[pkg+"."+name] = true
			ref := ruleRef{policy: pkg, name: name, kind: kind, varName: fmt.Sprintf("r%d", len(e.rules))}
			e.rules = append(e.rules, ref)
			query = append(query, fmt.Sprintf("%s := data.%s.%s", ref.varName, pkg, name))
			if !slices.Contains(e.policies, pkg) {
				e.policies = append(e.policies, pkg)
			}
			if i, ok := e.origin[pkg]; !ok || origin[file] < i {
				e.origin[pkg] = origin[file]
			}
		}
	}
	if len(e.rules) == 0 {
		return nil, fmt.Errorf("load policies: no deny, warn or exception rules found in %s", describe(srcs))
	}
	sort.Strings(e.policies)
	pq, err := rego.New(
		rego.Query(strings.Join(query, "; ")),
		rego.Compiler(compiler),
		rego.Store(e.store),
		// Builtins read the run's capabilities too (json.match_schema's
		// remote $ref honours allow_net).
		rego.Capabilities(compiler.Capabilities()),
		// A builtin error (bad JSON, a type mismatch, division by zero) would
		// otherwise leave the rule undefined, and a deny would pass silently.
		rego.StrictBuiltinErrors(true),
	).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("prepare policies: %w", err)
	}
	e.pq = pq
	return e, nil
}

// SharedKey is a key for in under which Eval's results may be shared:
// these policies give every input with the same key the same results, the
// same way (an evaluation that fails is no result to share). ok is false
// when no evaluation may stand for another: a policy calls a builtin whose
// result can change between calls. input.context is left out of the key
// when no policy can read it, so the inputs of clean plans, which differ
// only in which target they came from, share one key. The key is the
// input's text: meant for small inputs, such as a clean plan's.
func (e *Engine) SharedKey(in Input) (key string, ok bool) {
	if !e.deterministic {
		return "", false
	}
	v := in.Value
	if obj, isObj := v.(ast.Object); isObj && !e.reads.ReadsContext() {
		kept := ast.NewObject()
		obj.Foreach(func(k, v *ast.Term) {
			if !k.Equal(keyContext) {
				kept.Insert(k, v)
			}
		})
		v = kept
	}
	return v.String(), true
}

var keyContext = ast.StringTerm("context")

// deterministic reports whether no compiled policy (tests excluded) calls
// a builtin OPA marks nondeterministic: time.now_ns, rand.intn,
// uuid.rfc4122, http.send, net.lookup_ip_addr, opa.runtime and the like.
func deterministic(c *ast.Compiler) bool {
	builtins := map[string]*ast.Builtin{}
	for _, b := range c.Capabilities().Builtins {
		builtins[b.Name] = b
	}
	ok := true
	for name, m := range c.Modules {
		if strings.HasSuffix(name, "_test.rego") {
			continue
		}
		// Compiled, every call is an expression of its own: those nested
		// in arguments, heads and comprehensions are rewritten out.
		ast.WalkExprs(m, func(x *ast.Expr) bool {
			if x.IsCall() {
				if b, found := builtins[x.Operator().String()]; found && b.Nondeterministic {
					ok = false
				}
			}
			return !ok
		})
	}
	return ok
}

// Source is a directory of policies: on disk (FS nil) or inside an fs.FS
// such as the policies bundled into the binary.
type Source struct {
	FS  fs.FS
	Dir string
	// Default is the level of this directory's policies that no policy set
	// entry names: the default-level of its own policy-set.yaml, named by
	// DefaultFrom. "" when it has none: a deny then fails the run, as in
	// conftest (see Engine.Level).
	Default     Level
	DefaultFrom string
}

// Dirs makes on-disk sources.
func Dirs(dirs ...string) []Source {
	out := make([]Source, len(dirs))
	for i, d := range dirs {
		out[i] = Source{Dir: d}
	}
	return out
}

func (s Source) stat() (fs.FileInfo, error) {
	if s.FS != nil {
		return fs.Stat(s.FS, s.Dir)
	}
	return os.Stat(s.Dir)
}

// loadFiles reads the .rego files (with tests, the *_test.rego ones too)
// and data files of srcs, and which source each module came from (its
// index in srcs), for the levels.
func loadFiles(srcs []Source, tests bool) (map[string]*ast.Module, map[string]int, map[string]any, error) {
	if len(srcs) == 0 {
		return nil, nil, nil, errors.New("load policies: no policy directory given")
	}
	modules := map[string]*ast.Module{}
	origin := map[string]int{}
	data := map[string]any{}
	for i, src := range srcs {
		if st, err := src.stat(); err != nil || !st.IsDir() {
			return nil, nil, nil, fmt.Errorf("load policies: %s is not a directory (pass the directory holding your .rego files)", src.Dir)
		}
		fl := loader.NewFileLoader().WithRegoVersion(ast.RegoV1)
		if src.FS != nil {
			fl = fl.WithFS(src.FS)
		}
		res, err := fl.Filtered([]string{src.Dir}, func(abs string, info fs.FileInfo, depth int) bool {
			return !info.IsDir() && (!strings.HasSuffix(info.Name(), ".rego") || !tests && strings.HasSuffix(info.Name(), "_test.rego"))
		})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("load policies (fix these, policies fail closed):\n%w", locate(err))
		}
		for name, m := range res.Modules {
			modules[name] = m.Parsed
			origin[name] = i
		}
		if err := loadData(src, data); err != nil {
			return nil, nil, nil, err
		}
	}
	return modules, origin, data, nil
}

func ruleKind(name string) string {
	switch {
	case name == "deny" || strings.HasPrefix(name, "deny_"):
		return "deny"
	case name == "warn" || strings.HasPrefix(name, "warn_"):
		return "warn"
	case name == "exception":
		return "exception"
	}
	return ""
}

// loadData merges JSON and YAML files under the source's data/ directory
// at the root of the data document.
func loadData(src Source, out map[string]any) error {
	fsys, root := src.FS, path.Join(filepath.ToSlash(src.Dir), "data")
	if fsys == nil {
		fsys, root = os.DirFS(filepath.Join(src.Dir, "data")), "."
	}
	if _, err := fs.Stat(fsys, root); err != nil {
		return nil // no data directory
	}
	err := fs.WalkDir(fsys, root, func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		ext := path.Ext(p)
		if ext != ".json" && ext != ".yaml" && ext != ".yml" {
			return nil
		}
		name := path.Join(filepath.ToSlash(src.Dir), "data", strings.TrimPrefix(p, root+"/"))
		if src.FS == nil {
			name = filepath.Join(src.Dir, "data", filepath.FromSlash(p))
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		var doc map[string]any
		if err := yaml.Unmarshal(b, &doc); err != nil { // YAML is a superset of JSON
			return fmt.Errorf("%s: %w (a data file holds one mapping: its keys become data.KEY)", name, yamlerr.Error(err, nil, "", 1))
		}
		for k, v := range doc {
			if _, dup := out[k]; dup {
				return fmt.Errorf("%s: data key %q is defined by another data file too", name, k)
			}
			out[k] = v
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("load policy data: %w", err)
	}
	return nil
}

// Eval runs every policy over one input and returns its results, levels
// and overrides applied. Messages and errors are as the policies wrote
// them: they can hold the input's Secrets, which the verdict's builder
// redacts (pipeline), with the rest of the verdict. An undefined result or
// a deadline hit is an error, never a pass.
func (e *Engine) Eval(ctx context.Context, in Input, overrides []Override) ([]Result, error) {
	rs, err := e.pq.Eval(ctx, rego.EvalParsedInput(in.Value))
	if err != nil {
		return nil, in.evalError(ctx, err)
	}
	if len(rs) == 0 {
		return nil, fmt.Errorf("evaluate policies: result undefined: one of %s is not a set rule with a value; write rules as `deny contains msg if { ... }`", e.ruleList())
	}
	bindings := rs[0].Bindings
	waived := map[string]map[string]bool{} // policy -> rule names waived
	for _, r := range e.rules {
		if r.kind != "exception" {
			continue
		}
		for _, v := range elements(bindings[r.varName]) {
			if waived[r.policy] == nil {
				waived[r.policy] = map[string]bool{}
			}
			switch x := v.(type) {
			case string:
				waived[r.policy][x] = true
			case []any:
				for _, n := range x {
					if s, ok := n.(string); ok {
						waived[r.policy][s] = true
					}
				}
			}
		}
	}
	var out []Result
	for _, r := range e.rules {
		if r.kind == "exception" {
			continue
		}
		level, _ := e.Level(r.policy)
		for _, v := range elements(bindings[r.varName]) {
			res := toResult(r, level, v)
			short := strings.TrimPrefix(strings.TrimPrefix(r.name, "deny_"), "warn_")
			if r.kind == "deny" && r.name != "deny" && waived[r.policy][short] {
				res.Waived = true
			}
			res.finish(overrides)
			out = append(out, res)
		}
	}
	sortResults(out)
	return out, nil
}

// evalError reports a failed evaluation as file:line: code: message.
// Builtin errors quote their operands, secrets included: the caller
// redacts the text as it redacts results, so the original error is not
// wrapped (errors.As would reach its unredacted operands).
func (in Input) evalError(ctx context.Context, err error) error {
	msg := err.Error()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("evaluate policies: timed out: %s: %w", msg, context.DeadlineExceeded)
	}
	return fmt.Errorf("evaluate policies: %s", msg)
}

func (e *Engine) ruleList() string {
	var names []string
	for _, r := range e.rules {
		names = append(names, r.policy+"."+r.name)
	}
	return strings.Join(names, ", ")
}

// elements reads a rule's value: a set or array of elements, or one value.
func elements(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	default:
		return []any{x}
	}
}

func toResult(r ruleRef, level Level, v any) Result {
	res := Result{Policy: r.policy, Rule: r.name, Kind: r.kind, Level: level}
	switch x := v.(type) {
	case string:
		res.Msg = x
	case map[string]any:
		res.Msg, _ = x["msg"].(string)
		res.Resource, _ = x["resource"].(string)
		res.Severity, _ = x["severity"].(string)
		if res.Msg == "" {
			res.Msg = fmt.Sprint(x)
		}
	case bool:
		if x {
			res.Msg = r.policy + "." + r.name + " is true"
		}
	default:
		res.Msg = fmt.Sprint(x)
	}
	res.Severity = normalSeverity(res.Severity, r.kind)
	return res
}

// locate rewrites OPA's errors as file:line:col: code: message, one per
// line, so editors and people can jump to the spot.
func locate(err error) error {
	var out []string
	var walk func(error)
	walk = func(e error) {
		switch x := e.(type) {
		case ast.Errors:
			for _, ae := range x {
				walk(ae)
			}
		case loader.Errors:
			for _, le := range x {
				walk(le)
			}
		case *ast.Error:
			if x.Location != nil {
				out = append(out, fmt.Sprintf("%s:%d:%d: %s: %s", x.Location.File, x.Location.Row, x.Location.Col, x.Code, x.Message))
			} else {
				out = append(out, x.Code+": "+x.Message)
			}
		default:
			var ae *ast.Error
			if errors.As(e, &ae) {
				walk(ae)
				return
			}
			out = append(out, e.Error())
		}
	}
	walk(err)
	return errors.New(strings.Join(out, "\n"))
}

func describe(srcs []Source) string {
	var names []string
	for _, s := range srcs {
		names = append(names, s.Dir)
	}
	return strings.Join(names, ", ")
}
