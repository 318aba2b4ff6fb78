package tfsource

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/zclconf/go-cty/cty"
)

// Reason is why [Rewrite] refused to change the code.
type Reason string

// Reasons for a refusal. Each has a sentence for people in [Reason.Explain].
const (
	// NotFound: the resource, the attribute or the map key is not written in
	// this file (a provider default, or a key added outside terraform).
	NotFound Reason = "not-found"
	// NotLiteral: the value is an expression (a function call, a reference
	// to a local or another resource, a template, a conditional).
	NotLiteral Reason = "not-literal"
	// Variable: the value comes from an input variable; the variable's
	// value (a tfvars file, a default, the workflow) must change instead.
	Variable Reason = "variable"
	// ModuleInput: the resource is declared inside a module; its values come
	// from the module call's inputs and the module's own code.
	ModuleInput Reason = "module-input"
	// Sensitive: the value is sensitive or masked; it is never written.
	Sensitive Reason = "sensitive"
	// NestedBlock: the path goes into a nested block (such as ingress {}),
	// which is not rewritten: blocks can repeat and have no stable index.
	NestedBlock Reason = "nested-block"
	// Unsupported: the new value cannot be written as a literal here (null,
	// unknown, a whole object or list, a path this function does not read).
	Unsupported Reason = "unsupported"
	// SharedLiteral: the resource is one instance of a count or for_each
	// block, whose one literal sets the attribute for every instance, and
	// no one value is right for them all (they drifted to different
	// values, some did not drift, or which instances exist is known only
	// to terraform).
	SharedLiteral Reason = "shared-literal"
)

// Explain is a reader's sentence for the reason.
func (r Reason) Explain() string {
	switch r {
	case NotFound:
		return "not written in the code (a provider default or a key added outside terraform)"
	case NotLiteral:
		return "the code sets it with an expression, not a literal value"
	case Variable:
		return "the code takes it from an input variable: change the variable's value instead"
	case ModuleInput:
		return "declared inside a module: change the module call's inputs or the module instead"
	case Sensitive:
		return "the value is sensitive or masked, so it is never written to the code"
	case NestedBlock:
		return "it is inside a nested block, which is not rewritten"
	case Unsupported:
		return "the new value cannot be written as a literal here"
	case SharedLiteral:
		return "one literal in the code sets it for every instance of the resource, and no one value is right for all of them"
	}
	return string(r)
}

// RefusalError is the error [Rewrite] returns when the code is not changed
// for one of the [Reason]s; errors.As finds it.
type RefusalError struct {
	Reason  Reason
	Address string
	Path    string
	Detail  string // e.g. "var.instance_type"
}

func (e *RefusalError) Error() string {
	msg := fmt.Sprintf("tfsource: rewrite %s %s: %s", e.Address, e.Path, e.Reason.Explain())
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

// ReasonOf returns the reason of a refusal, or "" for any other error.
func ReasonOf(err error) Reason {
	var r *RefusalError
	if errors.As(err, &r) {
		return r.Reason
	}
	return ""
}

// Rewrite changes, in src (one .tf file), the literal value of attrPath in
// the resource block of address to value, and returns the new file. Only
// the literal's bytes change: comments, blank lines and the layout of
// everything else are kept (a file that was `terraform fmt`-formatted is
// formatted again, so aligned equals signs stay aligned).
//
// address is a managed resource instance such as aws_instance.web or
// aws_instance.web[1] (an instance of count or for_each: the one block that
// declares them all is changed, so callers check [InstancesOf] first). attrPath is as drift reports it: a
// top-level attribute (instance_type), a key of a map or object written as
// an object constructor (tags.env, labels["app.kubernetes.io/name"]) or an
// element of a list written as a tuple ([1], cidrs[0]). value is as decoded
// from terraform's JSON: a string, a float64 or json.Number, or a bool.
//
// It refuses with a *RefusalError when the value is not a literal in this
// file, or is sensitive: see the [Reason]s.
func Rewrite(src []byte, address, attrPath string, value any) ([]byte, error) {
	refuse := func(r Reason, detail string) error {
		return &RefusalError{Reason: r, Address: address, Path: attrPath, Detail: detail}
	}
	if s, ok := value.(string); ok && (s == drift.Sensitive || strings.Contains(s, drift.Sensitive)) {
		return nil, refuse(Sensitive, "")
	}
	segs := splitAddress(address)
	if len(segs) >= 1 && segs[0] == "module" {
		mod := ""
		if len(segs) > 1 {
			mod = "module." + segs[1]
		}
		return nil, refuse(ModuleInput, mod)
	}
	if len(segs) != 2 || segs[0] == "data" {
		return nil, refuse(Unsupported, "not a managed resource address")
	}
	path, err := parsePath(attrPath)
	if err != nil || len(path) == 0 || path[0].index >= 0 {
		return nil, refuse(Unsupported, "cannot read the attribute path")
	}
	block, err := findBlock(src, address)
	if err != nil {
		var re *RefusalError
		if errors.As(err, &re) {
			return nil, refuse(re.Reason, re.Detail)
		}
		return nil, fmt.Errorf("tfsource: rewrite %w", err)
	}
	attr, ok := block.Body.Attributes[path[0].key]
	if !ok {
		for _, b := range block.Body.Blocks {
			if b.Type == path[0].key {
				return nil, refuse(NestedBlock, b.Type+" {}")
			}
		}
		return nil, refuse(NotFound, "")
	}
	leaf, err := descend(attr.Expr, path[1:], src, refuse)
	if err != nil {
		return nil, err
	}
	lit, err := literal(leaf, value, src, refuse)
	if err != nil {
		return nil, err
	}
	rng := leaf.Range()
	out := make([]byte, 0, len(src)+len(lit))
	out = append(out, src[:rng.Start.Byte]...)
	out = append(out, lit...)
	out = append(out, src[rng.End.Byte:]...)
	if _, diags := hclwrite.ParseConfig(out, "main.tf", hcl.InitialPos); diags.HasErrors() {
		return nil, fmt.Errorf("tfsource: rewrite %s %s: the result does not parse (this is a bug): %w", address, attrPath, diags)
	}
	if bytes.Equal(hclwrite.Format(src), src) {
		out = hclwrite.Format(out)
	}
	return out, nil
}

// descend follows the rest of the path through object and tuple constructors.
func descend(expr hclsyntax.Expression, path []pathSeg, src []byte, refuse func(Reason, string) error) (hclsyntax.Expression, error) {
	for _, seg := range path {
		switch e := expr.(type) {
		case *hclsyntax.ObjectConsExpr:
			if seg.index >= 0 {
				return nil, refuse(Unsupported, "an index into an object")
			}
			var next hclsyntax.Expression
			for _, item := range e.Items {
				if k, ok := objectKey(item.KeyExpr); ok && k == seg.key {
					next = item.ValueExpr
				}
			}
			if next == nil {
				return nil, refuse(NotFound, fmt.Sprintf("no key %q in the code", seg.key))
			}
			expr = next
		case *hclsyntax.TupleConsExpr:
			if seg.index < 0 {
				return nil, refuse(Unsupported, "a key into a list")
			}
			if seg.index >= len(e.Exprs) {
				return nil, refuse(NotFound, fmt.Sprintf("no element [%d] in the code", seg.index))
			}
			expr = e.Exprs[seg.index]
		default:
			return nil, notLiteral(expr, src, refuse)
		}
	}
	return expr, nil
}

// objectKey reads a literal object key: a bare name or a plain string.
func objectKey(k hclsyntax.Expression) (string, bool) {
	if ok, isKey := k.(*hclsyntax.ObjectConsKeyExpr); isKey {
		if name := hcl.ExprAsKeyword(ok.Wrapped); name != "" && !ok.ForceNonLiteral {
			return name, true
		}
		k = ok.Wrapped
	}
	if s, ok := plainString(k); ok {
		return s, true
	}
	return "", false
}

// plainString reads a quoted string without interpolation.
func plainString(e hclsyntax.Expression) (string, bool) {
	switch t := e.(type) {
	case *hclsyntax.TemplateExpr:
		if !t.IsStringLiteral() {
			return "", false
		}
		v, diags := t.Value(nil)
		if diags.HasErrors() || v.Type() != cty.String || v.IsNull() {
			return "", false
		}
		return v.AsString(), true
	case *hclsyntax.LiteralValueExpr:
		if t.Val.Type() == cty.String && !t.Val.IsNull() {
			return t.Val.AsString(), true
		}
	}
	return "", false
}

// notLiteral explains why an expression is not a literal.
func notLiteral(e hclsyntax.Expression, src []byte, refuse func(Reason, string) error) error {
	text := strings.TrimSpace(string(e.Range().SliceBytes(src)))
	if len(text) > 60 {
		text = text[:57] + "..."
	}
	for _, tr := range e.Variables() {
		if tr.RootName() == "var" {
			return refuse(Variable, text)
		}
	}
	return refuse(NotLiteral, text)
}

// literal returns the bytes that write value where leaf is, keeping the
// leaf's kind (a quoted number stays quoted), or refuses.
func literal(leaf hclsyntax.Expression, value any, src []byte, refuse func(Reason, string) error) ([]byte, error) {
	kind, ok := literalKind(leaf)
	if !ok {
		switch leaf.(type) {
		case *hclsyntax.ObjectConsExpr, *hclsyntax.TupleConsExpr:
			return nil, refuse(Unsupported, "a whole object or list")
		}
		return nil, notLiteral(leaf, src, refuse)
	}
	var v cty.Value
	switch x := value.(type) {
	case string:
		if x == drift.Unknown {
			return nil, refuse(Unsupported, "known only after apply")
		}
		v = cty.StringVal(x)
	case bool:
		v = cty.BoolVal(x)
	case float64:
		v = cty.NumberFloatVal(x)
	case int:
		v = cty.NumberIntVal(int64(x))
	case interface{ String() string }: // json.Number
		f, ok := parseNumber(x.String())
		if !ok {
			return nil, refuse(Unsupported, "not a number, or one too large or too small to write as a literal")
		}
		v = cty.NumberVal(f)
	case nil:
		return nil, refuse(Unsupported, "removed outside terraform (null)")
	default:
		return nil, refuse(Unsupported, fmt.Sprintf("a %T value", value))
	}
	// Keep what the code wrote: "80" stays a string even if the provider
	// reads it back as a number, and the reverse.
	if kind == cty.String && v.Type() != cty.String {
		s := formatScalar(value)
		v = cty.StringVal(s)
	}
	if kind == cty.Number && v.Type() == cty.String {
		if f, ok := parseNumber(v.AsString()); ok {
			v = cty.NumberVal(f)
		}
	}
	if v.Type() == cty.Number && !writable(v.AsBigFloat()) {
		return nil, refuse(Unsupported, "a number too large or too small to write as a literal")
	}
	if kind == cty.Bool && v.Type() == cty.String {
		if b, err := strconv.ParseBool(v.AsString()); err == nil {
			v = cty.BoolVal(b)
		}
	}
	return bytes.TrimSpace(hclwrite.TokensForValue(v).Bytes()), nil
}

// maxBinaryExp bounds the numbers written: beyond float64's range (about
// 1e±308), writing one out in full takes time and space that grow with the
// exponent (1e9999999 is ten million digits), and no provider means it.
const maxBinaryExp = 1100

// maxNumberText bounds the text of a number parsed: plan values are
// untrusted, and parsing grows with the text.
const maxNumberText = 400

// parseNumber reads a decimal number that can be written as a literal.
func parseNumber(s string) (*big.Float, bool) {
	if len(s) > maxNumberText {
		return nil, false
	}
	f, _, err := big.ParseFloat(s, 10, 512, big.ToNearestEven)
	if err != nil || !writable(f) {
		return nil, false
	}
	return f, true
}

func writable(f *big.Float) bool {
	if f.IsInf() {
		return false
	}
	if f.Sign() == 0 {
		return true
	}
	exp := f.MantExp(nil)
	return exp <= maxBinaryExp && exp >= -maxBinaryExp
}

// literalKind reports the type of a literal leaf: a number, a bool, a plain
// string (also one written with a minus sign, -1).
func literalKind(e hclsyntax.Expression) (cty.Type, bool) {
	switch t := e.(type) {
	case *hclsyntax.LiteralValueExpr:
		if t.Val.IsNull() {
			return cty.DynamicPseudoType, true
		}
		return t.Val.Type(), true
	case *hclsyntax.TemplateExpr:
		if _, ok := plainString(t); ok {
			return cty.String, true
		}
	case *hclsyntax.UnaryOpExpr:
		if t.Op == hclsyntax.OpNegate {
			if lit, ok := t.Val.(*hclsyntax.LiteralValueExpr); ok && lit.Val.Type() == cty.Number {
				return cty.Number, true
			}
		}
	}
	return cty.NilType, false
}

func formatScalar(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

// pathSeg is one step of an attribute path: a key, or a list index (>= 0).
type pathSeg struct {
	key   string
	index int
}

// parsePath reads drift's attribute paths: name, a.b, a["k.x"], a[0].b.
func parsePath(p string) ([]pathSeg, error) {
	var segs []pathSeg
	i := 0
	for i < len(p) {
		switch c := p[i]; {
		case c == '.':
			if len(segs) == 0 {
				return nil, errors.New("leading dot")
			}
			i++
		case c == '[':
			end := strings.IndexByte(p[i:], ']')
			if i+1 < len(p) && p[i+1] == '"' {
				// A quoted key: find the closing quote, then ].
				j := i + 2
				for j < len(p) && p[j] != '"' {
					if p[j] == '\\' {
						j++
					}
					j++
				}
				if j+1 >= len(p) || p[j+1] != ']' {
					return nil, errors.New("unterminated key")
				}
				k, err := strconv.Unquote(p[i+1 : j+1])
				if err != nil {
					return nil, err
				}
				segs = append(segs, pathSeg{key: k, index: -1})
				i = j + 2
				continue
			}
			if end < 0 {
				return nil, errors.New("unterminated index")
			}
			n, err := strconv.Atoi(p[i+1 : i+end])
			if err != nil || n < 0 {
				return nil, fmt.Errorf("bad index %q", p[i+1:i+end])
			}
			segs = append(segs, pathSeg{index: n})
			i += end + 1
		default:
			j := i
			for j < len(p) && p[j] != '.' && p[j] != '[' {
				j++
			}
			segs = append(segs, pathSeg{key: p[i:j], index: -1})
			i = j
		}
	}
	return segs, nil
}
