package tf

import (
	"context"
	"os"
	"os/exec"
	"reflect"
	"sync"
	"time"
	"unsafe"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// terraform-exec learns the terraform version by running `terraform version
// -json` once per *tfexec.Terraform, and Run needs one instance per target,
// so without help every target starts one more terraform process (about as
// much CPU as its init). The version is a property of the executable, so it
// is probed once per executable per process and handed to later instances.
//
// What the handed-on version decides is safe to share even when the
// executable is a version manager's shim (tfenv, asdf) that starts a
// different terraform per directory: for the calls Run makes (Init with
// Upgrade, WorkspaceSelect, PlanJSON with Out/LockTimeout/VarFile,
// ShowPlanFile), terraform-exec builds the same arguments for every version
// from 0.15.3 on and refuses anything older. Only versions from 0.15.3 on
// are shared, so a directory whose shim runs an older terraform gets
// terraform's own error about -json instead of terraform-exec's; it never
// gets a plan it would not have had.

// minShared is the oldest version handed on; see above.
var minShared = [3]int64{0, 15, 3}

// binaryKey identifies an executable: where exec finds it, and its size and
// modification time so a binary replaced in place is probed again.
type binaryKey struct {
	path string
	size int64
	mod  time.Time
}

type versionProbe struct {
	done    chan struct{}
	version any // *version.Version from terraform-exec; nil if the probe failed or was too old
}

var versions = struct {
	sync.Mutex
	m map[binaryKey]*versionProbe
}{m: map[binaryKey]*versionProbe{}}

// shareVersion gives tfx the version of its executable: the first instance
// for an executable runs the probe (filling its own cache), later ones are
// seeded with the result. Concurrent first uses wait for one probe. Any
// failure leaves tfx as it was, and terraform-exec probes for itself (and
// reports a failure at the step that needed it, as it always did).
func shareVersion(ctx context.Context, tfx *tfexec.Terraform, bin string) {
	key, ok := keyOf(bin)
	if !ok {
		return
	}
	versions.Lock()
	p, found := versions.m[key]
	if !found {
		p = &versionProbe{done: make(chan struct{})}
		versions.m[key] = p
	}
	versions.Unlock()
	if !found {
		p.version = probe(ctx, tfx)
		if p.version == nil {
			versions.Lock()
			delete(versions.m, key) // a later target tries again
			versions.Unlock()
		}
		close(p.done)
		return
	}
	select {
	case <-p.done:
	case <-ctx.Done():
		return
	}
	if p.version != nil {
		seedVersion(tfx, p.version)
	}
}

// probe runs `terraform version` through tfx, which caches the answer in
// tfx, and returns the version if it may be shared.
func probe(ctx context.Context, tfx *tfexec.Terraform) any {
	v, _, err := tfx.Version(ctx, false)
	if err != nil || v == nil || !atLeast(v.Segments64(), v.Prerelease(), minShared) {
		return nil
	}
	return v
}

// atLeast reports whether the version with these segments and prerelease
// is at least min (three dot-separated numbers).
func atLeast(seg []int64, pre string, min [3]int64) bool {
	for i, m := range min {
		var s int64
		if i < len(seg) {
			s = seg[i]
		}
		if s != m {
			return s > m
		}
	}
	return pre == "" // 0.15.3-beta1 is older than 0.15.3
}

func keyOf(bin string) (binaryKey, bool) {
	path, err := exec.LookPath(bin)
	if err != nil {
		return binaryKey{}, false
	}
	fi, err := os.Stat(path)
	if err != nil {
		return binaryKey{}, false
	}
	return binaryKey{path: path, size: fi.Size(), mod: fi.ModTime()}, true
}

// seedVersion stores v in tfx's version cache, which terraform-exec keeps in
// unexported fields and offers no way to fill. tfx must be new and not yet
// shared with another goroutine. If the field is not there or not of v's
// type (a terraform-exec upgrade changed it), tfx is left alone and
// terraform-exec probes as before; TestVersionProbedOncePerBinary notices.
func seedVersion(tfx *tfexec.Terraform, v any) bool {
	f := reflect.ValueOf(tfx).Elem().FieldByName("execVersion")
	if !f.IsValid() || f.Type() != reflect.TypeOf(v) || !f.CanAddr() {
		return false
	}
	reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Set(reflect.ValueOf(v))
	return true
}
