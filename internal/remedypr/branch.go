package remedypr

import (
	"crypto/sha256"
	"encoding/hex"
	"path"
	"strings"
)

// BranchPrefix starts every remediation branch; the cap on open remediation
// pull requests counts the open pull requests whose head starts with it.
const BranchPrefix = "drift/"

// RecordDir holds the record files the pr strategy commits.
const RecordDir = "drift/remediation"

// slug is <root>[/<target>] as a valid git ref tail: root "." is "_root",
// the target is left out when it is "" or "default", and characters git
// refuses become "-". When anything had to change, a short hash of the
// original keeps two roots that differ only there apart.
func slug(root, target string) string {
	root = strings.Trim(path.Clean(strings.ReplaceAll(root, "\\", "/")), "/")
	if root == "." || root == "" {
		root = "_root"
	}
	orig := root
	if target != "" && target != "default" {
		orig += "/" + target
	}
	var comps []string
	for _, c := range strings.Split(orig, "/") {
		comps = append(comps, cleanComponent(c))
	}
	s := strings.Join(comps, "/")
	if s != orig {
		sum := sha256.Sum256([]byte(orig))
		s += "-" + hex.EncodeToString(sum[:3])
	}
	return s
}

// cleanComponent makes one path component valid in a git ref (see
// git-check-ref-format): no control characters, space, ~ ^ : ? * [ \,
// no "..", no "@{", no leading "." or "-", no trailing "." or ".lock".
func cleanComponent(c string) string {
	var b strings.Builder
	for _, r := range c {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(" ~^:?*[\\", r) {
			b.WriteByte('-')
			continue
		}
		b.WriteRune(r)
	}
	s := b.String()
	for strings.Contains(s, "..") {
		s = strings.ReplaceAll(s, "..", "-")
	}
	s = strings.ReplaceAll(s, "@{", "-{")
	s = strings.TrimRight(s, ".")
	if strings.HasSuffix(s, ".lock") {
		s = strings.TrimSuffix(s, ".lock") + "-lock"
	}
	if s == "" || s[0] == '.' || s[0] == '-' {
		s = "_" + strings.TrimLeft(s, ".-")
	}
	if s == "_" || s == "@" {
		s = "_" + s
	}
	return s
}

// BranchName is the head branch of a target's remediation pull request:
// drift/<root>[/<target>], made a valid ref name.
func BranchName(root, target string) string { return BranchPrefix + slug(root, target) }

// RecordPath is where the pr strategy records a target's drift:
// drift/remediation/<root>[/<target>].md.
func RecordPath(root, target string) string { return RecordDir + "/" + slug(root, target) + ".md" }
