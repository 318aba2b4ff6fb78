package tf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/myorg/drift-action/internal/tftest"
)

// TestTimeoutKillsProviderProcesses runs a real plan whose provider hangs
// for good in a read, as a provider stuck in a cloud call does: it ignores
// interrupts, terraform's StopProvider and its parent's death. Once the
// timeout and the grace period are over, terraform and its provider must
// both be gone, not the provider left re-parented to PID 1.
func TestTimeoutKillsProviderProcesses(t *testing.T) {
	tftest.Long(t)
	t.Parallel()
	env := tftest.Setup(t)
	dir := t.TempDir()
	root := appliedRoot(t, env, dir, "drifted")
	// Every process of this run, and only those, carries the mark.
	mark := fmt.Sprintf("DRIFT_TEST_RUN=%s-%d", t.Name(), time.Now().UnixNano())
	o := options(env, env.Terraform)
	o.Env = append(append([]string{}, env.Environ...), "FAKECLOUD_HANG_READ=1", mark)
	o.Timeout, o.Grace = 15*time.Second, time.Second // generous: init must finish first on a loaded machine

	var providers atomic.Int32 // the most provider processes seen at once
	watch, stop := context.WithCancel(context.Background())
	defer stop()
	go func() {
		for watch.Err() == nil {
			n := int32(0)
			for _, p := range marked(mark) {
				if strings.Contains(p.cmdline, "terraform-provider-fakecloud") {
					n++
				}
			}
			if n > providers.Load() {
				providers.Store(n)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	_, err := Run(context.Background(), Target{Dir: root, PlanFile: filepath.Join(dir, "plan")}, o)
	stop()
	var se *StepError
	if !errors.As(err, &se) || se.Step != "plan" || !errors.Is(err, ErrTimeout) {
		t.Fatalf("error %v, want the plan step timed out", err)
	}
	if providers.Load() == 0 {
		t.Fatal("no provider process was seen while terraform planned: the test proves nothing")
	}
	var left []proc
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if left = marked(mark); len(left) == 0 {
			return
		}
	}
	for _, p := range left {
		t.Errorf("process %d (parent %d) outlived the run: %s", p.pid, p.ppid, p.cmdline)
	}
	for _, p := range left {
		_ = syscallKill(p.pid) // leave nothing behind for other tests
	}
}

// TestExitKillsLeftoverProcesses: terraform that ends, well or not, leaves
// nothing running in its process group (a provider or a helper it started
// in the background).
func TestExitKillsLeftoverProcesses(t *testing.T) {
	tftest.Long(t)
	t.Parallel()
	env := tftest.Setup(t)
	tests := []struct {
		name, plan string
		wantErr    bool
	}{
		{name: "plan succeeds", plan: "sleep 300 </dev/null >/dev/null 2>&1 &"},
		{name: "plan fails", plan: "sleep 300 </dev/null >/dev/null 2>&1 &\nexit 1", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			root := tftest.WriteRoot(t, dir, "root", map[string]string{"main.tf": dataRoot})
			mark := fmt.Sprintf("DRIFT_TEST_RUN=%s-%d", t.Name(), time.Now().UnixNano())
			o := options(env, env.Wrapper(t, tt.plan))
			o.Env = append(append([]string{}, env.Environ...), mark)
			_, err := Run(context.Background(), Target{Dir: root, PlanFile: filepath.Join(dir, "plan")}, o)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Run: %v, want an error: %v", err, tt.wantErr)
			}
			var left []proc
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
				if left = marked(mark); len(left) == 0 {
					return
				}
			}
			for _, p := range left {
				t.Errorf("process %d (parent %d) outlived the run: %s", p.pid, p.ppid, p.cmdline)
				_ = syscallKill(p.pid)
			}
		})
	}
}

type proc struct {
	pid, ppid int
	cmdline   string
}

// marked lists the live processes (zombies are dead) whose environment
// holds mark.
func marked(mark string) []proc {
	entries, _ := os.ReadDir("/proc")
	var out []proc
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil || pid == os.Getpid() {
			continue
		}
		environ, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !bytes.Contains(append(append([]byte{0}, environ...), 0), append(append([]byte{0}, mark...), 0)) {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		var state string
		var ppid int
		if i := bytes.LastIndexByte(stat, ')'); i < 0 {
			continue
		} else if _, err := fmt.Sscanf(string(stat[i+1:]), " %s %d", &state, &ppid); err != nil || state == "Z" || state == "X" {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		out = append(out, proc{pid: pid, ppid: ppid, cmdline: string(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))})
	}
	return out
}

func syscallKill(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }
