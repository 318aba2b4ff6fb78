package config

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// detect takes --format sarif beside the report's formats; demo does not.
func TestParseDetectSARIFFormat(t *testing.T) {
	t.Parallel()
	env := Env{Getenv: func(string) string { return "" }, Cwd: t.TempDir()}
	c, err := ParseDetect([]string{"--format", "sarif"}, env, &strings.Builder{})
	if err != nil || c.Format != "sarif" {
		t.Fatalf("ParseDetect --format sarif: format %q, %v", c.Format, err)
	}
	_, err = ParseDetect([]string{"--format", "xml"}, env, &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), "use one of text, json, markdown, sarif") {
		t.Errorf("--format xml: %v, want the formats listed with sarif", err)
	}
	if len(Formats) != 3 {
		t.Errorf("Formats = %q: the report's formats changed with DetectFormats", Formats)
	}
}

func TestParseActionSARIFFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		inputs  map[string]string
		want    string
		wantErr []string
	}{
		{name: "unset writes none", want: ""},
		{name: "a file", inputs: map[string]string{"sarif-file": "./results/drift.sarif"}, want: "results/drift.sarif"},
		{name: "leaves the workspace", inputs: map[string]string{"sarif-file": "../drift.sarif"}, wantErr: []string{`input sarif-file: "../drift.sarif"`, ".. segment", "e.g. drift.sarif"}},
		{name: "into .github", inputs: map[string]string{"sarif-file": ".github/workflows/x.yml"}, wantErr: []string{"input sarif-file", ".github is git's or GitHub's own"}},
		{name: "the record's log", inputs: map[string]string{"sarif-file": "drift/drift-log.yaml"}, wantErr: []string{`input sarif-file names "drift/drift-log.yaml", the record's own file`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, err := ParseAction(actionEnv(t.TempDir(), tt.inputs))
			if len(tt.wantErr) > 0 {
				for _, w := range tt.wantErr {
					if err == nil || !strings.Contains(err.Error(), w) {
						t.Errorf("error %v does not say %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, a.SARIFFile); diff != "" {
				t.Errorf("sarif-file (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseLogExport(t *testing.T) {
	t.Parallel()
	cwd := t.TempDir()
	env := Env{Getenv: func(string) string { return "" }, Cwd: cwd}
	tests := []struct {
		name    string
		args    []string
		want    LogExport
		wantErr string
	}{
		{name: "defaults", want: LogExport{Log: filepath.Join(cwd, "drift/drift-log.yaml"), Format: "ndjson"}},
		{name: "all flags", args: []string{"--log", "ops/log.yaml", "--out", "/tmp/x.ndjson", "--index", "logs-drift_action.log-default"},
			want: LogExport{Log: filepath.Join(cwd, "ops/log.yaml"), Format: "ndjson", Out: "/tmp/x.ndjson", Index: "logs-drift_action.log-default"}},
		{name: "another format", args: []string{"--format", "csv"}, wantErr: `--format "csv" is not supported: use one of ndjson`},
		{name: "an argument", args: []string{"drift-log.yaml"}, wantErr: `unexpected argument "drift-log.yaml": name the log with --log`},
		{name: "an index with capitals", args: []string{"--index", "Drift"}, wantErr: `--index "Drift": has capitals`},
		{name: "an index with a slash", args: []string{"--index", "logs/drift"}, wantErr: `--index "logs/drift": has one of`},
		{name: "an index starting with _", args: []string{"--index", "_drift"}, wantErr: `starts with "_"`},
		{name: "an empty index given", args: []string{"--index", ""}, wantErr: "log export: --index is empty: name the index or data stream for the _bulk body, or leave --index out for plain NDJSON documents"},
		{name: "an empty index given with =", args: []string{"--index="}, wantErr: "log export: --index is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseLogExport(tt.args, env, &strings.Builder{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseLogExport(%q) (-want +got):\n%s", tt.args, diff)
			}
		})
	}
}

// TestReadmeLogExportFlags keeps README.md's log export flag table and the
// flags log export parses in agreement.
func TestReadmeLogExportFlags(t *testing.T) {
	t.Parallel()
	var c LogExport
	checkReadmeFlags(t, "log export", readmeFlags(t, readmeSection(t, "#### The log in Elasticsearch and Kibana")), logExportCommand(&c))
}
