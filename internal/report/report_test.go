package report_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/report"
)

var update = flag.Bool("update", false, "rewrite golden files")

// errorMessage is untrusted text as terraform might print it: several lines,
// a code fence, table pipes and HTML.
const errorMessage = "Error: Invalid value for variable\n\n" +
	"  on main.tf line 12:\n" +
	"  12: variable \"name\" { default = \"a|b\" }\n\n" +
	"```\n<script>alert(\"x\")</script>\n```\n" +
	"Allowed characters: [a-z] | [0-9]\n"

func cleanResult() drift.Result {
	return drift.Result{
		Dir: "infra/network", Target: "default", Status: drift.StatusClean,
		Ignored: []drift.Ignored{{Address: "aws_vpc.main", Path: "tags_all.LastScanned"}},
	}
}

func driftedResult() drift.Result {
	return drift.Result{
		Dir: "infra/app", Target: "prod", Workspace: "prod", Status: drift.StatusDrifted,
		Drift: []drift.Resource{
			{
				Address: "aws_instance.web", Type: "aws_instance", Actions: []string{"update"},
				Attributes: []drift.Attribute{
					{Path: "instance_type", Before: "t3.micro", After: "t3.large"},
					{Path: "monitoring", Before: false, After: true},
					{Path: "root_block_device[0].volume_size", Before: float64(8), After: float64(16)},
					{Path: `tags["team|owner"]`, Before: nil, After: "<b>sre</b> `ops`"},
					{Path: "user_data", Before: strings.Repeat("echo hello; ", 12), After: strings.Repeat("echo world; ", 12)},
					{Path: "password", Before: drift.Sensitive, After: drift.Sensitive, Sensitive: true},
					{Path: "security_groups", Before: []any{"sg-1"}, After: []any{"sg-1", "sg-2"}},
				},
			},
			{
				Address: "aws_s3_bucket.logs", Type: "aws_s3_bucket", Actions: []string{"delete"},
				Attributes: []drift.Attribute{
					{Path: "bucket", Before: "myorg-prod-logs", After: nil},
					{Path: "force_destroy", Before: false, After: nil},
				},
			},
		},
		Changes: []drift.Resource{
			{
				Address: "aws_instance.web", Type: "aws_instance", Actions: []string{"update"}, Cause: drift.CauseDriftAndCode,
				Attributes: []drift.Attribute{
					{Path: "instance_type", Before: "t3.large", After: "t3.micro"},
					{Path: "password", Before: drift.Sensitive, After: drift.Sensitive, Sensitive: true},
					{Path: "tags.env", Before: "prod", After: "production"},
				},
			},
			{Address: "aws_s3_bucket.logs", Type: "aws_s3_bucket", Actions: []string{"create"}, Cause: drift.CauseDrift},
		},
		Outputs: []string{"public_ip"},
		Checks: []drift.Check{
			{Address: "check.health", Kind: "check", Status: drift.CheckFail, Problems: []string{"GET /health | <b>503</b>"}},
			{Address: "output.url", Kind: "output_value", Status: drift.CheckUnknown},
		},
		Ignored: []drift.Ignored{{Address: "aws_instance.web", Path: "tags_all.Name"}},
	}
}

func changedResult() drift.Result {
	return drift.Result{
		Dir: "infra/app", Target: "staging", Workspace: "staging", Status: drift.StatusChanged,
		Changes: []drift.Resource{
			{
				Address: "aws_instance.web", Type: "aws_instance", Actions: []string{"delete", "create"}, Cause: drift.CauseCode,
				ActionReason: "replace_because_cannot_update", ReplacePaths: []string{"ami"},
				Attributes: []drift.Attribute{
					{Path: "ami", Before: "ami-0c55b159cbfafe1f0", After: "ami-0f9a8b7c6d5e4f321"},
					{Path: "id", Before: "i-0a1b2c3d4e5f60718", After: drift.Unknown},
				},
			},
			{Address: `module.cdn.aws_cloudfront_distribution.this["www"]`, Type: "aws_cloudfront_distribution", Actions: []string{"create"}, Cause: drift.CauseCode},
			{Address: "aws_s3_bucket.assets", Type: "aws_s3_bucket", Actions: []string{"no-op"}, Cause: drift.CauseCode, PreviousAddress: "aws_s3_bucket.static"},
			{Address: "aws_iam_user.ci", Type: "aws_iam_user", Actions: []string{"no-op"}, Cause: drift.CauseCode, Importing: true, ImportID: "ci"},
		},
	}
}

func errorResult() drift.Result {
	r := drift.Result{Dir: "infra/db", Target: "default"}
	r.Fail(errorMessage)
	return r
}

var snoozeNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// snoozedResults are a target whose only drift is snoozed (its revert held
// back) and one with a partly snoozed resource and an expired snooze.
func snoozedResults() []drift.Result {
	quiet := drift.Result{
		Dir: "infra/app", Target: "prod", Status: drift.StatusDrifted,
		Drift: []drift.Resource{{Address: "aws_instance.web", Type: "aws_instance", Actions: []string{"update"},
			Attributes: []drift.Attribute{{Path: "instance_type", Before: "t3.micro", After: "t3.large"}}}},
		Changes: []drift.Resource{{Address: "aws_instance.web", Type: "aws_instance", Actions: []string{"update"}, Cause: drift.CauseDrift,
			Attributes: []drift.Attribute{{Path: "instance_type", Before: "t3.large", After: "t3.micro"}}}},
	}
	loud := drift.Result{
		Dir: "infra/db", Target: "default", Status: drift.StatusDrifted,
		Drift: []drift.Resource{
			{Address: "aws_db_instance.main", Type: "aws_db_instance", Actions: []string{"update"},
				Attributes: []drift.Attribute{
					{Path: "allocated_storage", Before: float64(20), After: float64(40)},
					{Path: "tags.cost-center", Before: "eng", After: "finops"},
				}},
			{Address: "aws_s3_bucket.exports", Type: "aws_s3_bucket", Actions: []string{"delete"},
				Attributes: []drift.Attribute{{Path: "bucket", Before: "myorg-exports", After: nil}}},
		},
		Changes: []drift.Resource{{Address: "aws_s3_bucket.exports", Type: "aws_s3_bucket", Actions: []string{"create"}, Cause: drift.CauseDrift}},
	}
	snoozes := []drift.Snooze{
		{Root: "infra/app", Address: "aws_instance.web", Until: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
			Reason: "load test | <b>INC-42</b>", Source: ".github/drift.yaml:3"},
		{Root: "infra/*", Address: "aws_db_instance.*", Paths: []string{"tags"}, Until: time.Date(2026, 6, 30, 17, 0, 0, 0, time.UTC),
			Reason: "finops re-tags", Source: ".github/drift.yaml:8"},
		{Root: "infra/db", Address: "aws_s3_bucket.exports", Until: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
			Reason: "bucket retired, code removal pending", Source: ".github/drift.yaml:14"},
	}
	quiet.ApplySnoozes(snoozes, snoozeNow)
	loud.ApplySnoozes(snoozes, snoozeNow)
	return []drift.Result{loud, quiet}
}

// mixedResults are deliberately out of order: New sorts by dir, then target.
func mixedResults() []drift.Result {
	return []drift.Result{errorResult(), driftedResult(), cleanResult(), changedResult()}
}

func renderers() []struct {
	ext    string
	render func(io.Writer, report.Document) error
} {
	return []struct {
		ext    string
		render func(io.Writer, report.Document) error
	}{
		{"json", report.JSON},
		{"txt", func(w io.Writer, d report.Document) error { return report.Text(w, d, false) }},
		{"color.txt", func(w io.Writer, d report.Document) error { return report.Text(w, d, true) }},
		{"md", report.Markdown},
	}
}

func TestGolden(t *testing.T) {
	t.Parallel()
	docs := []struct {
		name     string
		results  []drift.Result
		warnings []report.Warning
	}{
		{"mixed", mixedResults(), nil},
		{"all-clean", []drift.Result{cleanResult(), {Dir: "infra/dns", Target: "default", Status: drift.StatusClean}}, nil},
		{"empty", nil, nil},
		{"snoozed", snoozedResults(), nil},
		{"warnings", []drift.Result{driftedResult()}, []report.Warning{
			{File: ".github/drift.yaml", Line: 7, Message: `.github/drift.yaml:7: snooze for root "infra/app" target "us-east-2" matches none of its targets (us-east-1, eu-west-1): it snoozes nothing; fix target, or remove the entry`},
			{File: ".github/drift.yaml", Line: 12, Message: `.github/drift.yaml:12: snooze for root "infra/<b>ap</b>" matches no root (found: infra/app): it snoozes nothing; fix root, or remove the entry`},
		}},
	}
	for _, doc := range docs {
		for _, r := range renderers() {
			name := doc.name + "." + r.ext
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				var buf bytes.Buffer
				d := report.New(doc.results)
				d.Warnings = doc.warnings
				if err := r.render(&buf, d); err != nil {
					t.Fatalf("render: %v", err)
				}
				checkGolden(t, name, buf.Bytes())
			})
		}
	}
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/report/ -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

func TestNewSummaryAndExitCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		results     []drift.Result
		wantSummary report.Summary
		wantDrifted bool
		wantExit    int
	}{
		{
			name:        "no targets",
			wantSummary: report.Summary{},
			wantExit:    0,
		},
		{
			name:        "clean with ignored attributes",
			results:     []drift.Result{cleanResult()},
			wantSummary: report.Summary{Targets: 1, Clean: 1, IgnoredAttrs: 1},
			wantExit:    0,
		},
		{
			name:        "pending change only",
			results:     []drift.Result{changedResult()},
			wantSummary: report.Summary{Targets: 1, Changed: 1, ChangedResources: 4, CodeChanges: 4},
			wantExit:    4,
		},
		{
			name:        "drift",
			results:     []drift.Result{driftedResult(), cleanResult()},
			wantSummary: report.Summary{Targets: 2, Clean: 1, Drifted: 1, DriftedResources: 2, ChangedResources: 2, UndoDriftChanges: 2, CodeChanges: 1, IgnoredAttrs: 2, FailedChecks: 1},
			wantDrifted: true,
			wantExit:    2,
		},
		{
			name:        "error wins over drift",
			results:     mixedResults(),
			wantSummary: report.Summary{Targets: 4, Clean: 1, Drifted: 1, Changed: 1, Errors: 1, DriftedResources: 2, ChangedResources: 6, UndoDriftChanges: 2, CodeChanges: 5, IgnoredAttrs: 2, FailedChecks: 1},
			wantDrifted: true,
			wantExit:    1,
		},
		{
			name:        "snoozed drift alone is clean: counted, exit 0",
			results:     snoozedResults()[1:],
			wantSummary: report.Summary{Targets: 1, Clean: 1, SnoozedResources: 1},
			wantExit:    0,
		},
		{
			name:        "an expired snooze is drift again: exit 2",
			results:     snoozedResults(),
			wantSummary: report.Summary{Targets: 2, Clean: 1, Drifted: 1, DriftedResources: 2, ChangedResources: 1, UndoDriftChanges: 1, SnoozedResources: 1, ExpiredSnoozes: 1},
			wantDrifted: true,
			wantExit:    2,
		},
		{
			name: "error that kept drift found before it failed",
			results: []drift.Result{func() drift.Result {
				r := driftedResult()
				r.Fail("timeout")
				return r
			}()},
			wantSummary: report.Summary{Targets: 1, Errors: 1, DriftedResources: 2, ChangedResources: 2, UndoDriftChanges: 2, CodeChanges: 1, IgnoredAttrs: 1, FailedChecks: 1},
			wantDrifted: true,
			wantExit:    1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := report.New(tt.results)
			if diff := cmp.Diff(tt.wantExit == 4, d.Pending() && !d.Drifted && tt.wantExit != 1); diff != "" {
				t.Errorf("exit 4 means pending changes without drift (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantSummary, d.Summary); diff != "" {
				t.Errorf("Summary mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantDrifted, d.Drifted); diff != "" {
				t.Errorf("Drifted mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantExit, d.ExitCode()); diff != "" {
				t.Errorf("ExitCode() mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(report.Version, d.Version); diff != "" {
				t.Errorf("Version mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// The document counts a verdict the pipeline built with the checks level
// applied (the level is part of the verdict, never applied by a renderer).
func TestCheckLevelInTheDocument(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		level    drift.CheckLevel
		wantExit int
		want     report.Summary
	}{
		{"warn reports and keeps the verdict", drift.CheckWarn, 2,
			report.Summary{Targets: 1, Drifted: 1, DriftedResources: 2, ChangedResources: 2, UndoDriftChanges: 2, CodeChanges: 1, IgnoredAttrs: 1, FailedChecks: 1}},
		{"error fails the target", drift.CheckErrors, 1,
			report.Summary{Targets: 1, Errors: 1, DriftedResources: 2, ChangedResources: 2, UndoDriftChanges: 2, CodeChanges: 1, IgnoredAttrs: 1, FailedChecks: 1}},
		{"ignore drops the checks", drift.CheckIgnore, 2,
			report.Summary{Targets: 1, Drifted: 1, DriftedResources: 2, ChangedResources: 2, UndoDriftChanges: 2, CodeChanges: 1, IgnoredAttrs: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := driftedResult()
			r.ApplyCheckLevel(tt.level)
			d := report.New([]drift.Result{r})
			if diff := cmp.Diff(tt.want, d.Summary); diff != "" {
				t.Errorf("Summary mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantExit, d.ExitCode()); diff != "" {
				t.Errorf("ExitCode() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewSortsAndDoesNotTouchInput(t *testing.T) {
	t.Parallel()
	in := mixedResults()
	d := report.New(in)
	type key struct{ Dir, Target string }
	var got []key
	for _, r := range d.Roots {
		got = append(got, key{r.Dir, r.Target})
	}
	want := []key{{"infra/app", "prod"}, {"infra/app", "staging"}, {"infra/db", "default"}, {"infra/network", "default"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("root order mismatch (-want +got):\n%s", diff)
	}
	for _, r := range in {
		if r.Dir == "infra/network" && (r.Drift != nil || r.Changes != nil) {
			t.Errorf("New changed the caller's result: Drift=%#v Changes=%#v", r.Drift, r.Changes)
		}
	}
	if in[0].Dir != "infra/db" {
		t.Errorf("New reordered the caller's slice: first is %q", in[0].Dir)
	}
}

func TestJSONShape(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := report.JSON(&buf, report.New(mixedResults())); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(buf.String(), "}\n") {
		t.Errorf("JSON does not end with a newline: %q", buf.String()[max(0, buf.Len()-10):])
	}
	var doc struct {
		Version *int `json:"version"`
		Roots   []map[string]json.RawMessage
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version == nil || *doc.Version != 1 {
		t.Errorf(`"version" = %v, want 1`, doc.Version)
	}
	type shape struct{ Dir, Drift, Changes string }
	var got []shape
	for _, r := range doc.Roots {
		got = append(got, shape{string(r["dir"]), compact(r["drift"])[:2], compact(r["changes"])[:2]})
		for _, hidden := range []string{"Duration", "duration", "PlanFile", "plan_file"} {
			if _, ok := r[hidden]; ok {
				t.Errorf("root %s has %q, which must never be rendered", r["dir"], hidden)
			}
		}
	}
	want := []shape{
		{`"infra/app"`, "[{", "[{"},
		{`"infra/app"`, "[]", "[{"},
		{`"infra/db"`, "[]", "[]"},
		{`"infra/network"`, "[]", "[]"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("drift/changes lists mismatch (-want +got):\n%s", diff)
	}
	if strings.Contains(buf.String(), `\u003c`) {
		t.Errorf("JSON escapes HTML; values must be kept as they are")
	}
}

func compact(m json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, m); err != nil {
		return "invalid: " + err.Error()
	}
	return b.String() + "  "
}

// TestMarkdownIsSafe proves that untrusted text cannot break out of a table
// cell or the error's code fence, and that no raw HTML from values survives.
func TestMarkdownIsSafe(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := report.Markdown(&buf, report.New(mixedResults())); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	lines := strings.Split(md, "\n")

	// The error sits in a fence longer than any run of backticks inside it.
	var fenced []string
	open := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "````text") {
			open = i
			continue
		}
		if open >= 0 && l == "````" {
			fenced = lines[open+1 : i]
			lines = append(lines[:open:open], lines[i+1:]...)
			break
		}
	}
	if diff := cmp.Diff(strings.Split(strings.TrimSpace(errorMessage), "\n"), fenced); diff != "" {
		t.Errorf("error code fence mismatch (-want +got):\n%s\nmarkdown:\n%s", diff, md)
	}

	// Outside the fence: every table row has exactly its columns, and no
	// value's HTML or backticks are raw.
	columns := 0
	for _, l := range lines {
		if !strings.HasPrefix(l, "|") {
			columns = 0
			continue
		}
		n := strings.Count(l, "|") - 1
		if columns == 0 {
			columns = n
		}
		if n != columns {
			t.Errorf("table row has %d cells, header has %d: %q", n, columns, l)
		}
	}
	rest := strings.Join(lines, "\n")
	for _, raw := range []string{"<script", "<b>", "`ops`", "```"} {
		if strings.Contains(rest, raw) {
			t.Errorf("markdown outside the error fence contains raw %q:\n%s", raw, rest)
		}
	}
	for _, escaped := range []string{"&lt;b&gt;sre&lt;/b&gt;", "&#96;ops&#96;", "team&#124;owner", "/health &#124; &lt;b&gt;503"} {
		if !strings.Contains(rest, escaped) {
			t.Errorf("markdown does not contain escaped %q:\n%s", escaped, rest)
		}
	}
}

func TestValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		v    any
		max  int
		want string
	}{
		{"nil", nil, 10, "null"},
		{"string is quoted", "t3.micro", 20, `"t3.micro"`},
		{"sensitive is shown bare", drift.Sensitive, 5, drift.Sensitive},
		{"unknown is shown bare", drift.Unknown, 5, drift.Unknown},
		{"bool", true, 10, "true"},
		{"number", float64(8), 10, "8"},
		{"list", []any{"a", float64(1)}, 20, `["a",1]`},
		{"map keys sorted", map[string]any{"b": "2", "a": "1"}, 30, `{"a":"1","b":"2"}`},
		{"html kept", "<b>", 10, `"<b>"`},
		{"cut to max runes", "ééééééé", 4, `"ééé…`},
		{"exactly max is not cut", "abc", 5, `"abc"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, report.Value(tt.v, tt.max)); diff != "" {
				t.Errorf("Value(%#v, %d) mismatch (-want +got):\n%s", tt.v, tt.max, diff)
			}
		})
	}
}
