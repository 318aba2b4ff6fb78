package drift

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// MinSecret is the shortest value worth hiding: shorter ones would redact
// ordinary words.
const MinSecret = 4

// Redactor hides secrets and value-mask matches in the text of a verdict:
// terraform's errors and check problems, drifted and changed values,
// policy messages. Text can hold a value in more forms than as is: JSON-encoded
// (json.marshal escapes quotes, backslashes, newlines, and <, > and & as
// \u003c...), quoted as Go and Rego print strings inside collections
// (sprintf of an object, %q), either of those twice (a marshalled object
// printed inside another), or one line at a time (a multi-line secret
// split, re-indented, or written as a YAML block). Every such form is
// replaced, and overlapping matches are replaced as one span, so no piece
// of a secret is left beside its replacement. It is built once per
// verdict, by the verdict's builder (pipeline), and applied there once to
// every string a consumer can show; nothing downstream redacts.
type Redactor struct {
	// forms are every form of every secret, longest first, by their first
	// MinSecret bytes (no form is shorter): text is scanned once whatever
	// the number of secrets.
	forms  map[[MinSecret]byte][]string
	values []*regexp.Regexp
}

// NewRedactor redacts the secrets, in every form, and whatever a value
// mask matches. A mask that is a literal string (a secret a target reads
// from the environment is one) is a secret too: a pattern matches text as
// is, and would miss the value escaped or split across lines.
func NewRedactor(secrets []string, values []*regexp.Regexp) *Redactor {
	r := &Redactor{values: values}
	for _, re := range values {
		if lit, complete := re.LiteralPrefix(); complete && lit != "" {
			secrets = append(secrets[:len(secrets):len(secrets)], lit)
		}
	}
	seen := map[string]bool{}
	var all []string
	for _, s := range secrets {
		for _, f := range secretForms(s) {
			if !seen[f] {
				seen[f] = true
				all = append(all, f)
			}
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if len(all[i]) != len(all[j]) {
			return len(all[i]) > len(all[j])
		}
		return all[i] < all[j]
	})
	for _, f := range all {
		if r.forms == nil {
			r.forms = map[[MinSecret]byte][]string{}
		}
		r.forms[prefix(f)] = append(r.forms[prefix(f)], f)
	}
	return r
}

// prefix is the first MinSecret bytes of s, which has at least that many.
func prefix(s string) (k [MinSecret]byte) {
	copy(k[:], s)
	return k
}

// escapes are the ways a string is written inside text: JSON as
// encoding/json writes it (OPA's json.marshal) and with HTML escaping off
// (YAML's double quotes too), and Go/Rego quoting (%q, a string in a
// printed collection), in Unicode and in ASCII.
var escapes = []func(string) string{
	func(s string) string { return jsonString(s, true) },
	func(s string) string { return jsonString(s, false) },
	func(s string) string { q := strconv.Quote(s); return q[1 : len(q)-1] },
	func(s string) string { q := strconv.QuoteToASCII(s); return q[1 : len(q)-1] },
}

func jsonString(s string, html bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	_ = enc.Encode(s) // a string always encodes
	out := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	return string(out[1 : len(out)-1])
}

// secretForms lists how s can appear in text: as is, trimmed, and each of
// its lines; each of those escaped once or twice by any of escapes.
func secretForms(s string) []string {
	pieces := []string{s, strings.TrimSpace(s)}
	if strings.ContainsAny(s, "\r\n") {
		for _, line := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }) {
			pieces = append(pieces, line, strings.TrimSpace(line))
		}
	}
	var out []string
	for _, p := range pieces {
		if len(p) < MinSecret {
			continue
		}
		out = append(out, p)
		for _, e1 := range escapes {
			once := e1(p)
			out = append(out, once)
			for _, e2 := range escapes {
				out = append(out, e2(once))
			}
		}
	}
	return out
}

// Redact replaces every form of every secret, then every value-mask match,
// by Sensitive.
func (r *Redactor) Redact(text string) string {
	if r == nil {
		return text
	}
	if len(r.forms) > 0 {
		text = r.secrets(text)
	}
	for _, re := range r.values {
		text = re.ReplaceAllString(text, Sensitive)
	}
	return text
}

// secrets replaces every span of text covered by a form of a secret; spans
// that overlap or touch become one replacement.
func (r *Redactor) secrets(text string) string {
	var spans [][2]int // in order, disjoint
	for i := 0; i+MinSecret <= len(text); i++ {
		for _, f := range r.forms[prefix(text[i:])] {
			if !strings.HasPrefix(text[i:], f) {
				continue
			}
			end := i + len(f)
			if n := len(spans); n > 0 && i <= spans[n-1][1] {
				spans[n-1][1] = max(spans[n-1][1], end)
			} else {
				spans = append(spans, [2]int{i, end})
			}
			break // the longest form here; shorter ones lie inside it
		}
	}
	if spans == nil {
		return text
	}
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		b.WriteString(text[last:sp[0]])
		b.WriteString(Sensitive)
		last = sp[1]
	}
	b.WriteString(text[last:])
	return b.String()
}

// Result redacts, in place, every string of a verdict a consumer can
// show: the error, check problems, drifted and changed values, import IDs
// and snooze reasons. Addresses, attribute paths and names stay: they are
// the verdict's identities (records, heal, snoozes and source lookups go by
// them), and terraform refuses sensitive values in instance keys. Shared
// slices and snoozes are copied first, never changed under another holder.
func (r *Redactor) Result(res *Result) {
	if r == nil {
		return
	}
	res.Error = r.Redact(res.Error)
	if res.Checks != nil {
		res.Checks = slices.Clone(res.Checks)
		for i := range res.Checks {
			res.Checks[i].Problems = r.strings(res.Checks[i].Problems)
		}
	}
	for _, rs := range []*[]Resource{&res.Drift, &res.Changes, &res.Snoozed, &res.SnoozedChanges} {
		*rs = r.resources(*rs)
	}
	if res.ExpiredSnoozes != nil {
		res.ExpiredSnoozes = slices.Clone(res.ExpiredSnoozes)
		for i := range res.ExpiredSnoozes {
			res.ExpiredSnoozes[i].Reason = r.Redact(res.ExpiredSnoozes[i].Reason)
		}
	}
}

func (r *Redactor) resources(rs []Resource) []Resource {
	if rs == nil {
		return nil
	}
	rs = slices.Clone(rs)
	for i := range rs {
		x := &rs[i]
		x.ImportID = r.Redact(x.ImportID)
		x.ActionReason = r.Redact(x.ActionReason)
		x.Snooze = r.snooze(x.Snooze)
		if x.Attributes != nil {
			x.Attributes = slices.Clone(x.Attributes)
			for j := range x.Attributes {
				a := &x.Attributes[j]
				a.Before, a.After = r.Value(a.Before), r.Value(a.After)
				a.Snooze = r.snooze(a.Snooze)
			}
		}
	}
	return rs
}

func (r *Redactor) snooze(s *Snooze) *Snooze {
	if s == nil {
		return nil
	}
	c := *s
	c.Reason = r.Redact(c.Reason)
	return &c
}

func (r *Redactor) strings(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = r.Redact(s)
	}
	return out
}

// Value is v (an attribute value as terraform's JSON decodes) with every
// string inside it, map keys included, redacted; v itself is not changed.
func (r *Redactor) Value(v any) any {
	switch x := v.(type) {
	case string:
		return r.Redact(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[r.Redact(k)] = r.Value(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = r.Value(e)
		}
		return out
	}
	return v
}
