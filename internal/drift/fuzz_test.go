package drift_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/myorg/drift-action/internal/drift"
)

func fuzzOptions() drift.Options {
	return drift.Options{
		Ignore: []drift.IgnoreRule{
			{Type: "aws_*", Paths: []string{"tags_all", "*.last_modified"}},
		},
		MaskPaths:  []string{"**.password", "environment[*].variables.API_TOKEN"},
		MaskValues: []*regexp.Regexp{regexp.MustCompile(`SECRET-RE-[0-9a-z]+`)},
	}
}

// FuzzClassify feeds arbitrary plan documents to Classify. It must never
// panic, and what it returns must keep its promises:
//   - an Attribute marked Sensitive shows only nil, (sensitive) or
//     (known after apply);
//   - Status is what SetStatus derives from the contents;
//   - no string that the plan holds only at sensitive or user-masked positions
//     appears as a value in the result, and no value matches a mask regex;
//   - drift and changes never list no-op (or, for changes, read) actions.
func FuzzClassify(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "plans", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed fixtures: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	opts := fuzzOptions()
	f.Fuzz(func(t *testing.T, data []byte) {
		var p tfjson.Plan
		if err := json.Unmarshal(data, &p); err != nil {
			t.Skip()
		}
		got := drift.Classify(&p, opts)

		if _, err := json.Marshal(got); err != nil {
			t.Fatalf("result does not marshal: %v", err)
		}
		want := got
		want.SetStatus()
		if got.Status != want.Status {
			t.Errorf("Status = %q, but SetStatus derives %q from the contents", got.Status, want.Status)
		}

		secrets := hiddenOnly(&p, opts)
		check := func(kind string, rs []drift.Resource) {
			for _, res := range rs {
				if len(res.Actions) == 0 || (len(res.Actions) == 1 && res.Actions[0] == string(tfjson.ActionNoop)) {
					t.Errorf("%s %s has no-op actions %q", kind, res.Address, res.Actions)
				}
				if kind == "change" && len(res.Actions) == 1 && res.Actions[0] == string(tfjson.ActionRead) {
					t.Errorf("change %s is a read", res.Address)
				}
				for _, a := range res.Attributes {
					if a.Sensitive {
						for side, v := range map[string]any{"before": a.Before, "after": a.After} {
							if v != nil && v != drift.Sensitive && v != drift.Unknown {
								t.Errorf("%s %s: sensitive attribute %q shows %s value %#v", kind, res.Address, a.Path, side, v)
							}
						}
					}
					for _, v := range []any{a.Before, a.After} {
						for _, s := range leafStrings(v, nil) {
							if s == drift.Sensitive || s == drift.Unknown {
								continue
							}
							if secrets[s] {
								t.Errorf("%s %s: attribute %q shows a value held only at sensitive or masked positions: %q", kind, res.Address, a.Path, s)
							}
							for _, re := range opts.MaskValues {
								if re.MatchString(s) {
									t.Errorf("%s %s: attribute %q shows a value matching mask %s: %q", kind, res.Address, a.Path, re, s)
								}
							}
						}
					}
				}
			}
		}
		check("drift", got.Drift)
		check("change", got.Changes)
	})
}

// hiddenOnly returns the strings that the plan's resource changes hold only
// under a sensitivity mark or a user mask path, never in plain view: those
// must not reach a result.
func hiddenOnly(p *tfjson.Plan, o drift.Options) map[string]bool {
	hidden, plain := map[string]bool{}, map[string]bool{}
	var walk func(v, sens any, marked bool, segs []string)
	walk = func(v, sens any, marked bool, segs []string) {
		if b, ok := sens.(bool); ok && b {
			marked = true
		}
		for _, m := range o.MaskPaths {
			if len(segs) > 0 && drift.MatchPath(m, segs) {
				marked = true
			}
		}
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(e, sensChild(sens, k), marked, append(segs[:len(segs):len(segs)], k))
			}
		case []any:
			for i, e := range x {
				walk(e, sensChild(sens, i), marked, append(segs[:len(segs):len(segs)], "["+strconv.Itoa(i)+"]"))
			}
		case string:
			if marked {
				hidden[x] = true
			} else {
				plain[x] = true
			}
		}
	}
	for _, rcs := range [][]*tfjson.ResourceChange{p.ResourceDrift, p.ResourceChanges} {
		for _, rc := range rcs {
			if rc == nil || rc.Change == nil {
				continue
			}
			walk(rc.Change.Before, rc.Change.BeforeSensitive, false, nil)
			walk(rc.Change.After, rc.Change.AfterSensitive, false, nil)
		}
	}
	for s := range plain {
		delete(hidden, s)
	}
	return hidden
}

func sensChild(tree any, k any) any {
	if b, ok := tree.(bool); ok && b {
		return true
	}
	switch t := tree.(type) {
	case map[string]any:
		if s, ok := k.(string); ok {
			return t[s]
		}
	case []any:
		if i, ok := k.(int); ok && i < len(t) {
			return t[i]
		}
	}
	return nil
}

// leafStrings lists every string value (not map key) inside v.
func leafStrings(v any, out []string) []string {
	switch x := v.(type) {
	case string:
		out = append(out, x)
	case map[string]any:
		for _, e := range x {
			out = leafStrings(e, out)
		}
	case []any:
		for _, e := range x {
			out = leafStrings(e, out)
		}
	}
	return out
}
