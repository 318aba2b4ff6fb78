package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestAllowNetwork(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := Env{Getenv: func(string) string { return "" }, Cwd: dir}
	writeFile(t, dir+"/on.yaml", "policy:\n  allow-network: true\n")
	writeFile(t, dir+"/off.yaml", "policy:\n  dirs: [p]\n")
	tests := []struct {
		name string
		args []string
		want bool
	}{
		{"off by default", []string{"--config", "off.yaml"}, false},
		{"drift.yaml opts in", []string{"--config", "on.yaml"}, true},
		{"flag opts in", []string{"--config", "off.yaml", "--allow-network-builtins"}, true},
		{"flag wins over drift.yaml", []string{"--config", "on.yaml", "--allow-network-builtins=false"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseDetect(tt.args, env, &strings.Builder{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got.Policy.AllowNetwork); diff != "" {
				t.Errorf("AllowNetwork (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAllowNetworkErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		want      []string
	}{
		{"not a boolean", "policy:\n  allow-network: yes\n", []string{"drift.yaml:2:", "policy.allow-network must be true or false", `"yes"`}},
		{"misspelt", "policy:\n  allow-networks: true\n", []string{"drift.yaml:2:", `unknown key "allow-networks"`, "allow-network"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseFile("drift.yaml", []byte(tt.src))
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
}

func TestParsePolicyTest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want PolicyTest
	}{
		{"bundled", nil, PolicyTest{}},
		{"dirs", []string{"a", "b"}, PolicyTest{Dirs: []string{"a", "b"}}},
		{"network allowed", []string{"--allow-network-builtins", "a"}, PolicyTest{Dirs: []string{"a"}, AllowNetwork: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParsePolicyTest(tt.args, &strings.Builder{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ParsePolicyTest (-want +got):\n%s", diff)
			}
		})
	}
}
