package config

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParseTargetSettings(t *testing.T) {
	t.Parallel()
	src := `roots:
  - dir: infra/app
    targets:
      - name: eu
        var-files: [eu.tfvars]
        backend-config:
          - backend/eu.hcl
          - path=state/eu.tfstate
          - {value: "token=${BACKEND_TOKEN}", sensitive: true}
        vars:
          region: eu-west-1
          count: 3
          db_password: {value: "${DB_PASSWORD}", sensitive: true}
        env:
          AWS_PROFILE: eu
          TF_VAR_owner: team-a
        timeout: 20m
      - name: us
        backend-config: path=state/us.tfstate
`
	got, err := ParseFile(".github/drift.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	const eu = "roots[0].targets[0]"
	want := []Target{
		{
			Name: "eu", VarFiles: []string{"eu.tfvars"}, VarFileLines: []int{5}, Timeout: 20 * time.Minute,
			BackendConfig: []Setting{
				{Value: "backend/eu.hcl", Where: eu + ".backend-config[0]", Line: 7},
				{Value: "path=state/eu.tfstate", Where: eu + ".backend-config[1]", Line: 8},
				{Value: "token=${BACKEND_TOKEN}", Sensitive: true, Where: eu + ".backend-config[2]", Line: 9},
			},
			Vars: []Setting{
				{Key: "region", Value: "eu-west-1", Where: eu + ".vars.region", Line: 11},
				{Key: "count", Value: "3", Where: eu + ".vars.count", Line: 12},
				{Key: "db_password", Value: "${DB_PASSWORD}", Sensitive: true, Where: eu + ".vars.db_password", Line: 13},
			},
			Env: []Setting{
				{Key: "AWS_PROFILE", Value: "eu", Where: eu + ".env.AWS_PROFILE", Line: 15},
				{Key: "TF_VAR_owner", Value: "team-a", Where: eu + ".env.TF_VAR_owner", Line: 16},
			},
		},
		{Name: "us", BackendConfig: []Setting{{Value: "path=state/us.tfstate", Where: "roots[0].targets[1].backend-config[0]", Line: 19}}},
	}
	if diff := cmp.Diff(want, got.Roots[0].Targets, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
}

func TestParseTargetSettingsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string // the first target's keys, indented under it
		want string
	}{
		{"vars not a mapping", "vars: [a, b]", ".github/drift.yaml:5: roots[0].targets[0].vars must be a mapping of names to values"},
		{"bad var name", "vars: {\"1x\": a}", ".github/drift.yaml:5: roots[0].targets[0].vars.1x: the name must be a terraform variable name"},
		{"duplicate var", "vars: {a: 1, a: 2}", "roots[0].targets[0].vars.a appears twice"},
		{"null value", "vars: {a: null}", ".github/drift.yaml:5: roots[0].targets[0].vars.a must be a value or {value: ..., sensitive: true}"},
		{"list value", "vars: {a: [1]}", ".github/drift.yaml:5: roots[0].targets[0].vars.a must be a value or"},
		{"unknown key in value", "vars: {a: {value: x, secret: true}}", `.github/drift.yaml:5: unknown key "secret" in roots[0].targets[0].vars.a`},
		{"value missing", "vars: {a: {sensitive: true}}", ".github/drift.yaml:5: roots[0].targets[0].vars.a needs value"},
		{"sensitive not bool", "vars: {a: {value: x, sensitive: yes}}", `.github/drift.yaml:5: roots[0].targets[0].vars.a.sensitive must be true or false, got "yes"`},
		{"env reserved", "env: {TF_DATA_DIR: /x}", ".github/drift.yaml:5: roots[0].targets[0].env.TF_DATA_DIR: the name must be not TF_DATA_DIR, which drift-action keeps to the run (each target gets its own data directory)"},
		{"env workspace", "env: {TF_WORKSPACE: x}", "env.TF_WORKSPACE: the name must be not TF_WORKSPACE, which drift-action keeps to the run (use the target's workspace key)"},
		{"env cli args", "env: {TF_CLI_ARGS_plan: -refresh=false}", "env.TF_CLI_ARGS_plan: the name must be not TF_CLI_ARGS_plan"},
		{"env cli config", "env: {TF_CLI_CONFIG_FILE: /tmp/evil.tfrc}", ".github/drift.yaml:5: roots[0].targets[0].env.TF_CLI_CONFIG_FILE: the name must be not TF_CLI_CONFIG_FILE, which drift-action keeps to the run (the CLI configuration"},
		{"env plugin cache", "env: {TF_PLUGIN_CACHE_DIR: /tmp/cache}", ".github/drift.yaml:5: roots[0].targets[0].env.TF_PLUGIN_CACHE_DIR: the name must be not TF_PLUGIN_CACHE_DIR, which drift-action keeps to the run (the plugin cache"},
		{"env registry token", "env: {TF_TOKEN_app_terraform_io: x}", ".github/drift.yaml:5: roots[0].targets[0].env.TF_TOKEN_app_terraform_io: the name must be not TF_TOKEN_app_terraform_io"},
		{"env home", "env: {HOME: /tmp}", ".github/drift.yaml:5: roots[0].targets[0].env.HOME: the name must be not HOME"},
		{"env bad name", "env: {A-B: x}", "env.A-B: the name must be an environment variable name"},
		{"backend-config empty", "backend-config: [\"\"]", ".github/drift.yaml:5: roots[0].targets[0].backend-config[0] is empty"},
		{"backend-config mapping", "backend-config: {path: x}", `.github/drift.yaml:5: unknown key "path" in roots[0].targets[0].backend-config[0] (known keys: sensitive, value)`},
		{"timeout", "timeout: soon", `.github/drift.yaml:5: roots[0].targets[0].timeout must be a duration such as 90s, 10m or 1h, got "soon"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := "roots:\n  - dir: infra/app\n    targets:\n      - name: eu\n        " + tt.body + "\n"
			_, err := ParseFile(".github/drift.yaml", []byte(src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestExpandTargets(t *testing.T) {
	t.Parallel()
	environ := []string{"DB_PASSWORD=canary-s3cr3t", "REGION=eu-west-1", "EMPTY=", "TOKEN=tok-123"}
	tests := []struct {
		name      string
		vars      string
		wantVars  []string // key=value after expansion
		wantMasks []string
		wantErr   string // an error of the file
		wantUnset string // the target's own error: it fails only if planned
	}{
		{name: "plain", vars: "{region: us-east-1}", wantVars: []string{"region=us-east-1"}},
		{name: "reference", vars: `{region: "${REGION}", name: "app-${REGION}-1"}`, wantVars: []string{"region=eu-west-1", "name=app-eu-west-1-1"}},
		{name: "literal dollar", vars: `{a: "$${REGION}", b: "a$b"}`, wantVars: []string{"a=${REGION}", "b=a$b"}},
		{name: "set but empty", vars: `{a: "${EMPTY}"}`, wantVars: []string{"a="}},
		{
			name: "sensitive joins the masks", vars: `{db_password: {value: "${DB_PASSWORD}", sensitive: true}, e: {value: "${EMPTY}", sensitive: true}}`,
			wantVars: []string{"db_password=canary-s3cr3t", "e="}, wantMasks: []string{regexp.QuoteMeta("canary-s3cr3t")},
		},
		{
			name: "unset is the target's error naming the key", vars: "{region: ok,\n          db_password: \"${NOT_SET}\"}",
			wantVars:  []string{"region=ok", "db_password=${NOT_SET}"}, // left as written: the target is never planned
			wantUnset: ".github/drift.yaml:6: roots[0].targets[0].vars.db_password: ${NOT_SET} is not set in the runner's environment",
		},
		{
			name: "unset sensitive is never a mask", vars: `{p: {value: "pre-${NOT_SET}", sensitive: true}}`,
			wantVars: []string{"p=pre-${NOT_SET}"}, wantUnset: "vars.p: ${NOT_SET} is not set",
		},
		{name: "bad reference", vars: `{a: "${1X}"}`, wantErr: ".github/drift.yaml:5: roots[0].targets[0].vars.a: ${1X} is not a valid environment variable name"},
		{name: "bad beside unset is the file's", vars: `{a: "${1X}${NOT_SET}"}`, wantErr: "${1X} is not a valid environment variable name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := "roots:\n  - dir: infra/app\n    targets:\n      - name: eu\n        vars: " + tt.vars + "\n"
			f, err := ParseFile(".github/drift.yaml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			err = f.ExpandTargets(Lookup(environ))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			unset := f.Roots[0].Targets[0].Unset
			if tt.wantUnset == "" && unset != nil {
				t.Errorf("target error %v, want none", unset)
			}
			if tt.wantUnset != "" && (unset == nil || !strings.Contains(unset.Error(), tt.wantUnset)) {
				t.Errorf("target error %v, want it to contain %q", unset, tt.wantUnset)
			}
			var gotVars, gotMasks []string
			for _, v := range f.Roots[0].Targets[0].Vars {
				gotVars = append(gotVars, v.Key+"="+v.Value)
			}
			for _, m := range f.MaskValues {
				gotMasks = append(gotMasks, m.String())
			}
			if diff := cmp.Diff(tt.wantVars, gotVars); diff != "" {
				t.Errorf("vars (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantMasks, gotMasks, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("masks (-want +got):\n%s", diff)
			}
		})
	}
}

// A sensitive backend-config key=value masks its value, and an error about
// an unset reference names the key, never another value.
func TestExpandTargetsSecrets(t *testing.T) {
	t.Parallel()
	src := `roots:
  - dir: infra/app
    targets:
      - name: eu
        backend-config: [{value: "token=${TOKEN}", sensitive: true}]
        env:
          SECRET: {value: "${TOKEN}", sensitive: true}
          OTHER: "${MISSING}"
`
	f, err := ParseFile(".github/drift.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.ExpandTargets(Lookup([]string{"TOKEN=canary-tok-123"})); err != nil {
		t.Fatalf("an unset reference is the target's error, not the file's: %v", err)
	}
	err = f.Roots[0].Targets[0].Unset
	if err == nil {
		t.Fatal("no error for an unset reference")
	}
	if want := ".github/drift.yaml:8: roots[0].targets[0].env.OTHER: ${MISSING} is not set"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q, want it to contain %q", err, want)
	}
	if strings.Contains(err.Error(), "canary") {
		t.Errorf("error shows a sensitive value: %q", err)
	}
	var masks []string
	for _, m := range f.MaskValues {
		masks = append(masks, m.String())
	}
	want := []string{regexp.QuoteMeta("canary-tok-123"), regexp.QuoteMeta("canary-tok-123")}
	if diff := cmp.Diff(want, masks); diff != "" {
		t.Errorf("masks (-want +got):\n%s", diff)
	}
}

// ParseDetect expands targets from the injected environment, not the
// process's own.
func TestParseDetectExpandsFromInjectedEnv(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mkdir(t, dir+"/.git")
	mkdir(t, dir+"/.github")
	writeFile(t, dir+"/.github/drift.yaml", "roots:\n  - dir: .\n    targets:\n      - name: a\n        env: {HOME_COPY: \"${HOME}\", X: \"${ONLY_INJECTED}\"}\n")
	env := Env{Getenv: func(string) string { return "" }, Environ: []string{"ONLY_INJECTED=yes"}, Cwd: dir}
	c, err := ParseDetect(nil, env, nil)
	if err != nil {
		t.Fatal(err)
	}
	// HOME is set for this process but not in the injected environment.
	want := ".github/drift.yaml:5: roots[0].targets[0].env.HOME_COPY: ${HOME} is not set"
	if got := c.File.Roots[0].Targets[0].Unset; got == nil || !strings.Contains(got.Error(), want) {
		t.Fatalf("target error %v, want it to contain %q", got, want)
	}
	env.Environ = append(env.Environ, "HOME=/home/runner")
	c, err = ParseDetect(nil, env, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range c.File.Roots[0].Targets[0].Env {
		got = append(got, e.Key+"="+e.Value)
	}
	if diff := cmp.Diff([]string{"HOME_COPY=/home/runner", "X=yes"}, got); diff != "" {
		t.Errorf("env (-want +got):\n%s", diff)
	}
}

// TestReadmePerTargetExample keeps README.md's per-target example valid.
func TestReadmePerTargetExample(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "### Per-target settings")
	if !ok {
		t.Fatal(`README.md has no "### Per-target settings" section`)
	}
	_, rest, ok = strings.Cut(rest, "```yaml\n")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("README.md's per-target section has no yaml example")
	}
	f, err := ParseFile("README.md", []byte(example))
	if err != nil {
		t.Fatalf("README.md's per-target example: %v", err)
	}
	err = f.ExpandTargets(Lookup([]string{"EU_STATE_KEY=k", "DB_PASSWORD=p"}))
	if err != nil {
		t.Fatalf("README.md's per-target example: %v", err)
	}
	if got := len(f.Roots[0].Targets[0].Vars); got != 2 {
		t.Errorf("example has %d vars, want 2", got)
	}
}
