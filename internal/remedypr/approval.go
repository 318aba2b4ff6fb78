package remedypr

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/yamlerr"
	"go.yaml.in/yaml/v3"
)

// recordShapes names Record's types by what the front matter holds there.
var recordShapes = yamlerr.Shapes{
	"remedypr.Record":   "the front matter",
	"remedypr.Strategy": "a strategy (apply or pr)",
}

// Record is a record file's front matter: what merging its pull request
// approved undoing.
type Record struct {
	Path        string   `yaml:"-"` // where the record is, relative to the repository
	Root        string   `yaml:"root"`
	Target      string   `yaml:"target,omitempty"`
	Workspace   string   `yaml:"workspace,omitempty"`
	Strategy    Strategy `yaml:"strategy"`
	Fingerprint string   `yaml:"fingerprint"`
	Resources   []string `yaml:"resources"`
	Adopted     []string `yaml:"adopted,omitempty"`
}

// Fingerprint identifies reviewed drift: the root, target and workspace,
// and per drifted resource its address, actions, attribute paths and
// values as the report shows them (sensitive and masked ones are already
// "(sensitive)", so no secret is hashed: a hash of a short secret can be
// guessed back). Resources count in address order.
func Fingerprint(root, target, workspace string, rs []drift.Resource) string {
	type attr struct {
		Path          string
		Before, After any
	}
	type res struct {
		Address string
		Actions []string
		Attrs   []attr
	}
	all := struct {
		Root, Target, Workspace string
		Resources               []res
	}{Root: cleanRoot(root), Target: orDefault(target), Workspace: orDefault(workspace)}
	for _, r := range rs {
		x := res{Address: r.Address, Actions: r.Actions}
		for _, a := range r.Attributes {
			b, af := a.Before, a.After
			if a.Sensitive {
				b, af = drift.Sensitive, drift.Sensitive
			}
			x.Attrs = append(x.Attrs, attr{a.Path, b, af})
		}
		all.Resources = append(all.Resources, x)
	}
	sort.SliceStable(all.Resources, func(i, j int) bool { return all.Resources[i].Address < all.Resources[j].Address })
	data, _ := json.Marshal(all) // plan JSON values: always marshal
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func orDefault(s string) string {
	if s == "" {
		return "default"
	}
	return s
}

func cleanRoot(s string) string { return path.Clean(strings.ReplaceAll(s, "\\", "/")) }

// ParseRecord reads a record file written by WriteRecord; name is its path
// in the repository, for errors and Record.Path.
func ParseRecord(name string, data []byte) (Record, error) {
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	rest, ok := strings.CutPrefix(text, "---\n")
	front, _, closed := strings.Cut(rest, "\n---\n")
	if !ok || !closed {
		return Record{}, fmt.Errorf("remedypr: record %s: no front matter between --- lines; restore the file as the remediation pull request wrote it", name)
	}
	var r Record
	dec := yaml.NewDecoder(bytes.NewReader([]byte(front)))
	dec.KnownFields(true)
	if err := dec.Decode(&r); err != nil {
		err = yamlerr.Error(err, recordShapes, "(remove it: drift-action writes root, target, workspace, strategy, fingerprint, resources and adopted)", 2)
		return Record{}, fmt.Errorf("remedypr: record %s: front matter: %w; restore the file as the remediation pull request wrote it", name, err)
	}
	r.Path = name
	var missing []string
	if r.Root == "" {
		missing = append(missing, "root")
	}
	if !strings.HasPrefix(r.Fingerprint, "sha256:") {
		missing = append(missing, "fingerprint (sha256:...)")
	}
	if len(r.Resources) == 0 {
		missing = append(missing, "resources")
	}
	if len(missing) > 0 {
		return Record{}, fmt.Errorf("remedypr: record %s: front matter lacks %s; restore the file as the remediation pull request wrote it", name, strings.Join(missing, ", "))
	}
	return r, nil
}

// PushedRecords are the record files (under RecordDir) a push event's
// payload (GITHUB_EVENT_PATH) says its commits added or changed: merging a
// remediation pull request pushes its record, and that push is the
// approval. Sorted, each once.
func PushedRecords(payload []byte) ([]string, error) {
	type files struct {
		Added    []string `json:"added"`
		Modified []string `json:"modified"`
	}
	var p struct {
		Commits    []files `json:"commits"`
		HeadCommit *files  `json:"head_commit"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return nil, fmt.Errorf("remedypr: push payload is not valid JSON: %w", err)
	}
	all := p.Commits
	if p.HeadCommit != nil {
		all = append(all, *p.HeadCommit)
	}
	var out []string
	for _, c := range all {
		for _, f := range append(slices.Clone(c.Added), c.Modified...) {
			if strings.HasPrefix(f, RecordDir+"/") && strings.HasSuffix(f, ".md") && !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// Approvals are the records a merge approved.
type Approvals []Record

// Check says whether a record covers the target res is the verdict of, and
// if so how res's plan differs from what the record approved (nil: it is
// exactly the reviewed drift and may be applied).
func (a Approvals) Check(res drift.Result) (covered bool, err error) {
	for _, r := range a {
		if cleanRoot(r.Root) == cleanRoot(res.Dir) && orDefault(r.Target) == orDefault(res.Target) && orDefault(r.Workspace) == orDefault(res.Workspace) {
			return true, r.Check(res)
		}
	}
	return false, nil
}

// Check compares a new plan of the record's target with what was reviewed:
// the plan may change only reviewed resources, only to undo their drift,
// with no output written, and the drift on them must be what was reviewed
// (the fingerprint). The error lists every difference.
func (r Record) Check(res drift.Result) error {
	reviewed := map[string]bool{}
	for _, addr := range r.Resources {
		reviewed[addr] = true
	}
	var problems, unreviewed, code []string
	for _, ch := range append(slices.Clone(res.Changes), res.SnoozedChanges...) {
		switch {
		case !reviewed[ch.Address] && (ch.PreviousAddress == "" || !reviewed[ch.PreviousAddress]):
			unreviewed = append(unreviewed, ch.Address)
		case ch.Cause != drift.CauseDrift:
			code = append(code, fmt.Sprintf("%s (cause %s)", ch.Address, ch.Cause))
		}
	}
	if len(unreviewed) > 0 {
		problems = append(problems, "it also changes "+strings.Join(unreviewed, ", ")+", which the review did not cover")
	}
	if len(code) > 0 {
		problems = append(problems, "its change to "+strings.Join(code, ", ")+" also applies code, and the review approved undoing drift only")
	}
	if len(res.Outputs) > 0 {
		problems = append(problems, "it also writes output(s) "+strings.Join(res.Outputs, ", ")+", which the review did not cover")
	}
	var now []drift.Resource
	found := map[string]bool{}
	for _, d := range res.Drift {
		if reviewed[d.Address] {
			now = append(now, d)
			found[d.Address] = true
		}
	}
	var gone []string
	for _, addr := range r.Resources {
		if !found[addr] {
			gone = append(gone, addr)
		}
	}
	switch {
	case len(gone) > 0:
		problems = append(problems, strings.Join(gone, ", ")+" no longer drift(s) as reviewed")
	case Fingerprint(res.Dir, res.Target, res.Workspace, now) != r.Fingerprint:
		problems = append(problems, "the drift on "+strings.Join(r.Resources, ", ")+" has other values than were reviewed (the values changed after the review)")
	}
	if len(problems) == 0 {
		return nil
	}
	return errors.New(r.Path + " approved other drift: " + strings.Join(problems, "; "))
}
