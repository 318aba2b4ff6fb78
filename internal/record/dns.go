package record

import "fmt"

// maxSubdomain is the longest DNS-1123 subdomain Kubernetes accepts as a
// resource name.
const maxSubdomain = 253

// subdomainProblems lists what keeps s from being a DNS-1123 subdomain as
// Kubernetes defines it (k8s.io/apimachinery's IsDNS1123Subdomain: at most
// 253 characters of dot-separated labels, each of lowercase letters,
// digits and '-' and starting and ending with a letter or digit; labels
// are not limited to 63 characters there). It is written out here so that
// the action's binary does not link the Kubernetes libraries; a test keeps
// it in step with theirs.
func subdomainProblems(s string) []string {
	var probs []string
	if len(s) > maxSubdomain {
		probs = append(probs, fmt.Sprintf("must be no more than %d characters", maxSubdomain))
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
