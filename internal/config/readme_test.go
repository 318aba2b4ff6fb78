package config

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readmeDetectSection is README.md's `drift-action detect` section.
func readmeDetectSection(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "## `drift-action detect`")
	if !ok {
		t.Fatal("README.md has no \"## `drift-action detect`\" section")
	}
	section, _, _ := strings.Cut(rest, "\n## ")
	return section
}

type readmeFlag struct {
	Placeholder string // FILE in `--config FILE`, if given
	Default     string // backquotes removed
}

var readmeFlagRow = regexp.MustCompile("^\\| `--([a-z-]+)( [A-Z]+)?` \\|([^|]*)\\|")

// readmeDetectFlags reads the `| flag | default | meaning |` table.
func readmeDetectFlags(t *testing.T) map[string]readmeFlag {
	t.Helper()
	flags := map[string]readmeFlag{}
	for _, line := range strings.Split(readmeDetectSection(t), "\n") {
		m := readmeFlagRow.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		flags[m[1]] = readmeFlag{
			Placeholder: strings.TrimSpace(m[2]),
			Default:     strings.TrimSpace(strings.ReplaceAll(m[3], "`", "")),
		}
	}
	if len(flags) == 0 {
		t.Fatal("no | `--flag` | default | meaning | rows in README.md's detect section")
	}
	return flags
}

// TestReadmeDetectFlags keeps README.md's detect flag table and the flags
// detect parses in agreement: the same flags, the same defaults as -h shows
// them, the same placeholders where the README names one.
func TestReadmeDetectFlags(t *testing.T) {
	t.Parallel()
	readme := readmeDetectFlags(t)
	var c Detect
	cmd, _ := detectCommand(&c)
	help := cmd.Usage()

	got := map[string]readmeFlag{}
	cmd.Flags.VisitAll(func(f *flag.Flag) {
		placeholder, _ := flag.UnquoteUsage(f)
		r := readmeFlag{Default: FlagDefault(f)}
		if readme[f.Name].Placeholder != "" {
			r.Placeholder = placeholder
		}
		got[f.Name] = r
	})
	if diff := cmp.Diff(readme, got); diff != "" {
		t.Errorf("README.md detect flags (-want +got, got from detect's FlagSet):\n%s", diff)
	}
	for name, f := range readme {
		if f.Default == "" || zeroDefault(cmd.Flags.Lookup(name)) {
			continue
		}
		if !strings.Contains(help, f.Default) {
			t.Errorf("detect -h does not show the default of --%s, %q", name, f.Default)
		}
	}
}

// TestReadmeDetectExitCodes keeps the exit codes README.md gives for detect
// and those its help gives the same.
func TestReadmeDetectExitCodes(t *testing.T) {
	t.Parallel()
	section := readmeDetectSection(t)
	_, rest, ok := strings.Cut(section, "Exit codes: ")
	if !ok {
		t.Fatal("README.md's detect section has no \"Exit codes: \" paragraph")
	}
	para, _, _ := strings.Cut(rest, "\n\n")
	words := func(s string) string { return strings.Join(strings.Fields(strings.ReplaceAll(s, "`", "")), " ") }
	if diff := cmp.Diff(words(para), words(DetectExitCodes)); diff != "" {
		t.Errorf("detect exit codes (-README.md +help):\n%s", diff)
	}
	var c Detect
	cmd, _ := detectCommand(&c)
	if !strings.Contains(words(cmd.Usage()), "Exit codes: "+words(DetectExitCodes)) {
		t.Errorf("detect -h does not state the exit codes:\n%s", cmd.Usage())
	}
}
