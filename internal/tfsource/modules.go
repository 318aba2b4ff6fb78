package tfsource

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"
)

// Files lists the .tf and .tf.json files of the module in dir.
func Files(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() && (strings.HasSuffix(n, ".tf") || strings.HasSuffix(n, ".tf.json")) {
			out = append(out, filepath.Join(dir, n))
		}
	}
	return out
}

var moduleSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "module", LabelNames: []string{"name"}}}}
var sourceSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "source"}}}

// Parse parses a .tf or .tf.json file; nil when it does not parse at all
// (terraform reports syntax errors with better words when it runs).
func Parse(p *hclparse.Parser, file string) *hcl.File {
	var f *hcl.File
	if strings.HasSuffix(file, ".json") {
		f, _ = p.ParseJSONFile(file)
	} else {
		f, _ = p.ParseHCLFile(file)
	}
	if f == nil || f.Body == nil {
		return nil
	}
	return f
}

// ModuleSources lists the literal source of every module block in file.
func ModuleSources(p *hclparse.Parser, file string) []string {
	f := Parse(p, file)
	if f == nil {
		return nil
	}
	content, _, _ := f.Body.PartialContent(moduleSchema)
	if content == nil {
		return nil
	}
	var out []string
	for _, b := range content.Blocks {
		c, _, _ := b.Body.PartialContent(sourceSchema)
		if c == nil || c.Attributes["source"] == nil {
			continue
		}
		v, diags := c.Attributes["source"].Expr.Value(nil)
		if diags.HasErrors() || v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
			continue
		}
		out = append(out, v.AsString())
	}
	return out
}

// LocalModules lists the directories of the local modules (sources "./…"
// and "../…") dir calls, directly or through other local modules, sorted,
// each once even when symlinks give it several paths.
func LocalModules(parser *hclparse.Parser, dir string) []string {
	// A module is one directory however many paths (through symlinks)
	// name it: a directory linking to itself is read once, not once per
	// path until the kernel gives up.
	real := func(p string) string {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return r
		}
		return p
	}
	seen := map[string]bool{real(dir): true}
	var out []string
	queue := []string{dir}
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		for _, f := range Files(d) {
			for _, src := range ModuleSources(parser, f) {
				if !strings.HasPrefix(src, "./") && !strings.HasPrefix(src, "../") {
					continue // registry, git, ...: nothing in this repository
				}
				// Joined as terraform joins it; the path named is what a
				// reason shows, the symlinks on it are followed by discover.
				m := filepath.Join(d, src)
				if k := real(m); !seen[k] {
					seen[k] = true
					out = append(out, m)
					queue = append(queue, m)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}
