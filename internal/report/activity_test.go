package report

import (
	"bytes"
	"strings"
	"testing"
)

// What a run did opens with "This run:" in text and markdown alike; a
// dry run's activity says, in both, that it was not done.
func TestActivityLead(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		dryRun  bool
		want    string
		wantNot string
	}{
		{name: "a real run", want: "This run:", wantNot: "Dry run"},
		{name: "a dry run", dryRun: true, want: "Dry run, not done (a real run would say):", wantNot: "This run:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := New(nil)
			d.Activity, d.DryRun = []string{"recorded drift/drift-report.yaml"}, tc.dryRun
			var text, md bytes.Buffer
			if err := Text(&text, d, false); err != nil {
				t.Fatal(err)
			}
			if err := Markdown(&md, d); err != nil {
				t.Fatal(err)
			}
			for name, out := range map[string]string{"text": text.String(), "markdown": md.String()} {
				if !strings.Contains(out, tc.want) || strings.Contains(out, tc.wantNot) || !strings.Contains(out, "recorded drift/drift-report.yaml") {
					t.Errorf("%s does not open the activity with %q (and not %q):\n%s", name, tc.want, tc.wantNot, out)
				}
			}
		})
	}
}
