package app

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

func runtimeCaller() (uintptr, string, int, bool) { return runtime.Caller(0) }

var (
	gkOnce sync.Once
	gkPath string
	gkErr  error
)

// gatekeeperBin builds the companion Gatekeeper binary once per test run.
func gatekeeperBin(t testing.TB) string {
	t.Helper()
	gkOnce.Do(func() {
		_, self, _, _ := runtime.Caller(0)
		repo := filepath.Join(filepath.Dir(self), "..", "..")
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
