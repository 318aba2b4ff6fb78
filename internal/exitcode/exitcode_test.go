package exitcode

import (
	"fmt"
	"strings"
	"testing"
)

// The texts must name every code, so docs cannot fall behind the constants.
func TestTextsNameEveryCode(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, text, format string
	}{
		{"usage", Usage, "  %d  "},
		{"short", Short, "%d "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, c := range []int{Clean, Error, Drift, Policy, Pending} {
				if !strings.Contains(tt.text, fmt.Sprintf(tt.format, c)) {
					t.Errorf("%s does not name exit code %d:\n%s", tt.name, c, tt.text)
				}
			}
		})
	}
}
