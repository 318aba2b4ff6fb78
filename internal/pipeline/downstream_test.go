package pipeline

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// redactionNames are what redacting takes: the redactor, a redaction hook
// and the masks a redactor is built from.
var redactionNames = map[string]bool{"Redact": true, "Redactor": true, "NewRedactor": true, "MaskValues": true, "MaskPaths": true}

// TestNothingDownstreamRedacts keeps redaction where the verdict is built:
// the packages that project a verdict (report, record, remediation pull
// requests, Slack, metrics, the dashboard, the ECS export) and the app
// wiring them never name a redactor, a
// redaction hook or the masks. A projection that redacted again would
// hide that the verdict reached it unredacted. The exceptions are heal's
// hook for terraform apply's own errors, text made after the verdict
// (remediate.Remediator's Redact), and the masks app hands the builder
// itself (pipeline.Rules' Masks).
func TestNothingDownstreamRedacts(t *testing.T) {
	t.Parallel()
	for _, pkg := range []string{"report", "record", "remedypr", "notify", "app", "gitops", "matrix", "metrics", "dashboard", "ecs"} {
		t.Run(pkg, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join("..", pkg)
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			fset := token.NewFileSet()
			files := 0
			for _, e := range entries {
				name := e.Name()
				if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
					continue
				}
				f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
				if err != nil {
					t.Fatal(err)
				}
				files++
				for _, p := range redactionUses(f) {
					t.Errorf("%s: %s names %s: redaction belongs to the verdict's builder (pipeline), which has already applied it", fset.Position(p.pos), pkg, p.name)
				}
			}
			if files == 0 {
				t.Fatalf("no Go files in %s: the scan proves nothing", dir)
			}
		})
	}
}

type use struct {
	pos  token.Pos
	name string
}

// redactionUses lists the identifiers of f in redactionNames, less those
// inside the value given to remediate.Remediator's (or gitops.Remediation's)
// Redact, or to pipeline.Rules' Masks.
func redactionUses(f *ast.File) []use {
	var allowed [][2]token.Pos
	ast.Inspect(f, func(n ast.Node) bool {
		cl, ok := n.(*ast.CompositeLit)
		if !ok {
			return true
		}
		sel, ok := cl.Type.(*ast.SelectorExpr)
		// heal's redactor for terraform apply's errors: set where the
		// Remediator is built, or where app hands it to gitops.
		if !ok {
			return true
		}
		x, ok := sel.X.(*ast.Ident)
		if !ok {
			return true
		}
		var keys []string
		switch {
		case x.Name == "remediate" && sel.Sel.Name == "Remediator", x.Name == "gitops" && sel.Sel.Name == "Remediation":
			keys = []string{"Redact", "ApplyRedact"}
		case x.Name == "pipeline" && sel.Sel.Name == "Rules":
			keys = []string{"Masks"} // the builder's own input
		default:
			return true
		}
		for _, el := range cl.Elts {
			if kv, ok := el.(*ast.KeyValueExpr); ok {
				if k, ok := kv.Key.(*ast.Ident); ok && slices.Contains(keys, k.Name) {
					allowed = append(allowed, [2]token.Pos{kv.Pos(), kv.End()})
				}
			}
		}
		return true
	})
	var out []use
	ast.Inspect(f, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		if !ok || !redactionNames[id.Name] {
			return true
		}
		for _, a := range allowed {
			if id.Pos() >= a[0] && id.End() <= a[1] {
				return true
			}
		}
		out = append(out, use{id.Pos(), id.Name})
		return true
	})
	return out
}
