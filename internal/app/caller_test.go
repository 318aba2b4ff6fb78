package app

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// repoRoot is the checkout this test file lives in.
func repoRoot() string {
	_, self, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(self), "..", "..")
}

var (
	gkOnce sync.Once
	gkPath string
	gkErr  error
)

// gatekeeperBin builds the companion Gatekeeper binary once per test run.
func gatekeeperBin(t testing.TB) string {
	t.Helper()
	gkOnce.Do(func() {
		repo := repoRoot()
		dir, err := os.MkdirTemp("", "gatekeeper-bin-")
		if err != nil {
			gkErr = err
			return
		}
		gkPath = filepath.Join(dir, "drift-action-gatekeeper")
		cmd := exec.Command("go", "build", "-o", gkPath, "./internal/gatekeeper/cmd/drift-action-gatekeeper")
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			gkErr = err
			t.Logf("%s", out)
		}
	})
	if gkErr != nil {
		t.Fatalf("build drift-action-gatekeeper: %v", gkErr)
	}
	return gkPath
}
