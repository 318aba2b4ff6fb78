package record

import "github.com/myorg/drift-action/internal/apigroup"

// maxSubdomain is the longest DNS-1123 subdomain Kubernetes accepts as a
// resource name.
const maxSubdomain = apigroup.MaxSubdomain

// subdomainProblems lists what keeps s from being a DNS-1123 subdomain
// (apigroup's rule, held to Kubernetes' own by this package's tests).
func subdomainProblems(s string) []string { return apigroup.SubdomainProblems(s) }
