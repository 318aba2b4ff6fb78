package remedypr

import (
	"errors"

	"path/filepath"
	"strings"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/tfsource"
)

// Adoption is one drifted attribute the adopt strategy wrote into the code
// (File and Line set), or did not (Reason set, and Detail saying more).
type Adoption struct {
	Address string
	Path    string
	File    string // repository-relative path of the rewritten .tf file
	Line    int    // the resource block's line
	Reason  tfsource.Reason
	Detail  string
}

// Why is the sentence for a reader of why an attribute was not adopted.
func (a Adoption) Why() string {
	s := a.Reason.Explain()
	if a.Detail != "" {
		s += " (" + a.Detail + ")"
	}
	return s
}

type adoption struct {
	adopted, refused []Adoption
	files            map[string][]byte // repository-relative path -> new content
}

func loadIndex(cfg Config, t Target) tfsource.Index {
	if cfg.RepoRoot == "" {
		return tfsource.Index{}
	}
	return tfsource.Load(filepath.Join(cfg.RepoRoot, filepath.FromSlash(t.Root)))
}

// adopt rewrites, in the root's .tf files, every drifted attribute that is a
// literal there, and says why for the others. Files are read once and
// edited in turn.
func adopt(cfg Config, t Target, resources []drift.Resource) adoption {
	ix := loadIndex(cfg, t)
	ad := adoption{files: map[string][]byte{}}
	content := map[string][]byte{} // absolute path -> current content
	refuse := func(r drift.Resource, path string, reason tfsource.Reason, detail string) {
		ad.refused = append(ad.refused, Adoption{Address: r.Address, Path: path, Reason: reason, Detail: detail})
	}
	for _, r := range resources {
		if isDeletion(r) {
			refuse(r, "", tfsource.Unsupported, "deleted outside terraform: remove it from the code, or merge to have it re-created")
			continue
		}
		if strings.HasPrefix(r.Address, "module.") {
			mod := strings.SplitN(r.Address, ".", 3)
			for _, a := range r.Attributes {
				refuse(r, a.Path, tfsource.ModuleInput, "module."+strings.SplitN(mod[1], "[", 2)[0])
			}
			continue
		}
		pos, found := ix.Find(r.Address)
		for _, a := range r.Attributes {
			if a.Sensitive || masked(a.After) || masked(a.Before) {
				refuse(r, a.Path, tfsource.Sensitive, "")
				continue
			}
			if !found {
				refuse(r, a.Path, tfsource.NotFound, "no declaration found in "+t.Root)
				continue
			}
			if !strings.HasSuffix(pos.File, ".tf") {
				refuse(r, a.Path, tfsource.Unsupported, "declared in a .tf.json file")
				continue
			}
			src, ok := content[pos.File]
			if !ok {
				b, err := cfg.readFile(pos.File)
				if err != nil {
					refuse(r, a.Path, tfsource.NotFound, "cannot read "+relPath(cfg.RepoRoot, pos.File))
					continue
				}
				src = b
			}
			out, err := tfsource.Rewrite(src, r.Address, a.Path, a.After)
			if err != nil {
				reason := tfsource.ReasonOf(err)
				detail := ""
				var re *tfsource.RefusalError
				if errors.As(err, &re) {
					detail = re.Detail
				}
				if reason == "" {
					reason, detail = tfsource.Unsupported, "the file does not parse"
				}
				refuse(r, a.Path, reason, detail)
				continue
			}
			content[pos.File] = out
			rel := relPath(cfg.RepoRoot, pos.File)
			ad.files[rel] = out
			ad.adopted = append(ad.adopted, Adoption{Address: r.Address, Path: a.Path, File: rel, Line: pos.Line})
		}
		if len(r.Attributes) == 0 {
			refuse(r, "", tfsource.NotFound, "terraform reported no attribute values")
		}
	}
	return ad
}

func isDeletion(r drift.Resource) bool {
	for _, a := range r.Actions {
		if a == "delete" {
			return true
		}
	}
	return false
}

// masked reports whether a value is, or holds, a hidden one.
func masked(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.Contains(x, drift.Sensitive)
	case map[string]any:
		for _, e := range x {
			if masked(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if masked(e) {
				return true
			}
		}
	}
	return false
}
