package record_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/myorg/drift-action/internal/record"
)

const goodEvent = "---\ntime: 2026-07-01T00:00:00Z\nevent: detected\nroot: a\ntarget: b\nresources: [x]\ncounts: {drifted: 1, changes: 0, failed: 0, overridden: 0}\n"

const goodReport = "---\napiVersion: infra.example.com/v1\nkind: DriftReport\nmetadata: {name: infra-drift-a-b}\n" +
	"spec: {root: a, target: b, state: clean, recovered: false, resources: [], lastRun: {time: 2026-07-01T00:00:00Z}}\n" +
	"status: {state: clean, recovered: false}\n"

func TestRecordErrors(t *testing.T) {
	t.Parallel()
	ok := []record.Target{{Root: "a", Target: "b", Status: record.StatusClean}}
	cases := []struct {
		name    string
		files   record.Files
		run     record.Run
		targets []record.Target
		want    string // substring of the error
	}{
		{name: "log syntax error names the line", files: record.Files{Log: []byte(goodEvent + "---\ntime: [\n")},
			want: "drift/drift-log.yaml:9: did not find expected node content"},
		{name: "log unknown field", files: record.Files{LogPath: "x/log.yaml", Log: []byte(goodEvent + "---\ntime: 2026-07-01T00:00:00Z\nevent: detected\nroot: a\ntarget: b\nvalue: secret\n")},
			want: "x/log.yaml:13: a log event (a mapping: time, event, root, target, ...) has no field value (remove it, or read the file with the drift-action version that wrote it)"},
		{name: "log event as a list", files: record.Files{Log: []byte(goodEvent + "---\n- a\n- b\n")},
			want: "drift/drift-log.yaml:9: want a log event (a mapping: time, event, root, target, ...), got a list"},
		{name: "log count as text", files: record.Files{Log: []byte(strings.Replace(goodEvent, "drifted: 1", "drifted: many", 1))},
			want: "drift/drift-log.yaml:7: want a whole number, got a string `many`"},
		{name: "log resources as a mapping", files: record.Files{Log: []byte(strings.Replace(goodEvent, "resources: [x]", "resources: {x: 1}", 1))},
			want: "drift/drift-log.yaml:6: want a list of strings, got a mapping"},
		{name: "log unknown event", files: record.Files{Log: []byte(strings.Replace(goodEvent, "detected", "exploded", 1))},
			want: `drift/drift-log.yaml:2: event "exploded" is not one of`},
		{name: "log bad time", files: record.Files{Log: []byte(strings.Replace(goodEvent, "2026-07-01T00:00:00Z", "yesterday", 1))},
			want: `drift/drift-log.yaml:2: "yesterday" is not an RFC 3339 time`},
		{name: "log without target", files: record.Files{Log: []byte(strings.Replace(goodEvent, "target: b\n", "", 1))},
			want: "drift/drift-log.yaml:2: event has no root or target"},
		{name: "log inline document", files: record.Files{Log: []byte("--- {time: 1}\n")},
			want: "drift/drift-log.yaml:1: put nothing after a document's opening ---"},
		{name: "log end marker", files: record.Files{Log: []byte(goodEvent + "...\n")},
			want: "drift/drift-log.yaml:8: document end markers"},
		{name: "report other kind", files: record.Files{Report: []byte("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nspec: {root: a, target: b}\n")},
			want: "drift/drift-report.yaml:2: document is v1 ConfigMap, want infra.example.com/v1 DriftReport"},
		{name: "report other group", run: record.Run{Group: "drift.myorg.io"}, files: record.Files{Report: []byte(goodReport)},
			want: "want drift.myorg.io/v1 DriftReport"},
		{name: "report duplicate name", files: record.Files{Report: []byte(goodReport + strings.Replace(goodReport, "target: b", "target: c", 1))},
			want: `drift/drift-report.yaml:8: name "infra-drift-a-b" is already used at line 2`},
		{name: "report duplicate target", files: record.Files{Report: []byte(goodReport + strings.Replace(goodReport, "name: infra-drift-a-b", "name: other", 1))},
			want: `drift/drift-report.yaml:8: root "a" target "b" already has a report at line 2`},
		{name: "report bad name", files: record.Files{Report: []byte(strings.Replace(goodReport, "infra-drift-a-b", "Infra_Drift", 1))},
			want: `metadata.name "Infra_Drift" is not a DNS subdomain`},
		{name: "report unknown field", files: record.Files{Report: []byte(strings.Replace(goodReport, "state: clean,", "state: clean, values: {a: 1},", 1))},
			want: "drift/drift-report.yaml:5: a DriftReport's spec has no field values (remove it"},
		{name: "report comment-only document", files: record.Files{Report: []byte(goodReport + "---\n# orphan\n")},
			want: "drift/drift-report.yaml:8: a document holds only comments"},
		{name: "run without time", run: record.Run{Time: time.Time{}}, want: "run has no time"},
		{name: "bad group", run: record.Run{Group: "Not A Group"}, want: `group "Not A Group" is not a DNS subdomain`},
		{name: "unknown status", targets: []record.Target{{Root: "a", Target: "b", Status: "weird"}}, want: `status "weird"`},
		{name: "unknown cause", targets: []record.Target{{Root: "a", Target: "b", Status: record.StatusDrifted,
			Drift: []record.Resource{{Address: "x", Cause: "gremlins"}}}}, want: `cause "gremlins"`},
		{name: "duplicate target", targets: append(ok, ok...), want: "target a (b) is given twice"},
		{name: "derived note", targets: []record.Target{{Root: "a", Target: "b", Status: record.StatusClean,
			Notes: []record.Note{{Kind: record.Detected}}}}, want: `note "detected" is not one of`},
		{name: "snooze without end", targets: []record.Target{{Root: "a", Target: "b", Status: record.StatusClean,
			Notes: []record.Note{{Kind: record.Snoozed}}}}, want: "a snoozed note needs Until"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := c.run
			if r.Time.IsZero() && c.name != "run without time" {
				r.Time = t0
			}
			targets := c.targets
			if targets == nil {
				targets = ok
			}
			_, err := record.Record(c.files, r, targets)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error = %v, want it to contain %q", err, c.want)
			}
			if got := err.Error(); got != strings.ToLower(got[:1])+got[1:] {
				t.Errorf("error %q does not start lowercase", got)
			}
		})
	}
}

func TestAge(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		d    time.Duration
		want string
	}{
		{"seconds", 30 * time.Second, "less than a minute"},
		{"one minute", time.Minute, "1 minute"},
		{"minutes", 59 * time.Minute, "59 minutes"},
		{"one hour", time.Hour, "1 hour"},
		{"a day and a half in hours", 36 * time.Hour, "36 hours"},
		{"days", 3*24*time.Hour + 5*time.Hour, "3 days"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(c.want, record.Age(c.d)); diff != "" {
				t.Errorf("Age(%v) (-want +got):\n%s", c.d, diff)
			}
		})
	}
}

func TestLogDrift(t *testing.T) {
	t.Parallel()
	ev := func(day int, kind, resources string) string {
		return "---\ntime: " + t0.AddDate(0, 0, day).Format(time.RFC3339) + "\nevent: " + kind +
			"\nroot: a\ntarget: b\nresources: [" + resources + "]\ncounts: {drifted: 0, changes: 0, failed: 0, overridden: 0}\n"
	}
	day := func(n int) time.Time { return t0.AddDate(0, 0, n) }
	cases := []struct {
		name string
		log  string
		want record.DriftInfo
	}{
		{name: "empty"},
		{name: "detected", log: ev(0, "detected", "x, y"),
			want: record.DriftInfo{Since: day(0), Resources: map[string]time.Time{"x": day(0), "y": day(0)}}},
		{name: "changed keeps the first time of resources still drifted",
			log:  ev(0, "detected", "x, y") + ev(2, "changed", "y, z"),
			want: record.DriftInfo{Since: day(0), Resources: map[string]time.Time{"y": day(0), "z": day(2)}}},
		{name: "recovery ends the drift", log: ev(0, "detected", "x") + ev(1, "recovered", "x")},
		{name: "drift after recovery starts anew",
			log:  ev(0, "detected", "x") + ev(1, "recovered", "x") + ev(3, "detected", "x"),
			want: record.DriftInfo{Since: day(3), Resources: map[string]time.Time{"x": day(3)}}},
		{name: "self-healed removes what it names",
			log:  ev(0, "detected", "x, y") + ev(1, "self-healed", "x"),
			want: record.DriftInfo{Since: day(0), Resources: map[string]time.Time{"y": day(0)}}},
		{name: "self-healed with no resources heals all", log: ev(0, "detected", "x, y") + ev(1, "self-healed", "")},
		{name: "other targets do not count", log: strings.ReplaceAll(ev(0, "detected", "x"), "target: b", "target: c")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			l, err := record.ParseLog("log", []byte(c.log))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.want, l.Drift("a", "b")); diff != "" {
				t.Errorf("Drift (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNames(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, root, target, base string
	}{
		{"plain", "infra/app", "prod", "infra-drift-infra-app-prod"},
		{"case and punctuation", "Infra/App_v2.x", "EU West", "infra-drift-infra-app-v2-x-eu-west"},
		{"dot root", ".", "default", "infra-drift-default"},
		{"trailing separators", "/a//", "--b--", "infra-drift-a-b"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(c.base, record.BaseName(c.root, c.target)); diff != "" {
				t.Errorf("BaseName (-want +got):\n%s", diff)
			}
			h := record.HashedName(c.root, c.target)
			if !strings.HasPrefix(h, c.base+"-") || len(h) != len(c.base)+11 {
				t.Errorf("HashedName = %q, want %q and a 10-digit hash", h, c.base)
			}
		})
	}
	if a, b := record.HashedName("a/b", "c"), record.HashedName("a", "b/c"); a == b {
		t.Errorf("HashedName collides: %q", a)
	}
	if h := record.HashedName(strings.Repeat("x", 500), "t"); len(h) > 253 {
		t.Errorf("HashedName is %d long", len(h))
	}
}
