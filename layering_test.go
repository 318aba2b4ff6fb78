package main

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// internalImports is every package of the module with the packages of the
// module it imports (not its tests'), as module-relative paths ("" is
// main).
func internalImports(t *testing.T) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const module = "github.com/myorg/drift-action"
	rel := func(p string) (string, bool) {
		if p == module {
			return "", true
		}
		return strings.CutPrefix(p, module+"/")
	}
	pkgs := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, ok := rel(fields[0])
		if !ok {
			continue
		}
		imports := []string{}
		for _, imp := range fields[1:] {
			if r, ok := rel(imp); ok {
				imports = append(imports, r)
			}
		}
		pkgs[pkg] = imports
	}
	if len(pkgs) < 10 || pkgs["internal/config"] == nil {
		t.Fatalf("go list found %d packages, internal/config not among them: the check proves nothing", len(pkgs))
	}
	return pkgs
}

// TestOnlyMainAndAppImportConfig: config hands out typed values, and app
// maps them once into the options each package below owns; no other
// package reads the config (a test may, to check it agrees).
func TestOnlyMainAndAppImportConfig(t *testing.T) {
	t.Parallel()
	var importers []string
	for pkg, imports := range internalImports(t) {
		if slices.Contains(imports, "internal/config") {
			importers = append(importers, pkg)
		}
	}
	slices.Sort(importers)
	if diff := cmp.Diff([]string{"", "internal/app"}, importers); diff != "" {
		t.Errorf("packages importing internal/config (\"\" is main) (-want +got):\n%s\nhand the package its own small options from internal/app instead", diff)
	}
}

// configLeaves are the packages config may import: leaves without
// behaviour of their own (values, rules, checks of a path), each importing
// no package of this module. Anything else config needs moves into one of
// them, or app hands it over.
var configLeaves = []string{"internal/apigroup", "internal/budget", "internal/exitcode", "internal/tfsetting", "internal/wsfile", "internal/yamlerr"}

// TestConfigIsALeaf: config imports no package with behaviour (terraform,
// its installer, policies, GitHub), only the leaves above, so parsing
// settings never depends on running anything.
func TestConfigIsALeaf(t *testing.T) {
	t.Parallel()
	pkgs := internalImports(t)
	for _, imp := range pkgs["internal/config"] {
		if !slices.Contains(configLeaves, imp) {
			t.Errorf("internal/config imports %s, not one of the leaves %s: move what config needs into a leaf (as internal/tfsetting) or hand it over from app", imp, strings.Join(configLeaves, ", "))
		}
	}
	for _, leaf := range configLeaves {
		if deps, ok := pkgs[leaf]; !ok {
			t.Errorf("%s is not a package of this module: update configLeaves", leaf)
		} else if len(deps) > 0 {
			t.Errorf("%s imports %s: config may import it only while it imports no package of this module", leaf, strings.Join(deps, ", "))
		}
	}
}

// A file written with an executable mode is about to be run, and os's own
// writers leave a moment in which a child forked by another goroutine holds
// it open for writing, so running it fails with "text file busy" now and
// then (a flaky test, or a failed target). Only execfile writes them.
func TestExecutablesAreWrittenByExecfile(t *testing.T) {
	t.Parallel()
	write := regexp.MustCompile(`os\.(WriteFile|OpenFile)\(.*, (0o?[0-7]{3,4})\)`)
	var found []string
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && (p == filepath.Join("internal", "execfile") || strings.HasPrefix(d.Name(), ".") && p != "."):
			return filepath.SkipDir
		case d.IsDir() || !strings.HasSuffix(p, ".go"):
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			m := write.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			mode, err := strconv.ParseUint(strings.TrimPrefix(m[2], "0o"), 8, 32)
			if err != nil {
				t.Fatalf("%s:%d: mode %s: %v", p, i+1, m[2], err)
			}
			if mode&0o111 != 0 {
				found = append(found, fmt.Sprintf("%s:%d", p, i+1))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > 0 {
		t.Errorf("executables written with os (use execfile.Write or execfile.Copy):\n%s", strings.Join(found, "\n"))
	}
}
