package tf

import (
	"errors"
	"syscall"

	"golang.org/x/sys/unix"
)

// sysProcAttr puts terraform in its own process group (a terminal's ^C
// reaches this process, which interrupts terraform itself; the providers
// terraform starts join the group) and kills it if this process dies, as
// terraform-exec does on Linux.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}

// exited blocks until process pid has exited, without reaping it: until
// cmd.Wait reaps it, neither its pid nor its process group's id (the same
// number) can be given to another process, so killGroup cannot reach a
// stranger.
func exited(pid int) error {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// killGroup kills every process left in terraform's group: the provider
// plugins it started, which a provider stuck in a call keeps alive past
// terraform's own end (re-parented to PID 1) unless killed.
func killGroup(pid int) { _ = syscall.Kill(-pid, syscall.SIGKILL) }
