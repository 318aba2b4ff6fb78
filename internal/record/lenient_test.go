package record_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/myorg/drift-action/internal/record"
)

// A log a newer drift-action wrote (a field and an event kind this version
// does not know) reads leniently, where ParseLog refuses it; what is
// missing is still an error naming the line.
func TestParseLogLenientPassesOverUnknownFields(t *testing.T) {
	t.Parallel()
	newer := "---\ntime: 2026-07-01T06:00:00Z\nevent: detected\nroot: infra/app\ntarget: default\nresources: [aws_instance.web]\nwaived: [aws_instance.db]\ncounts: {drifted: 1, changes: 0, failed: 0, overridden: 0, waived: 1}\n" +
		"---\ntime: 2026-07-02T06:00:00Z\nevent: waived\nroot: infra/app\ntarget: default\nresources: []\ncounts: {drifted: 0, changes: 0, failed: 0, overridden: 0}\n"
	if _, err := record.ParseLog("drift-log.yaml", []byte(newer)); err == nil {
		t.Fatalf("ParseLog read unknown fields; this test needs it strict")
	}
	l, err := record.ParseLogLenient("drift-log.yaml", []byte(newer))
	if err != nil {
		t.Fatalf("ParseLogLenient: %v", err)
	}
	type ev struct {
		Kind      record.EventKind
		Resources []string
		Drifted   int
		Line      int
	}
	var got []ev
	for _, e := range l.Events {
		got = append(got, ev{e.Event, e.Resources, e.Counts.Drifted, e.Line})
	}
	want := []ev{{record.Detected, []string{"aws_instance.web"}, 1, 2}, {"waived", []string{}, 0, 10}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}

	bad := []struct{ name, log, want string }{
		{"no time", "---\nevent: detected\nroot: a\ntarget: b\n", "drift-log.yaml:2: event has no time"},
		{"no kind", "---\ntime: 2026-07-01T06:00:00Z\nroot: a\ntarget: b\n", "drift-log.yaml:2: event has no kind"},
		{"no target", "---\n\n# c\ntime: 2026-07-01T06:00:00Z\nevent: x\nroot: a\n", "drift-log.yaml:2: event has no root or target"},
		{"bad time", "---\ntime: yesterday\nevent: detected\nroot: a\ntarget: b\n", "drift-log.yaml:2: \"yesterday\" is not an RFC 3339 time"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := record.ParseLogLenient("drift-log.yaml", []byte(tt.log))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// A report with a field this version does not know reads leniently.
func TestParseReportsLenientPassesOverUnknownFields(t *testing.T) {
	t.Parallel()
	doc := "---\napiVersion: infra.example.com/v1\nkind: DriftReport\nmetadata: {name: infra-app-default}\n" +
		"spec:\n  root: infra/app\n  target: default\n  state: drifted\n  recovered: false\n  resources: [aws_instance.web]\n  waived: [aws_instance.db]\n" +
		"  drift:\n    - {address: aws_instance.web, type: aws_instance, paths: [tags.team], deleted: false}\n  lastRun: {time: 2026-07-01T06:00:00Z}\nstatus: {state: drifted, recovered: false}\n"
	if _, err := record.ParseReports("r.yaml", []byte(doc), ""); err == nil {
		t.Fatalf("ParseReports read unknown fields; this test needs it strict")
	}
	got, err := record.ParseReportsLenient("r.yaml", []byte(doc), "")
	if err != nil {
		t.Fatalf("ParseReportsLenient: %v", err)
	}
	if len(got) != 1 || len(got[0].Spec.Drift) != 1 || !cmp.Equal(got[0].Spec.Drift[0].Paths, []string{"tags.team"}) {
		t.Errorf("reports %+v, want one with the drift's paths", got)
	}
	if _, err := record.ParseReportsLenient("r.yaml", []byte(strings.Replace(doc, "infra.example.com/v1", "other.example.com/v1", 1)), ""); err == nil || !strings.Contains(err.Error(), "r.yaml:2:") {
		t.Errorf("a report of another group: error %v, want r.yaml:2", err)
	}
}
