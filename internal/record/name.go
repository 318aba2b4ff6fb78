package record

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

const (
	namePrefix = "infra-drift"
	maxName    = 253 // DNS subdomain
	hashLen    = 10
)

// BaseName is the readable name of root/target's report:
// infra-drift-<root>-<target>, lowercased, with every run of characters
// other than a-z and 0-9 turned into one '-'. It is a DNS subdomain, but
// may be too long, and two targets may share it; see HashedName.
func BaseName(root, target string) string {
	var b strings.Builder
	b.WriteString(namePrefix)
	dash := true
	for _, r := range strings.ToLower(root + "/" + target) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash {
				b.WriteByte('-')
				dash = false
			}
			b.WriteRune(r)
		} else {
			dash = true
		}
	}
	return b.String()
}

// HashedName is BaseName cut to fit, with a hash of root and target added:
// unique to them and at most 253 characters.
func HashedName(root, target string) string {
	sum := sha256.Sum256([]byte(root + "\x00" + target))
	h := hex.EncodeToString(sum[:])[:hashLen]
	base := BaseName(root, target)
	if len(base) > maxName-hashLen-1 {
		base = strings.TrimRight(base[:maxName-hashLen-1], "-")
	}
	return base + "-" + h
}
