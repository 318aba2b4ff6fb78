// Package tfinstall chooses the terraform executable each root module is
// planned with, and installs terraform releases the configured executable
// cannot stand in for.
//
// The choice for a root: the configured executable (terraform-binary) when
// the root asks for no version, or when its version (`terraform version
// -json`, run once) satisfies everything asked; otherwise the newest
// release in the releases index that does, downloaded once per run with
// hashicorp/hc-install, which verifies the zip against SHA256SUMS and
// SHA256SUMS against its detached signature (HashiCorp's public key, built
// into hc-install, or the configured armored key for a private mirror).
// Anything that does not verify is refused and nothing is installed.
package tfinstall

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/hc-install/product"
	"github.com/hashicorp/hc-install/releases"
	"github.com/myorg/drift-action/internal/tfsetting"
)

// Config configures an Installer.
type Config struct {
	// Setting is terraform-version, parsed by config; the zero value is auto.
	Setting tfsetting.Version
	// Binary is the configured executable (terraform-binary, --terraform):
	// a path, or a name looked up on PATH.
	Binary string
	// ReleasesURL is the releases site or a mirror with its layout;
	// "" is tfsetting.DefaultReleasesURL.
	ReleasesURL string
	// ArmoredKey is the armored PGP public key SHA256SUMS must be signed
	// with; "" is HashiCorp's, built into hc-install.
	ArmoredKey string
	// Dir holds the installed releases, one directory per version; the
	// caller removes it when the run is done.
	Dir string
	// Env is the environment `terraform version -json` runs with.
	Env []string
	// RepoRoot bounds the search for .terraform-version above a root.
	RepoRoot string
}

// Choice is the executable chosen for one root module.
type Choice struct {
	Path string // what to run: Config.Binary, or an installed release
	// Version is the version chosen; "" when the root asked for nothing
	// and the configured executable was taken without looking.
	Version    string
	Installed  bool   // Path is a release installed by this run
	Why        string // the requirement, for messages
	Configured bool   // Path is Config.Binary
}

// Installer chooses and installs terraform for the roots of one run. It is
// safe for concurrent use; each version is downloaded at most once.
type Installer struct {
	c Config

	probeOnce sync.Once
	probed    *version.Version
	probeErr  error

	mu       sync.Mutex
	index    *flight[[]*version.Version]
	installs map[string]*flight[string]
}

type flight[T any] struct {
	done chan struct{}
	val  T
	err  error
}

// New returns an installer for c.
func New(c Config) *Installer {
	if c.ReleasesURL == "" {
		c.ReleasesURL = tfsetting.DefaultReleasesURL
	}
	c.ReleasesURL = strings.TrimRight(c.ReleasesURL, "/")
	return &Installer{c: c, installs: map[string]*flight[string]{}}
}

// IsOpenTofu reports whether bin names OpenTofu's executable.
func IsOpenTofu(bin string) bool {
	return strings.HasPrefix(strings.ToLower(filepath.Base(bin)), "tofu")
}

// Choose picks the executable for the root module in dir.
func (in *Installer) Choose(ctx context.Context, dir string) (Choice, error) {
	conf := Choice{Path: in.c.Binary, Configured: true}
	if IsOpenTofu(in.c.Binary) {
		// OpenTofu's versions are its own: required_version is not read
		// against terraform's releases, and nothing is downloaded. An
		// explicit setting is a check of the configured executable.
		if in.c.Setting.IsAuto() {
			return conf, nil
		}
		v, err := in.probe(ctx)
		if err != nil {
			return conf, fmt.Errorf("terraform-version %s: cannot tell the version of %s: %w", in.c.Setting, in.c.Binary, err)
		}
		if !in.c.Setting.Constraints().Check(v) {
			return conf, fmt.Errorf("terraform-version %s: %s is version %s; drift-action installs terraform releases only, not OpenTofu: install a matching OpenTofu or change terraform-version", in.c.Setting, in.c.Binary, v)
		}
		conf.Version, conf.Why = v.String(), "terraform-version "+in.c.Setting.String()
		return conf, nil
	}
	req, err := ReadRequirement(dir, in.c.RepoRoot)
	if err != nil {
		return conf, err
	}
	cons := append(append(version.Constraints{}, in.c.Setting.Constraints()...), req.Constraints...)
	why := req.String()
	if !in.c.Setting.IsAuto() {
		why = "terraform-version " + in.c.Setting.String()
		if len(req.Sources) > 0 {
			why += ", " + req.String()
		}
	}
	conf.Why = why
	if len(cons) == 0 {
		return conf, nil
	}
	if v, err := in.probe(ctx); err == nil && cons.Check(v) {
		conf.Version = v.String()
		return conf, nil
	}
	vs, err := in.releases(ctx)
	if err != nil {
		return conf, err
	}
	var pick *version.Version
	for _, v := range vs {
		if cons.Check(v) && (pick == nil || v.GreaterThan(pick)) {
			pick = v
		}
	}
	if pick == nil {
		return conf, fmt.Errorf("no terraform release in %s satisfies %s (newest listed: %s): change the version requirement, or set terraform-releases-url to a mirror that has a matching release", in.indexURL(), why, newestOf(vs))
	}
	path, err := in.Install(ctx, pick)
	if err != nil {
		return conf, err
	}
	return Choice{Path: path, Version: pick.String(), Installed: true, Why: why}, nil
}

func newestOf(vs []*version.Version) string {
	var n *version.Version
	for _, v := range vs {
		if v.Prerelease() == "" && (n == nil || v.GreaterThan(n)) {
			n = v
		}
	}
	if n == nil {
		return "none"
	}
	return n.String()
}

// probe runs `BINARY version -json` once and returns the version.
func (in *Installer) probe(ctx context.Context) (*version.Version, error) {
	in.probeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, in.c.Binary, "version", "-json")
		cmd.Env = append(append([]string{}, in.c.Env...), "CHECKPOINT_DISABLE=1")
		if in.c.Env == nil {
			cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1")
		}
		out, err := cmd.Output()
		if err != nil {
			in.probeErr = fmt.Errorf("%s version -json: %w", in.c.Binary, err)
			return
		}
		var v struct {
			Version string `json:"terraform_version"`
		}
		if err := json.Unmarshal(out, &v); err != nil || v.Version == "" {
			in.probeErr = fmt.Errorf("%s version -json printed no terraform_version", in.c.Binary)
			return
		}
		in.probed, in.probeErr = version.NewVersion(v.Version)
	})
	return in.probed, in.probeErr
}

func (in *Installer) indexURL() string {
	return redact(in.c.ReleasesURL) + "/" + product.Terraform.Name + "/index.json"
}

// releases lists the versions in the releases index, once per run.
func (in *Installer) releases(ctx context.Context) ([]*version.Version, error) {
	in.mu.Lock()
	f := in.index
	first := f == nil
	if first {
		f = &flight[[]*version.Version]{done: make(chan struct{})}
		in.index = f
	}
	in.mu.Unlock()
	if first {
		f.val, f.err = in.list(ctx)
		close(f.done)
	}
	select {
	case <-f.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return f.val, f.err
}

func (in *Installer) list(ctx context.Context) ([]*version.Version, error) {
	vs := &releases.Versions{Product: product.Terraform, ApiBaseURL: in.c.ReleasesURL, ListTimeout: time.Minute}
	srcs, err := vs.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list terraform releases from %s: %s: check terraform-releases-url and that the runner can reach it", in.indexURL(), in.clean(err))
	}
	out := make([]*version.Version, 0, len(srcs))
	for _, s := range srcs {
		if ev, ok := s.(*releases.ExactVersion); ok {
			out = append(out, ev.Version)
		}
	}
	return out, nil
}

// Install downloads, verifies and unpacks terraform v into Config.Dir
// once per run, and returns the executable's path. Concurrent calls for one
// version wait for one download; a failed download is not retried in the
// same run.
func (in *Installer) Install(ctx context.Context, v *version.Version) (string, error) {
	key := v.String()
	in.mu.Lock()
	f, found := in.installs[key]
	if !found {
		f = &flight[string]{done: make(chan struct{})}
		in.installs[key] = f
	}
	in.mu.Unlock()
	if !found {
		f.val, f.err = in.install(ctx, v)
		close(f.done)
	}
	select {
	case <-f.done:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return f.val, f.err
}

func (in *Installer) install(ctx context.Context, v *version.Version) (string, error) {
	if in.c.Dir == "" {
		return "", fmt.Errorf("install terraform %s: no directory to install into", v)
	}
	if err := os.MkdirAll(in.c.Dir, 0o700); err != nil {
		return "", fmt.Errorf("install terraform %s: %w", v, err)
	}
	// A new, empty directory: see verifyFailure.
	dir := filepath.Join(in.c.Dir, "terraform_"+v.String())
	if err := os.Mkdir(dir, 0o700); err != nil {
		return "", fmt.Errorf("install terraform %s: %w", v, err)
	}
	var logged lockedBuffer
	ev := &releases.ExactVersion{
		Product: product.Terraform, Version: v, InstallDir: dir,
		ApiBaseURL: in.c.ReleasesURL, ArmoredPublicKey: in.c.ArmoredKey,
		Timeout: 15 * time.Minute,
	}
	ev.SetLogger(log.New(&logged, "", 0))
	path, err := ev.Install(ctx)
	if err != nil {
		os.RemoveAll(dir)
		reason := in.clean(err)
		if r := verifyFailure(logged.String()); r != "" {
			reason = r
		} else if errors.Is(err, fs.ErrNotExist) {
			reason = "the archive was not unpacked: it did not download whole or did not verify"
		}
		return "", fmt.Errorf("install terraform %s from %s: %s: refused, nothing was installed (a checksum or signature that does not verify means the mirror's files or terraform-releases-key are wrong)", v, redact(in.c.ReleasesURL), reason)
	}
	return path, nil
}

// verifyFailure finds why hc-install refused an archive. hc-install v0.10.0
// logs a checksum or size mismatch and stops before unpacking, but a
// deferred cleanup then replaces the error it returns with nil; Install
// fails later, when the executable it expected is not there. The install
// directory is always new and empty, so no earlier file can stand in for
// the refused one, and the reason is read from hc-install's log.
func verifyFailure(log string) string {
	for _, l := range strings.Split(log, "\n") {
		switch {
		case strings.HasPrefix(l, "checksum does not match"):
			return "the zip does not match its SHA256SUMS entry (" + l + ")"
		case strings.HasPrefix(l, "failed to calculate hash"):
			return "the zip could not be downloaded whole (" + l + ")"
		}
	}
	return ""
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// clean keeps credentials in the releases URL out of messages.
func (in *Installer) clean(err error) string {
	return strings.ReplaceAll(err.Error(), in.c.ReleasesURL, redact(in.c.ReleasesURL))
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Redacted()
}
