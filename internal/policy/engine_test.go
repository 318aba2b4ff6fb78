package policy

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/drift"
)

func writePolicies(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const planJSON = `{
  "format_version": "1.2",
  "terraform_version": "1.11.4",
  "variables": {"db_password": {"value": "CANARY-var-secret"}, "region": {"value": "eu-west-1"}},
  "resource_changes": [
    {"address": "aws_security_group.web", "mode": "managed", "type": "aws_security_group", "name": "web",
     "provider_name": "registry.terraform.io/hashicorp/aws",
     "change": {"actions": ["update"], "before": {"ingress": []}, "after": {"ingress": [{"cidr_blocks": ["0.0.0.0/0"], "from_port": 22, "to_port": 22}]},
                "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {}}},
    {"address": "aws_db_instance.main", "mode": "managed", "type": "aws_db_instance", "name": "main",
     "change": {"actions": ["no-op"], "before": {"password": "CANARY-db-secret"}, "after": {"password": "CANARY-db-secret"},
                "after_unknown": {}, "before_sensitive": {"password": true}, "after_sensitive": {"password": true}}}
  ],
  "resource_drift": [
    {"address": "aws_instance.app", "mode": "managed", "type": "aws_instance", "name": "app",
     "change": {"actions": ["update"], "before": {"instance_type": "t3.micro"}, "after": {"instance_type": "m5.large"}}}
  ],
  "output_changes": {"token": {"actions": ["update"], "before": "CANARY-out-1", "after": "CANARY-out-2", "before_sensitive": true, "after_sensitive": true}},
  "configuration": {"root_module": {"variables": {"db_password": {"sensitive": true}, "region": {}}}}
}`

func TestEval(t *testing.T) {
	t.Parallel()
	dir := writePolicies(t, map[string]string{
		"net.rego": `package terraform.security.network

deny contains {"msg": sprintf("%s opens ingress to the internet", [rc.address]), "resource": rc.address, "severity": "critical"} if {
	some rc in input.resource_changes
	some rule in rc.change.after.ingress
	"0.0.0.0/0" in rule.cidr_blocks
}

warn contains "plain string warning" if { input.context.event == "schedule" }
`,
		"cost.rego": `package terraform.cost

deny_upsize contains {"msg": sprintf("%s upsized", [addr]), "resource": addr} if {
	some addr, rc in input.resource_drift
	rc.change.after.instance_type != rc.change.before.instance_type
}

deny_leak contains msg if {
	some rc in input.resource_changes
	msg := sprintf("password is %s", [rc.change.after.password])
}

exception contains "leak" if { input.context.root == "legacy" }
`,
		"drift.rego": `package terraform.drift

deny contains sprintf("%s drifted", [a]) if { some a in input.drift.drifted }

vars_seen contains k if { some k, v in input.variables; v.value != "(sensitive)" }
out_hidden if { input.output_changes.token.after == "(sensitive)"; input.output_changes.token.sensitive }
warn contains "outputs hidden" if { out_hidden }
warn contains sprintf("visible variable %s", [k]) if { some k in vars_seen }
`,
		"drift_test.rego": `package terraform.drift_test

test_nothing if { true }
`,
	})
	set := Set{Default: Advisory, Entries: []SetEntry{
		{Name: "terraform.security.*", Level: HardMandatory},
		{Name: "terraform.cost", Level: SoftMandatory},
	}}
	e, err := Load(context.Background(), Dirs(dir), set, Options{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := ParsePlan([]byte(planJSON))
	if err != nil {
		t.Fatal(err)
	}
	res := drift.Result{Status: drift.StatusDrifted, Drift: []drift.Resource{{Address: "aws_instance.app", Attributes: []drift.Attribute{{Path: "instance_type"}}}}}
	leak := Result{Policy: "terraform.cost", Rule: "deny_leak", Kind: "deny", Level: SoftMandatory, Severity: "high", Msg: "password is (sensitive)", Failed: true}
	upsize := Result{Policy: "terraform.cost", Rule: "deny_upsize", Kind: "deny", Level: SoftMandatory, Severity: "high", Msg: "aws_instance.app upsized", Resource: "aws_instance.app", Failed: true}
	driftDeny := Result{Policy: "terraform.drift", Rule: "deny", Kind: "deny", Level: Advisory, Severity: "high", Msg: "aws_instance.app drifted"}
	hidden := Result{Policy: "terraform.drift", Rule: "warn", Kind: "warn", Level: Advisory, Severity: "medium", Msg: "outputs hidden"}
	visible := Result{Policy: "terraform.drift", Rule: "warn", Kind: "warn", Level: Advisory, Severity: "medium", Msg: "visible variable region"}
	open := Result{Policy: "terraform.security.network", Rule: "deny", Kind: "deny", Level: HardMandatory, Severity: "critical", Msg: "aws_security_group.web opens ingress to the internet", Resource: "aws_security_group.web", Failed: true}
	plain := Result{Policy: "terraform.security.network", Rule: "warn", Kind: "warn", Level: HardMandatory, Severity: "medium", Msg: "plain string warning"}
	with := func(r Result, f func(*Result)) Result { f(&r); return r }
	tests := []struct {
		name      string
		rc        RunContext
		overrides []Override
		want      []Result
	}{
		{
			name: "levels, severities, sensitive values redacted",
			rc:   RunContext{Event: "schedule", Root: "infra/app"},
			want: []Result{leak, upsize, driftDeny, hidden, visible, open, plain},
		},
		{
			name: "exception waives a named deny",
			rc:   RunContext{Event: "pull_request", Root: "legacy"},
			want: []Result{with(leak, func(r *Result) { r.Waived, r.Failed = true, false }), upsize, driftDeny, hidden, visible, open},
		},
		{
			name:      "override soft-mandatory only",
			rc:        RunContext{Event: "pull_request", Root: "infra/app"},
			overrides: []Override{{Name: "terraform.cost", Source: "flag"}, {Name: "terraform.security.*", Source: "label", By: "alice"}},
			want: []Result{
				with(leak, func(r *Result) {
					r.Overridden, r.OverriddenBy, r.Failed = true, []Override{{Name: "terraform.cost", Source: "flag"}}, false
				}),
				with(upsize, func(r *Result) {
					r.Overridden, r.OverriddenBy, r.Failed = true, []Override{{Name: "terraform.cost", Source: "flag"}}, false
				}),
				driftDeny, hidden, visible, open,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rs := evalRedacted(t, e, NewInput(raw, res, tt.rc, Masks{}), Masks{}, tt.overrides...)
			if diff := cmp.Diff(tt.want, rs); diff != "" {
				t.Errorf("results (-want +got):\n%s", diff)
			}
			for _, r := range rs {
				if strings.Contains(r.Msg, "CANARY") {
					t.Errorf("secret reached a message: %q", r.Msg)
				}
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"parse error with file:line:col", map[string]string{"bad.rego": "package p\n\ndeny contains msg if {\n  msg := \n}\n"}, []string{"bad.rego:5:1: rego_parse_error: unexpected } token"}},
		{"compile error", map[string]string{"bad.rego": "package p\n\ndeny contains msg if { msg := undefined_fn(1) }\n"}, []string{"bad.rego:3:", "undefined function undefined_fn"}},
		{"v0 syntax refused", map[string]string{"old.rego": "package p\n\ndeny[msg] { msg := \"x\" }\n"}, []string{"old.rego:3:", "rego_parse_error"}},
		{"no rules", map[string]string{"p.rego": "package p\n\nallow if { true }\n"}, []string{"no deny, warn or exception rules"}},
		{"bad data file", map[string]string{"p.rego": "package p\n\ndeny contains 1 if { false }\n", "data/x.json": "{nope"}, []string{"data/x.json"}},
		{"a data file that is a list", map[string]string{"p.rego": "package p\n\ndeny contains 1 if { false }\n", "data/x.yaml": "- a\n- b\n"},
			[]string{"data/x.yaml: line 1: want a mapping, got a list (a data file holds one mapping: its keys become data.KEY)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(context.Background(), Dirs(writePolicies(t, tt.files)), Set{}, Options{})
			if err == nil {
				t.Fatal("want an error, got none")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	if _, err := Load(context.Background(), Dirs("/no/such/dir"), Set{}, Options{}); err == nil || !strings.Contains(err.Error(), "is not a directory") {
		t.Errorf("missing dir: error = %v", err)
	}
}

func TestEvalUndefinedAndTimeout(t *testing.T) {
	t.Parallel()
	undefined := writePolicies(t, map[string]string{"p.rego": "package p\n\ndeny := \"complete\" if { input.context.root == \"x\" }\n"})
	e, err := Load(context.Background(), Dirs(undefined), Set{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Eval(context.Background(), NewInput(Plan{}, drift.Result{}, RunContext{Root: "y"}, Masks{}), nil)
	if err == nil || !strings.Contains(err.Error(), "undefined") {
		t.Errorf("undefined evaluation must be an error, got %v", err)
	}
	dir := writePolicies(t, map[string]string{
		"slow.rego": `package slow

deny contains n if {
	input.context.root == "slow"
	some a in numbers.range(1, 100000)
	some b in numbers.range(1, 100000)
	n := a * b
	n < 0
}
`,
	})
	e, err = Load(context.Background(), Dirs(dir), Set{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = e.Eval(ctx, NewInput(Plan{}, drift.Result{}, RunContext{Root: "slow"}, Masks{}), nil)
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("a timed-out evaluation must be an error, got %v", err)
	}
}

func TestParseSet(t *testing.T) {
	t.Parallel()
	got, err := ParseSet("policy-set.yaml", []byte("version: 1\ndefault-level: advisory\npolicies:\n  - {name: \"terraform.security.*\", level: hard-mandatory}\n  - {name: terraform.cost, level: soft-mandatory}\n"))
	if err != nil {
		t.Fatal(err)
	}
	for policy, want := range map[string]Level{"terraform.security.network": HardMandatory, "terraform.cost": SoftMandatory, "terraform.drift": Advisory} {
		if l, _ := levelOf(policy, got, nil, nil); l != want {
			t.Errorf("level of %s = %s, want %s", policy, l, want)
		}
	}
	bad := []struct{ src, want string }{
		{"policies:\n  - {name: x, level: mandatory}\n", "policy-set.yaml:2: policies[0].level: unknown enforcement level \"mandatory\""},
		{"levels: []\n", "policy-set.yaml:1: unknown key \"levels\""},
		{"policies:\n  - {name: x}\n", "needs both name and level"},
	}
	for _, b := range bad {
		if _, err := ParseSet("policy-set.yaml", []byte(b.src)); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("ParseSet(%q) error = %v, want %q", b.src, err, b.want)
		}
	}
}

// A deny's level: a set's entry, else the --policy-set default, else the
// default-level of the policy's own directory, else it fails as in
// conftest; one directory's default never reaches another's policies.
func TestLevelsPerDirectory(t *testing.T) {
	t.Parallel()
	deny := func(pkg string) string { return "package " + pkg + "\n\ndeny contains \"no\" if { true }\n" }
	mine := writePolicies(t, map[string]string{"mine.rego": deny("mine")})
	quiet := writePolicies(t, map[string]string{"quiet.rego": deny("quiet"), "named.rego": deny("named")})
	bundled := writePolicies(t, map[string]string{"b.rego": deny("bundled.drift")})
	srcs := []Source{
		{Dir: mine},
		{Dir: quiet, Default: Advisory, DefaultFrom: "quiet/policy-set.yaml"},
		{Dir: bundled, Default: Advisory, DefaultFrom: "(bundled) policy-set.yaml"},
	}
	tests := []struct {
		name string
		set  Set
		want map[string]Level
	}{
		{"no set entry: the directory decides, a directory without a set fails", Set{},
			map[string]Level{"mine": HardMandatory, "quiet": Advisory, "named": Advisory, "bundled.drift": Advisory}},
		{"an entry wins over every default", Set{Entries: []SetEntry{{Name: "named", Level: SoftMandatory}, {Name: "mine", Level: Advisory}}},
			map[string]Level{"mine": Advisory, "quiet": Advisory, "named": SoftMandatory, "bundled.drift": Advisory}},
		{"a --policy-set default covers every directory", Set{Default: SoftMandatory, Path: "levels.yaml"},
			map[string]Level{"mine": SoftMandatory, "quiet": SoftMandatory, "named": SoftMandatory, "bundled.drift": SoftMandatory}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := Load(context.Background(), srcs, tt.set, Options{})
			if err != nil {
				t.Fatal(err)
			}
			rs, err := e.Eval(context.Background(), NewInput(Plan{}, drift.Result{}, RunContext{}, Masks{}), nil)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]Level{}
			for _, r := range rs {
				got[r.Policy] = r.Level
				if want := r.Level != Advisory; r.Failed != want {
					t.Errorf("%s (%s): failed = %v, want %v", r.Policy, r.Level, r.Failed, want)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("levels (-want +got):\n%s", diff)
			}
		})
	}
}

// Every result has one outcome, and the counts of outcomes add up to the
// results.
func TestSummaryOutcomes(t *testing.T) {
	t.Parallel()
	rs := []Result{
		{Kind: "deny", Level: HardMandatory, Failed: true},
		{Kind: "deny", Level: SoftMandatory, Overridden: true},
		{Kind: "deny", Level: HardMandatory, Waived: true},
		{Kind: "deny", Level: Advisory, Waived: true},
		{Kind: "deny", Level: Advisory},
		{Kind: "warn", Level: HardMandatory},
		{Kind: "dryrun", Level: Advisory},
	}
	want := Summary{Denies: 5, Warnings: 2, Failed: 1, Advisory: 3, Waived: 2, Overridden: 1, Mandatory: true}
	got := Summarize(rs)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if got.Failed+got.Advisory+got.Waived+got.Overridden != len(rs) {
		t.Errorf("outcomes %+v do not add up to %d results", got, len(rs))
	}
	if w, want := got.Words(", "), "1 failed, 3 advisory, 2 waived, 1 overridden"; w != want {
		t.Errorf("Words = %q, want %q", w, want)
	}
}
