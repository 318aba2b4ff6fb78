package tf

import "syscall"

// sysProcAttr puts terraform in its own process group (a terminal's ^C
// reaches this process, which interrupts terraform itself) and kills it if
// this process dies, as terraform-exec does on Linux.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}
