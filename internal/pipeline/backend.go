package pipeline

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

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

// stateMigration explains an init that stopped to ask whether to copy
// state into the root's backend, "" for any other failure. Every target
// runs in a new working directory, which has no record of the backend, so
// terraform takes state files beside the code (terraform.tfstate,
// terraform.tfstate.d) for state to move into it and asks first, on every
// run. Nobody can answer in a run, and copying state is not drift-action's
// to decide: with a remote backend it would overwrite the real state with
// a stale local copy. It says which files terraform found and what to do.
func stateMigration(t discover.Target, errText string) string {
	if !strings.Contains(errText, "state migration") || !strings.Contains(errText, "input") {
		return ""
	}
	var found []string
	if _, err := os.Stat(filepath.Join(t.AbsDir, "terraform.tfstate")); err == nil {
		found = append(found, "terraform.tfstate")
	}
	if ws, err := os.ReadDir(filepath.Join(t.AbsDir, "terraform.tfstate.d")); err == nil {
		for _, w := range ws {
			if w.IsDir() {
				found = append(found, "terraform.tfstate.d/"+w.Name())
			}
		}
	}
	files := "local state files"
	if len(found) > 0 {
		files = fmt.Sprintf("the local state in %s (%s)", t.Dir, strings.Join(found, ", "))
	}
	backend := "its backend"
	b, ok := tfsource.FindBackend(t.AbsDir)
	if ok {
		at := b.Pos.File
		if rel, err := filepath.Rel(t.AbsDir, b.Pos.File); err == nil {
			at = filepath.ToSlash(filepath.Join(t.Dir, rel))
		}
		backend = fmt.Sprintf("backend %q (%s:%d)", b.Type, at, b.Pos.Line)
	}
	msg := fmt.Sprintf("terraform stopped to ask whether to copy %s into %s: each target runs in a new working directory, "+
		"which has no record of the backend, so terraform asks on every run; a run cannot answer, and drift-action never copies state. ", files, backend)
	if ok && b.Type == "local" {
		return msg + "A backend \"local\" block with no settings keeps state in these same files: remove it " +
			"(terraform's default backend is the same, with nothing to copy); one that sets path or workspace_dir keeps state there: move the state there and delete these files"
	}
	return msg + "If the backend holds the real state, these files are left over from a run without it: delete them from the repository " +
		"and ignore terraform.tfstate* in .gitignore; if they are the real state, copy it into the backend once by hand (terraform init -migrate-state), then delete them"
}
