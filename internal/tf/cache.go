package tf

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Terraform documents its plugin cache as unsafe for concurrent init: two
// inits installing one provider into it at once fail ("file exists",
// "still not detected ... this is a bug in Terraform"), and an init that
// reinstalls a package (no lock file yet, or one without a checksum for
// this platform) deletes it under plans already using it. Roots of a
// monorepo share one cache and plan side by side, so terraform never
// writes to the shared cache: each init gets a view of it, a directory of
// symlinks to the packages it holds, in the target's own data directory.
// Terraform links what it finds there and installs what it does not; a
// package it installed is then published to the shared cache whole (one
// rename) if the cache does not have it yet.

// viewName is the view's directory inside a target's data directory.
const viewName = "drift-action-plugin-cache"

// cacheDepth is the package directory's depth in a cache:
// HOST/NAMESPACE/TYPE/VERSION/OS_ARCH.
const cacheDepth = 5

// makeView builds a fresh view of shared at view.
func makeView(shared, view string) error {
	if err := os.RemoveAll(view); err != nil {
		return fmt.Errorf("plugin cache view: %w", err)
	}
	if err := os.MkdirAll(view, 0o755); err != nil {
		return fmt.Errorf("plugin cache view: %w", err)
	}
	return eachPackage(shared, func(rel string, _ fs.DirEntry) error {
		link := filepath.Join(view, rel)
		if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
			return fmt.Errorf("plugin cache view: %w", err)
		}
		if err := os.Symlink(filepath.Join(shared, rel), link); err != nil {
			return fmt.Errorf("plugin cache view: %w", err)
		}
		return nil
	})
}

// eachPackage calls fn for every package directory under dir (symlinks to
// directories included), skipping names starting with a dot, which are
// publications in progress.
func eachPackage(dir string, fn func(rel string, e fs.DirEntry) error) error {
	var walk func(rel string, depth int) error
	walk = func(rel string, depth int) error {
		entries, err := os.ReadDir(filepath.Join(dir, rel))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || depth > 0 {
				return nil // not a cache directory: terraform ignores it too
			}
			return fmt.Errorf("plugin cache: %w", err)
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") {
				continue
			}
			sub := filepath.Join(rel, e.Name())
			if depth+1 == cacheDepth {
				if st, err := os.Stat(filepath.Join(dir, sub)); err == nil && st.IsDir() {
					if err := fn(sub, e); err != nil {
						return err
					}
				}
				continue
			}
			if e.IsDir() {
				if err := walk(sub, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk("", 0)
}

// publish moves every package init installed into view to shared when
// shared lacks it (the view's own links are to packages shared has), leaving a
// symlink in its place so the data directory's links still resolve. A
// package appears in shared whole or not at all; one that is already
// there is left alone. Publishing only saves later downloads, so a cache
// that cannot take it is not an error for the target.
func publish(view, shared string) {
	_ = eachPackage(view, func(rel string, e fs.DirEntry) error {
		src, dst := filepath.Join(view, rel), filepath.Join(shared, rel)
		if _, err := os.Lstat(dst); err == nil {
			return nil
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil
		}
		if e.Type()&fs.ModeSymlink != 0 {
			// Installed from an unpacked local mirror, which terraform
			// links rather than copies: the cache links it too.
			target, err := os.Readlink(src)
			if err != nil {
				return nil
			}
			if !filepath.IsAbs(target) {
				target = filepath.Join(filepath.Dir(src), target)
			}
			_ = os.Symlink(target, dst)
			return nil
		}
		if err := os.Rename(src, dst); err != nil {
			if !errors.Is(err, syscall.EXDEV) {
				return nil // there already (another publisher won), or not ours to write
			}
			if err := publishCopy(src, dst); err != nil {
				return nil
			}
			return nil // the view keeps its own copy; links to it still resolve
		}
		// Terraform's links point at the view's path: keep it resolving.
		if err := os.Symlink(dst, src); err != nil {
			_ = os.Rename(dst, src) // put it back rather than break the target
		}
		return nil
	})
}

// publishCopy copies the package at src beside dst under a dot name, then
// renames it into place, for a cache on another filesystem.
func publishCopy(src, dst string) error {
	var b [6]byte
	_, _ = rand.Read(b[:])
	tmp := filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp-"+hex.EncodeToString(b[:]))
	err := copyTree(src, tmp)
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		_ = os.RemoveAll(tmp)
	}
	return err
}

// copyTree copies a provider package: directories, regular files with
// their permissions, and symlinks as symlinks.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(to, info.Mode().Perm()|0o700)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(target, to)
		case d.Type().IsRegular():
			return copyFile(path, to, info.Mode().Perm())
		}
		return nil
	})
}

func copyFile(from, to string, perm fs.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}
