package policy

import (
	"bytes"
	"encoding/json"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/myorg/drift-action/internal/drift"
)

// minSecret is the shortest value worth hiding: shorter ones would redact
// ordinary words.
const minSecret = 4

// Redactor hides secrets and value-mask matches in text built from a plan:
// policy messages, the resources they name, evaluation errors. A policy
// can put a value in a message in more forms than as is: JSON-encoded
// (json.marshal escapes quotes, backslashes, newlines, and <, > and & as
// \u003c...), quoted as Go and Rego print strings inside collections
// (sprintf of an object, %q), either of those twice (a marshalled object
// printed inside another), or one line at a time (a multi-line secret
// split, re-indented, or written as a YAML block). Every such form is
// replaced, and overlapping matches are replaced as one span, so no piece
// of a secret is left beside its replacement. It is built once per input
// and is the only place results are redacted.
type Redactor struct {
	// forms are every form of every secret, longest first, by their first
	// minSecret bytes (no form is shorter): text is scanned once whatever
	// the number of secrets.
	forms  map[[minSecret]byte][]string
	values []*regexp.Regexp
}

// NewRedactor redacts the secrets, in every form, and whatever a value
// mask matches.
func NewRedactor(secrets []string, values []*regexp.Regexp) *Redactor {
	r := &Redactor{values: values}
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
			r.forms = map[[minSecret]byte][]string{}
		}
		r.forms[prefix(f)] = append(r.forms[prefix(f)], f)
	}
	return r
}

// prefix is the first minSecret bytes of s, which has at least that many.
func prefix(s string) (k [minSecret]byte) {
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
		if len(p) < minSecret {
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
// by drift.Sensitive.
func (r *Redactor) Redact(text string) string {
	if r == nil {
		return text
	}
	if len(r.forms) > 0 {
		text = r.secrets(text)
	}
	for _, re := range r.values {
		text = re.ReplaceAllString(text, drift.Sensitive)
	}
	return text
}

// secrets replaces every span of text covered by a form of a secret; spans
// that overlap or touch become one replacement.
func (r *Redactor) secrets(text string) string {
	var spans [][2]int // in order, disjoint
	for i := 0; i+minSecret <= len(text); i++ {
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
		b.WriteString(drift.Sensitive)
		last = sp[1]
	}
	b.WriteString(text[last:])
	return b.String()
}

// results redacts every text of the results a consumer can show that a
// policy wrote: the message and the resource (policy, rule and level come
// from the policy files and the config; severity is one of Severities).
func (r *Redactor) results(rs []Result) {
	for i := range rs {
		rs[i].Msg = r.Redact(rs[i].Msg)
		rs[i].Resource = r.Redact(rs[i].Resource)
	}
}
