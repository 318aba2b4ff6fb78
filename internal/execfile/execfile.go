// Package execfile writes executables that this process, or a process it
// starts, can run at once.
//
// On Linux, exec fails with "text file busy" (ETXTBSY) while any process
// holds the file open for writing. A file this process writes is open in
// it, with close-on-exec set, but a child forked by another goroutine at
// that moment holds a copy until its own exec, which can come after this
// process has closed the file and tried to run it (golang/go#22315).
// Writing under syscall.ForkLock held for reading keeps every fork out of
// that window, so no copy of the writing descriptor exists when the write
// is done.
package execfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// Write writes data to path as an executable (mode 0o755), replacing a
// file already there.
func Write(path string, data []byte) error {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	if err := os.WriteFile(path, data, 0o755); err != nil {
		return fmt.Errorf("write executable: %w", err)
	}
	return nil
}

// Copy copies the file src to dst as an executable (mode 0o755).
func Copy(dst, src string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("copy executable: %w", err)
	}
	defer in.Close()
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return fmt.Errorf("copy executable: %w", err)
	}
	_, err = io.Copy(out, in)
	if err = errors.Join(err, out.Close()); err != nil {
		return fmt.Errorf("copy executable %s: %w", dst, err)
	}
	return nil
}
