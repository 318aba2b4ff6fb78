package tfinstall

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/go-version"
	"github.com/myorg/drift-action/internal/execfile"
	"github.com/myorg/drift-action/internal/tfinstall/releasestest"
	"github.com/myorg/drift-action/internal/tfsetting"
	"github.com/myorg/drift-action/internal/tftest"
)

var mirrorVersions = []string{"1.9.0", "1.10.5", "1.11.4"}

// fakeTerraform writes an executable that reports version v from
// `version -json` and counts how often it was asked, in the returned file.
func fakeTerraform(t *testing.T, name, v string) (bin, calls string) {
	t.Helper()
	dir := t.TempDir()
	bin, calls = filepath.Join(dir, name), filepath.Join(dir, "calls")
	script := "#!/bin/sh\necho x >> '" + calls + "'\necho '{\"terraform_version\":\"" + v + "\"}'\n"
	if err := execfile.Write(bin, []byte(script)); err != nil {
		t.Fatal(err)
	}
	return bin, calls
}

func countCalls(t *testing.T, file string) int {
	t.Helper()
	data, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(data), "x\n")
}

// writeRoot makes a root module with the given files under a new
// repository directory and returns the repository and the root.
func writeRoot(t *testing.T, files map[string]string) (repo, root string) {
	t.Helper()
	repo = t.TempDir()
	root = filepath.Join(repo, "infra", "app")
	for name, body := range files {
		p := filepath.Join(root, name)
		if strings.HasPrefix(name, "/") {
			p = filepath.Join(repo, name)
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	return repo, root
}

func requires(c string) string {
	return "terraform {\n  required_version = \"" + c + "\"\n}\n"
}

func TestChoose(t *testing.T) {
	t.Parallel()
	m := releasestest.Start(t, mirrorVersions, releasestest.Options{})
	type want struct {
		Version    string
		Installed  bool
		Configured bool
	}
	tests := []struct {
		name       string
		setting    string
		binary     string // terraform (default) or tofu
		binVersion string // what the configured executable reports
		files      map[string]string
		want       want
		wantErr    string
	}{
		{name: "auto picks the newest release in the pessimistic range", setting: "auto", binVersion: "1.8.0",
			files: map[string]string{"versions.tf": requires("~> 1.10.0")}, want: want{Version: "1.10.5", Installed: true}},
		{name: "auto intersects every terraform block", binVersion: "1.8.0",
			files: map[string]string{"a.tf": requires(">= 1.9"), "b.tf": requires("< 1.11"), "c.tf.json": `{"terraform":{"required_version":"!= 1.10.4"}}`}, want: want{Version: "1.10.5", Installed: true}},
		{name: "local modules narrow auto, transitively; registry modules are terraform's to check", binVersion: "1.8.0",
			files: map[string]string{
				"main.tf":                      "module \"net\" {\n  source = \"../../modules/net\"\n}\nmodule \"consul\" {\n  source = \"hashicorp/consul/aws\"\n}\n",
				"/modules/net/main.tf":         requires(">= 1.9, < 1.11") + "module \"sub\" {\n  source = \"./sub\"\n}\n",
				"/modules/net/sub/versions.tf": requires("!= 1.10.5"),
			},
			want: want{Version: "1.9.0", Installed: true}},
		{name: "a module conflicting with the root is named", binVersion: "1.8.0",
			files: map[string]string{
				"main.tf":              requires(">= 1.11") + "module \"net\" {\n  source = \"../../modules/net\"\n}\n",
				"/modules/net/main.tf": requires("< 1.11"),
			},
			wantErr: `satisfies main.tf:2 required_version ">= 1.11", ../../modules/net/main.tf:2 required_version "< 1.11"`},
		{name: "configured executable that satisfies is used", binVersion: "1.10.2",
			files: map[string]string{"versions.tf": requires("~> 1.10.0")}, want: want{Version: "1.10.2", Configured: true}},
		{name: "no requirement keeps the configured executable unasked", binVersion: "0.1.0",
			files: map[string]string{"main.tf": "resource \"terraform_data\" \"x\" {}\n"}, want: want{Configured: true}},
		{name: "exact setting installs that version", setting: "1.9.0", binVersion: "1.11.4",
			files: map[string]string{"main.tf": ""}, want: want{Version: "1.9.0", Installed: true}},
		{name: "exact setting satisfied by the configured executable", setting: "v1.11.4", binVersion: "1.11.4",
			files: map[string]string{"main.tf": ""}, want: want{Version: "1.11.4", Configured: true}},
		{name: "constraint setting narrows required_version", setting: "< 1.11", binVersion: "1.8.0",
			files: map[string]string{"versions.tf": requires(">= 1.9.1")}, want: want{Version: "1.10.5", Installed: true}},
		{name: "terraform-version file pins within required_version", binVersion: "1.8.0",
			files: map[string]string{"versions.tf": requires(">= 1.9"), ".terraform-version": "1.9.0\n"}, want: want{Version: "1.9.0", Installed: true}},
		{name: "terraform-version file at the repository root", binVersion: "1.8.0",
			files: map[string]string{"main.tf": "", "/.terraform-version": "# pinned\n~> 1.10.0\n"}, want: want{Version: "1.10.5", Installed: true}},
		{name: "terraform-version latest adds nothing", binVersion: "1.8.0",
			files: map[string]string{"versions.tf": requires(">= 1.9, < 1.10"), ".terraform-version": "latest"}, want: want{Version: "1.9.0", Installed: true}},
		{name: "terraform-version file conflicting with required_version", binVersion: "1.8.0",
			files:   map[string]string{"versions.tf": requires(">= 1.10"), ".terraform-version": "1.9.0"},
			wantErr: `satisfies versions.tf:2 required_version ">= 1.10", .terraform-version "1.9.0" (newest listed: 1.11.4)`},
		{name: "unsupported terraform-version form", binVersion: "1.8.0",
			files: map[string]string{".terraform-version": "latest:^1.10"}, wantErr: `"latest:^1.10" is not supported by drift-action`},
		{name: "unknown exact version", setting: "1.99.0", binVersion: "1.8.0",
			files: map[string]string{"main.tf": ""}, wantErr: "no terraform release in " + m.URL + "/terraform/index.json satisfies terraform-version 1.99.0"},
		{name: "required_version that is not a constraint", binVersion: "1.8.0",
			files: map[string]string{"versions.tf": requires("one point ten")}, wantErr: `versions.tf:2: required_version "one point ten" is not a version constraint`},
		{name: "tofu with auto is left alone", binary: "tofu", binVersion: "1.8.0",
			files: map[string]string{"versions.tf": requires("~> 1.10.0")}, want: want{Configured: true}},
		{name: "tofu with an explicit version it satisfies", binary: "tofu", setting: "~> 1.8", binVersion: "1.8.3",
			files: map[string]string{"versions.tf": requires("~> 1.10.0")}, want: want{Version: "1.8.3", Configured: true}},
		{name: "tofu with an explicit version it does not satisfy", binary: "tofu", setting: "1.10.5", binVersion: "1.8.3",
			files: map[string]string{"main.tf": ""}, wantErr: "drift-action installs terraform releases only, not OpenTofu"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			name := tt.binary
			if name == "" {
				name = "terraform"
			}
			bin, _ := fakeTerraform(t, name, tt.binVersion)
			s, err := tfsetting.ParseVersion(tt.setting)
			if err != nil {
				t.Fatal(err)
			}
			repo, root := writeRoot(t, tt.files)
			in := New(Config{Setting: s, Binary: bin, ReleasesURL: m.URL, ArmoredKey: m.Key, Dir: t.TempDir(), RepoRoot: repo})
			c, err := in.Choose(context.Background(), root)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Choose error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := want{Version: c.Version, Installed: c.Installed, Configured: c.Configured}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("choice (-want +got):\n%s", diff)
			}
			if c.Configured && c.Path != bin {
				t.Errorf("configured choice runs %s, want %s", c.Path, bin)
			}
			if c.Installed {
				if fi, err := os.Stat(c.Path); err != nil || fi.Mode()&0o100 == 0 {
					t.Errorf("installed terraform %s is not an executable file: %v", c.Path, err)
				}
			}
		})
	}
}

// TestInstalledReleaseRuns runs the installed executable: the zip served
// holds the local terraform, unpacked intact.
func TestInstalledReleaseRuns(t *testing.T) {
	t.Parallel()
	m := releasestest.Start(t, mirrorVersions, releasestest.Options{})
	in := New(Config{ReleasesURL: m.URL + "/", ArmoredKey: m.Key, Dir: t.TempDir()})
	path, err := in.Install(context.Background(), version.Must(version.NewVersion("1.10.5")))
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(path, "version", "-json").Output()
	if err != nil {
		t.Fatalf("%s version -json: %v", path, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil || v.Version == "" {
		t.Fatalf("installed terraform printed %q: %v", out, err)
	}
}

// TestLocalTerraformSatisfies uses the real terraform on PATH for a root
// it satisfies: no index, no download.
func TestLocalTerraformSatisfies(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatalf("terraform is not on PATH: this test runs the local terraform; install it and retry (%v)", err)
	}
	m := releasestest.Start(t, mirrorVersions, releasestest.Options{})
	_, root := writeRoot(t, map[string]string{"versions.tf": requires(">= 1.0")})
	in := New(Config{Binary: bin, ReleasesURL: m.URL, ArmoredKey: m.Key, Dir: t.TempDir()})
	c, err := in.Choose(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Configured || c.Path != bin || c.Version == "" {
		t.Errorf("choice = %+v, want the local terraform %s with its version", c, bin)
	}
	for _, v := range mirrorVersions {
		if n := m.Downloads(v); n != 0 {
			t.Errorf("terraform %s downloaded %d time(s), want none", v, n)
		}
	}
}

// TestRootsThatAgreeShareOneBinary chooses for many roots at once: those
// that want the same release get one path from one download, and the
// configured executable's version is asked once.
func TestRootsThatAgreeShareOneBinary(t *testing.T) {
	t.Parallel()
	m := releasestest.Start(t, mirrorVersions, releasestest.Options{})
	bin, calls := fakeTerraform(t, "terraform", "1.8.0")
	in := New(Config{Binary: bin, ReleasesURL: m.URL, ArmoredKey: m.Key, Dir: t.TempDir()})
	reqs := []string{"~> 1.10.0", ">= 1.10, < 1.11", "~> 1.10.0", "1.10.5", "< 1.11.0, > 1.9.0", "~> 1.10.1"}
	paths := make([]string, len(reqs))
	errs := make([]error, len(reqs))
	var wg sync.WaitGroup
	for i, r := range reqs {
		_, root := writeRoot(t, map[string]string{"versions.tf": requires(r)})
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := in.Choose(context.Background(), root)
			paths[i], errs[i] = c.Path, err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("root requiring %q: %v", reqs[i], err)
		}
	}
	for i, p := range paths {
		if p != paths[0] {
			t.Errorf("root requiring %q runs %s, want the shared %s", reqs[i], p, paths[0])
		}
	}
	got := map[string]int{"download 1.10.5": m.Downloads("1.10.5"), "version probes": countCalls(t, calls)}
	want := map[string]int{"download 1.10.5": 1, "version probes": 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

// TestRefused: a release that does not verify is never installed.
func TestRefused(t *testing.T) {
	t.Parallel()
	good := releasestest.Start(t, mirrorVersions, releasestest.Options{})
	broken := releasestest.Start(t, mirrorVersions, releasestest.Options{Corrupt: []string{"1.10.5"}, BadSignature: []string{"1.11.4"}})
	tests := []struct {
		name    string
		mirror  *releasestest.Mirror
		key     string
		version string
		wantErr []string
	}{
		{name: "corrupted zip", mirror: broken, key: broken.Key, version: "1.10.5", wantErr: []string{"install terraform 1.10.5 from " + broken.URL, "the zip does not match its SHA256SUMS entry", "refused, nothing was installed"}},
		{name: "SHA256SUMS changed after signing", mirror: broken, key: broken.Key, version: "1.11.4", wantErr: []string{"unable to verify checksums signature", "refused, nothing was installed"}},
		{name: "signed with another key", mirror: good, key: broken.Key, version: "1.9.0", wantErr: []string{"unable to verify checksums signature"}},
		{name: "HashiCorp's key does not verify a test mirror", mirror: good, key: "", version: "1.9.0", wantErr: []string{"install terraform 1.9.0", "refused"}},
		{name: "unknown version", mirror: good, key: good.Key, version: "1.99.0", wantErr: []string{"install terraform 1.99.0", "404"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			in := New(Config{ReleasesURL: tt.mirror.URL, ArmoredKey: tt.key, Dir: dir})
			path, err := in.Install(context.Background(), version.Must(version.NewVersion(tt.version)))
			if err == nil {
				t.Fatalf("Install = %s, want an error", path)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			left, _ := os.ReadDir(dir)
			if len(left) != 0 {
				t.Errorf("refused release left %d file(s) in the install directory", len(left))
			}
			// A refused version is not fetched again in the same run.
			before := tt.mirror.Downloads(tt.version)
			if _, err2 := in.Install(context.Background(), version.Must(version.NewVersion(tt.version))); err2 == nil || tt.mirror.Downloads(tt.version) != before {
				t.Errorf("second Install: err %v, downloads %d -> %d; want the first error, no new request", err2, before, tt.mirror.Downloads(tt.version))
			}
		})
	}
}

// TestChooseRealTofu checks the tofu rules against a real OpenTofu (the
// stand-ins above only answer like one): its `version -json` keeps
// terraform's terraform_version field, so an explicit setting is checked
// against OpenTofu's own version, and auto leaves it alone.
func TestChooseRealTofu(t *testing.T) {
	t.Parallel()
	env := tftest.SetupTofu(t)
	tofuVersion := strings.TrimPrefix(tftest.TofuVersion, "v")
	tests := []struct {
		name    string
		setting string
		want    Choice
		wantErr string
	}{
		{name: "auto leaves it alone", setting: "auto", want: Choice{Path: env.Terraform, Configured: true}},
		{name: "a setting it satisfies", setting: "~> 1.10.0",
			want: Choice{Path: env.Terraform, Configured: true, Version: tofuVersion, Why: "terraform-version ~> 1.10.0"}},
		{name: "a setting it does not satisfy", setting: "1.11.4",
			wantErr: "is version " + tofuVersion + "; drift-action installs terraform releases only, not OpenTofu"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := tfsetting.ParseVersion(tt.setting)
			if err != nil {
				t.Fatal(err)
			}
			repo, root := writeRoot(t, map[string]string{"versions.tf": requires(">= 1.11")})
			in := New(Config{Setting: s, Binary: env.Terraform, Env: env.Environ, ReleasesURL: "http://127.0.0.1:1", Dir: t.TempDir(), RepoRoot: repo})
			got, err := in.Choose(context.Background(), root)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Choose error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("choice (-want +got):\n%s", diff)
			}
		})
	}
}
