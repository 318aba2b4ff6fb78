package report

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/exitcode"
)

// Code scanning's limits on one SARIF upload (GitHub's "SARIF support for
// code scanning"): more results in a run, or a bigger gzipped file, and
// the upload is rejected whole.
const (
	SARIFMaxResults   = 25000
	SARIFMaxGzipBytes = 10 << 20
)

// Stable rule ids: code scanning tracks an alert by rule id and
// fingerprint, so these never change.
const (
	RuleDrifted     = "drift/resource-drifted"
	RuleCodePending = "drift/code-change-pending"
)

// SARIFFingerprint names the partial fingerprint drift-action sets; the
// version is bumped only if what it hashes changes.
const SARIFFingerprint = "driftAction/v1"

const (
	sarifSchema   = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	sarifToolName = "drift-action"
	sarifToolURI  = "https://github.com/myorg/drift-action"
)

// SARIFOptions are what a SARIF log says beyond the document.
type SARIFOptions struct {
	// ToolVersion is drift-action's version.
	ToolVersion string
	// Category is the run's automationDetails.id ("drift-action/infra-app/"):
	// code scanning keeps one analysis per category, so each upload that
	// covers other roots or another shard needs its own.
	Category string
	// RepoPrefix is the slash-separated path from the repository root to
	// the directory the document's files are relative to ("" when it is
	// the root): code scanning reads URIs from the repository root.
	RepoPrefix string
	// MaxResults and MaxGzipBytes default to code scanning's limits.
	MaxResults, MaxGzipBytes int
}

// SARIF writes the document as a SARIF 2.1.0 log for code scanning: each
// drifted resource (warning), each pending change that comes from code
// alone and undoes no drift (note) and each failed mandatory policy
// (error), at the .tf line declaring its resource. Past MaxResults the
// most severe are kept and a notification says how many were left out;
// a log bigger than MaxGzipBytes gzipped is an error, nothing written.
func SARIF(w io.Writer, d Document, o SARIFOptions) error {
	if o.MaxResults <= 0 {
		o.MaxResults = SARIFMaxResults
	}
	if o.MaxGzipBytes <= 0 {
		o.MaxGzipBytes = SARIFMaxGzipBytes
	}
	results, rules := sarifResults(d, o.RepoPrefix)
	inv := sarifInvocation{ExecutionSuccessful: d.ExitCode() != exitcode.Error, Notifications: []sarifNotification{}}
	for _, r := range d.Roots {
		if r.Status == drift.StatusError {
			first, _, _ := strings.Cut(r.Error, "\n")
			inv.Notifications = append(inv.Notifications, sarifNotification{Level: "error",
				Message: sarifMessage{Text: fmt.Sprintf("%s (%s) was not checked: %s", r.Dir, r.Target, first)}})
		}
	}
	for _, p := range d.Problems {
		inv.Notifications = append(inv.Notifications, sarifNotification{Level: "error", Message: sarifMessage{Text: p}})
	}
	if len(results) > o.MaxResults {
		inv.Notifications = append(inv.Notifications, sarifNotification{Level: "warning",
			Message: sarifMessage{Text: fmt.Sprintf("%d of %d results were left out (code scanning takes at most %d per run); the most severe are kept: see the JSON result or the job summary for all", len(results)-o.MaxResults, len(results), o.MaxResults)}})
		results = results[:o.MaxResults]
		rules = usedRules(rules, results)
	}
	log := sarifLog{
		Schema:  sarifSchema,
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool:              sarifTool{Driver: sarifDriver{Name: sarifToolName, Version: o.ToolVersion, InformationURI: sarifToolURI, Rules: rules}},
			AutomationDetails: automation(o.Category),
			Invocations:       []sarifInvocation{inv},
			Results:           results,
		}},
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(log); err != nil {
		return fmt.Errorf("sarif: %w", err)
	}
	if n, err := gzipSize(b.Bytes()); err != nil {
		return fmt.Errorf("sarif: %w", err)
	} else if n > o.MaxGzipBytes {
		return fmt.Errorf("sarif: the log is %d bytes gzipped, over code scanning's limit of %d: check fewer roots per upload (working-directories, or shard the run with mode: list, one upload and category per shard)", n, o.MaxGzipBytes)
	}
	_, err := w.Write(b.Bytes())
	return err
}

func automation(category string) *sarifAutomation {
	if category == "" {
		return nil
	}
	return &sarifAutomation{ID: category}
}

func gzipSize(data []byte) (int, error) {
	var c countWriter
	zw := gzip.NewWriter(&c)
	if _, err := zw.Write(data); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	return int(c), nil
}

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

// sarifResults are the document's results, most severe first (document
// order within a level), and the rules they use, by id.
func sarifResults(d Document, prefix string) ([]sarifResult, []sarifRule) {
	rules := map[string]sarifRule{}
	var out []sarifResult
	at := map[string]int{} // fingerprint -> index in out
	add := func(root Root, rule sarifRule, level, address, msg string) {
		rules[rule.ID] = rule
		fp := fingerprint(rule.ID, path.Join(prefix, root.Dir), root.Target, address)
		if i, ok := at[fp]; ok {
			// One alert per rule and resource: a policy that denies a
			// resource twice says both in one.
			out[i].Message.Text += "\n" + msg
			return
		}
		at[fp] = len(out)
		out = append(out, sarifResult{
			RuleID:              rule.ID,
			Level:               level,
			Message:             sarifMessage{Text: msg},
			Locations:           []sarifLocation{location(root, address, prefix)},
			PartialFingerprints: map[string]string{SARIFFingerprint: fp},
			Properties:          sarifResultProps{Root: path.Join(prefix, root.Dir), Target: root.Target, Address: address},
		})
	}
	for _, root := range d.Roots {
		where := fmt.Sprintf("%s (%s)", path.Join(prefix, root.Dir), root.Target)
		for _, r := range root.Drift {
			msg := fmt.Sprintf("%s was %s in %s", r.Address, driftVerb(r.Actions), where)
			if paths := attributePaths(r); paths != "" {
				msg += ": " + paths
			}
			add(root, driftRule, "warning", r.Address, msg)
		}
		for _, r := range root.Changes {
			if r.Cause != drift.CauseCode {
				continue // it undoes drift (wholly or in part): the drift is the alert
			}
			add(root, codeRule, "note", r.Address, fmt.Sprintf("%s has a pending code change (%s) in %s: the configuration is not applied yet", r.Address, actionLabel(r), where))
		}
		for _, p := range root.Policy {
			if !p.Failed {
				continue
			}
			rule := policyRule(p.Policy, p.Rule)
			msg := fmt.Sprintf("policy %s.%s [%s, %s] failed in %s: %s", p.Policy, p.Rule, p.Level, p.Severity, where, oneLine(p.Msg))
			add(root, rule, "error", p.Resource, msg)
		}
	}
	rank := map[string]int{"error": 0, "warning": 1, "note": 2}
	sort.SliceStable(out, func(i, j int) bool { return rank[out[i].Level] < rank[out[j].Level] })
	if out == nil {
		out = []sarifResult{}
	}
	return out, sortedRules(rules)
}

func sortedRules(m map[string]sarifRule) []sarifRule {
	out := make([]sarifRule, 0, len(m))
	for _, r := range m {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// usedRules keeps the rules the results still use.
func usedRules(rules []sarifRule, results []sarifResult) []sarifRule {
	used := map[string]bool{}
	for _, r := range results {
		used[r.RuleID] = true
	}
	var out []sarifRule
	for _, r := range rules {
		if used[r.ID] {
			out = append(out, r)
		}
	}
	return out
}

// fingerprint identifies an alert across runs: the rule, the target (its
// root from the repository root, wherever the run started) and the
// address, never values or lines, so an edit that moves the declaration
// keeps the alert.
func fingerprint(rule, root, target, address string) string {
	h := sha256.Sum256([]byte(strings.Join([]string{rule, root, target, address}, "\x00")))
	return hex.EncodeToString(h[:])
}

// location is where address is declared, from the repository root; an
// address the pipeline did not find (or none: a policy about the whole
// plan) points at the root module's directory.
func location(root Root, address, prefix string) sarifLocation {
	var l sarifLocation
	if loc, ok := root.Declared[address]; ok && address != "" {
		l.PhysicalLocation.ArtifactLocation = sarifArtifact{URI: path.Join(prefix, loc.File), URIBaseID: "%SRCROOT%"}
		l.PhysicalLocation.Region = &sarifRegion{StartLine: loc.Line}
	} else {
		l.PhysicalLocation.ArtifactLocation = sarifArtifact{URI: path.Join(prefix, root.Dir) + "/", URIBaseID: "%SRCROOT%"}
	}
	if address != "" {
		l.LogicalLocations = []sarifLogical{{FullyQualifiedName: address, Kind: "resource"}}
	}
	return l
}

// attributePaths names at most five drifted attributes (paths, never values).
func attributePaths(r drift.Resource) string {
	if strings.Join(r.Actions, ",") == "delete" {
		return ""
	}
	var paths []string
	for i, a := range r.Attributes {
		if i == 5 {
			paths = append(paths, fmt.Sprintf("and %d more", len(r.Attributes)-5))
			break
		}
		paths = append(paths, a.Path)
	}
	return strings.Join(paths, ", ")
}

var (
	driftRule = sarifRule{
		ID: RuleDrifted, Name: "ResourceDrifted",
		ShortDescription: sarifMessage{Text: "Resource drifted from its configuration"},
		FullDescription:  sarifMessage{Text: "The resource was changed or deleted outside terraform: the real infrastructure no longer matches the code that declares it."},
		Help:             sarifMessage{Text: "Apply the configuration to undo the drift, or change the code to adopt it; drift-action's remediate mode can do either."},
		Default:          sarifConfig{Level: "warning"},
	}
	codeRule = sarifRule{
		ID: RuleCodePending, Name: "CodeChangePending",
		ShortDescription: sarifMessage{Text: "Code change not applied"},
		FullDescription:  sarifMessage{Text: "The configuration declares a change terraform has not applied; applying it undoes no drift."},
		Help:             sarifMessage{Text: "Apply the change through the usual pipeline, or revert it in the code."},
		Default:          sarifConfig{Level: "note"},
	}
)

// policyRule is the rule of one policy's rule: policy/<package>/<rule>,
// each part kept to characters every consumer takes.
func policyRule(pkg, rule string) sarifRule {
	return sarifRule{
		ID:               "policy/" + ruleIDPart(pkg) + "/" + ruleIDPart(rule),
		Name:             "Policy",
		ShortDescription: sarifMessage{Text: fmt.Sprintf("Policy %s.%s", pkg, rule)},
		FullDescription:  sarifMessage{Text: fmt.Sprintf("A mandatory deny of policy %s, rule %s, that no exception waived and no override lifted.", pkg, rule)},
		Help:             sarifMessage{Text: "Fix what the policy denies, or, for a soft-mandatory policy, override it for the run (recorded)."},
		Default:          sarifConfig{Level: "error"},
	}
}

func ruleIDPart(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			b[i] = '-'
		}
	}
	if len(b) == 0 {
		return "-"
	}
	return string(b)
}

// The SARIF 2.1.0 objects drift-action writes, members in the schema's
// names.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool              sarifTool         `json:"tool"`
		AutomationDetails *sarifAutomation  `json:"automationDetails,omitempty"`
		Invocations       []sarifInvocation `json:"invocations"`
		Results           []sarifResult     `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version,omitempty"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID               string       `json:"id"`
		Name             string       `json:"name"`
		ShortDescription sarifMessage `json:"shortDescription"`
		FullDescription  sarifMessage `json:"fullDescription"`
		Help             sarifMessage `json:"help"`
		Default          sarifConfig  `json:"defaultConfiguration"`
	}
	sarifConfig struct {
		Level string `json:"level"`
	}
	sarifAutomation struct {
		ID string `json:"id"`
	}
	sarifInvocation struct {
		ExecutionSuccessful bool                `json:"executionSuccessful"`
		Notifications       []sarifNotification `json:"toolExecutionNotifications"`
	}
	sarifNotification struct {
		Level   string       `json:"level"`
		Message sarifMessage `json:"message"`
	}
	sarifMessage struct {
		Text string `json:"text"`
	}
	sarifResult struct {
		RuleID              string            `json:"ruleId"`
		Level               string            `json:"level"`
		Message             sarifMessage      `json:"message"`
		Locations           []sarifLocation   `json:"locations"`
		PartialFingerprints map[string]string `json:"partialFingerprints"`
		Properties          sarifResultProps  `json:"properties"`
	}
	sarifResultProps struct {
		Root    string `json:"root"`
		Target  string `json:"target"`
		Address string `json:"address,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical  `json:"physicalLocation"`
		LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
		Region           *sarifRegion  `json:"region,omitempty"`
	}
	sarifArtifact struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId"`
	}
	sarifRegion struct {
		StartLine int `json:"startLine"`
	}
	sarifLogical struct {
		FullyQualifiedName string `json:"fullyQualifiedName"`
		Kind               string `json:"kind"`
	}
)
