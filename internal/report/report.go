// Package report renders drift results for people and machines: the
// versioned JSON document, terminal text and markdown. Renderers are pure
// functions that write to an io.Writer.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/exitcode"
	"github.com/myorg/drift-action/internal/policy"
)

// Version of the JSON document; bumped only on incompatible change.
const Version = 1

// Document is the `--format json` output (see docs/json-format.md).
type Document struct {
	Version int     `json:"version"`
	Drifted bool    `json:"drifted"`
	Summary Summary `json:"summary"`
	// Policy summarises policy results over all targets and manifests; nil
	// when policies were not evaluated.
	Policy *policy.Summary `json:"policy,omitempty"`
	Roots  []Root          `json:"roots"`
	// Manifests are Gatekeeper verdicts on Kubernetes manifests.
	Manifests []policy.Result `json:"manifests,omitempty"`
	// Origin says which workflow run, and which shard of it, produced the
	// document; aggregate refuses results of another run.
	Origin *Origin `json:"origin,omitempty"`
	// Activity says what the run did beyond detecting, one sentence each:
	// what it applied, the remediation pull requests, the record commit.
	Activity []string `json:"activity,omitempty"`
	// Selection says which roots a pull request run planned and why, and
	// which it skipped as unaffected; nil when the run planned every root
	// as usual.
	Selection *Selection `json:"selection,omitempty"`
	// Window says which slot of drift.yaml's schedule window a scheduled
	// run planned and when each target it skipped is due; nil on other
	// runs.
	Window *Window `json:"window,omitempty"`
	// Recorded says the run committed the record of its own targets (a
	// matrix shard in mode remediate, which alone knows what it healed):
	// an aggregate job does not record those targets again.
	Recorded bool `json:"recorded,omitempty"`
	// DryRun says nothing the run reports doing was done (`record` or
	// `remediate` with --dry-run): Activity is what a real run would
	// have said, and Recorded is false.
	DryRun bool `json:"dryRun,omitempty"`
	// Problems are failures of the run as a whole (a matrix shard missing,
	// say): any makes the run an error, whatever the targets say.
	Problems []string `json:"problems,omitempty"`
	// Warnings are drift.yaml entries the run could not apply as written (a
	// snooze whose root or target matches nothing): shown and annotated,
	// they change no verdict and no exit code.
	Warnings []Warning `json:"warnings,omitempty"`
}

// Warning is one configuration warning, at the file and line it is about.
type Warning struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Message string `json:"message"` // names the file and line itself
}

// Origin identifies the run that produced a document.
type Origin struct {
	Repository string `json:"repository,omitempty"`
	RunID      string `json:"run_id,omitempty"`
	RunAttempt string `json:"run_attempt,omitempty"`
	Commit     string `json:"commit,omitempty"`
	Shard      *Shard `json:"shard,omitempty"`
}

// Shard is one job's part of a matrix run: Index of Count, 1-based.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Root is one target's verdict with its policy results.
type Root struct {
	drift.Result
	Policy []policy.Result `json:"policy,omitempty"`
	// Declared says where each address the verdict names is declared in
	// the root module, as the pipeline found it: annotations point there
	// without reading the code again, also in an aggregate job.
	Declared map[string]Location `json:"declared,omitempty"`
}

// Location is a file (slash-separated, relative to the directory the run
// was started in, like Dir) and a 1-based line.
type Location struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

// Key names a target.
type Key struct{ Dir, Target string }

// Policies are the policy results of a run, by target, plus manifest verdicts.
type Policies struct {
	ByTarget  map[Key][]policy.Result
	Manifests []policy.Result
}

// Summary counts targets by status and resources by kind.
type Summary struct {
	Targets          int `json:"targets"`
	Clean            int `json:"clean"`
	Drifted          int `json:"drifted"`
	Changed          int `json:"changed"`
	Errors           int `json:"errors"`
	DriftedResources int `json:"drifted_resources"`
	ChangedResources int `json:"changed_resources"`
	// UndoDriftChanges and CodeChanges split ChangedResources by cause; a
	// drift+code change counts in both.
	UndoDriftChanges int `json:"undo_drift_changes"`
	CodeChanges      int `json:"code_changes"`
	IgnoredAttrs     int `json:"ignored_attributes"`
	// FailedChecks counts check blocks and conditions that failed or errored.
	FailedChecks int `json:"failed_checks"`
	// SnoozedResources counts drifted resources wholly snoozed (not in
	// DriftedResources); ExpiredSnoozes counts snoozes that expired over
	// drift still there.
	SnoozedResources int `json:"snoozed_resources"`
	ExpiredSnoozes   int `json:"expired_snoozes"`
}

// New builds the document; results are sorted by dir and target so output is
// stable whatever order targets finished in.
func New(results []drift.Result) Document { return WithPolicies(results, nil) }

// WithPolicies builds the document with policy results attached (pol may be nil).
func WithPolicies(results []drift.Result, pol *Policies) Document {
	d := Document{Version: Version, Roots: make([]Root, len(results))}
	for i, r := range results {
		d.Roots[i].Result = r
		if pol != nil {
			d.Roots[i].Policy = pol.ByTarget[Key{r.Dir, r.Target}]
		}
	}
	if pol != nil {
		var all []policy.Result
		for _, r := range d.Roots {
			all = append(all, r.Policy...)
		}
		d.Manifests = pol.Manifests
		all = append(all, pol.Manifests...)
		s := policy.Summarize(all)
		d.Policy = &s
	}
	sort.SliceStable(d.Roots, func(i, j int) bool {
		a, b := d.Roots[i], d.Roots[j]
		if a.Dir != b.Dir {
			return a.Dir < b.Dir
		}
		return a.Target < b.Target
	})
	d.count()
	return d
}

func (d *Document) count() {
	d.Summary = Summary{}
	for i := range d.Roots {
		r := &d.Roots[i]
		// Empty lists, not null, so consumers can iterate without checks.
		if r.Drift == nil {
			r.Drift = []drift.Resource{}
		}
		if r.Changes == nil {
			r.Changes = []drift.Resource{}
		}
		d.Summary.Targets++
		switch r.Status {
		case drift.StatusClean:
			d.Summary.Clean++
		case drift.StatusDrifted:
			d.Summary.Drifted++
		case drift.StatusChanged:
			d.Summary.Changed++
		case drift.StatusError:
			d.Summary.Errors++
		}
		d.Summary.DriftedResources += len(r.Drift)
		d.Summary.ChangedResources += len(r.Changes)
		d.Summary.IgnoredAttrs += len(r.Ignored)
		n := r.Count()
		d.Summary.UndoDriftChanges += n.UndoDrift
		d.Summary.CodeChanges += n.Code
		d.Summary.FailedChecks += n.FailChecks
		d.Summary.SnoozedResources += n.Snoozed
		d.Summary.ExpiredSnoozes += len(r.ExpiredSnoozes)
	}
	d.Drifted = d.Summary.DriftedResources > 0
}

// Pending reports whether any target has a change waiting to be applied.
func (d Document) Pending() bool { return d.Summary.ChangedResources > 0 }

// ExitCode is the process status the document calls for (see
// internal/exitcode): an error of a target or of the run, else a mandatory
// policy failure, else drift, else pending changes without drift, else clean.
func (d Document) ExitCode() int {
	switch {
	case d.Summary.Errors > 0 || len(d.Problems) > 0:
		return exitcode.Error
	case d.Policy != nil && d.Policy.Mandatory:
		return exitcode.Policy
	case d.Summary.DriftedResources > 0:
		return exitcode.Drift
	case d.Summary.ChangedResources > 0:
		return exitcode.Pending
	}
	return exitcode.Clean
}

// JSON writes the document, indented, with a trailing newline.
func JSON(w io.Writer, d Document) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(d)
}

// Merge joins documents from the jobs of a matrix run into one. Manifest
// verdicts, which every shard computes alike, are kept once.
func Merge(docs []Document) (Document, error) {
	var results []drift.Result
	pol := &Policies{ByTarget: map[Key][]policy.Result{}}
	withPolicy := false
	seen := map[string]bool{}
	var sel *Selection // every shard records the run's whole selection
	var win *Window    // and the run's whole window
	var warnings []Warning
	warned := map[Warning]bool{} // every shard checks the whole drift.yaml
	for i, d := range docs {
		for _, w := range d.Warnings {
			if !warned[w] {
				warned[w] = true
				warnings = append(warnings, w)
			}
		}
		if sel == nil {
			sel = d.Selection
		}
		if win == nil {
			win = d.Window
		}
		if d.Version != Version {
			return Document{}, fmt.Errorf("merge: result %d has version %d; this drift-action reads version %d (use the same drift-action version for every job)", i+1, d.Version, Version)
		}
		withPolicy = withPolicy || d.Policy != nil
		for _, r := range d.Roots {
			k := Key{r.Dir, r.Target}
			if _, dup := pol.ByTarget[k]; dup {
				return Document{}, fmt.Errorf("merge: target %s (%s) appears in more than one result; give each matrix job a different shard", r.Dir, r.Target)
			}
			results = append(results, r.Result)
			pol.ByTarget[k] = r.Policy
		}
		for _, m := range d.Manifests {
			b, _ := json.Marshal(m)
			if !seen[string(b)] {
				seen[string(b)] = true
				pol.Manifests = append(pol.Manifests, m)
			}
		}
	}
	if !withPolicy {
		pol = nil
	}
	merged := WithPolicies(results, pol)
	merged.Selection = sel
	merged.Window = win
	merged.Warnings = warnings
	return merged, nil
}

// ShardFile is one result file handed to aggregate.
type ShardFile struct {
	Name string // where it was found, for messages
	Doc  Document
}

// CheckShards keeps the results that are exactly the shards 1..n of the run
// `run` (repository and run ID), and names every problem: a result with no
// shard, one of another run (stale or foreign), a shard count that
// disagrees, a shard given twice, a shard missing. A run ID of "" accepts
// any run.
func CheckShards(files []ShardFile, run Origin) (keep []Document, problems []string) {
	count := 0
	byIndex := map[int][]string{}
	for _, f := range files {
		o := f.Doc.Origin
		switch {
		case o == nil || o.Shard == nil || o.Shard.Count < 1 || o.Shard.Index < 1 || o.Shard.Index > o.Shard.Count:
			problems = append(problems, fmt.Sprintf("%s is not the result of a matrix shard (it records no shard INDEX/COUNT); refused: aggregate only results of mode: detect jobs with shard set", f.Name))
			continue
		case run.RunID != "" && (o.RunID != run.RunID || o.Repository != run.Repository):
			problems = append(problems, fmt.Sprintf("%s comes from run %s of %s, not this run (%s of %s); refused as stale or foreign: download only this run's artifacts", f.Name, orNone(o.RunID), orNone(o.Repository), run.RunID, orNone(run.Repository)))
			continue
		case count == 0:
			count = o.Shard.Count
		case o.Shard.Count != count:
			problems = append(problems, fmt.Sprintf("%s is shard %s but other results are of %d shards; refused: every job of one matrix must use the matrix from one mode: list run", f.Name, o.Shard, count))
			continue
		}
		byIndex[o.Shard.Index] = append(byIndex[o.Shard.Index], f.Name)
		if len(byIndex[o.Shard.Index]) == 1 {
			keep = append(keep, f.Doc)
		}
	}
	for i := 1; i <= count; i++ {
		switch names := byIndex[i]; {
		case len(names) == 0:
			problems = append(problems, fmt.Sprintf("shard %d/%d is missing: its job uploaded no result (did it fail or get cancelled before the upload step?); its targets were not checked", i, count))
		case len(names) > 1:
			problems = append(problems, fmt.Sprintf("shard %d/%d was given %d times (%s); the first is used: upload each shard's result under its own artifact name", i, count, len(names), strings.Join(names, ", ")))
		}
	}
	if count == 0 && len(problems) == 0 {
		problems = append(problems, "no shard results to aggregate")
	}
	return keep, problems
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
