package record

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/validation"
)

// subdomainCases cover each rule of a DNS-1123 subdomain from both sides.
var subdomainCases = []struct {
	name string
	in   string
	want bool
}{
	{"empty", "", false},
	{"one letter", "a", true},
	{"one digit", "0", true},
	{"label", "infra-drift", true},
	{"subdomain", "drift.myorg.dev", true},
	{"leading digits", "123-abc.9", true},
	{"upper case", "Infra", false},
	{"underscore", "infra_drift", false},
	{"space", "not a group", false},
	{"leading hyphen", "-a", false},
	{"trailing hyphen", "a-", false},
	{"hyphen before a dot", "a-.b", false},
	{"hyphen after a dot", "a.-b", false},
	{"leading dot", ".a", false},
	{"trailing dot", "a.", false},
	{"empty label", "a..b", false},
	{"lone dot", ".", false},
	{"double hyphen", "a--b", true},
	{"non-ascii", "drïft.dev", false},
	{"slash", "a/b", false},
	{"a label of 64 is fine in a subdomain", strings.Repeat("a", 64) + ".dev", true},
	{"253 characters", strings.Repeat("a", 253), true},
	{"254 characters", strings.Repeat("a", 254), false},
	{"254 characters with dots", strings.Repeat("a.", 126) + "ab", false},
	{"too long and malformed", strings.Repeat("A", 300), false},
}

// TestSubdomainMatchesKubernetes checks the local validator against
// k8s.io/apimachinery's, which the main binary no longer links.
func TestSubdomainMatchesKubernetes(t *testing.T) {
	t.Parallel()
	for _, tt := range subdomainCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := len(subdomainProblems(tt.in)) == 0
			k8s := len(validation.IsDNS1123Subdomain(tt.in)) == 0
			if diff := cmp.Diff([]bool{tt.want, tt.want}, []bool{k8s, got}); diff != "" {
				t.Errorf("valid(%q) [kubernetes, local] (-want +got):\n%s", tt.in, diff)
			}
			// One problem per rule broken, as Kubernetes reports them.
			if diff := cmp.Diff(len(validation.IsDNS1123Subdomain(tt.in)), len(subdomainProblems(tt.in))); diff != "" {
				t.Errorf("number of problems with %q (-kubernetes +local):\n%s", tt.in, diff)
			}
		})
	}
}

func FuzzSubdomainMatchesKubernetes(f *testing.F) {
	for _, tt := range subdomainCases {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, want := len(subdomainProblems(s)), len(validation.IsDNS1123Subdomain(s))
		if got != want {
			t.Errorf("%q: %d problems, Kubernetes finds %d", s, got, want)
		}
	})
}
