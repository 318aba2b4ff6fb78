package ecs_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/myorg/drift-action/internal/ecs"
	"github.com/myorg/drift-action/internal/record"
)

var update = flag.Bool("update", false, "rewrite golden files")

func readLog(t *testing.T) record.Log {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "log.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := record.ParseLog("testdata/log.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func render(t *testing.T, l record.Log, o ecs.Options) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := ecs.NDJSON(&b, l, o); err != nil {
		t.Fatalf("NDJSON: %v", err)
	}
	return b.Bytes()
}

// A log with every kind of event, as documents and as a _bulk body.
func TestNDJSONGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts ecs.Options
	}{
		{"documents", ecs.Options{}},
		{"bulk", ecs.Options{Index: "logs-drift_action.log-default"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := render(t, readLog(t), tt.opts)
			path := filepath.Join("testdata", tt.name+".ndjson.golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/ecs/ -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", path, diff)
			}
		})
	}
}

// ECS's allowed values for the categorization fields (ECS 8.17 reference).
var allowed = map[string][]string{
	"kind":     {"alert", "asset", "enrichment", "event", "metric", "state", "pipeline_error", "signal"},
	"category": {"api", "authentication", "configuration", "database", "driver", "email", "file", "host", "iam", "intrusion_detection", "library", "malware", "network", "package", "process", "registry", "session", "threat", "vulnerability", "web"},
	"type":     {"access", "admin", "allowed", "change", "connection", "creation", "deletion", "denied", "device", "end", "error", "group", "indicator", "info", "installation", "protocol", "start", "user"},
	"outcome":  {"failure", "success", "unknown"},
}

// CheckDocuments checks NDJSON documents as Elasticsearch and Kibana read
// them: one JSON object per line, an RFC 3339 @timestamp, the ECS version,
// ECS's allowed categorization values, event.action the log's kind.
func checkDocuments(t *testing.T, data []byte) []map[string]any {
	t.Helper()
	var docs []map[string]any
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		var d struct {
			Timestamp string `json:"@timestamp"`
			ECS       struct {
				Version string `json:"version"`
			} `json:"ecs"`
			Event struct {
				Kind     string   `json:"kind"`
				Category []string `json:"category"`
				Type     []string `json:"type"`
				Action   string   `json:"action"`
				Outcome  string   `json:"outcome"`
				ID       string   `json:"id"`
			} `json:"event"`
		}
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatalf("line %d is not one JSON object: %v\n%s", i+1, err, line)
		}
		if _, err := time.Parse(time.RFC3339, d.Timestamp); err != nil {
			t.Errorf("line %d: @timestamp %q: %v", i+1, d.Timestamp, err)
		}
		vals := map[string][]string{"kind": {d.Event.Kind}, "category": d.Event.Category, "type": d.Event.Type, "outcome": {d.Event.Outcome}}
		for field, vs := range vals {
			if len(vs) == 0 {
				t.Errorf("line %d: no event.%s", i+1, field)
			}
			for _, v := range vs {
				if !slices.Contains(allowed[field], v) {
					t.Errorf("line %d: event.%s %q is not one of ECS's allowed values", i+1, field, v)
				}
			}
		}
		if !slices.Contains(record.EventKinds, record.EventKind(d.Event.Action)) || d.ECS.Version != ecs.Version || d.Event.ID == "" {
			t.Errorf("line %d: event.action %q, ecs.version %q, event.id %q", i+1, d.Event.Action, d.ECS.Version, d.Event.ID)
		}
		var m map[string]any
		json.Unmarshal([]byte(line), &m)
		docs = append(docs, m)
	}
	return docs
}

// Every document uses ECS's allowed values and the categorization this
// package documents, one per event, in the log's order.
func TestNDJSONFollowsECS(t *testing.T) {
	t.Parallel()
	l := readLog(t)
	docs := checkDocuments(t, render(t, l, ecs.Options{}))
	if len(docs) != len(l.Events) {
		t.Fatalf("%d documents for %d events", len(docs), len(l.Events))
	}
	type cat struct{ Action, Kind, Type, Outcome string }
	got := map[string]cat{}
	for _, d := range docs {
		ev := d["event"].(map[string]any)
		c := cat{ev["action"].(string), ev["kind"].(string), ev["type"].([]any)[0].(string), ev["outcome"].(string)}
		got[c.Action] = c
	}
	want := map[string]cat{
		"detected":              {"detected", "alert", "change", "failure"},
		"changed":               {"changed", "alert", "change", "failure"},
		"policy-violation":      {"policy-violation", "alert", "info", "failure"},
		"recovered":             {"recovered", "event", "change", "success"},
		"self-healed":           {"self-healed", "event", "change", "success"},
		"override":              {"override", "event", "info", "unknown"},
		"remediation-pr-opened": {"remediation-pr-opened", "event", "info", "unknown"},
		"remediation-pr-closed": {"remediation-pr-closed", "event", "info", "unknown"},
		"snoozed":               {"snoozed", "event", "info", "unknown"},
		"snooze-expired":        {"snooze-expired", "event", "info", "unknown"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("categorization by kind (-want +got):\n%s", diff)
	}
}

// The _bulk body alternates create actions (data streams take no other)
// and documents; the _id is the event's id, the same on a second export,
// so sending a grown log again adds only the new events.
func TestNDJSONBulk(t *testing.T) {
	t.Parallel()
	l := readLog(t)
	lines := strings.Split(strings.TrimSuffix(string(render(t, l, ecs.Options{Index: "logs-drift"})), "\n"), "\n")
	if len(lines) != 2*len(l.Events) {
		t.Fatalf("%d lines for %d events, want an action line before each document", len(lines), len(l.Events))
	}
	var docs []string
	ids := map[string]bool{}
	for i := 0; i < len(lines); i += 2 {
		var a struct {
			Create struct {
				Index string `json:"_index"`
				ID    string `json:"_id"`
			} `json:"create"`
		}
		if err := json.Unmarshal([]byte(lines[i]), &a); err != nil || a.Create.Index != "logs-drift" {
			t.Fatalf("line %d is not a create action for logs-drift (%v): %s", i+1, err, lines[i])
		}
		if !strings.Contains(lines[i+1], `"id":"`+a.Create.ID+`"`) || ids[a.Create.ID] {
			t.Errorf("line %d: _id %s is not the next document's event.id, or repeats", i+1, a.Create.ID)
		}
		ids[a.Create.ID] = true
		docs = append(docs, lines[i+1])
	}
	checkDocuments(t, []byte(strings.Join(docs, "\n")+"\n"))
	// The same events at other lines (a longer header): the same ids.
	data, err := os.ReadFile(filepath.Join("testdata", "log.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	moved, err := record.ParseLog("log.yaml", append([]byte("# exported before\n#\n"), data...))
	if err != nil || moved.Events[0].Line == l.Events[0].Line {
		t.Fatalf("ParseLog: %v, or the events did not move", err)
	}
	again := strings.Split(strings.TrimSuffix(string(render(t, moved, ecs.Options{Index: "logs-drift"})), "\n"), "\n")
	if diff := cmp.Diff(lines, again); diff != "" {
		t.Errorf("the log exported again, its events at other lines (-first +again):\n%s", diff)
	}
}
