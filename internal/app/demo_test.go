package app

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/report"
	"github.com/myorg/drift-action/internal/tftest"
)

// TestDemo runs README's first command: the bundled example is applied,
// drifted and detected with real terraform.
func TestDemo(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t) // fails clearly when terraform is missing
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = t.TempDir()
	}
	vars := map[string]string{"XDG_CACHE_HOME": cache, "HOME": t.TempDir(), "PATH": os.Getenv("PATH"), "TF_PLUGIN_CACHE_DIR": env.CacheDir}
	var stdout, stderr bytes.Buffer
	err = Run(context.Background(), []string{"demo", "--format", "json"}, config.Env{
		Getenv:  func(k string) string { return vars[k] },
		Environ: env.Environ,
		Cwd:     t.TempDir(),
	}, &stdout, &stderr)
	if code := Code(err, &stderr); code != 0 {
		t.Fatalf("demo exit %d\n%s", code, stderr.String())
	}
	var doc report.Document
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatalf("demo output is not the JSON report: %v\n%s", err, stdout.String())
	}
	got := map[string]drift.Status{}
	for _, r := range doc.Roots {
		got[r.Dir] = r.Status
	}
	if diff := cmp.Diff(map[string]drift.Status{"app": drift.StatusDrifted, "network": drift.StatusChanged}, got); diff != "" {
		t.Errorf("demo verdicts (-want +got):\n%s", diff)
	}
	if bytes.Contains(stdout.Bytes(), []byte("demo-canary-s3cr3t")) || bytes.Contains(stderr.Bytes(), []byte("demo-canary-s3cr3t")) {
		t.Errorf("the demo's sensitive variable leaked")
	}
}
