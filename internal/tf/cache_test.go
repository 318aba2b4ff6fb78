package tf

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/myorg/drift-action/internal/execfile"
	"github.com/myorg/drift-action/internal/tftest"
)

// Terraform's plugin cache is not safe for concurrent init: two inits
// installing the same provider into it at once fail with "still not
// detected ... this is a bug in Terraform". Roots share one cache and
// init side by side, so every round starts from an empty cache, with
// more roots than cores, and every init must succeed.
func TestParallelInitsShareOneCache(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	const rounds, roots = 3, 8
	packages := []string{"registry.terraform.io/myorg/fakecloud/0.1.0", "registry.terraform.io/hashicorp/local/1.4.0"}
	platform := runtime.GOOS + "_" + runtime.GOARCH
	for round := range rounds {
		dir := t.TempDir()
		o := options(env, env.Terraform)
		o.PluginCacheDir = filepath.Join(dir, "cache")
		var rootDirs []string
		for i := range roots {
			cloud := filepath.Join(dir, fmt.Sprintf("cloud-%d.json", i))
			rootDirs = append(rootDirs, tftest.WriteRoot(t, dir, fmt.Sprintf("root%d", i), map[string]string{"main.tf": tftest.FakeCloudProvider(cloud) + cloudInstance +
				"resource \"local_file\" \"f\" {\n  filename = \"${path.module}/f.txt\"\n  content  = \"x\"\n}\n"}))
		}
		// Cold: no lock files, an empty cache, every init installs.
		planAll(t, fmt.Sprintf("round %d cold", round), rootDirs, filepath.Join(dir, "cold"), o)
		for _, p := range packages {
			// The test mirror is unpacked, so terraform links its
			// packages rather than copying them; either way the
			// cache must hold a package terraform can run.
			entries, err := os.ReadDir(filepath.Join(o.PluginCacheDir, p, platform))
			if err != nil || len(entries) == 0 {
				t.Fatalf("round %d: %s was not published to the shared cache: %v", round, p, err)
			}
		}
		// Warm: the lock files name what the cache holds, so every init
		// links from the shared cache and installs nothing of its own.
		planAll(t, fmt.Sprintf("round %d warm", round), rootDirs, filepath.Join(dir, "warm"), o)
		for i := range roots {
			for _, p := range packages {
				view := filepath.Join(dir, "warm", fmt.Sprint(i), "data", viewName, p, platform)
				if got, err := os.Readlink(view); err != nil || got != filepath.Join(o.PluginCacheDir, p, platform) {
					t.Errorf("round %d, root %d: %s was installed again instead of linked from the cache (%q, %v)", round, i, p, got, err)
				}
			}
		}
	}
}

// planAll plans every root at once, each with its own data directory under
// dir, and fails the test for every root that did not plan.
func planAll(t *testing.T, name string, roots []string, dir string, o Options) {
	t.Helper()
	errs := make([]error, len(roots))
	var wg sync.WaitGroup
	for i, root := range roots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := filepath.Join(dir, fmt.Sprint(i))
			if err := os.MkdirAll(d, 0o755); err != nil {
				errs[i] = err
				return
			}
			_, errs[i] = Run(context.Background(), Target{Dir: root, DataDir: filepath.Join(d, "data"), PlanFile: filepath.Join(d, "plan")}, o)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("%s, root %d: %v", name, i, err)
		}
	}
}

// publish moves what init installed into the shared cache and leaves
// alone what the cache already had; the view keeps resolving.
func TestPublish(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	shared, view := filepath.Join(dir, "shared"), filepath.Join(dir, "view")
	write := func(path, content string, perm os.FileMode) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), perm); err != nil {
			t.Fatal(err)
		}
	}
	const (
		had      = "example.com/ns/had/1.0.0/linux_amd64"
		new      = "example.com/ns/new/2.0.0/linux_amd64"
		mirrored = "example.com/ns/mirrored/3.0.0/linux_amd64"
	)
	write(filepath.Join(shared, had, "terraform-provider-had"), "shared copy", 0o755)
	if err := makeView(shared, view); err != nil {
		t.Fatal(err)
	}
	// What init did: installed a new package, reinstalled one the cache
	// had (terraform does when the lock file lacks its checksum), and
	// linked one from an unpacked mirror.
	write(filepath.Join(view, new, "terraform-provider-new"), "new", 0o755)
	if err := os.Remove(filepath.Join(view, had)); err != nil {
		t.Fatal(err)
	}
	write(filepath.Join(view, had, "terraform-provider-had"), "view copy", 0o755)
	mirror := filepath.Join(dir, "mirror", mirrored)
	write(filepath.Join(mirror, "terraform-provider-mirrored"), "mirrored", 0o755)
	if err := os.MkdirAll(filepath.Dir(filepath.Join(view, mirrored)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(mirror, filepath.Join(view, mirrored)); err != nil {
		t.Fatal(err)
	}

	publish(view, shared)

	read := func(path string) string {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	got := map[string]string{
		"shared had":      read(filepath.Join(shared, had, "terraform-provider-had")),
		"shared new":      read(filepath.Join(shared, new, "terraform-provider-new")),
		"shared mirrored": read(filepath.Join(shared, mirrored, "terraform-provider-mirrored")),
		"view had":        read(filepath.Join(view, had, "terraform-provider-had")),
		"view new":        read(filepath.Join(view, new, "terraform-provider-new")),
	}
	want := map[string]string{
		"shared had": "shared copy", "shared new": "new", "shared mirrored": "mirrored",
		"view had": "view copy", "view new": "new",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("package contents (-want +got):\n%s", diff)
	}
	if st, err := os.Stat(filepath.Join(shared, new, "terraform-provider-new")); err != nil || st.Mode().Perm()&0o100 == 0 {
		t.Errorf("published provider is not executable: %v %v", st, err)
	}
	if target, err := os.Readlink(filepath.Join(view, new)); err != nil || target != filepath.Join(shared, new) {
		t.Errorf("view of the published package = %q, %v; want a link to the shared cache", target, err)
	}
}

// copyTree is publish's way across filesystems; it keeps modes and links.
func TestCopyTree(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	if err := os.MkdirAll(filepath.Join(src, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := execfile.Write(filepath.Join(src, "bin"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "sub", "doc"), []byte("y"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("sub/doc", filepath.Join(src, "link")); err != nil {
		t.Fatal(err)
	}
	if err := publishCopy(src, dst); err != nil {
		t.Fatal(err)
	}
	modes := func(root string) map[string]string {
		m := map[string]string{}
		_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || p == root {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			info, _ := d.Info()
			m[rel] = info.Mode().String()
			return nil
		})
		return m
	}
	want, got := modes(src), modes(dst)
	if len(want) != 4 {
		t.Fatalf("source tree has %d entries, want 4: %v", len(want), want)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("copied tree modes (-want +got):\n%s", diff)
	}
	if target, err := os.Readlink(filepath.Join(dst, "link")); err != nil || target != "sub/doc" {
		t.Errorf("link copied as %q, %v; want sub/doc", target, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("publishCopy left %d entries beside the package, want none: %v", len(entries)-2, entries)
	}
}
