//go:build !linux

package tf

import "syscall"

// sysProcAttr: elsewhere terraform-exec sets nothing either.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// exited has no way to wait without reaping here; run then waits as exec
// does and kills terraform alone.
func exited(int) error { return errNoGroup }

// killGroup: terraform has no group of its own here.
func killGroup(int) {}
