// Package tfsource reads a root module's .tf files with hashicorp/hcl/v2,
// never regexes: where resources are declared (so annotations point at the
// right file and line), which local modules it calls, and the rewrites an
// adopt-drift pull request makes (with the instances a count or for_each
// block's literals are shared by).
package tfsource

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// Pos is a declaration's place.
type Pos struct {
	File string // path as joined from the root directory given to Index
	Line int
}

// Index maps declarations of one root module: "type.name" for managed
// resources, "data.type.name" for data sources and "module.name" for calls.
type Index map[string]Pos

var schema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
	{Type: "resource", LabelNames: []string{"type", "name"}},
	{Type: "data", LabelNames: []string{"type", "name"}},
	{Type: "module", LabelNames: []string{"name"}},
}}

// Load indexes the .tf and .tf.json files directly in dir. Files that do not
// parse are skipped: terraform reports those with better words.
func Load(dir string) Index {
	ix := Index{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return ix
	}
	p := hclparse.NewParser()
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join(dir, name)
		if e.IsDir() || !strings.HasSuffix(name, ".tf") && !strings.HasSuffix(name, ".tf.json") {
			continue
		}
		f := Parse(p, path)
		if f == nil {
			continue
		}
		content, _, _ := f.Body.PartialContent(schema)
		if content == nil {
			continue
		}
		for _, b := range content.Blocks {
			key := strings.Join(b.Labels, ".")
			switch b.Type {
			case "data":
				key = "data." + key
			case "module":
				key = "module." + key
			}
			if _, dup := ix[key]; !dup {
				ix[key] = Pos{File: path, Line: b.DefRange.Start.Line}
			}
		}
	}
	return ix
}

// Find locates a resource address such as aws_instance.web[0],
// data.aws_ami.x or module.net.aws_vpc.this["a"]: a resource inside a module
// is reported at the module call in this root.
func (ix Index) Find(address string) (Pos, bool) {
	segs := splitAddress(address)
	if len(segs) >= 2 && segs[0] == "module" {
		p, ok := ix["module."+segs[1]]
		return p, ok
	}
	if len(segs) >= 3 && segs[0] == "data" {
		p, ok := ix["data."+segs[1]+"."+segs[2]]
		return p, ok
	}
	if len(segs) >= 2 {
		p, ok := ix[segs[0]+"."+segs[1]]
		return p, ok
	}
	return Pos{}, false
}

// splitAddress splits on dots outside index brackets and drops the indexes.
func splitAddress(a string) []string {
	var segs []string
	var cur strings.Builder
	depth := 0
	inStr := false
	for i := 0; i < len(a); i++ {
		c := a[i]
		switch {
		case inStr:
			if c == '\\' {
				i++
			} else if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '[':
			depth++
		case c == ']':
			depth--
		case c == '.' && depth == 0:
			segs = append(segs, cur.String())
			cur.Reset()
		default:
			if depth == 0 {
				cur.WriteByte(c)
			}
		}
	}
	return append(segs, cur.String())
}
