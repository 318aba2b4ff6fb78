package gatekeeper

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/open-policy-agent/gatekeeper/v3/pkg/gator"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/gator/reader"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/gator/verify"
)

// newClient is the client factory `gator verify` uses (with its default
// --enable-k8s-native-validation=true and no trace).
func newClient(opts ...gator.Opt) (gator.Client, error) {
	opts = append(opts, gator.WithK8sCEL())
	return gator.NewOPAClient(false, opts...)
}

// Verify runs gator Suites like `gator verify`: each path is a Suite file
// (apiVersion test.gatekeeper.sh/v1alpha1, kind Suite) or a directory,
// which stands for every Suite below it (like `gator verify DIR/...`).
// Paths inside a Suite are relative to the Suite's file. It prints each
// suite, test and case with ok, FAIL or skip to w (verbose adds run times
// and the output of Rego print() calls) and returns true iff every case and
// test passed. No paths, a path that does not exist or holds no Suite, and
// an unparsable Suite are errors.
func Verify(ctx context.Context, paths []string, w io.Writer, verbose bool) (bool, error) {
	if len(paths) == 0 {
		return false, errors.New("gatekeeper verify: no suite paths given")
	}
	var suites []*verify.Suite
	seen := map[string]bool{}
	for _, p := range paths {
		ss, err := readSuites(p)
		if err != nil {
			return false, err
		}
		if len(ss) == 0 {
			return false, fmt.Errorf("gatekeeper verify: %s: no Suite (apiVersion %s/v1alpha1, kind %s) found", p, verify.Group, verify.Kind)
		}
		for _, s := range ss {
			if !seen[s.AbsolutePath] {
				seen[s.AbsolutePath] = true
				suites = append(suites, s)
			}
		}
	}

	runner, err := verify.NewRunner(os.DirFS("/"), newClient)
	if err != nil {
		return false, err
	}
	filter, err := verify.NewFilter("")
	if err != nil {
		return false, err
	}
	p := &printer{w: w, verbose: verbose}
	for _, s := range suites {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		r := runner.Run(ctx, filter, s)
		p.suite(s, &r)
	}
	p.summary()
	if p.err != nil {
		return false, p.err
	}
	return p.failedCases == 0 && p.failedTests == 0 && p.failedSuites == 0, nil
}

// readSuites reads the Suites at p with gator's verify.ReadSuites, on the
// same file system `gator verify` uses (the root, with absolute paths).
func readSuites(p string) ([]*verify.Suite, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, err
	}
	info, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("gatekeeper verify: %w", err)
	}
	if filepath.VolumeName(abs) != "" {
		return nil, fmt.Errorf("gatekeeper verify: %s: paths with a volume name are not supported", p)
	}
	target := strings.Trim(filepath.ToSlash(abs), "/")
	// ReadSuites derives InputPath by finding its originalPath argument in
	// each suite's path; give it the absolute one and name suites ourselves.
	suites, err := verify.ReadSuites(os.DirFS("/"), target, "/"+target, info.IsDir())
	if err != nil {
		return nil, fmt.Errorf("gatekeeper verify: %s: %w", p, err)
	}
	for _, s := range suites {
		s.InputPath = p
		if info.IsDir() {
			rel, err := filepath.Rel(abs, filepath.FromSlash("/"+s.AbsolutePath))
			if err == nil {
				s.InputPath = filepath.Join(p, rel)
			}
		}
	}
	return suites, nil
}

// printer writes results as an indented tree: suite, test, case.
type printer struct {
	w       io.Writer
	verbose bool
	err     error

	suites, tests, cases                   int
	failedSuites, failedTests, failedCases int
}

func (p *printer) printf(format string, args ...any) {
	if p.err != nil {
		return
	}
	_, p.err = fmt.Fprintf(p.w, format, args...)
}

func status(failed, skipped bool) string {
	switch {
	case failed:
		return "FAIL"
	case skipped:
		return "skip"
	}
	return "ok"
}

func (p *printer) runtime(d verify.Duration) string {
	if !p.verbose {
		return ""
	}
	return " (" + d.String() + ")"
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+prefix)
}

func (p *printer) suite(s *verify.Suite, r *verify.SuiteResult) {
	p.suites++
	failed := r.IsFailure()
	if failed {
		p.failedSuites++
	}
	p.printf("%-4s  %s%s\n", status(failed, r.Skipped), r.Path, p.runtime(r.Runtime))
	if r.Error != nil {
		p.printf("%s\n", indent(r.Error.Error(), "      "))
	}
	for i := range r.TestResults {
		t := &r.TestResults[i]
		p.tests++
		tf := t.IsFailure()
		if tf {
			p.failedTests++
		}
		p.printf("  %-4s  %s%s\n", status(tf, t.Skipped), t.Name, p.runtime(t.Runtime))
		if t.Error != nil {
			p.printf("%s\n", indent(t.Error.Error(), "        "))
			if i < len(s.Tests) && s.Tests[i].Name == t.Name {
				if hint := templateHint(s, s.Tests[i].Template); hint != "" {
					p.printf("%s\n", indent(hint, "        "))
				}
			}
		}
		for j := range t.CaseResults {
			c := &t.CaseResults[j]
			p.cases++
			cf := c.IsFailure()
			if cf {
				p.failedCases++
			}
			p.printf("    %-4s  %s%s\n", status(cf, c.Skipped), c.Name, p.runtime(c.Runtime))
			if c.Error != nil {
				p.printf("%s\n", indent(c.Error.Error(), "          "))
			}
			if p.verbose && c.Print != "" {
				p.printf("%s\n", indent(c.Print, "          print: "))
			}
		}
	}
}

func (p *printer) summary() {
	word := "PASS"
	if p.failedSuites > 0 {
		word = "FAIL"
	}
	p.printf("%s: %d suite(s), %d test(s), %d case(s); %d test(s) and %d case(s) failed\n",
		word, p.suites, p.tests, p.cases, p.failedTests, p.failedCases)
}

// templateHint explains a test's failure when its template breaks the
// naming rule (gator's own message for a CamelCase name is only that the
// constraint's template was not found).
func templateHint(s *verify.Suite, template string) string {
	if template == "" {
		return ""
	}
	file := filepath.Join(filepath.Dir(filepath.FromSlash("/"+s.AbsolutePath)), filepath.FromSlash(template))
	docs, err := readFile(file)
	if err != nil || len(docs) == 0 || !reader.IsTemplate(docs[0].obj) {
		return ""
	}
	_, err = check(docs[:1])
	if err == nil {
		return ""
	}
	display := filepath.Join(filepath.Dir(s.InputPath), filepath.FromSlash(template))
	return "hint: " + strings.Replace(err.Error(), file, display, 1)
}
