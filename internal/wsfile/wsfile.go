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
	"slices"
	"strings"
)

// ErrSymlink is returned when a path to write goes through a symbolic link.
var ErrSymlink = errors.New("is a symbolic link")

// PathError says why a path is not a plain relative path inside the
// workspace.
type PathError struct{ Path, Why string }

func (e *PathError) Error() string {
	return fmt.Sprintf("%q is not a path inside the workspace: %s", e.Path, e.Why)
}

// Inside checks p (a path or glob relative to the workspace) as given,
// before any cleaning: it is refused when absolute, when any segment is
// "..", even one that cleaning would cancel (drift/../.github/x leaves the
// directory it names), or when it holds a backslash (a separator on
// Windows, a file name character elsewhere: either way not what it looks
// like) or a control character. It reads no file.
func Inside(p string) error {
	p = filepath.ToSlash(p) // only where \ is the separator
	why := ""
	switch {
	case strings.TrimSpace(p) == "":
		why = "it is empty"
	case strings.HasPrefix(p, "/") || filepath.IsAbs(p) || filepath.VolumeName(p) != "":
		why = "it is absolute; name it from the workspace root"
	case strings.Contains(p, `\`):
		why = "it holds a backslash; separate directories with /"
	case strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		why = "it holds a control character"
	case slices.Contains(strings.Split(p, "/"), ".."):
		why = "it has a .. segment; name it from the workspace root without .."
	}
	if why != "" {
		return &PathError{Path: p, Why: why}
	}
	return nil
}

// Rel checks rel like Inside and that it names a file (it does not end in
// / or a dot segment), and returns it cleaned and OS separated.
func Rel(rel string) (string, error) {
	if err := Inside(rel); err != nil {
		return "", err
	}
	s := filepath.ToSlash(rel)
	if last := s[strings.LastIndex(s, "/")+1:]; last == "" || last == "." {
		return "", &PathError{Path: s, Why: "it names a directory, not a file"}
	}
	return filepath.Clean(filepath.FromSlash(s)), nil
}

// Check reports whether Write could put a file at rel: rel passes Rel, no
// existing component of it is a symbolic link, the existing directories on
// the way are directories and the file, if it exists, is a regular file.
// Configuration checks it up front so a bad path fails before any work.
func Check(workspace, rel string) error {
	clean, err := Rel(rel)
	if err != nil {
		return err
	}
	root, err := os.OpenRoot(workspace)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // no workspace yet: nothing in it is a link
	} else if err != nil {
		return err
	}
	defer root.Close()
	return walk(root, clean, false)
}

// walk checks each component of rel (clean) under root; with mkdir it
// creates the missing directories.
func walk(root *os.Root, rel string, mkdir bool) error {
	parts := strings.Split(rel, string(filepath.Separator))
	for i := range parts {
		p := filepath.Join(parts[:i+1]...)
		st, err := root.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if i == len(parts)-1 {
				break
			}
			if !mkdir {
				return nil // nothing below a missing directory can be a link
			}
			if err := root.Mkdir(p, 0o755); err != nil {
				return err
			}
		case err != nil:
			return err
		case st.Mode()&fs.ModeSymlink != 0:
			return fmt.Errorf("%s %w (committed to the repository?); refusing to write through it: remove the link or choose another path", filepath.ToSlash(p), ErrSymlink)
		case i < len(parts)-1 && !st.IsDir():
			return fmt.Errorf("%s is not a directory", filepath.ToSlash(p))
		case i == len(parts)-1 && !st.Mode().IsRegular():
			return fmt.Errorf("it exists and is not a regular file")
		}
	}
	return nil
}

// Write puts data at rel (slash separated, relative to workspace; see
// Rel), creating directories as needed. No component of rel may be a
// symbolic link; the file is written beside its final name and renamed
// into place, so a reader never sees half a file.
func Write(workspace, rel string, data []byte) (err error) {
	clean, err := Rel(rel)
	if err != nil {
		return fmt.Errorf("write: %w", err)
	}
	rel = clean
	root, err := os.OpenRoot(workspace)
	if err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	defer root.Close()
	if err := walk(root, rel, true); err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
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
