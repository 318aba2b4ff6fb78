package drift

import (
	"encoding/json"
	"slices"
	"sort"
	"strconv"

	tfjson "github.com/hashicorp/terraform-json"
)

// Secrets lists the strings of a plan a verdict must never show, for a
// Redactor: every value terraform marks sensitive wherever the plan holds
// it (changes, drift, outputs, prior state and planned values, data
// sources included, and the values and defaults of variables declared
// sensitive), every value under a mask path, and every string a value mask
// matches. A value can reach a verdict's text by another road than the
// attribute that holds it (a check's message, an error, another attribute
// through nonsensitive), so all of them are collected, not only those the
// verdict shows.
func Secrets(p *tfjson.Plan, o Options) []string {
	if p == nil {
		return nil
	}
	c := collector{o: o, found: map[string]bool{}}
	for _, rcs := range [][]*tfjson.ResourceChange{p.ResourceDrift, p.ResourceChanges} {
		for _, rc := range rcs {
			if rc == nil || rc.Change == nil {
				continue
			}
			c.walk(nil, rc.Change.Before, rc.Change.BeforeSensitive, false)
			c.walk(nil, rc.Change.After, rc.Change.AfterSensitive, false)
		}
	}
	for _, oc := range p.OutputChanges {
		if oc != nil {
			c.walk(nil, oc.Before, oc.BeforeSensitive, false)
			c.walk(nil, oc.After, oc.AfterSensitive, false)
		}
	}
	if p.PriorState != nil {
		c.values(p.PriorState.Values)
	}
	c.values(p.PlannedValues)
	if p.Config != nil && p.Config.RootModule != nil {
		for name, v := range p.Config.RootModule.Variables {
			if v == nil || !v.Sensitive {
				continue
			}
			c.walk(nil, v.Default, true, false)
			if pv := p.Variables[name]; pv != nil {
				c.walk(nil, pv.Value, true, false)
			}
		}
	}
	out := make([]string, 0, len(c.found))
	for s := range c.found {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

type collector struct {
	o     Options
	found map[string]bool
}

// values collects from state-shaped values: resources with their
// sensitive_values, in every module, and outputs marked sensitive.
func (c collector) values(vs *tfjson.StateValues) {
	if vs == nil {
		return
	}
	for _, out := range vs.Outputs {
		if out != nil {
			c.walk(nil, out.Value, out.Sensitive, false)
		}
	}
	var module func(m *tfjson.StateModule)
	module = func(m *tfjson.StateModule) {
		if m == nil {
			return
		}
		for _, r := range m.Resources {
			if r == nil {
				continue
			}
			var sens any
			if len(r.SensitiveValues) > 0 {
				_ = json.Unmarshal(r.SensitiveValues, &sens) // a tree terraform wrote; unreadable marks nothing
			}
			// The values are an object whatever the resource.
			c.walk(nil, map[string]any(r.AttributeValues), sens, false)
		}
		for _, ch := range m.ChildModules {
			module(ch)
		}
	}
	module(vs.RootModule)
}

// walk collects the strings at or below segs in v that sens marks (or that
// are under a marked subtree, under), that a mask path covers, or that a
// value mask matches.
func (c collector) walk(segs []string, v, sens any, under bool) {
	under = under || isTrue(sens) || c.masked(segs)
	switch x := v.(type) {
	case string:
		if under || c.matches(x) {
			c.found[x] = true
		}
	case map[string]any:
		for k, e := range x {
			c.walk(append(slices.Clip(segs), k), e, child(sens, k), under)
		}
	case []any:
		for i, e := range x {
			c.walk(append(slices.Clip(segs), "["+strconv.Itoa(i)+"]"), e, child(sens, i), under)
		}
	}
}

func (c collector) masked(segs []string) bool {
	return (&walker{o: c.o}).masked(segs)
}

func (c collector) matches(s string) bool {
	for _, re := range c.o.MaskValues {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}
