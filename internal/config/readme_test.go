package config

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readmeSection is README.md's section under heading (## or ###), up to
// the next heading of its level or above.
func readmeSection(t *testing.T, heading string) string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README.md has no %q section", heading)
	}
	// The README has one title; sections are ## and ###.
	level, _, _ := strings.Cut(heading, " ")
	rest, _, _ = strings.Cut(rest, "\n## ")
	section, _, _ := strings.Cut(rest, "\n"+level+" ")
	return section
}

// readmeDetectSection is README.md's `drift-action detect` section.
func readmeDetectSection(t *testing.T) string {
	t.Helper()
	return readmeSection(t, "## `drift-action detect`")
}

type readmeFlag struct {
	Placeholder string // FILE in `--config FILE`, if given
	Default     string // backquotes removed
}

var readmeFlagRow = regexp.MustCompile("^\\| `--([a-z-]+)( [A-Z]+)?` \\|([^|]*)\\|")

// readmeFlags reads the `| flag | default | meaning |` table of a section.
func readmeFlags(t *testing.T, section string) map[string]readmeFlag {
	t.Helper()
	flags := map[string]readmeFlag{}
	for _, line := range strings.Split(section, "\n") {
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
		t.Fatal("no | `--flag` | default | meaning | rows in the README.md section")
	}
	return flags
}

// checkReadmeFlags compares a README flag table with a command's flags:
// the same flags, the same defaults as -h shows them, the same
// placeholders where the README names one.
func checkReadmeFlags(t *testing.T, name string, readme map[string]readmeFlag, cmd Command) {
	t.Helper()
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
		t.Errorf("README.md %s flags (-want +got, got from its FlagSet):\n%s", name, diff)
	}
	for flagName, f := range readme {
		if f.Default == "" || zeroDefault(cmd.Flags.Lookup(flagName)) {
			continue
		}
		if !strings.Contains(help, f.Default) {
			t.Errorf("%s -h does not show the default of --%s, %q", name, flagName, f.Default)
		}
	}
}

// TestReadmeDetectFlags keeps README.md's detect flag table and the flags
// detect parses in agreement.
func TestReadmeDetectFlags(t *testing.T) {
	t.Parallel()
	var c Detect
	cmd, _ := detectCommand(&c)
	checkReadmeFlags(t, "detect", readmeFlags(t, readmeDetectSection(t)), cmd)
}

// TestReadmePolicyCheckFlags keeps README.md's policy check flag table and
// the flags policy check parses in agreement.
func TestReadmePolicyCheckFlags(t *testing.T) {
	t.Parallel()
	var c PolicyCheck
	cmd, _ := policyCheckCommand(&c)
	checkReadmeFlags(t, "policy check", readmeFlags(t, readmeSection(t, "### `drift-action policy check`")), cmd)
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
