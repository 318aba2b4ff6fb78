package config

import (
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestParseDetectInterspersed: flags may follow the directories, as in
// `detect infra/app --format json`, and "--" ends the flags.
func TestParseDetectInterspersed(t *testing.T) {
	t.Parallel()
	env := Env{Getenv: func(string) string { return "" }, Cwd: t.TempDir()}
	type got struct {
		Format    string
		Terraform string
		Timeout   time.Duration
		Dirs      []string
		NoPolicy  bool
	}
	tests := []struct {
		name string
		args []string
		want got
	}{
		{"flags first", []string{"--format", "json", "infra/app"}, got{Format: "json", Dirs: []string{"infra/app"}}},
		{"flags after the directory", []string{"infra/app", "--format", "json"}, got{Format: "json", Dirs: []string{"infra/app"}}},
		{"flags between directories", []string{"a", "--timeout=5m", "b", "--no-policy", "c"}, got{Timeout: 5 * time.Minute, Dirs: []string{"a", "b", "c"}, NoPolicy: true}},
		{"single-dash flags after a directory", []string{"a", "-format", "markdown"}, got{Format: "markdown", Dirs: []string{"a"}}},
		{"-- ends the flags", []string{"a", "--", "--format", "json"}, got{Dirs: []string{"a", "--format", "json"}}},
		{"-- first", []string{"--", "-a"}, got{Dirs: []string{"-a"}}},
		{"-- after flags", []string{"--format", "json", "--", "-a", "b"}, got{Format: "json", Dirs: []string{"-a", "b"}}},
		{"-- as a flag's value does not end the flags", []string{"--terraform", "--", "a", "--format", "json"}, got{Format: "json", Terraform: "--", Dirs: []string{"a"}}},
		{"a lone dash is a directory", []string{"-", "--format", "json"}, got{Format: "json", Dirs: []string{"-"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := ParseDetect(tt.args, env, &strings.Builder{})
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want.Format == "" {
				want.Format = "text"
			}
			if want.Terraform == "" {
				want.Terraform = "terraform"
			}
			if want.Timeout == 0 {
				want.Timeout = DefaultTimeout
			}
			g := got{Format: c.Format, Terraform: c.Terraform, Timeout: c.Timeout, Dirs: c.Dirs, NoPolicy: c.Policy.Disabled}
			if diff := cmp.Diff(want, g, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ParseDetect(%q) (-want +got):\n%s", tt.args, diff)
			}
		})
	}
}

func TestParsePolicyTestInterspersed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want PolicyTest
	}{
		{"flag after a directory", []string{"a", "--allow-network-builtins"}, PolicyTest{Dirs: []string{"a"}, AllowNetwork: true}},
		{"flag between directories", []string{"a", "--allow-network-builtins", "b"}, PolicyTest{Dirs: []string{"a", "b"}, AllowNetwork: true}},
		{"-- ends the flags", []string{"a", "--", "--allow-network-builtins"}, PolicyTest{Dirs: []string{"a", "--allow-network-builtins"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParsePolicyTest(tt.args, &strings.Builder{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ParsePolicyTest(%q) (-want +got):\n%s", tt.args, diff)
			}
		})
	}
}

// TestParseHelpAndUsageErrors: -h returns the usage to print on stdout and
// prints nothing; a usage error prints the usage (to stderr) and names the
// command and the flag.
func TestParseHelpAndUsageErrors(t *testing.T) {
	t.Parallel()
	env := Env{Getenv: func(string) string { return "" }, Cwd: t.TempDir()}
	parsers := map[string]func(args []string, usage *strings.Builder) error{
		"detect": func(args []string, usage *strings.Builder) error {
			_, err := ParseDetect(args, env, usage)
			return err
		},
		"policy check": func(args []string, usage *strings.Builder) error {
			_, err := ParsePolicyCheck(args, env, usage)
			return err
		},
		"policy test": func(args []string, usage *strings.Builder) error {
			_, err := ParsePolicyTest(args, usage)
			return err
		},
	}
	tests := []struct {
		name, cmd string
		args      []string
		wantHelp  bool
		wantErr   string // for usage errors
	}{
		{"detect -h", "detect", []string{"-h"}, true, ""},
		{"detect --help after a directory", "detect", []string{"infra", "--help"}, true, ""},
		{"detect unknown flag", "detect", []string{"infra", "--bogus"}, false, "detect: flag provided but not defined: --bogus"},
		{"detect flag without its value", "detect", []string{"--format"}, false, "detect: flag needs an argument: --format"},
		{"detect bad number", "detect", []string{"--parallelism", "many"}, false, `detect: invalid value "many" for flag --parallelism: not a whole number (the flags are listed above)`},
		{"detect duration without a unit", "detect", []string{"--progress-interval", "5"}, false, `detect: invalid value "5" for flag --progress-interval: not a duration: give a number and its unit, such as 30s, 5m or 1h`},
		{"detect bad duration", "detect", []string{"infra", "--timeout=soon"}, false, `detect: invalid value "soon" for flag --timeout: not a duration`},
		{"detect bad boolean", "detect", []string{"--no-policy=maybe"}, false, `detect: invalid boolean value "maybe" for --no-policy: not true or false`},
		{"policy check -h", "policy check", []string{"-h"}, true, ""},
		{"policy check without --plan", "policy check", nil, false, "policy check: --plan FILE is required"},
		{"policy check unknown flag", "policy check", []string{"--plan", "p.json", "--bogus"}, false, "policy check: flag provided but not defined: --bogus"},
		{"policy test --help", "policy test", []string{"--help"}, true, ""},
		{"policy test unknown flag", "policy test", []string{"dir", "-x"}, false, "policy test: flag provided but not defined: --x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var usage strings.Builder
			err := parsers[tt.cmd](tt.args, &usage)
			var h *HelpError
			if tt.wantHelp {
				if !errors.As(err, &h) || !errors.Is(err, flag.ErrHelp) {
					t.Fatalf("error = %v, want a *HelpError matching flag.ErrHelp", err)
				}
				if !strings.HasPrefix(h.Usage, "usage: drift-action "+tt.cmd) {
					t.Errorf("help does not start with the usage line:\n%s", h.Usage)
				}
				if diff := cmp.Diff("", usage.String()); diff != "" {
					t.Errorf("help also went to the usage (stderr) writer (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
			}
			if errors.As(err, &h) {
				t.Errorf("a usage error is not help: %v", err)
			}
			if !strings.HasPrefix(usage.String(), "usage: drift-action "+tt.cmd) {
				t.Errorf("usage not printed to the usage (stderr) writer; got:\n%s", usage.String())
			}
		})
	}
}

func TestShortDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		d    time.Duration
		want string
	}{
		{"minutes", 30 * time.Minute, "30m"},
		{"one minute", time.Minute, "1m"},
		{"seconds", 30 * time.Second, "30s"},
		{"hours", time.Hour, "1h"},
		{"mixed", 90 * time.Second, "1m30s"},
		{"hours and minutes", 90 * time.Minute, "1h30m"},
		{"zero", 0, "0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, shortDuration(tt.d)); diff != "" {
				t.Errorf("shortDuration(%s) (-want +got):\n%s", tt.d, diff)
			}
		})
	}
}

// TestDetectPathFlags: --terraform-log-dir and --metrics-file are taken
// from the directory they were given in (terraform, run in each root,
// would read a relative TF_LOG_PATH from there and write nothing), and a
// metrics file that cannot be written is refused before anything plans.
func TestDetectPathFlags(t *testing.T) {
	t.Parallel()
	cwd := t.TempDir()
	if err := os.WriteFile(filepath.Join(cwd, "a-file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(cwd, "prom"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := Env{Getenv: func(string) string { return "" }, Cwd: cwd}
	type got struct{ LogDir, MetricsFile string }
	for _, tc := range []struct {
		name    string
		args    []string
		want    got
		wantErr string
	}{
		{name: "relative paths from the working directory", args: []string{"--terraform-log-dir", "logs", "--metrics-file", "prom/drift.prom"},
			want: got{LogDir: filepath.Join(cwd, "logs"), MetricsFile: filepath.Join(cwd, "prom", "drift.prom")}},
		{name: "absolute paths as given", args: []string{"--terraform-log-dir", "/var/log/tf", "--metrics-file", filepath.Join(cwd, "prom", "x.prom")},
			want: got{LogDir: "/var/log/tf", MetricsFile: filepath.Join(cwd, "prom", "x.prom")}},
		{name: "none", want: got{}},
		{name: "metrics directory missing", args: []string{"--metrics-file", "missing/drift.prom"},
			wantErr: "--metrics-file " + filepath.Join(cwd, "missing", "drift.prom") + ": directory " + filepath.Join(cwd, "missing") + ": no such file or directory: create it"},
		{name: "metrics file under a file", args: []string{"--metrics-file", "a-file/drift.prom"},
			wantErr: "directory " + filepath.Join(cwd, "a-file") + ": not a directory: create it"},
		{name: "metrics file is a directory", args: []string{"--metrics-file", "prom"},
			wantErr: "--metrics-file " + filepath.Join(cwd, "prom") + " is a directory: name a file in it, such as " + filepath.Join(cwd, "prom", "drift.prom")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := ParseDetect(tc.args, env, io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got{c.TerraformLogDir, c.MetricsFile}); diff != "" {
				t.Errorf("paths (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPolicyTestHelp: policy test's help says what it prints first, the
// policies' levels, not only that it runs the tests.
func TestPolicyTestHelp(t *testing.T) {
	t.Parallel()
	_, err := ParsePolicyTest([]string{"--help"}, io.Discard)
	var h *HelpError
	if !errors.As(err, &h) {
		t.Fatalf("error %v, want help", err)
	}
	for _, want := range []string{"with its enforcement\nlevel and where the level comes from (LEVEL, POLICY, WHY)", "Rego unit tests"} {
		if !strings.Contains(h.Usage, want) {
			t.Errorf("help does not say %q:\n%s", want, h.Usage)
		}
	}
}
