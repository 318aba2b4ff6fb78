package tf

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Every argument Run and Apply pass exists, with the same meaning, in every
// terraform from 0.15.3 on (`plan -json` arrived then), so the version only
// has to be that old or newer. It is a property of the executable: it is
// probed once per executable per process (`terraform version -json`, as
// terraform-exec did once per target, about as much CPU as a target's init)
// and the answer is reused by every later target.
//
// Only a version from 0.15.3 on is reused. A version manager's shim (tfenv,
// asdf) may start a different terraform per directory; a too-old answer from
// one directory says nothing about the next, so each target that meets one
// probes for itself and is refused alone.

// minVersion is the oldest terraform Run and Apply support; see above.
var minVersion = [3]int64{0, 15, 3}

// binaryKey identifies an executable: where exec finds it, and its size and
// modification time so a binary replaced in place is probed again.
type binaryKey struct {
	path string
	size int64
	mod  time.Time
}

type versionProbe struct {
	done chan struct{}
	ok   bool // the version was new enough; false if the probe failed or was too old
	lean bool // the executable honours GOMEMLIMIT (see lean)
}

var versions = struct {
	sync.Mutex
	m map[binaryKey]*versionProbe
}{m: map[binaryKey]*versionProbe{}}

// checkVersion returns nil when c's executable is known to be new enough,
// probing it in c's directory and environment the first time, and whether
// its setup steps may run lean (see lean). Concurrent first uses wait for
// one probe. A probe that failed or found an older version is not
// remembered: the next target probes again.
func checkVersion(ctx context.Context, c command) (leanOK bool, err error) {
	key, ok := keyOf(c.bin)
	if !ok {
		return probeVersion(ctx, c) // says why exec cannot run it
	}
	versions.Lock()
	p, found := versions.m[key]
	if !found {
		p = &versionProbe{done: make(chan struct{})}
		versions.m[key] = p
	}
	versions.Unlock()
	if found {
		select {
		case <-p.done:
		case <-ctx.Done():
			return false, context.Cause(ctx)
		}
		if p.ok {
			return p.lean, nil
		}
		return probeVersion(ctx, c)
	}
	p.lean, err = probeVersion(ctx, c)
	p.ok = err == nil
	if !p.ok {
		versions.Lock()
		delete(versions.m, key) // a later target tries again
		versions.Unlock()
	}
	close(p.done)
	return p.lean, err
}

// leanVersion is the oldest terraform built with a Go that honours
// GOMEMLIMIT (Go 1.19, terraform 1.3.0); every OpenTofu release is newer.
var leanVersion = [3]int64{1, 3, 0}

// probeVersion runs `terraform version -json` (lean: an older Go ignores
// GOMEMLIMIT, but a version command allocates next to nothing) and refuses
// a terraform older than minVersion.
func probeVersion(ctx context.Context, c command) (leanOK bool, err error) {
	var out bytes.Buffer
	if err := c.lean().run(ctx, &out, "version", "-json"); err != nil {
		return false, err
	}
	v, err := parseVersion(out.Bytes())
	if err != nil {
		return false, err
	}
	seg, pre := versionParts(v)
	if !atLeast(seg, pre, minVersion) {
		return false, fmt.Errorf("terraform plan -json was added in 0.15.3 and %s is terraform %s: use terraform 0.15.3 or later", c.bin, v)
	}
	return atLeast(seg, pre, leanVersion), nil
}

// plainVersion is the first line of `terraform version` before 0.13, which
// printed no JSON.
var plainVersion = regexp.MustCompile(`^Terraform v(\S+)`)

// parseVersion reads the version from `terraform version -json`'s output.
func parseVersion(out []byte) (string, error) {
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err == nil && v.Version != "" {
		return v.Version, nil
	}
	if m := plainVersion.FindSubmatch(bytes.TrimSpace(out)); m != nil {
		return string(m[1]), nil
	}
	first, _, _ := strings.Cut(string(out), "\n")
	return "", fmt.Errorf("terraform version -json printed no version (first line %q): is this terraform?", first)
}

// versionParts splits "1.11.4", "0.15.3-beta1" or "1.6.0-dev+local" into
// its numbers and its prerelease; a part that is not a number counts as 0.
func versionParts(v string) ([]int64, string) {
	v, _, _ = strings.Cut(v, "+")
	v, pre, _ := strings.Cut(v, "-")
	var seg []int64
	for _, s := range strings.Split(v, ".") {
		n, _ := strconv.ParseInt(s, 10, 64)
		seg = append(seg, n)
	}
	return seg, pre
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
