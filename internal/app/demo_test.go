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
	// The narration tells what terraform will really report.
	for _, w := range []string{"reports it deleted outside terraform", "cause: drift", "cause: code", "detect would exit 2 (0 clean, 1 error, 2 drift", "2 over 4); the demo itself succeeded."} {
		if !bytes.Contains(stderr.Bytes(), []byte(w)) {
			t.Errorf("demo narration lacks %q:\n%s", w, stderr.String())
		}
	}
	gotCauses := map[string][]string{}
	for _, r := range doc.Roots {
		gotCauses[r.Dir] = causes(r.Changes)
	}
	wantCauses := map[string][]string{
		"app":     {"local_file.app_config create drift", "local_file.feature_flags create drift"},
		"network": {"terraform_data.subnet create code"},
	}
	if diff := cmp.Diff(wantCauses, gotCauses); diff != "" {
		t.Errorf("demo change causes (-want +got):\n%s", diff)
	}
	if bytes.Contains(stdout.Bytes(), []byte("demo-canary-s3cr3t")) || bytes.Contains(stderr.Bytes(), []byte("demo-canary-s3cr3t")) {
		t.Errorf("the demo's sensitive variable leaked")
	}
}
