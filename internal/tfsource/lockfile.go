package tfsource

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
)

var lockSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "provider", LabelNames: []string{"source"}}}}

// LockedProviders are the source addresses (lower case) of the providers
// the root module in dir depends on, its modules' included, as its
// dependency lock file (.terraform.lock.hcl, which init writes and
// terraform asks to be committed) records them. ok is false when the root
// has no lock file; built-in providers are never in one.
func LockedProviders(dir string) (sources []string, ok bool, err error) {
	path := filepath.Join(dir, ".terraform.lock.hcl")
	src, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("lock file: %w", err)
	}
	f, diags := hclparse.NewParser().ParseHCL(src, path)
	if diags.HasErrors() {
		return nil, false, fmt.Errorf("lock file: %w", diags)
	}
	c, _, diags := f.Body.PartialContent(lockSchema)
	if diags.HasErrors() {
		return nil, false, fmt.Errorf("lock file: %w", diags)
	}
	for _, b := range c.Blocks {
		sources = append(sources, strings.ToLower(b.Labels[0]))
	}
	return sources, true, nil
}
