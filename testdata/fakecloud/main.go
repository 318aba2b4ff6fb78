// Command terraform-provider-fakecloud is a test-only Terraform provider whose
// "cloud" is a JSON file on disk. Tests edit that file out of band to simulate
// drift, and can flip switches in it (or in the environment) to make the
// provider crash, hang or fail while reading. See README.md for the file
// format and the switches.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func main() {
	err := providerserver.Serve(context.Background(), newProvider, providerserver.ServeOpts{
		Address: "registry.terraform.io/myorg/fakecloud",
	})
	if err != nil {
		log.Fatal(err)
	}
}

// ---------------------------------------------------------------------------
// Provider

type fakeProvider struct{}

type providerModel struct {
	StateFile types.String `tfsdk:"state_file"`
}

func newProvider() provider.Provider { return &fakeProvider{} }

func (p *fakeProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "fakecloud"
	resp.Version = "0.1.0"
}

func (p *fakeProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Test-only provider backed by a JSON file.",
		Attributes: map[string]schema.Attribute{
			"state_file": schema.StringAttribute{
				Optional:    true,
				Description: "Path of the JSON cloud-state file. Defaults to $FAKECLOUD_STATE_FILE.",
			},
		},
	}
}

func (p *fakeProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	path := os.Getenv("FAKECLOUD_STATE_FILE")
	if !cfg.StateFile.IsNull() && !cfg.StateFile.IsUnknown() {
		path = cfg.StateFile.ValueString()
	}
	if path == "" {
		resp.Diagnostics.AddError("fakecloud: no state file",
			`Set "state_file" in the provider block or the FAKECLOUD_STATE_FILE environment variable.`)
		return
	}
	c := &cloud{path: path}
	resp.ResourceData = c
	resp.DataSourceData = c
}

func (p *fakeProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return &instanceResource{} }}
}

func (p *fakeProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{func() datasource.DataSource { return &instanceDataSource{} }}
}

// ---------------------------------------------------------------------------
// Cloud state file

// cloudState is the whole JSON file.
type cloudState struct {
	Crash     bool                 `json:"crash,omitempty"`
	Hang      bool                 `json:"hang,omitempty"`
	Error     string               `json:"error,omitempty"`
	Instances map[string]*instance `json:"instances"`
}

// instance is one entry of cloudState.Instances, keyed by its id.
type instance struct {
	Name         string            `json:"name"`
	InstanceType string            `json:"instance_type"`
	Tags         map[string]string `json:"tags"` // null => tags unset
	Password     *string           `json:"password"`
	LastModified string            `json:"last_modified"`
	Disks        []disk            `json:"disk"`
	Crash        bool              `json:"crash,omitempty"`
	Hang         bool              `json:"hang,omitempty"`
	Error        string            `json:"error,omitempty"`
}

type disk struct {
	Size int64   `json:"size"`
	Type *string `json:"type"`
}

// cloud is the handle the provider hands to resources and data sources.
type cloud struct {
	path string
	// A read is a network round trip to a real cloud, whose lookup costs
	// the runner nothing; parsing the whole state file for every read
	// would make the client's CPU, not the cloud's latency, bound a big
	// root's refresh. snapshot keeps the last parse while the file is
	// unchanged (same inode, size and modification time).
	mu     sync.Mutex
	parsed *cloudState
	seen   fileID
}

// fileID tells a changed state file from an unchanged one: save replaces
// the file (a new inode), and an edit in place changes its size or
// modification time.
type fileID struct {
	ino, size int64
	mod       time.Time
}

func statID(path string) (fileID, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileID{}, false
	}
	id := fileID{size: fi.Size(), mod: fi.ModTime()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		id.ino = int64(st.Ino)
	}
	return id, true
}

// lock takes a flock on "<state file>.lock" so that several provider
// processes (terraform runs providers in parallel) never interleave a
// read-modify-write. The kernel drops the lock if the process dies.
func (c *cloud) lock(how int) (unlock func(), err error) {
	f, err := os.OpenFile(c.path+".lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		return nil, err
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}

// load reads the state file; a missing or empty file is an empty cloud.
func (c *cloud) load() (*cloudState, error) {
	st := &cloudState{}
	b, err := os.ReadFile(c.path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if len(b) > 0 {
		if err := json.Unmarshal(b, st); err != nil {
			return nil, fmt.Errorf("parse %s: %w", c.path, err)
		}
	}
	if st.Instances == nil {
		st.Instances = map[string]*instance{}
	}
	return st, nil
}

// save writes the state atomically: temp file in the same dir, then rename.
func (c *cloud) save(st *cloudState) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path), ".fakecloud-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), c.path)
}

// snapshot returns the current state under a shared lock, for reading
// only: callers share it.
func (c *cloud) snapshot() (*cloudState, error) {
	unlock, err := c.lock(syscall.LOCK_SH)
	if err != nil {
		return nil, err
	}
	defer unlock()
	id, ok := statID(c.path)
	c.mu.Lock()
	defer c.mu.Unlock()
	if ok && c.parsed != nil && id == c.seen {
		return c.parsed, nil
	}
	st, err := c.load()
	if err != nil {
		return nil, err
	}
	c.parsed, c.seen = nil, fileID{}
	if ok {
		c.parsed, c.seen = st, id
	}
	return st, nil
}

// update runs fn on the state under an exclusive lock and saves the result
// unless fn returns an error.
func (c *cloud) update(fn func(*cloudState) error) error {
	logRequest("write")
	unlock, err := c.lock(syscall.LOCK_EX)
	if err != nil {
		return err
	}
	defer unlock()
	st, err := c.load()
	if err != nil {
		return err
	}
	if err := fn(st); err != nil {
		return err
	}
	return c.save(st)
}

// misbehave applies the crash / hang / error switches for a read. inst may be
// nil (instance not found). It is called with no lock held, so a hanging
// provider never blocks other provider processes.
func misbehave(st *cloudState, inst *instance, what string) error {
	logRequest("read " + what)
	// FAKECLOUD_READ_LATENCY (a Go duration) makes every read take that
	// long, as a real cloud's API does: benchmarks use it.
	if d, err := time.ParseDuration(os.Getenv("FAKECLOUD_READ_LATENCY")); err == nil && d > 0 {
		time.Sleep(d)
	}
	crash := st.Crash || envBool("FAKECLOUD_CRASH")
	hang := st.Hang || envBool("FAKECLOUD_HANG")
	msg := st.Error
	if inst != nil {
		crash, hang = crash || inst.Crash, hang || inst.Hang
		if inst.Error != "" {
			msg = inst.Error
		}
	}
	if crash {
		panic("fakecloud: crash switch is on while reading " + what)
	}
	if envBool("FAKECLOUD_HANG_READ") {
		// As a real provider stuck in a cloud call: it ignores ctx,
		// StopProvider, interrupts (go-plugin ignores them) and its
		// parent's death; only a kill ends it.
		select {}
	}
	if hang {
		// Block forever, deliberately ignoring ctx and StopProvider. Only
		// exit if our parent (terraform) goes away, so that a test that
		// SIGKILLs terraform does not leave orphaned providers behind.
		ppid := os.Getppid()
		for os.Getppid() == ppid {
			time.Sleep(200 * time.Millisecond)
		}
		os.Exit(3)
	}
	if msg != "" {
		return errors.New(msg)
	}
	return nil
}

// logRequest appends "UNIX_NANOS CALL" to $FAKECLOUD_REQUEST_LOG, when
// set, as a call reaches the cloud: the provider counts its own requests,
// so a request budget is checked by the cloud, not by drift-action.
// Terraform runs reads in parallel goroutines and several provider
// processes may share the file: each line is one write(2) on an O_APPEND
// descriptor, which the kernel never interleaves.
func logRequest(call string) {
	path := os.Getenv("FAKECLOUD_REQUEST_LOG")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		log.Printf("fakecloud: request log: %v", err)
		return
	}
	defer f.Close()
	if _, err := f.WriteString(strconv.FormatInt(time.Now().UnixNano(), 10) + " " + call + "\n"); err != nil {
		log.Printf("fakecloud: request log: %v", err)
	}
}

func envBool(name string) bool {
	v, err := strconv.ParseBool(os.Getenv(name))
	return err == nil && v
}

func newID() string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return "i-" + hex.EncodeToString(b)
}

func now() string { return time.Now().UTC().Format(time.RFC3339Nano) }
