package record

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

// reportHeader opens a new report file.
const reportHeader = "# drift-action record: one DriftReport per root and target, sorted by name.\n" +
	"# Written by drift-action; edits to a target's document are replaced when it is next checked.\n"

// Report is one DriftReport document.
type Report struct {
	APIVersion string       `yaml:"apiVersion"`
	Kind       string       `yaml:"kind"`
	Metadata   Metadata     `yaml:"metadata"`
	Spec       ReportSpec   `yaml:"spec"`
	Status     ReportStatus `yaml:"status"`
}

// Metadata is the part of ObjectMeta a report carries. Labels and
// annotations someone adds are kept when the report is rewritten.
type Metadata struct {
	Name        string            `yaml:"name"`
	Namespace   string            `yaml:"namespace,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
}

// ReportSpec holds the whole record, the recovery state included: Argo CD
// syncs spec, and would drop or ignore status (docs/record.md).
type ReportSpec struct {
	Root      string `yaml:"root"`
	Target    string `yaml:"target"`
	Workspace string `yaml:"workspace,omitempty"`
	// State: clean, drifted, changed (configuration changes, no drift) or
	// error (the last run could not plan; the rest is from the run before).
	State     string   `yaml:"state"`
	Recovered bool     `yaml:"recovered"` // drifted before, no drift now
	Resources []string `yaml:"resources"` // drifted addresses
	// DetectedAt: when the current drift was first detected (from the log).
	DetectedAt *Time `yaml:"detectedAt,omitempty"`
	// DriftAge and LastCheckedAt are no longer written: they changed on
	// every run, and a report is rewritten only when what it says changes
	// (docs/record.md). Reports written before keep them until then.
	DriftAge      string         `yaml:"driftAge,omitempty"`
	RecoveredAt   *Time          `yaml:"recoveredAt,omitempty"`
	LastCheckedAt *Time          `yaml:"lastCheckedAt,omitempty"`
	LastRun       RunRef         `yaml:"lastRun"` // last run that changed this report
	Drift         []Drifted      `yaml:"drift,omitempty"`
	Changes       []Resource     `yaml:"changes,omitempty"`
	Policy        []PolicyResult `yaml:"policy,omitempty"`
	// Snoozed: drift active snoozes hold (resources, paths, reason, until).
	Snoozed       []SnoozedResource `yaml:"snoozed,omitempty"`
	SnoozedUntil  *Time             `yaml:"snoozedUntil,omitempty"`
	RemediationPR string            `yaml:"remediationPR,omitempty"`
	Error         string            `yaml:"error,omitempty"`
}

// Drifted is a drifted resource with when it joined the current drift.
type Drifted struct {
	Resource `yaml:",inline"`
	// Deleted: the resource is gone outside terraform. Its paths are left
	// out: every attribute would be one.
	Deleted    bool  `yaml:"deleted,omitempty"`
	DetectedAt *Time `yaml:"detectedAt,omitempty"`
}

// RunRef names a run.
type RunRef struct {
	Time       Time   `yaml:"time"`
	URL        string `yaml:"url,omitempty"`
	Commit     string `yaml:"commit,omitempty"`
	Repository string `yaml:"repository,omitempty"`
}

// ReportStatus mirrors spec.state and spec.recovered for readers that look
// at status. The CRD declares no status subresource, so it travels with the
// object; spec is what counts.
type ReportStatus struct {
	State     string `yaml:"state"`
	Recovered bool   `yaml:"recovered"`
}

// reportFile is a parsed report file. Documents keep their bytes so the ones
// a run does not touch are written back verbatim.
type reportFile struct {
	header []byte // comments before the first document
	docs   []*reportDoc
}

type reportDoc struct {
	r    Report
	text []byte // as read; nil once rewritten
	line int
}

// ParseReports reads a report file written for group. name is used in
// errors, which give the line.
func ParseReports(name string, data []byte, group string) ([]Report, error) {
	f, err := parseReports(name, data, group)
	if err != nil {
		return nil, err
	}
	out := make([]Report, len(f.docs))
	for i, d := range f.docs {
		out[i] = d.r
	}
	return out, nil
}

func parseReports(name string, data []byte, group string) (*reportFile, error) {
	if group == "" {
		group = DefaultGroup
	}
	chunks, err := split(name, data)
	if err != nil {
		return nil, fmt.Errorf("parse reports: %w", err)
	}
	f := &reportFile{}
	names := map[string]int{}
	ids := map[key]int{}
	for i, c := range chunks {
		if c.blank() {
			if i == 0 && !c.sep {
				f.header = c.text
			} else if len(bytes.TrimSpace(c.text)) > 0 {
				return nil, fmt.Errorf("parse reports: %s:%d: a document holds only comments; remove it or move the comments into a report", name, c.line)
			}
			continue
		}
		d := &reportDoc{text: c.text, line: c.line}
		if err := decodeChunk(name, c, &d.r); err != nil {
			return nil, fmt.Errorf("parse reports: %w", err)
		}
		if err := d.r.check(group); err != nil {
			return nil, fmt.Errorf("parse reports: %s:%d: %w", name, c.line, err)
		}
		if at, ok := names[d.r.Metadata.Name]; ok {
			return nil, fmt.Errorf("parse reports: %s:%d: name %q is already used at line %d; remove one of the two", name, c.line, d.r.Metadata.Name, at)
		}
		k := key{d.r.Spec.Root, d.r.Spec.Target}
		if at, ok := ids[k]; ok {
			return nil, fmt.Errorf("parse reports: %s:%d: root %q target %q already has a report at line %d; remove one of the two", name, c.line, k.root, k.target, at)
		}
		names[d.r.Metadata.Name], ids[k] = c.line, c.line
		if !bytes.HasSuffix(d.text, []byte("\n")) {
			d.text = append(d.text, '\n')
		}
		f.docs = append(f.docs, d)
	}
	return f, nil
}

func (r Report) check(group string) error {
	want := group + "/" + Version
	switch {
	case r.APIVersion != want || r.Kind != Kind:
		return fmt.Errorf("document is %s %s, want %s %s: only drift reports of this group belong in this file (set the group it was written with, or move the document)", r.APIVersion, r.Kind, want, Kind)
	case r.Spec.Root == "" || r.Spec.Target == "":
		return fmt.Errorf("report has no spec.root or spec.target; add both")
	}
	if errs := subdomainProblems(r.Metadata.Name); len(errs) > 0 {
		return fmt.Errorf("metadata.name %q is not a DNS subdomain (%s); fix or remove the document", r.Metadata.Name, strings.Join(errs, "; "))
	}
	return nil
}

// render writes the file: the header, then every document sorted by name,
// untouched ones byte for byte.
func (f *reportFile) render() ([]byte, error) {
	var b bytes.Buffer
	if f.header != nil {
		b.Write(f.header)
		if !bytes.HasSuffix(f.header, []byte("\n")) {
			b.WriteByte('\n')
		}
	} else {
		b.WriteString(reportHeader)
	}
	docs := append([]*reportDoc(nil), f.docs...)
	sort.SliceStable(docs, func(i, j int) bool { return docs[i].r.Metadata.Name < docs[j].r.Metadata.Name })
	for _, d := range docs {
		b.WriteString("---\n")
		if d.text != nil {
			b.Write(d.text)
			continue
		}
		if err := encode(&b, d.r); err != nil {
			return nil, fmt.Errorf("render report %s: %w", d.r.Metadata.Name, err)
		}
	}
	return b.Bytes(), nil
}
