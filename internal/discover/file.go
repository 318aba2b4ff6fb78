package discover

import (
	"time"

	"github.com/myorg/drift-action/internal/drift"
)

// ConfigFile is where drift.yaml is looked for, from the repository root
// (config.DefaultFile; a test in app holds the two equal): a change to it
// affects every root, and messages point to it.
const ConfigFile = ".github/drift.yaml"

// ModeAffected is Selection.Mode when a pull request run plans the roots
// its changes affect (drift.yaml's pull-request-roots: affected).
const ModeAffected = "affected"

// File is what discovery reads of drift.yaml, as config parsed it; the
// caller (app) hands it over, so discover reads no config.
type File struct {
	Path    string // the file, for messages and as a global path; "" when there is none
	Roots   []Root
	Exclude []string           // root directories or globs never planned
	Ignore  []drift.IgnoreRule // ignore rules for every root
}

// Root is one configured root module (Dir may be a glob) with its targets
// and per-root settings.
type Root struct {
	Dir     string
	Line    int
	Targets []TargetConfig
	Ignore  []drift.IgnoreRule
	Timeout time.Duration
	// DependsOn are globs of repository paths a change to which affects
	// the root on a pull request (Dependencies).
	DependsOn []string
	// New is drift.yaml's `new: true`: the root was never applied.
	New bool
}

// TargetConfig is one configured way of planning a root, as drift.yaml
// gives it: Targets resolves its files and settings into a Target.
type TargetConfig struct {
	Name      string
	Workspace string
	VarFiles  []string // relative to the root directory
	// VarFileLines are the drift.yaml lines of VarFiles, one each.
	VarFileLines []int
	// BackendConfig are -backend-config arguments for init, in order: a
	// file (relative to the root) or key=value. Key is "".
	BackendConfig []Setting
	Vars          []Setting     // -var KEY=VALUE, in file order, expanded
	Env           []Setting     // extra environment for terraform, expanded
	Timeout       time.Duration // 0: the root's or the run's
	// Unset is the error for ${NAME} references the environment does not
	// set: the target fails with it, without running terraform.
	Unset error
}

// Setting is one configured value of a target, its ${NAME} references
// already expanded.
type Setting struct {
	Key       string
	Value     string
	Sensitive bool // never shown, not even as a file name
	Line      int  // in drift.yaml; 0 when unknown
}

// Part is one job's part of a matrix run: part Index (1-based) of Count;
// the zero value is the whole run.
type Part struct{ Index, Count int }

// IsSet reports whether the run is split.
func (p Part) IsSet() bool { return p.Count > 0 }
