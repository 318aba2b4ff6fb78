package notify

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/myorg/drift-action/internal/report"
	"go.yaml.in/yaml/v3"
)

// StateFile is the name of the thread file, kept beside the record.
const StateFile = "slack-threads.yaml"

// stateVersion is the version of the thread file's format.
const stateVersion = 1

// State is what the last runs told Slack, per root and target: the
// thread of the current drift episode (with a bot token) and the sets the
// messages showed, so that only changes are posted. It holds addresses and
// policy names, never values.
type State struct {
	Version int       `yaml:"version"`
	Threads []*Thread `yaml:"threads"`
}

// Thread is one target's open drift episode.
type Thread struct {
	Root   string `yaml:"root"`
	Target string `yaml:"target"`
	// Channel and TS name the episode's first message (bot token only):
	// later events reply in its thread and it is updated in place.
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
		return fmt.Errorf("line %d: %q is not an RFC 3339 time", n.Line, n.Value)
	}
	t.Time = v.UTC()
	return nil
}

// ParseState reads a thread file; empty data is an empty state.
func ParseState(data []byte) (State, error) {
	var s State
	if len(bytes.TrimSpace(data)) == 0 {
		return State{Version: stateVersion}, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return State{}, fmt.Errorf("slack thread file: %w (delete the file to start new threads)", err)
	}
	if s.Version != stateVersion {
		return State{}, fmt.Errorf("slack thread file: version %d is not %d: written by another drift-action version; delete the file to start new threads", s.Version, stateVersion)
	}
	return s, nil
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
