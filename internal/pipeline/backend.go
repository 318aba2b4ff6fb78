package pipeline

import (
	"fmt"
	"path/filepath"
	"slices"

	"github.com/myorg/drift-action/internal/discover"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/tfsource"
)

// unconfiguredBackend says why a verdict looks like a plan against the
// wrong state, "" when it does not: the root declares a backend (other
// than local), the state the plan read holds no managed resource, and
// every change creates a resource. A backend-config gone missing (or
// pointing at a new key) plans exactly this, and reported as pending code
// it would hide every drift, so it is an error unless drift.yaml says the
// root is new. stateResources counts prior_state's managed resources,
// from the plan JSON; file is drift.yaml's path, for the advice.
func unconfiguredBackend(t discover.Target, r drift.Result, stateResources int, file string) string {
	if t.New || r.Error != "" || stateResources > 0 || len(r.Changes) == 0 || len(r.Drift) > 0 {
		return ""
	}
	for _, c := range r.Changes {
		if !slices.Equal(c.Actions, []string{"create"}) {
			return ""
		}
	}
	b, ok := tfsource.FindBackend(t.AbsDir)
	if !ok || b.Type == "local" {
		return "" // state in the working tree: empty means new
	}
	at := b.Pos.File
	if rel, err := filepath.Rel(t.AbsDir, b.Pos.File); err == nil {
		at = filepath.ToSlash(filepath.Join(t.Dir, rel))
	}
	if file == "" {
		file = discover.ConfigFile
	}
	return fmt.Sprintf("backend probably not configured: %s (target %s) declares backend %q (%s:%d), yet the state the plan read is empty and all %d change(s) create resources, "+
		"so terraform planned against a new, empty state rather than the real one; "+
		"give the target its backend settings in %s (roots[].targets[].backend-config: a file relative to the root, or key=value), "+
		"or, if the root has never been applied, set new: true on the root in %s",
		t.Dir, t.Name, b.Type, at, b.Pos.Line, len(r.Changes), file, file)
}
