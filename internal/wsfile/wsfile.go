// Package wsfile writes files inside a workspace (the checked-out
// repository) without ever following a symbolic link: a link committed to
// the repository must not redirect a write to a file outside it, or to
// another file inside it.
package wsfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrSymlink is returned when a path to write goes through a symbolic link.
var ErrSymlink = errors.New("is a symbolic link")

// Write puts data at rel (slash or OS separated, relative to workspace),
// creating directories as needed. No component of rel may be a symbolic
// link; the file is written beside its final name and renamed into place,
// so a reader never sees half a file.
func Write(workspace, rel string, data []byte) (err error) {
	rel = filepath.Clean(filepath.FromSlash(rel))
	if filepath.IsAbs(rel) || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("write %s: the path must be inside the workspace", rel)
	}
	root, err := os.OpenRoot(workspace)
	if err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	defer root.Close()
	parts := strings.Split(rel, string(filepath.Separator))
	for i := range parts {
		p := filepath.Join(parts[:i+1]...)
		st, err := root.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if i == len(parts)-1 {
				break
			}
			if err := root.Mkdir(p, 0o755); err != nil {
				return fmt.Errorf("write %s: %w", rel, err)
			}
		case err != nil:
			return fmt.Errorf("write %s: %w", rel, err)
		case st.Mode()&fs.ModeSymlink != 0:
			return fmt.Errorf("write %s: %s %w (committed to the repository?); refusing to write through it: remove the link or choose another path", rel, filepath.ToSlash(p), ErrSymlink)
		case i < len(parts)-1 && !st.IsDir():
			return fmt.Errorf("write %s: %s is not a directory", rel, filepath.ToSlash(p))
		case i == len(parts)-1 && !st.Mode().IsRegular():
			return fmt.Errorf("write %s: it exists and is not a regular file", rel)
		}
	}
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	tmp := filepath.Join(filepath.Dir(rel), "."+filepath.Base(rel)+".tmp-"+hex.EncodeToString(b))
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	defer func() {
		if err != nil {
			root.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", rel, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	if err := root.Rename(tmp, rel); err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	return nil
}
