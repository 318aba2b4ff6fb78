package tfinstall

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/myorg/drift-action/internal/tfsource"
	"github.com/zclconf/go-cty/cty"
)

// Requirement is what one root module asks of the terraform that plans it.
type Requirement struct {
	// Constraints must all hold: every required_version of the root's
	// terraform blocks, and its .terraform-version file.
	Constraints version.Constraints
	// Sources say where each constraint came from, for messages:
	// "versions.tf:2 required_version \"~> 1.10.0\"".
	Sources []string
}

// String describes the requirement and its sources.
func (r Requirement) String() string {
	if len(r.Sources) == 0 {
		return "no version requirement"
	}
	return strings.Join(r.Sources, ", ")
}

// VersionFile is the version manager file (tfenv and others) read beside
// the root module, or in a directory above it up to the repository root.
const VersionFile = ".terraform-version"

// ReadRequirement reads the version requirement of the root module in dir:
// required_version in the terraform blocks of its .tf and .tf.json files
// and of the local modules it calls (transitively), and the nearest .terraform-version at or above dir, up to stopDir (the
// repository root; "" looks in dir alone).
//
// The two intersect: a .terraform-version does not override
// required_version (terraform itself refuses to run a version its
// required_version excludes), it narrows it. A .terraform-version holding
// an exact version picks that version; one holding a constraint narrows
// the choice; "latest" and "latest-allowed" add nothing.
//
// Files that do not parse are skipped: terraform reports them when it
// runs. A required_version that is not a version constraint is an error.
func ReadRequirement(dir, stopDir string) (Requirement, error) {
	var r Requirement
	if _, err := os.ReadDir(dir); err != nil {
		return r, fmt.Errorf("read root module %s: %w", dir, err)
	}
	// Terraform checks the required_version of every module it loads, so
	// the local modules the root calls narrow the choice too (registry and
	// git modules are not in the checkout; terraform checks those).
	p := hclparse.NewParser()
	for _, m := range append([]string{dir}, tfsource.LocalModules(p, dir)...) {
		label, err := filepath.Rel(dir, m)
		if err != nil {
			label = m
		}
		if err := readRequiredVersion(p, m, filepath.ToSlash(label), &r); err != nil {
			return r, err
		}
	}
	vf, content, err := findVersionFile(dir, stopDir)
	if err != nil {
		return r, err
	}
	if vf == "" {
		return r, nil
	}
	c, err := versionFileConstraint(content)
	if err != nil {
		return r, fmt.Errorf("%s: %w", vf, err)
	}
	if c != nil {
		r.Constraints = append(r.Constraints, c...)
		rel := vf
		if rr, err := filepath.Rel(dir, vf); err == nil {
			rel = rr
		}
		r.Sources = append(r.Sources, fmt.Sprintf("%s %q", filepath.ToSlash(rel), content))
	}
	return r, nil
}

// readRequiredVersion adds the required_version of the terraform blocks in
// the module at dir to r, its sources named from label (the module's path
// from the root, "." for the root itself).
func readRequiredVersion(p *hclparse.Parser, dir, label string, r *Requirement) error {
	schema := &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "terraform"}}}
	inner := &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "required_version"}}}
	files := tfsource.Files(dir)
	slices.Sort(files)
	for _, path := range files {
		f := tfsource.Parse(p, path)
		if f == nil {
			continue
		}
		content, _, _ := f.Body.PartialContent(schema)
		if content == nil {
			continue
		}
		name := filepath.Base(path)
		if label != "." {
			name = label + "/" + name
		}
		for _, b := range content.Blocks {
			bc, _, _ := b.Body.PartialContent(inner)
			if bc == nil {
				continue
			}
			a, ok := bc.Attributes["required_version"]
			if !ok {
				continue
			}
			where := fmt.Sprintf("%s:%d", name, a.Range.Start.Line)
			v, diags := a.Expr.Value(nil)
			if diags.HasErrors() || v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
				return fmt.Errorf("%s:%d: required_version must be a literal string such as \"~> 1.10.0\"", path, a.Range.Start.Line)
			}
			c, err := version.NewConstraint(v.AsString())
			if err != nil {
				return fmt.Errorf("%s:%d: required_version %q is not a version constraint: %v", path, a.Range.Start.Line, v.AsString(), err)
			}
			r.Constraints = append(r.Constraints, c...)
			r.Sources = append(r.Sources, fmt.Sprintf("%s required_version %q", where, v.AsString()))
		}
	}
	return nil
}

// findVersionFile returns the nearest .terraform-version at or above dir,
// not above stopDir, and its first non-blank, non-comment line.
func findVersionFile(dir, stopDir string) (string, string, error) {
	d := filepath.Clean(dir)
	stop := filepath.Clean(stopDir)
	for {
		path := filepath.Join(d, VersionFile)
		data, err := os.ReadFile(path)
		switch {
		case err == nil:
			sc := bufio.NewScanner(strings.NewReader(string(data)))
			for sc.Scan() {
				l := strings.TrimSpace(sc.Text())
				if l != "" && !strings.HasPrefix(l, "#") {
					return path, l, nil
				}
			}
			return path, "", nil
		case !errors.Is(err, fs.ErrNotExist):
			return "", "", fmt.Errorf("read %s: %w", path, err)
		}
		parent := filepath.Dir(d)
		if stopDir == "" || d == stop || parent == d || !within(parent, stop) {
			return "", "", nil
		}
		d = parent
	}
}

func within(dir, root string) bool {
	rel, err := filepath.Rel(root, dir)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// versionFileConstraint reads a .terraform-version line: an exact version
// (v1.10.5 too), a constraint, or latest / latest-allowed (nil: no
// constraint). tfenv's other forms choose versions by rules drift-action
// does not follow, so they are refused rather than misread.
func versionFileConstraint(line string) (version.Constraints, error) {
	switch line {
	case "", "latest", "latest-allowed":
		return nil, nil
	}
	if strings.HasPrefix(line, "latest:") || line == "min-required" {
		return nil, fmt.Errorf("%q is not supported by drift-action: write an exact version (1.10.5) or a constraint (~> 1.10.0) instead", line)
	}
	c, err := version.NewConstraint(strings.TrimPrefix(line, "v"))
	if err != nil {
		return nil, fmt.Errorf("%q is neither a version nor a version constraint: write an exact version (1.10.5) or a constraint (~> 1.10.0)", line)
	}
	return c, nil
}
