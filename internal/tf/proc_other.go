//go:build !linux

package tf

import "syscall"

// sysProcAttr: elsewhere terraform-exec sets nothing either.
func sysProcAttr() *syscall.SysProcAttr { return nil }
