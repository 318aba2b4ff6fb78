package tfsource

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
)

var terraformSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "terraform"}}}
var backendSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "backend", LabelNames: []string{"type"}}}}

// Backend is a root module's backend block (`terraform { backend "TYPE" {} }`).
type Backend struct {
	Type string
	Pos  Pos
}

// FindBackend reads the backend block of the module in dir, the first one
// found when files disagree (terraform refuses that itself); ok is false
// when no file declares one (the implied local backend).
func FindBackend(dir string) (b Backend, ok bool) {
	p := hclparse.NewParser()
	for _, file := range Files(dir) {
		f := Parse(p, file)
		if f == nil {
			continue
		}
		tf, _, _ := f.Body.PartialContent(terraformSchema)
		if tf == nil {
			continue
		}
		for _, t := range tf.Blocks {
			c, _, _ := t.Body.PartialContent(backendSchema)
			if c == nil {
				continue
			}
			for _, bb := range c.Blocks {
				return Backend{Type: bb.Labels[0], Pos: Pos{File: file, Line: bb.DefRange.Start.Line}}, true
			}
		}
	}
	return Backend{}, false
}
