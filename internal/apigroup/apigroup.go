// Package apigroup names the Kubernetes API of the DriftReport record: its
// default group, its plural, and which groups a team may choose. It is a
// leaf, so config can check the record-group input without importing the
// record.
package apigroup

import (
	"fmt"
	"strings"
)

// Default is the API group of DriftReport when none is chosen.
const Default = "infra.example.com"

// Plural is the resource name of DriftReport; the CRD is named
// Plural + "." + group.
const Plural = "driftreports"

// MaxSubdomain is the longest DNS-1123 subdomain Kubernetes accepts as a
// resource name.
const MaxSubdomain = 253

// Check says what is wrong with an API group for DriftReport: it must be a
// DNS subdomain with a dot (as the API server asks of a CRD's group), short
// enough that the CRD's name (driftreports.GROUP) is one too.
func Check(group string) error {
	errs := SubdomainProblems(group)
	if len(errs) == 0 && !strings.Contains(group, ".") {
		errs = append(errs, "it has no dot")
	}
	if len(errs) == 0 && len(Plural)+1+len(group) > MaxSubdomain {
		errs = append(errs, fmt.Sprintf("it is longer than %d characters, so %s.%s is no DNS subdomain", MaxSubdomain-len(Plural)-1, Plural, group))
	}
	if len(errs) > 0 {
		return fmt.Errorf("group %q is not a DNS subdomain with a dot, such as %s or drift.mycompany.io (%s)", group, Default, strings.Join(errs, "; "))
	}
	return nil
}

// SubdomainProblems lists what keeps s from being a DNS-1123 subdomain as
// Kubernetes defines it (k8s.io/apimachinery's IsDNS1123Subdomain: at most
// 253 characters of dot-separated labels, each of lowercase letters,
// digits and '-' and starting and ending with a letter or digit; labels
// are not limited to 63 characters there). It is written out here so that
// the action's binary does not link the Kubernetes libraries; a test in
// internal/record keeps it in step with theirs.
func SubdomainProblems(s string) []string {
	var probs []string
	if len(s) > MaxSubdomain {
		probs = append(probs, fmt.Sprintf("must be no more than %d characters", MaxSubdomain))
	}
	if !isSubdomain(s) {
		probs = append(probs, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "+
			"and must start and end with an alphanumeric character (e.g. 'example.com')")
	}
	return probs
}

// isSubdomain reports whether s matches
// [a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*
// (any length).
func isSubdomain(s string) bool {
	if s == "" {
		return false
	}
	labelStart := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '.' {
			c := s[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
			continue
		}
		// s[labelStart:i] is one label.
		if i == labelStart || s[labelStart] == '-' || s[i-1] == '-' {
			return false
		}
		labelStart = i + 1
	}
	return true
}
