package dashboard

import "strings"

// resourceType is the type in a resource address: module calls and
// instance keys are passed over (module.a["x.y"].aws_s3_bucket.b[0] is an
// aws_s3_bucket), data sources keep their "data." prefix. An address it
// cannot read is its own type.
func resourceType(addr string) string {
	segs := splitAddress(addr)
	i := 0
	for i+1 < len(segs) && segs[i] == "module" {
		i += 2
	}
	switch {
	case i < len(segs) && segs[i] == "data" && i+1 < len(segs):
		return "data." + segs[i+1]
	case i+1 < len(segs):
		return segs[i]
	}
	return addr
}

// splitAddress cuts an address at the dots outside instance keys
// ([...], quoted strings with escapes).
func splitAddress(addr string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(addr); i++ {
		c := addr[i]
		switch {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '[':
			depth++
		case c == ']' && depth > 0:
			depth--
		case c == '.' && depth == 0:
			out = append(out, addr[start:i])
			start = i + 1
		}
	}
	return append(out, addr[start:])
}

// slug makes a root a file name: letters, digits, '.', '_' and '-' kept,
// anything else a '-'.
func slug(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.' || r == '_' || r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	out := strings.Trim(b.String(), ".-")
	if out == "" {
		return "root"
	}
	return out
}
