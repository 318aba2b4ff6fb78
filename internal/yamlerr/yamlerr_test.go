package yamlerr

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

type entry struct {
	Repo  string   `yaml:"repo"`
	Roots []string `yaml:"roots"`
	Count int      `yaml:"count"`
}

type file struct {
	Repo    string           `yaml:"repo"`
	Entries map[string]entry `yaml:"entries"`
	List    []entry          `yaml:"list"`
}

// decode runs yaml.v3 strictly, as every caller does, and returns its
// error text made plain.
func decode(t *testing.T, src string) string {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader([]byte(src)))
	dec.KnownFields(true)
	var f file
	shapes := Shapes{"yamlerr.file": "the test file (repo, entries, list)", "yamlerr.entry": "an entry (repo, roots, count)"}
	err := Error(dec.Decode(&f), shapes, "(remove it)", 1)
	if err == nil {
		t.Fatalf("%q decoded without an error", src)
	}
	return err.Error()
}

func TestPlain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, want string
	}{
		{name: "unknown top-level field", src: "repo: a/b\nrepoz: x\n", want: "line 2: the test file (repo, entries, list) has no field repoz (remove it)"},
		{name: "unknown field in an entry", src: "entries:\n  x:\n    rots: [a]\n", want: "line 3: an entry (repo, roots, count) has no field rots (remove it)"},
		{name: "a string for a mapping", src: "entries: hello\n", want: "line 1: want a mapping, got a string `hello`"},
		{name: "a string for a list of strings", src: "entries:\n  x:\n    roots: infra\n", want: "line 3: want a list of strings, got a string `infra`"},
		{name: "a mapping for a string", src: "repo: {a: b}\n", want: "line 1: want a string, got a mapping"},
		{name: "a word for a number", src: "entries:\n  x:\n    count: many\n", want: "line 3: want a whole number, got a string `many`"},
		{name: "a mapping for a list", src: "list: {a: b}\n", want: "line 1: want a list, got a mapping"},
		{name: "two errors, each said", src: "repoz: x\nentries: 3\n", want: "line 1: the test file (repo, entries, list) has no field repoz (remove it); line 2: want a mapping, got a number `3`"},
		{name: "a list where any mapping goes", src: "entries:\n  x:\n    repo: [a]\n", want: "line 3: want a string, got a list"},
		{name: "not a type error: as yaml says it", src: "repo: [\n", want: "line 1: did not find expected node content"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := decode(t, tc.src)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("plain error (-want +got):\n%s", diff)
			}
			if strings.Contains(got, "yamlerr.") || strings.Contains(got, "map[") || strings.Contains(got, "[]") {
				t.Errorf("a Go type name is left in %q", got)
			}
		})
	}
}

// Where the caller decodes into an untyped mapping (a policy data file),
// the decoder names Go's empty interface; that too is said plainly.
func TestPlainUntyped(t *testing.T) {
	t.Parallel()
	var doc map[string]any
	err := Error(yaml.Unmarshal([]byte("- a\n- b\n"), &doc), nil, "", 1)
	if diff := cmp.Diff("line 1: want a mapping, got a list", err.Error()); diff != "" {
		t.Errorf("plain error (-want +got):\n%s", diff)
	}
	var list []any
	err = Error(yaml.Unmarshal([]byte("a: b\n"), &list), nil, "", 1)
	if diff := cmp.Diff("line 1: want a list, got a mapping", err.Error()); diff != "" {
		t.Errorf("plain error (-want +got):\n%s", diff)
	}
}
