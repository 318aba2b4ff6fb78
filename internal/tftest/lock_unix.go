//go:build unix

package tftest

import (
	"os"
	"syscall"
)

// lockFile holds an exclusive lock on path until unlock is called; the
// kernel drops it when the process dies, so a killed build never leaves it
// held.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}
