package app

import (
	"bytes"
	"context"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/execfile"
)

// cliEnv is an environment where no command can reach real terraform or
// Gatekeeper: demo's set-up would fail at once, gatekeeper runs a fake that
// echoes its arguments.
func cliEnv(t *testing.T) config.Env {
	t.Helper()
	dir := t.TempDir()
	gk := filepath.Join(dir, "fake-gatekeeper")
	if err := execfile.Write(gk, []byte("#!/bin/sh\necho \"$@\"\n")); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{
		"HOME":                    dir,
		"XDG_CACHE_HOME":          filepath.Join(dir, "cache"),
		"DRIFT_ACTION_TERRAFORM":  filepath.Join(dir, "no-terraform-here"),
		"DRIFT_ACTION_GATEKEEPER": gk,
		"GITHUB_ACTIONS":          "",
		"TF_PLUGIN_CACHE_DIR":     filepath.Join(dir, "plugins"),
	}
	return config.Env{Getenv: func(k string) string { return vars[k] }, Cwd: dir}
}

func runMain(t *testing.T, env config.Env, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(context.Background(), args, env, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestHelp: -h, --help and help print the help of every command and
// subcommand on stdout and exit 0, with nothing on stderr.
func TestHelp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want []string // in stdout
	}{
		{"top -h", []string{"-h"}, []string{"usage:", "drift-action detect [flags]", "drift-action help"}},
		{"top --help", []string{"--help"}, []string{"usage:", "drift-action detect [flags]"}},
		{"top help", []string{"help"}, []string{"usage:", "drift-action detect [flags]"}},
		{"detect -h", []string{"detect", "-h"}, []string{"usage: drift-action detect", "--timeout duration", "(default 30m)", "--grace-period", "(default 30s)", "--lock-timeout", "(default 1m)", "(default: number of CPUs)", "4 code changes pending and no drift"}},
		{"detect --help", []string{"detect", "--help"}, []string{"usage: drift-action detect"}},
		{"detect --help after a directory", []string{"detect", "infra/app", "--help"}, []string{"usage: drift-action detect"}},
		{"help detect", []string{"help", "detect"}, []string{"usage: drift-action detect"}},
		{"demo -h", []string{"demo", "-h"}, []string{"usage: drift-action demo", "--format FORMAT"}},
		{"demo --help", []string{"demo", "--help"}, []string{"usage: drift-action demo"}},
		{"help demo", []string{"help", "demo"}, []string{"usage: drift-action demo"}},
		{"policy -h", []string{"policy", "-h"}, []string{"drift-action policy test", "drift-action policy check"}},
		{"policy --help", []string{"policy", "--help"}, []string{"drift-action policy test"}},
		{"policy help", []string{"policy", "help"}, []string{"drift-action policy test"}},
		{"policy test -h", []string{"policy", "test", "-h"}, []string{"usage: drift-action policy test", "--allow-network-builtins"}},
		{"policy test --help", []string{"policy", "test", "--help"}, []string{"usage: drift-action policy test"}},
		{"policy check -h", []string{"policy", "check", "-h"}, []string{"usage: drift-action policy check", "--plan FILE", "--policy-timeout duration", "3 a mandatory policy failed"}},
		{"policy check --help", []string{"policy", "check", "--help"}, []string{"usage: drift-action policy check"}},
		{"help policy check", []string{"help", "policy", "check"}, []string{"usage: drift-action policy check"}},
		{"gatekeeper -h", []string{"gatekeeper", "-h"}, []string{"drift-action gatekeeper verify"}},
		{"gatekeeper --help", []string{"gatekeeper", "--help"}, []string{"drift-action gatekeeper verify"}},
		{"gatekeeper help", []string{"gatekeeper", "help"}, []string{"drift-action gatekeeper verify"}},
		{"gatekeeper verify -h", []string{"gatekeeper", "verify", "-h"}, []string{"usage: drift-action gatekeeper verify", "-v\n", "--verbose"}},
		{"gatekeeper verify --help", []string{"gatekeeper", "verify", "--help"}, []string{"usage: drift-action gatekeeper verify"}},
		{"dashboard -h", []string{"dashboard", "-h"}, []string{"usage: drift-action dashboard", "--log FILE", "--out DIR", "--now TIME", "(default drift/drift-log.yaml)"}},
		{"help dashboard", []string{"help", "dashboard"}, []string{"usage: drift-action dashboard"}},
		{"version -h", []string{"version", "-h"}, []string{"usage: drift-action version"}},
		{"crd -h", []string{"crd", "-h"}, []string{"usage: drift-action crd [--group GROUP]", "--group GROUP"}},
		{"help crd", []string{"help", "crd"}, []string{"usage: drift-action crd"}},
		{"version --help", []string{"version", "--help"}, []string{"usage: drift-action version"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runMain(t, cliEnv(t), tt.args...)
			if diff := cmp.Diff(0, code); diff != "" {
				t.Errorf("exit code (-want +got):\n%s\nstderr:\n%s", diff, stderr)
			}
			if diff := cmp.Diff("", stderr); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout does not contain %q:\n%s", w, stdout)
				}
			}
		})
	}
}

// TestUsageErrors: an unknown flag, a missing argument or an unknown command
// prints the usage and an error naming what is wrong on stderr, nothing on
// stdout, and exits 1.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		args      []string
		wantUsage string // the usage printed on stderr
		wantErr   string // the error line on stderr
	}{
		{"no command", nil, "drift-action detect [flags]", "drift-action: name a command: detect, record, remediate, demo, policy, gatekeeper, serve, dashboard, log, crd or version"},
		{"unknown command", []string{"bogus"}, "drift-action detect [flags]", `drift-action: unknown command "bogus"`},
		{"help for an unknown command", []string{"help", "bogus"}, "drift-action detect [flags]", `drift-action: unknown command "bogus"`},
		{"detect unknown flag", []string{"detect", "--bogus"}, "usage: drift-action detect", "drift-action: detect: flag provided but not defined: --bogus"},
		{"detect unknown flag after a directory", []string{"detect", "infra", "--bogus"}, "usage: drift-action detect", "drift-action: detect: flag provided but not defined: --bogus"},
		{"detect flag without a value", []string{"detect", "infra", "--format"}, "usage: drift-action detect", "drift-action: detect: flag needs an argument: --format"},
		{"demo unknown flag", []string{"demo", "--bogus"}, "usage: drift-action demo", "drift-action: demo: flag provided but not defined: --bogus"},
		{"demo with a directory", []string{"demo", "infra"}, "usage: drift-action demo", `drift-action: demo: unexpected argument "infra"`},
		{"policy without a command", []string{"policy"}, "drift-action policy test", "drift-action: policy: name a command: test or check"},
		{"policy unknown command", []string{"policy", "bogus"}, "drift-action policy test", `drift-action: unknown policy command "bogus": use test or check`},
		{"policy test unknown flag", []string{"policy", "test", "dir", "--bogus"}, "usage: drift-action policy test", "drift-action: policy test: flag provided but not defined: --bogus"},
		{"policy check without --plan", []string{"policy", "check"}, "usage: drift-action policy check", "drift-action: policy check: --plan FILE is required"},
		{"policy check with a positional plan", []string{"policy", "check", "plan.json"}, "usage: drift-action policy check", `drift-action: policy check: unexpected argument "plan.json"; pass the plan with --plan FILE`},
		{"policy check unknown flag", []string{"policy", "check", "--bogus"}, "usage: drift-action policy check", "drift-action: policy check: flag provided but not defined: --bogus"},
		{"gatekeeper without a command", []string{"gatekeeper"}, "drift-action gatekeeper verify", "drift-action: gatekeeper: name a command: verify"},
		{"gatekeeper unknown command", []string{"gatekeeper", "bogus"}, "drift-action gatekeeper verify", `drift-action: unknown gatekeeper command "bogus": use verify`},
		{"gatekeeper verify without a path", []string{"gatekeeper", "verify"}, "usage: drift-action gatekeeper verify", "drift-action: gatekeeper verify: name at least one suite file or directory"},
		{"gatekeeper verify unknown flag", []string{"gatekeeper", "verify", "suites", "--bogus"}, "usage: drift-action gatekeeper verify", "drift-action: gatekeeper verify: flag provided but not defined: --bogus"},
		{"crd with an argument", []string{"crd", "drift.mycompany.io"}, "usage: drift-action crd", `drift-action: crd: unexpected argument "drift.mycompany.io": crd takes only --group`},
		{"crd unknown flag", []string{"crd", "--bogus"}, "usage: drift-action crd", "drift-action: crd: flag provided but not defined: --bogus"},
		{"version with an argument", []string{"version", "extra"}, "usage: drift-action version", `drift-action: version: unexpected argument "extra"`},
		{"version unknown flag", []string{"version", "--bogus"}, "usage: drift-action version", "drift-action: version: flag provided but not defined: --bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runMain(t, cliEnv(t), tt.args...)
			if diff := cmp.Diff(ExitError, code); diff != "" {
				t.Errorf("exit code (-want +got):\n%s\nstderr:\n%s", diff, stderr)
			}
			if diff := cmp.Diff("", stdout); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
			if !strings.Contains(stderr, tt.wantUsage) {
				t.Errorf("stderr does not show the usage %q:\n%s", tt.wantUsage, stderr)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr does not contain the error %q:\n%s", tt.wantErr, stderr)
			}
		})
	}
}

// TestGatekeeperVerifyArgs: flags may follow the paths and -- ends them;
// paths reach the companion binary made absolute.
func TestGatekeeperVerifyArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string // the companion's arguments, with CWD for the working directory
	}{
		{"flag first", []string{"-v", "suites"}, "verify -v CWD/suites"},
		{"flag after the path", []string{"suites", "-v"}, "verify -v CWD/suites"},
		{"long flag between paths", []string{"a", "--verbose", "b"}, "verify -v CWD/a CWD/b"},
		{"no flag", []string{"a"}, "verify CWD/a"},
		{"-- ends the flags", []string{"--", "-v"}, "verify CWD/-v"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := cliEnv(t)
			code, stdout, stderr := runMain(t, env, append([]string{"gatekeeper", "verify"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			want := strings.ReplaceAll(tt.want, "CWD", env.Cwd) + "\n"
			if diff := cmp.Diff(want, stdout); diff != "" {
				t.Errorf("companion arguments (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVersionLine(t *testing.T) {
	t.Parallel()
	rev := "0123456789abcdef0123456789abcdef01234567"
	info := func(version string, settings ...debug.BuildSetting) *debug.BuildInfo {
		bi := &debug.BuildInfo{Settings: settings}
		bi.Main.Version = version
		return bi
	}
	tests := []struct {
		name    string
		ldflags string
		bi      *debug.BuildInfo
		want    string
	}{
		{"module version", "", info("v1.2.3"), "drift-action v1.2.3"},
		{"module version and commit", "", info("v1.2.3", debug.BuildSetting{Key: "vcs.revision", Value: rev}, debug.BuildSetting{Key: "vcs.modified", Value: "false"}), "drift-action v1.2.3 (commit " + rev + ")"},
		{"modified tree", "", info("v1.2.4-0.20260101000000-0123456789ab+dirty", debug.BuildSetting{Key: "vcs.revision", Value: rev}, debug.BuildSetting{Key: "vcs.modified", Value: "true"}), "drift-action v1.2.4-0.20260101000000-0123456789ab+dirty (commit " + rev + ", modified)"},
		{"ldflags win", "v9.0.0", info("v1.2.3", debug.BuildSetting{Key: "vcs.revision", Value: rev}), "drift-action v9.0.0 (commit " + rev + ")"},
		{"ldflags dev counts as unset", "dev", info("v1.2.3"), "drift-action v1.2.3"},
		{"local build without a version", "", info("(devel)"), "drift-action dev"},
		{"local build, commit known", "", info("(devel)", debug.BuildSetting{Key: "vcs.revision", Value: rev}, debug.BuildSetting{Key: "vcs.modified", Value: "true"}), "drift-action dev (commit " + rev + ", modified)"},
		{"no build info", "", nil, "drift-action dev"},
		{"no build info, ldflags", "v9.0.0", nil, "drift-action v9.0.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, versionLine(tt.ldflags, tt.bi)); diff != "" {
				t.Errorf("versionLine (-want +got):\n%s", diff)
			}
		})
	}
}

// TestVersionCommand: version and --version print the build's version line
// on stdout and exit 0.
func TestVersionCommand(t *testing.T) {
	t.Parallel()
	bi, _ := debug.ReadBuildInfo()
	want := versionLine(Version, bi) + "\n"
	for _, args := range [][]string{{"version"}, {"--version"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runMain(t, cliEnv(t), args...)
			if diff := cmp.Diff(0, code); diff != "" {
				t.Errorf("exit code (-want +got):\n%s\n%s", diff, stderr)
			}
			if diff := cmp.Diff(want, stdout); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff("", stderr); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
		})
	}
}

// TestActionDirsAreNeverFlags: detect's flags may follow directories, so the
// action's working-directories must not be read as flags (a -h among them
// would otherwise end the step with exit 0 and nothing planned).
func TestActionDirsAreNeverFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		dirs []string
	}{
		{"help flag among the directories", []string{"infra", "-h"}},
		{"detect flag among the directories", []string{"infra", "--format", "json"}},
		{"dashes among the directories", []string{"--", "infra"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := cliEnv(t)
			a := config.Action{Terraform: "terraform", Workspace: env.Cwd, ConfigFile: config.DefaultFile, Dirs: tt.dirs}
			c, err := config.ActionDetect(a, config.Event{}, env)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.dirs, c.Dirs); diff != "" {
				t.Errorf("detect directories (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff("text", c.Format); diff != "" {
				t.Errorf("format (-want +got):\n%s", diff)
			}
		})
	}
}
