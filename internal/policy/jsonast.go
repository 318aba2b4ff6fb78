package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"
)

// parseJSON turns JSON bytes straight into an OPA value. Plans of 10,000
// resources are tens of megabytes; going through interface{} first (as
// ast.ValueFromReader does) doubles both the time and the peak memory.
func parseJSON(data []byte) (ast.Value, error) {
	return parseJSONSkipping(data, nil)
}

// parseJSONSkipping is parseJSON leaving out the members of the top-level
// object named in skip.
func parseJSONSkipping(data []byte, skip map[string]bool) (ast.Value, error) {
	v, _, err := parseJSONPruning(data, skip, nil)
	return v, err
}

// keep names the members of an object to build, each with what to keep of
// its value ("*": any member; a nil keep: the whole value).
type keep map[string]keep

// parseJSONPruning is parseJSONSkipping that still builds, of a skipped
// top-level member named in prune, only what prune keeps of it: returned
// apart, by member name, never in the value.
func parseJSONPruning(data []byte, skip map[string]bool, prune map[string]keep) (ast.Value, map[string]*ast.Term, error) {
	v, pruned, _, err := parseJSONMarking(data, skip, prune)
	return v, pruned, err
}

// parseJSONMarking is parseJSONPruning also saying whether any member may
// mark a value sensitive (see jsonParser.noteMember).
func parseJSONMarking(data []byte, skip map[string]bool, prune map[string]keep) (ast.Value, map[string]*ast.Term, bool, error) {
	p := jsonParser{data: data, skipTop: skip, pruneTop: prune}
	p.space()
	v, err := p.value()
	if err != nil {
		return nil, nil, false, err
	}
	p.space()
	if p.i != len(p.data) {
		return nil, nil, false, p.errorf("unexpected data after the JSON value")
	}
	return v, p.pruned, p.marks, nil
}

type jsonParser struct {
	data []byte
	i    int
	// interned shares one term for each short string: plans repeat keys
	// ("address", "change", ...) and values ("managed", "create") tens of
	// thousands of times. Terms of an input are never mutated.
	interned map[string]*ast.Term
	// skipTop names members of the top-level object that are read past
	// without being built (see ParsePlanFor); depth is the nesting level
	// of the object or array being read, 1 at the top.
	skipTop map[string]bool
	depth   int
	// pruneTop says what to build of a skipped member all the same, into
	// pruned (see parseJSONPruning).
	pruneTop map[string]keep
	pruned   map[string]*ast.Term
	// pairs and elems are scratch stacks of the objects and arrays being
	// read, nested ones above their parents': each value is built once
	// from them at its end, without growing a slice of its own.
	pairs [][2]*ast.Term
	elems []*ast.Term
	// marks: some member may mark a value sensitive (see noteMember).
	marks bool
}

// noteMember sets marks when the member whose name's bytes (as written,
// quotes included) are key and whose value's bytes are val may mark a
// value sensitive: a name holding "sensitive" in any case
// (before_sensitive, sensitive_values, sensitive, ...) with a true
// somewhere in its value. Names with an escape or a non-ASCII byte count
// too, since encoding/json unescapes names and matches them folding case
// (ſ for s, K for k). It errs towards true: a true here only costs
// redaction a decoding of the plan (see Plan.MarksSensitive).
func (p *jsonParser) noteMember(key, val []byte) {
	if p.marks || !sensitiveName(key) {
		return
	}
	p.marks = bytes.Contains(val, trueBytes)
}

var trueBytes = []byte("true")

func sensitiveName(key []byte) bool {
	const word = "sensitive"
	for _, c := range key {
		if c == '\\' || c >= 0x80 {
			return true
		}
	}
	for i := 0; i+len(word) <= len(key); i++ {
		j := 0
		for j < len(word) && key[i+j]|0x20 == word[j] {
			j++
		}
		if j == len(word) {
			return true
		}
	}
	return false
}

// strTerm reads a string as a term, shared when short.
func (p *jsonParser) strTerm() (*ast.Term, error) {
	start := p.i
	s, err := p.str()
	if err != nil {
		return nil, err
	}
	if p.i-start > 66 { // long strings are rarely repeated
		return ast.StringTerm(s), nil
	}
	if t, ok := p.interned[s]; ok {
		return t, nil
	}
	if p.interned == nil {
		p.interned = make(map[string]*ast.Term, 1024)
	}
	t := ast.StringTerm(s)
	p.interned[s] = t
	return t, nil
}

func (p *jsonParser) errorf(format string, args ...any) error {
	line := 1
	for _, c := range p.data[:min(p.i, len(p.data))] {
		if c == '\n' {
			line++
		}
	}
	return fmt.Errorf("invalid JSON at line %d (byte %d): %s", line, p.i, fmt.Sprintf(format, args...))
}

func (p *jsonParser) space() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value() (ast.Value, error) {
	if p.i >= len(p.data) {
		return nil, p.errorf("unexpected end of input")
	}
	switch c := p.data[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return ast.String(s), nil
	case c == 't':
		return p.literal("true", ast.Boolean(true))
	case c == 'f':
		return p.literal("false", ast.Boolean(false))
	case c == 'n':
		return p.literal("null", ast.Null{})
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	default:
		return nil, p.errorf("unexpected character %q", c)
	}
}

// term parses a value as a term, sharing short strings and literals.
func (p *jsonParser) term() (*ast.Term, error) {
	if p.i < len(p.data) {
		switch p.data[p.i] {
		case '"':
			return p.strTerm()
		case 't', 'f', 'n':
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			switch v := v.(type) {
			case ast.Boolean:
				return ast.InternedTerm(bool(v)), nil
			default:
				return ast.NullTerm(), nil
			}
		}
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	return ast.NewTerm(v), nil
}

func (p *jsonParser) literal(word string, v ast.Value) (ast.Value, error) {
	if len(p.data)-p.i < len(word) || string(p.data[p.i:p.i+len(word)]) != word {
		return nil, p.errorf("invalid literal")
	}
	p.i += len(word)
	return v, nil
}

func (p *jsonParser) number() (ast.Value, error) {
	start := p.i
	if err := p.scanNumber(); err != nil {
		return nil, err
	}
	return ast.Number(p.data[start:p.i]), nil
}

// scanNumber reads past a number as JSON writes it:
// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?.
func (p *jsonParser) scanNumber() error {
	start := p.i
	digits := func() int {
		n := 0
		for p.i < len(p.data) && p.data[p.i] >= '0' && p.data[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	bad := func() error {
		end := p.i
		for end < len(p.data) && strings.IndexByte("0123456789.eE+-", p.data[end]) >= 0 {
			end++
		}
		lit := string(p.data[start:end])
		p.i = start
		return p.errorf("invalid number %q", lit)
	}
	if p.data[p.i] == '-' {
		p.i++
	}
	if p.i < len(p.data) && p.data[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return bad()
	}
	if p.i < len(p.data) && p.data[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return bad()
		}
	}
	if p.i < len(p.data) && (p.data[p.i] == 'e' || p.data[p.i] == 'E') {
		p.i++
		if p.i < len(p.data) && (p.data[p.i] == '+' || p.data[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return bad()
		}
	}
	// A number runs until a delimiter: "01" or "1.5.2" is one bad number.
	if p.i < len(p.data) && strings.IndexByte("0123456789.eE+-", p.data[p.i]) >= 0 {
		return bad()
	}
	return nil
}

func (p *jsonParser) str() (string, error) {
	start := p.i
	p.i++ // opening quote
	escaped := false
	for p.i < len(p.data) {
		c := p.data[p.i]
		switch {
		case c == '\\':
			escaped = true
			p.i += 2
			continue
		case c == '"':
			p.i++
			raw := p.data[start:p.i]
			if !escaped {
				if !utf8.Valid(raw) {
					return string([]rune(string(raw[1 : len(raw)-1]))), nil // normalise like encoding/json
				}
				return string(raw[1 : len(raw)-1]), nil
			}
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				p.i = start
				return "", p.errorf("invalid string: %v", err)
			}
			return s, nil
		case c < 0x20:
			return "", p.errorf("control character in string")
		}
		p.i++
	}
	return "", p.errorf("unterminated string")
}

// lastWins drops every member of an object whose key a later member names
// again, as encoding/json does (the classifier's reading): OPA's objects
// would keep both and a lookup would find the first, so policies and the
// classifier would read different values of one plan. Terraform never
// writes such a plan; the check is cheap for the objects it does write.
func lastWins(pairs [][2]*ast.Term) [][2]*ast.Term {
	if len(pairs) < 2 {
		return pairs
	}
	dup := func(i int) bool { // a later member names pairs[i]'s key
		for j := i + 1; j < len(pairs); j++ {
			if pairs[i][0].Value.Compare(pairs[j][0].Value) == 0 {
				return true
			}
		}
		return false
	}
	if len(pairs) > 8 {
		last := make(map[string]int, len(pairs))
		for i, kv := range pairs {
			last[string(kv[0].Value.(ast.String))] = i
		}
		if len(last) == len(pairs) {
			return pairs
		}
		dup = func(i int) bool { return last[string(pairs[i][0].Value.(ast.String))] != i }
	} else {
		found := false
		for i := range pairs {
			if dup(i) {
				found = true
				break
			}
		}
		if !found {
			return pairs
		}
	}
	out := make([][2]*ast.Term, 0, len(pairs))
	for i, kv := range pairs {
		if !dup(i) {
			out = append(out, kv)
		}
	}
	return out
}

// next reads what follows a member or element of an object or array (kind)
// closed by close: a comma (done false) or the close (done true).
func (p *jsonParser) next(close byte, kind string) (done bool, err error) {
	p.space()
	if p.i >= len(p.data) {
		return false, p.errorf("unterminated %s", kind)
	}
	switch p.data[p.i] {
	case ',':
		p.i++
		return false, nil
	case close:
		p.i++
		return true, nil
	}
	return false, p.errorf("expected ',' or '%c' in %s", close, kind)
}

// objectKey reads an object member's key and its colon, leaving p at the
// value; ks:ke is the key as written (for noteMember).
func (p *jsonParser) objectKey() (k *ast.Term, ks, ke int, err error) {
	p.space()
	if p.i >= len(p.data) || p.data[p.i] != '"' {
		return nil, 0, 0, p.errorf("expected an object key")
	}
	ks = p.i
	if k, err = p.strTerm(); err != nil {
		return nil, 0, 0, err
	}
	ke = p.i
	p.space()
	if p.i >= len(p.data) || p.data[p.i] != ':' {
		return nil, 0, 0, p.errorf("expected ':' after object key")
	}
	p.i++
	p.space()
	return k, ks, ke, nil
}

func (p *jsonParser) object() (ast.Value, error) {
	p.i++ // {
	p.depth++
	defer func() { p.depth-- }()
	mark := len(p.pairs)
	defer func() { p.pairs = p.pairs[:mark] }()
	p.space()
	if p.i < len(p.data) && p.data[p.i] == '}' {
		p.i++
		return ast.NewObject(), nil
	}
	for {
		k, ks, ke, err := p.objectKey()
		if err != nil {
			return nil, err
		}
		vs := p.i
		if name := string(k.Value.(ast.String)); p.depth == 1 && p.skipTop[name] {
			if kp, ok := p.pruneTop[name]; ok {
				t, err := p.prunedTerm(kp)
				if err != nil {
					return nil, err
				}
				if p.pruned == nil {
					p.pruned = map[string]*ast.Term{}
				}
				p.pruned[name] = t
			} else if err := p.skip(); err != nil {
				return nil, err
			}
		} else {
			v, err := p.term()
			if err != nil {
				return nil, err
			}
			p.pairs = append(p.pairs, [2]*ast.Term{k, v})
		}
		p.noteMember(p.data[ks:ke], p.data[vs:p.i])
		if done, err := p.next('}', "object"); err != nil {
			return nil, err
		} else if done {
			return ast.NewObject(lastWins(p.pairs[mark:])...), nil // copies the pairs
		}
	}
}

func (p *jsonParser) array() (ast.Value, error) {
	p.i++ // [
	p.depth++
	defer func() { p.depth-- }()
	mark := len(p.elems)
	defer func() { p.elems = p.elems[:mark] }()
	p.space()
	if p.i < len(p.data) && p.data[p.i] == ']' {
		p.i++
		return ast.NewArray(), nil
	}
	for {
		p.space()
		v, err := p.term()
		if err != nil {
			return nil, err
		}
		p.elems = append(p.elems, v)
		if done, err := p.next(']', "array"); err != nil {
			return nil, err
		} else if done {
			// The array keeps its slice: a copy of exactly its length.
			return ast.NewArray(slices.Clone(p.elems[mark:])...), nil
		}
	}
}

// prunedTerm reads one value building only what kp keeps of it: an
// object's members kp names, pruned in turn; anything else (kp nil, or not
// an object, which the shape check then names) whole.
func (p *jsonParser) prunedTerm(kp keep) (*ast.Term, error) {
	if kp == nil || p.i >= len(p.data) || p.data[p.i] != '{' {
		return p.term()
	}
	p.i++ // {
	var pairs [][2]*ast.Term
	p.space()
	if p.i < len(p.data) && p.data[p.i] == '}' {
		p.i++
		return ast.NewTerm(ast.NewObject()), nil
	}
	for {
		k, ks, ke, err := p.objectKey()
		if err != nil {
			return nil, err
		}
		vs := p.i
		sub, ok := kp[string(k.Value.(ast.String))]
		if !ok {
			sub, ok = kp["*"]
		}
		if ok {
			v, err := p.prunedTerm(sub)
			if err != nil {
				return nil, err
			}
			pairs = append(pairs, [2]*ast.Term{k, v})
		} else if err := p.skip(); err != nil {
			return nil, err
		}
		p.noteMember(p.data[ks:ke], p.data[vs:p.i])
		if done, err := p.next('}', "object"); err != nil {
			return nil, err
		} else if done {
			return ast.NewTerm(ast.NewObject(lastWins(pairs)...)), nil
		}
	}
}

// skip reads past one JSON value, building nothing but checking its
// syntax as value does, so a plan is refused or accepted alike whatever
// members are left out (the classifier may not decode it at all).
func (p *jsonParser) skip() error {
	if p.i >= len(p.data) {
		return p.errorf("unexpected end of input")
	}
	switch c := p.data[p.i]; {
	case c == '{':
		p.i++
		p.space()
		if p.i < len(p.data) && p.data[p.i] == '}' {
			p.i++
			return nil
		}
		for {
			p.space()
			if p.i >= len(p.data) || p.data[p.i] != '"' {
				return p.errorf("expected an object key")
			}
			ks := p.i
			if err := p.skipString(); err != nil {
				return err
			}
			ke := p.i
			p.space()
			if p.i >= len(p.data) || p.data[p.i] != ':' {
				return p.errorf("expected ':' after object key")
			}
			p.i++
			p.space()
			vs := p.i
			if err := p.skip(); err != nil {
				return err
			}
			p.noteMember(p.data[ks:ke], p.data[vs:p.i])
			if done, err := p.next('}', "object"); err != nil {
				return err
			} else if done {
				return nil
			}
		}
	case c == '[':
		p.i++
		p.space()
		if p.i < len(p.data) && p.data[p.i] == ']' {
			p.i++
			return nil
		}
		for {
			p.space()
			if err := p.skip(); err != nil {
				return err
			}
			if done, err := p.next(']', "array"); err != nil {
				return err
			} else if done {
				return nil
			}
		}
	case c == '"':
		return p.skipString()
	case c == 't':
		_, err := p.literal("true", nil)
		return err
	case c == 'f':
		_, err := p.literal("false", nil)
		return err
	case c == 'n':
		_, err := p.literal("null", nil)
		return err
	case c == '-' || c >= '0' && c <= '9':
		return p.scanNumber()
	default:
		return p.errorf("unexpected character %q", c)
	}
}

// skipString reads past a string, checking its escapes and that it holds
// no control character, as str does.
func (p *jsonParser) skipString() error {
	start := p.i
	p.i++ // opening quote
	for p.i < len(p.data) {
		switch c := p.data[p.i]; {
		case c == '"':
			p.i++
			return nil
		case c == '\\':
			if p.i+1 >= len(p.data) {
				return p.errorf("unterminated string")
			}
			switch p.data[p.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.i += 2
			case 'u':
				if p.i+6 > len(p.data) || !isHex4(p.data[p.i+2:p.i+6]) {
					p.i = start
					return p.errorf("invalid string: invalid \\u escape")
				}
				p.i += 6
			default:
				p.i = start
				return p.errorf("invalid string: invalid escape")
			}
		case c < 0x20:
			return p.errorf("control character in string")
		default:
			p.i++
		}
	}
	return p.errorf("unterminated string")
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
