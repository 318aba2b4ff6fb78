package notify

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/myorg/drift-action/internal/report"
	"go.yaml.in/yaml/v3"
)

// StateFile is the name of the thread file, kept beside the record.
const StateFile = "slack-threads.yaml"

// stateVersion is the version of the thread file's format.
const stateVersion = 1

// State is what the last runs told Slack, per root and target: the sets
// the messages showed, so that only changes are posted, and (with a bot
// token) the thread that last told them. It holds addresses and
// policy names, never values.
type State struct {
	Version int       `yaml:"version"`
	Threads []*Thread `yaml:"threads"`
}

// Thread is one target's open drift episode: drift or failing policies.
type Thread struct {
	Root   string `yaml:"root"`
	Target string `yaml:"target"`
	// Channel and TS name the run message whose thread last told this
	// target (bot token only).
	Channel string `yaml:"channel,omitempty"`
	TS      string `yaml:"ts,omitempty"`
	// Since is when the episode was first posted.
	Since     Time     `yaml:"since,omitempty"`
	Resources []string `yaml:"resources,omitempty"` // the drifted set last told
	Policies  []string `yaml:"policies,omitempty"`  // mandatory denies last told
	Expired   []string `yaml:"expired,omitempty"`   // expired snoozes last told
}

func (t *Thread) key() report.Key { return report.Key{Dir: t.Root, Target: t.Target} }

func (t *Thread) same(o *Thread) bool {
	return t.Channel == o.Channel && t.TS == o.TS && t.Since.Equal(o.Since.Time) &&
		slices.Equal(t.Resources, o.Resources) && slices.Equal(t.Policies, o.Policies) && slices.Equal(t.Expired, o.Expired)
}

// Time is a UTC instant written as RFC 3339; the zero time is omitted.
type Time struct{ time.Time }

// IsZero lets omitempty drop an unknown time.
func (t Time) IsZero() bool { return t.Time.IsZero() }

// MarshalYAML writes RFC 3339.
func (t Time) MarshalYAML() (any, error) { return t.UTC().Format(time.RFC3339), nil }

// UnmarshalYAML reads RFC 3339.
func (t *Time) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.Parse(time.RFC3339, n.Value)
	if err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: not an RFC 3339 time", n.Line)}}
	}
	t.Time = v.UTC()
	return nil
}

// keepThreads is what an unreadable thread file means for the run.
const keepThreads = "the threads in it are kept as they are and Slack is not told this run: " +
	"use the drift-action version that wrote it, or delete the file to start new threads"

var yamlLine = regexp.MustCompile(`line (\d+)`)

// ParseState reads a thread file; empty data is an empty state. name is
// the file's path, for errors. Errors name the file and line, never its
// content: the file is committed, and anyone with a branch can write it.
func ParseState(name string, data []byte) (State, error) {
	var s State
	if len(bytes.TrimSpace(data)) == 0 {
		return State{Version: stateVersion}, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return State{}, fmt.Errorf("slack thread file %s:%s: not valid YAML; %s", name, errLine(err), keepThreads)
	}
	if v := versionOf(&doc); v.line > 0 && v.value != strconv.Itoa(stateVersion) {
		return State{}, fmt.Errorf("slack thread file %s:%d: version is not %d: written by another drift-action version; %s", name, v.line, stateVersion, keepThreads)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return State{}, fmt.Errorf("slack thread file %s:%s: a field this version does not know, or a value of the wrong type; %s", name, errLine(err), keepThreads)
	}
	if s.Version != stateVersion {
		return State{}, fmt.Errorf("slack thread file %s: no version %d: written by another drift-action version; %s", name, stateVersion, keepThreads)
	}
	return s, nil
}

// errLine is the first line a YAML error names, or "1".
func errLine(err error) string {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		return m[1]
	}
	return "1"
}

type scalarAt struct {
	value string
	line  int
}

// versionOf finds the top-level version key.
func versionOf(doc *yaml.Node) scalarAt {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return scalarAt{}
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "version" {
			return scalarAt{value: m.Content[i+1].Value, line: m.Content[i+1].Line}
		}
	}
	return scalarAt{}
}

// ReadState reads the thread file at rel (slash-separated) in the checkout
// dir; a missing file is an empty state. A path through a symlink is
// refused: the file comes from a commit, and a committed symlink would have
// the run read a file elsewhere on the runner.
func ReadState(dir, rel string) (State, error) {
	full := dir
	for _, c := range strings.Split(rel, "/") {
		full = filepath.Join(full, c)
		fi, err := os.Lstat(full)
		if errors.Is(err, fs.ErrNotExist) {
			return State{Version: stateVersion}, nil
		}
		if err != nil {
			return State{}, fmt.Errorf("slack thread file %s: %w", rel, err)
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return State{}, fmt.Errorf("slack thread file %s: %s is a symlink, which is not followed; replace it with the file, or delete it to start new threads", rel, filepath.ToSlash(strings.TrimPrefix(full, dir+string(filepath.Separator))))
		}
	}
	data, err := os.ReadFile(full)
	if err != nil {
		return State{}, fmt.Errorf("slack thread file %s: %w", rel, err)
	}
	return ParseState(rel, data)
}

// MergeState is the thread file cur (its content on the branch now, nil
// when it does not exist) with the threads of changes set or removed. A cur
// that does not parse is an error, never replaced: it holds the threads of
// every other target.
func MergeState(name string, cur []byte, changes map[report.Key]*Thread) ([]byte, error) {
	st, err := ParseState(name, cur)
	if err != nil {
		return nil, err
	}
	return st.Apply(changes).Marshal()
}

// Get returns the target's thread, or nil.
func (s State) Get(k report.Key) *Thread {
	for _, t := range s.Threads {
		if t.key() == k {
			return t
		}
	}
	return nil
}

// Apply sets or (for nil) removes the threads of changes, keeping every
// other target's thread as it is: another job may have written them.
func (s State) Apply(changes map[report.Key]*Thread) State {
	out := State{Version: stateVersion}
	for _, t := range s.Threads {
		if _, changed := changes[t.key()]; !changed {
			out.Threads = append(out.Threads, t)
		}
	}
	for _, t := range changes {
		if t != nil {
			out.Threads = append(out.Threads, t)
		}
	}
	sort.Slice(out.Threads, func(i, j int) bool {
		a, b := out.Threads[i], out.Threads[j]
		if a.Root != b.Root {
			return a.Root < b.Root
		}
		return a.Target < b.Target
	})
	return out
}

// Marshal writes the thread file.
func (s State) Marshal() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("# Slack threads of open drift episodes, kept by drift-action: do not edit.\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if s.Threads == nil {
		s.Threads = []*Thread{}
	}
	s.Version = stateVersion
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}
