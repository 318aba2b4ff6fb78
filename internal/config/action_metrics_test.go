package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestParseActionMetrics: the metrics inputs, their defaults and each
// refusal, with no credential of the Pushgateway's URL in an error.
func TestParseActionMetrics(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	if err := os.Symlink(t.TempDir(), filepath.Join(ws, "out")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		inputs  map[string]string
		want    Metrics
		wantErr string
	}{
		{"off by default", nil, Metrics{Job: "drift-action"}, ""},
		{"file and gateway", map[string]string{"metrics-file": "drift/metrics.prom", "pushgateway-url": "https://u:pwsecret@pg.example:9091", "pushgateway-job": "infra-drift"},
			Metrics{File: "drift/metrics.prom", PushURL: "https://u:pwsecret@pg.example:9091", Job: "infra-drift"}, ""},
		{"file outside the repository", map[string]string{"metrics-file": "../node/drift.prom"}, Metrics{}, `input metrics-file: "../node/drift.prom" must be a file path inside the repository`},
		{"file in .git", map[string]string{"metrics-file": ".git/drift.prom"}, Metrics{}, "input metrics-file"},
		{"file through a link", map[string]string{"metrics-file": "out/drift.prom"}, Metrics{}, "input metrics-file"},
		{"gateway not a URL", map[string]string{"pushgateway-url": "pg.example:9091pwsecret"}, Metrics{}, "input pushgateway-url: not an http:// or https:// URL"},
		{"gateway with the job path", map[string]string{"pushgateway-url": "http://pg:9091/metrics/job/x"}, Metrics{}, "without /metrics/job"},
		{"job of two lines", map[string]string{"pushgateway-job": "a\nb"}, Metrics{}, "input pushgateway-job"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"GITHUB_WORKSPACE": ws}
			for k, v := range tt.inputs {
				env["INPUT_"+strings.ToUpper(k)] = v
			}
			a, err := ParseAction(Env{Getenv: func(k string) string { return env[k] }})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one saying %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "pwsecret") {
					t.Errorf("the error shows a credential: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, a.Metrics); diff != "" {
				t.Errorf("Metrics (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseDetectMetricsFile: an absolute --metrics-file reaches the
// configuration as given (the CLI may write anywhere, e.g. node_exporter's
// directory).
func TestParseDetectMetricsFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := Env{Getenv: func(string) string { return "" }, Cwd: dir}
	textfiles := t.TempDir() // node_exporter's directory
	c, err := ParseDetect([]string{"--metrics-file", textfiles + "/drift.prom", "."}, env, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(textfiles+"/drift.prom", c.MetricsFile); diff != "" {
		t.Errorf("MetricsFile (-want +got):\n%s", diff)
	}
}
