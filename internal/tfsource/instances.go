package tfsource

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Instances is what a resource block's count or for_each says about the
// instances it declares. Every instance takes its literals from the one
// block, so a literal can only be rewritten for all of them at once.
type Instances struct {
	// Repeated: the block sets count or for_each.
	Repeated bool
	// Known: Count or Keys names every instance, because count or for_each
	// is written with literals.
	Known bool
	// Count is count's value, or -1 when the block has no count. It is not
	// expanded into keys: a count of a billion stays one number.
	Count int
	// Keys are for_each's keys, sorted as written, each once.
	Keys []string
	// Expr is the count or for_each expression when it is not Known, for a
	// reader (cut to 60 characters).
	Expr string
}

// Has reports whether key (as [InstanceKey] returns it) is one of the
// instances; false when they are not Known.
func (in Instances) Has(key string) bool {
	switch {
	case !in.Known:
		return false
	case in.Count >= 0:
		n, err := strconv.Atoi(key)
		return err == nil && n >= 0 && n < in.Count && strconv.Itoa(n) == key
	}
	for _, k := range in.Keys {
		if k == key {
			return true
		}
	}
	return false
}

// Len is the number of instances when Known.
func (in Instances) Len() int {
	if in.Count >= 0 {
		return in.Count
	}
	return len(in.Keys)
}

// maxCount bounds the counts read as literals; a larger one is not Known.
const maxCount = 1 << 20

// InstancesOf reads count and for_each of the resource block of address
// (aws_instance.web or aws_instance.web[0]) in src. Literals it reads:
// count = 3, for_each = toset(["a", "b"]) and for_each = { a = ..., "b" = ... }.
func InstancesOf(src []byte, address string) (Instances, error) {
	block, err := findBlock(src, address)
	if err != nil {
		return Instances{}, err
	}
	in := Instances{Count: -1}
	if a, ok := block.Body.Attributes["count"]; ok {
		in.Repeated = true
		if n, ok := literalCount(a.Expr); ok {
			in.Known, in.Count = true, n
		} else {
			in.Expr = shortExpr(a.Expr, src)
		}
		return in, nil
	}
	if a, ok := block.Body.Attributes["for_each"]; ok {
		in.Repeated = true
		if keys, ok := literalKeys(a.Expr); ok {
			in.Known, in.Keys = true, keys
		} else {
			in.Expr = shortExpr(a.Expr, src)
		}
	}
	return in, nil
}

// InstanceKey is the instance key of a resource address, unquoted:
// "0" for aws_instance.web[0], "a" for aws_s3_bucket.logs["a"]; ok is false
// when the address has none.
func InstanceKey(address string) (string, bool) {
	if !strings.HasSuffix(address, "]") {
		return "", false
	}
	// The key is the last bracket pair; a quoted key may hold brackets.
	inner := address[:len(address)-1]
	if strings.HasSuffix(inner, `"`) {
		for i := len(inner) - 2; i >= 0; i-- {
			if inner[i] == '"' && i > 0 && inner[i-1] == '[' && !escaped(inner, i) {
				k, err := strconv.Unquote(inner[i:])
				return k, err == nil
			}
		}
		return "", false
	}
	i := strings.LastIndexByte(inner, '[')
	if i < 0 {
		return "", false
	}
	return inner[i+1:], true
}

// escaped reports whether s[i] follows an odd run of backslashes.
func escaped(s string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

// BlockAddress is address without its instance key: aws_instance.web for
// aws_instance.web[0].
func BlockAddress(address string) string {
	segs := splitAddress(address)
	return strings.Join(segs, ".")
}

func literalCount(e hclsyntax.Expression) (int, bool) {
	lit, ok := e.(*hclsyntax.LiteralValueExpr)
	if !ok || lit.Val.Type() != cty.Number || lit.Val.IsNull() {
		return 0, false
	}
	bf := lit.Val.AsBigFloat()
	if !bf.IsInt() || bf.Sign() < 0 {
		return 0, false
	}
	n, acc := bf.Int64()
	if acc != 0 || n > maxCount {
		return 0, false
	}
	return int(n), true
}

func literalKeys(e hclsyntax.Expression) ([]string, bool) {
	set := false
	if call, ok := e.(*hclsyntax.FunctionCallExpr); ok && call.Name == "toset" && len(call.Args) == 1 && !call.ExpandFinal {
		e, set = call.Args[0], true
	}
	var keys []string
	add := func(k string) {
		for _, x := range keys {
			if x == k {
				return
			}
		}
		keys = append(keys, k)
	}
	switch t := e.(type) {
	case *hclsyntax.TupleConsExpr:
		if !set { // terraform takes a set or a map, not a list
			return nil, false
		}
		for _, x := range t.Exprs {
			s, ok := plainString(x)
			if !ok {
				return nil, false
			}
			add(s)
		}
	case *hclsyntax.ObjectConsExpr:
		if set {
			return nil, false
		}
		for _, item := range t.Items {
			k, ok := objectKey(item.KeyExpr)
			if !ok {
				return nil, false
			}
			add(k)
		}
	default:
		return nil, false
	}
	return keys, true
}

func shortExpr(e hclsyntax.Expression, src []byte) string {
	text := strings.Join(strings.Fields(string(e.Range().SliceBytes(src))), " ")
	if len(text) > 60 {
		text = text[:57] + "..."
	}
	return text
}

// findBlock parses src and returns the resource block of address.
func findBlock(src []byte, address string) (*hclsyntax.Block, error) {
	segs := splitAddress(address)
	if len(segs) != 2 || segs[0] == "module" || segs[0] == "data" {
		return nil, &RefusalError{Reason: Unsupported, Address: address, Detail: "not a managed resource address in this root"}
	}
	file, diags := hclsyntax.ParseConfig(src, "main.tf", hcl.InitialPos)
	if diags.HasErrors() {
		return nil, fmt.Errorf("tfsource: %s: the file does not parse: %w", address, diags)
	}
	body, ok := file.Body.(*hclsyntax.Body)
	if !ok {
		return nil, fmt.Errorf("tfsource: %s: not a native HCL file", address)
	}
	for _, b := range body.Blocks {
		if b.Type == "resource" && len(b.Labels) == 2 && b.Labels[0] == segs[0] && b.Labels[1] == segs[1] {
			return b, nil
		}
	}
	return nil, &RefusalError{Reason: NotFound, Address: address, Detail: "no resource block " + segs[0] + "." + segs[1] + " in this file"}
}
