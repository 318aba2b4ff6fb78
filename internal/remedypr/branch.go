package remedypr

import (
	"crypto/sha256"
	"encoding/hex"
	"path"
	"regexp"
	"strings"
)

// BranchPrefix starts every remediation branch; the cap on open remediation
// pull requests counts the open pull requests whose head starts with it.
const BranchPrefix = "drift/"

// RecordDir holds the record files the pr strategy commits.
const RecordDir = "drift/remediation"

// maxReadable caps the readable part of a name: a loose ref and a record
// file are one file-system name each, which may not pass 255 bytes.
const maxReadable = 80

// identity is the (root, target) pair a name stands for, as the rest of the
// package compares them: the root slash-cleaned ("." for the repository
// root), the target "default" when empty.
func identity(root, target string) (string, string) {
	root = strings.Trim(path.Clean(strings.ReplaceAll(root, "\\", "/")), "/")
	if root == "" {
		root = "."
	}
	return root, orDefault(target)
}

// slug names a target in one path component: a readable part (root and
// target with every run of characters other than ASCII letters, digits,
// '_' and '.' made one '-', cut to maxReadable) and, always, 12 hex digits
// of a hash of the exact root and target. The hash makes names unique per
// (root, target) by construction, whatever the readable part loses (case
// kept, '/' in a target, unicode, dots); one component means no name is a
// directory of another, which git refuses for refs ("drift/x" beside
// "drift/x/y"). It depends on nothing but root and target, so it is the
// same on every run.
func slug(root, target string) string {
	root, target = identity(root, target)
	readable := root
	if root == "." {
		readable = "_root"
	}
	if target != "default" {
		readable += "--" + target
	}
	sum := sha256.Sum256([]byte(root + "\x00" + target))
	return readablePart(readable) + "-" + hex.EncodeToString(sum[:6])
}

var (
	notSafe = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)
	dots    = regexp.MustCompile(`\.{2,}`)
)

// readablePart keeps what git and file systems take in any position of a
// ref component: no "..", no leading or trailing '.' or '-' (so no
// ".lock" suffix either, as the hash follows), never empty.
func readablePart(s string) string {
	s = notSafe.ReplaceAllString(s, "-")
	s = dots.ReplaceAllString(s, ".")
	if len(s) > maxReadable {
		s = s[:maxReadable]
	}
	s = strings.Trim(s, ".-")
	if s == "" {
		return "_"
	}
	return s
}

// BranchName is the head branch of a target's remediation pull request:
// drift/<root>--<target>-<hash> (see slug), e.g. drift/infra-app--eu-1f2e3d4c5b6a.
func BranchName(root, target string) string { return BranchPrefix + slug(root, target) }

// RecordPath is where the pr strategy records a target's drift:
// drift/remediation/<slug>.md.
func RecordPath(root, target string) string { return RecordDir + "/" + slug(root, target) + ".md" }

// legacyBranchName is the branch versions before the hashed names used:
// drift/<root>[/<target>], hashed only where characters were replaced. Two
// targets could share it, and a root could be a directory of another's; it
// is read only to find pull requests opened under it (see legacyPR).
func legacyBranchName(root, target string) string {
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
		comps = append(comps, legacyComponent(c))
	}
	s := strings.Join(comps, "/")
	if s != orig {
		sum := sha256.Sum256([]byte(orig))
		s += "-" + hex.EncodeToString(sum[:3])
	}
	return BranchPrefix + s
}

func legacyComponent(c string) string {
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

// ownsTitle says whether title is one Title gives t's pull requests (after
// redact), and so none another target's could be: the label is matched
// whole and the count closes the title. It tells a pull request opened for
// t under legacyBranchName, a name other targets may share, from theirs.
func ownsTitle(title string, t Target) bool {
	re := regexp.MustCompile(`^drift: (Undo|Adopt) drift in ` + regexp.QuoteMeta(oneLine(label(t))) + ` \(\d+ resource\(s\)\)$`)
	return re.MatchString(title)
}
