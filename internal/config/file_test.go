package config

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParseFile(t *testing.T) {
	t.Parallel()
	src := `version: 1
parallelism: 3
timeout: 20m
lock-timeout: 90s
grace-period: 10s
terraform: tofu
exclude: ["sandbox/**"]
roots:
  - infra/network
  - dir: infra/app
    timeout: 45m
    new: true
    targets:
      - {name: us-east-1, workspace: use1, var-files: [regions/us-east-1.tfvars]}
      - {var-files: [regions/eu-west-1.tfvars]}
    ignore:
      - {type: aws_instance, paths: user_data}
ignore:
  - type: "aws_*"
    paths: [tags_all, "*.last_modified"]
mask:
  paths: ["*.password"]
  values: ['AKIA[0-9A-Z]{16}']
`
	got, err := ParseFile(".github/drift.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := File{
		Path: ".github/drift.yaml", Terraform: "tofu", Parallelism: 3,
		Timeout: 20 * time.Minute, LockTimeout: 90 * time.Second, Grace: 10 * time.Second,
		Exclude: []string{"sandbox/**"},
		Roots: []Root{
			{Dir: "infra/network", Line: 9},
			{Dir: "infra/app", Line: 10, Timeout: 45 * time.Minute, New: true,
				Targets: []Target{
					{Name: "us-east-1", Workspace: "use1", VarFiles: []string{"regions/us-east-1.tfvars"}, VarFileLines: []int{14}},
					{Name: "eu-west-1", VarFiles: []string{"regions/eu-west-1.tfvars"}, VarFileLines: []int{15}},
				},
				Ignore: []IgnoreRule{{Type: "aws_instance", Paths: []string{"user_data"}}}},
		},
		Ignore:     []IgnoreRule{{Type: "aws_*", Paths: []string{"tags_all", "*.last_modified"}}},
		MaskPaths:  []string{"*.password"},
		MaskValues: []*regexp.Regexp{regexp.MustCompile(`AKIA[0-9A-Z]{16}`)},
	}
	opt := cmp.Comparer(func(a, b *regexp.Regexp) bool { return a.String() == b.String() })
	if diff := cmp.Diff(want, got, opt, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("ParseFile (-want +got):\n%s", diff)
	}
}

func TestParseFileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		want      []string // all must appear in the error
	}{
		{"unknown top-level key", "version: 1\nrooots: []\n", []string{"drift.yaml:2:", `unknown key "rooots"`, "known keys:", "roots"}},
		{"unknown key in a target", "roots:\n  - dir: a\n    targets:\n      - {name: x, varfiles: [a]}\n", []string{"drift.yaml:4:", `"varfiles"`, "roots[0].targets[0]", "var-files"}},
		{"bad duration", "timeout: soon\n", []string{"drift.yaml:1:", "timeout", "duration", `"soon"`}},
		{"parallelism zero", "parallelism: 0\n", []string{"drift.yaml:1:", "parallelism must be at least 1"}},
		{"parallelism not a number", "parallelism: many\n", []string{"drift.yaml:1:", "whole number"}},
		{"root new not a boolean", "roots:\n  - dir: a\n    new: yes\n", []string{"drift.yaml:3:", "roots[0].new must be true or false"}},
		{"root without dir", "roots:\n  - timeout: 5m\n", []string{"drift.yaml:2:", "roots[0] needs dir"}},
		{"duplicate target", "roots:\n  - dir: a\n    targets:\n      - {name: x}\n      - {name: x}\n", []string{"drift.yaml:5:", `"x" is used twice`}},
		{"nameless target", "roots:\n  - dir: a\n    targets:\n      - {}\n", []string{"drift.yaml:4:", "needs a name"}},
		{"bad regex", "mask:\n  values: ['(']\n", []string{"drift.yaml:2:", "mask.values[0]", "regular expression"}},
		{"ignore without paths", "ignore:\n  - type: aws_*\n", []string{"drift.yaml:2:", "needs paths"}},
		{"unsupported version", "version: 2\n", []string{"drift.yaml:1:", "unsupported version 2"}},
		{"not a mapping", "- a\n- b\n", []string{"drift.yaml:1:", "top level must be a mapping"}},
		{"syntax error", "roots: [\n", []string{"drift.yaml", "YAML syntax"}},
		{"duplicate key", "timeout: 1m\ntimeout: 2m\n", []string{"drift.yaml:2:", "appears twice"}},
		{"two errors reported together", "bogus: 1\ntimeout: x\n", []string{"drift.yaml:1:", "drift.yaml:2:"}},
		{"snooze without until", "snooze:\n  - {root: infra/app, address: aws_instance.web, reason: resize}\n", []string{"drift.yaml:2:", "snooze[0] needs until", "YYYY-MM-DD"}},
		{"snooze without reason", "snooze:\n  - root: infra/app\n    address: aws_instance.web\n    until: 2026-07-01\n", []string{"drift.yaml:2:", "snooze[0] needs reason"}},
		{"snooze without date or reason", "snooze:\n  - {root: a, address: b}\n", []string{"drift.yaml:2:", "needs until", "reason"}},
		{"snooze without root or address", "snooze:\n  - {until: 2026-07-01, reason: r}\n", []string{"drift.yaml:2:", "needs root", "address"}},
		{"snooze bad date", "snooze:\n  - root: a\n    address: b\n    until: next week\n    reason: r\n", []string{"drift.yaml:4:", "snooze[0].until", "YYYY-MM-DD", `"next week"`}},
		{"snooze impossible date", "snooze:\n  - {root: a, address: b, until: 2026-02-30, reason: r}\n", []string{"drift.yaml:2:", "snooze[0].until", `"2026-02-30"`}},
		{"snooze unknown key", "snooze:\n  - {root: a, address: b, until: 2026-07-01, reason: r, expires: 2026-08-01}\n", []string{"drift.yaml:2:", `unknown key "expires"`, "snooze[0]", "until"}},
		{"snooze empty paths", "snooze:\n  - {root: a, address: b, paths: [], until: 2026-07-01, reason: r}\n", []string{"drift.yaml:2:", "paths is empty"}},
		{"snooze empty target", "snooze:\n  - {root: a, target: \"\", address: b, until: 2026-07-01, reason: r}\n", []string{"drift.yaml:2:", "snooze[0].target is empty", "leave target out"}},
		{"snooze not a list", "snooze: {root: a}\n", []string{"drift.yaml:1:", "snooze must be a list"}},
		{"every snooze error reported together", "snooze:\n  - {root: a, address: b, reason: r}\n  - {root: a, address: b, until: 2026-07-01}\n", []string{"drift.yaml:2:", "snooze[0] needs until", "drift.yaml:3:", "snooze[1] needs reason"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseFile("drift.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("want an error, got none")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestParseFileSnooze(t *testing.T) {
	t.Parallel()
	src := `snooze:
  - root: infra/app
    address: aws_instance.web
    until: 2026-07-01
    reason: resize under load test, INC-42
  - root: "infra/*"
    address: "module.db.*"
    paths: [tags, "parameter[*].value"]
    until: "2026-07-01T09:30:00+02:00"
    reason: finops owns these tags
  - {root: infra/regional, target: "us-*", address: aws_instance.web, until: 2026-07-01, reason: us resize}
`
	got, err := ParseFile("drift.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []Snooze{
		{Root: "infra/app", Address: "aws_instance.web", Until: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), Reason: "resize under load test, INC-42", Line: 2},
		{Root: "infra/*", Address: "module.db.*", Paths: []string{"tags", "parameter[*].value"}, Until: time.Date(2026, 7, 1, 7, 30, 0, 0, time.UTC), Reason: "finops owns these tags", Line: 6},
		{Root: "infra/regional", Target: "us-*", Address: "aws_instance.web", Until: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), Reason: "us resize", Line: 11},
	}
	if diff := cmp.Diff(want, got.Snoozes, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("ParseFile snooze (-want +got):\n%s", diff)
	}
}

func TestParseDetectPrecedence(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := Env{Getenv: func(k string) string {
		return map[string]string{"HOME": "/home/u"}[k]
	}, Cwd: dir}
	cfg := dir + "/c.yaml"
	writeFile(t, cfg, "parallelism: 7\ntimeout: 5m\nterraform: tofu\n")
	tests := []struct {
		name string
		args []string
		want Detect
	}{
		{"file over defaults", []string{"--config", "c.yaml"}, Detect{Parallelism: 7, Timeout: 5 * time.Minute, Terraform: "tofu", LockTimeout: DefaultLockTimeout}},
		{"flags over file", []string{"--config", "c.yaml", "--parallelism", "2", "--terraform", "terraform", "x"}, Detect{Parallelism: 2, Timeout: 5 * time.Minute, Terraform: "terraform", LockTimeout: DefaultLockTimeout, Dirs: []string{"x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseDetect(tt.args, env, &strings.Builder{})
			if err != nil {
				t.Fatal(err)
			}
			g := Detect{Parallelism: got.Parallelism, Timeout: got.Timeout, Terraform: got.Terraform, LockTimeout: got.LockTimeout, Dirs: got.Dirs}
			if diff := cmp.Diff(tt.want, g, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ParseDetect (-want +got):\n%s", diff)
			}
			if got.PluginCacheDir != "/home/u/.cache/drift-action/plugin-cache" {
				t.Errorf("plugin cache = %q", got.PluginCacheDir)
			}
		})
	}
}

func TestParseDetectErrors(t *testing.T) {
	t.Parallel()
	env := Env{Getenv: func(string) string { return "" }, Cwd: t.TempDir()}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad format", []string{"--format", "yaml"}, `--format "yaml" is not supported: use one of text, json, markdown`},
		{"zero parallelism", []string{"--parallelism", "0"}, "--parallelism must be at least 1"},
		{"missing explicit config", []string{"--config", "nope.yaml"}, "read config"},
		{"negative timeout", []string{"--timeout", "-1s"}, "--timeout must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseDetect(tt.args, env, &strings.Builder{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
