package policy

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestSummary counts Rego unit test outcomes.
type TestSummary struct {
	Passed, Failed, Errored, Skipped int
}

// RunTests runs every `test_` rule under dirs, like `opa test`, printing one
// line per test with its file and line. It reports whether all passed.
// First it lists each policy (a package with deny or warn rules) with the
// level set gives it and where that comes from, as detect would apply it
// with the same sets: a test passing says nothing of whether a deny fails
// the run.
func RunTests(ctx context.Context, srcs []Source, set Set, w io.Writer, timeout time.Duration, opts Options) (TestSummary, error) {
	var sum TestSummary
	modules, origin, data, err := loadFiles(srcs, true)
	if err != nil {
		return sum, err
	}
	if err := writeLevels(w, modules, origin, srcs, set); err != nil {
		return sum, err
	}
	store := inmem.NewFromObject(data)
	txn, err := store.NewTransaction(ctx)
	if err != nil {
		return sum, fmt.Errorf("policy test: %w", err)
	}
	defer store.Abort(ctx, txn)
	compiler := newCompiler(opts)
	runner := tester.NewRunner().
		SetCompiler(compiler).
		SetDefaultRegoVersion(ast.RegoV1).
		SetStore(store).
		SetModules(modules).
		SetTimeout(timeout).
		// As in evaluation: a test must not pass because a builtin failed.
		RaiseBuiltinErrors(true)
	ch, err := runner.RunTests(ctx, txn)
	if err != nil {
		explainDisabled(compiler.Errors, opts)
		return sum, fmt.Errorf("policy test:\n%w", locate(err))
	}
	for r := range ch {
		loc := ""
		if r.Location != nil {
			loc = fmt.Sprintf("%s:%d", r.Location.File, r.Location.Row)
		}
		name := r.Package + "." + r.Name
		switch {
		case r.Error != nil:
			sum.Errored++
			fmt.Fprintf(w, "ERROR %s %s: %v\n", loc, name, r.Error)
		case r.Skip:
			sum.Skipped++
			fmt.Fprintf(w, "SKIP  %s %s\n", loc, name)
		case r.Fail:
			sum.Failed++
			fmt.Fprintf(w, "FAIL  %s %s (%s)\n", loc, name, r.Duration.Round(time.Microsecond))
		default:
			sum.Passed++
			fmt.Fprintf(w, "PASS  %s %s (%s)\n", loc, name, r.Duration.Round(time.Microsecond))
		}
	}
	fmt.Fprintf(w, "%d passed, %d failed", sum.Passed, sum.Failed+sum.Errored)
	if sum.Skipped > 0 {
		fmt.Fprintf(w, ", %d skipped", sum.Skipped)
	}
	fmt.Fprintln(w)
	if sum.Passed+sum.Failed+sum.Errored == 0 {
		return sum, fmt.Errorf("policy test: no test_ rules found in %s", describe(srcs))
	}
	return sum, nil
}

// writeLevels lists the policies among modules with their levels.
func writeLevels(w io.Writer, modules map[string]*ast.Module, origin map[string]int, srcs []Source, set Set) error {
	byPolicy := map[string]int{}
	for file, m := range modules {
		if strings.HasSuffix(file, "_test.rego") {
			continue
		}
		for _, r := range m.Rules {
			name := r.Head.Name.String()
			if name == "" && len(r.Head.Reference) > 0 {
				name = r.Head.Reference[0].String()
			}
			if k := ruleKind(name); k != "deny" && k != "warn" {
				continue
			}
			pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
			if i, ok := byPolicy[pkg]; !ok || origin[file] < i {
				byPolicy[pkg] = origin[file]
			}
		}
	}
	names := make([]string, 0, len(byPolicy))
	width := len("POLICY")
	for p := range byPolicy {
		names = append(names, p)
		width = max(width, len(p))
	}
	sort.Strings(names)
	tw := bufio.NewWriter(w)
	fmt.Fprintf(tw, "%-14s  %-*s  %s\n", "LEVEL", width, "POLICY", "WHY")
	for _, p := range names {
		l, from := levelOf(p, set, srcs, byPolicy)
		fmt.Fprintf(tw, "%-14s  %-*s  %s\n", l, width, p, from)
	}
	fmt.Fprintf(tw, "(a deny of a hard-mandatory policy fails the run, of a soft-mandatory one unless overridden; advisory denies and every warn are reported only)\n\n")
	return tw.Flush()
}
