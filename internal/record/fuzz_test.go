package record

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func seeds(f *testing.F, pattern string) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*", pattern))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed files for %s: %v", pattern, err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

var fuzzTime = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// FuzzParseLog feeds arbitrary logs (repository content: untrusted) to
// ParseLog and Record. Neither may panic; a log that parses must come back
// with its events unchanged after Record appends, and its bytes must be a
// prefix of the new log.
func FuzzParseLog(f *testing.F) {
	seeds(f, "log*.yaml")
	f.Add([]byte("---\ntime: x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		old, err := ParseLog("log", data)
		if err != nil {
			return
		}
		res, err := Record(Files{Log: data}, Run{Time: fuzzTime, Commit: "c"}, []Target{
			{Root: "infra/app", Target: "prod", Status: StatusDrifted, Drift: []Resource{{Address: "a.b"}}},
		})
		if err != nil {
			t.Fatalf("log parsed but Record failed: %v", err)
		}
		next := append(append([]byte(nil), data...), res.LogAppend...)
		got, err := ParseLog("log", next)
		if err != nil {
			t.Fatalf("appended log does not parse: %v\n%s", err, next)
		}
		if len(got.Events) != len(old.Events)+len(res.Events) {
			t.Fatalf("appended log has %d events, want %d + %d", len(got.Events), len(old.Events), len(res.Events))
		}
		if diff := cmp.Diff(old.Events, got.Events[:len(old.Events)], cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("old events changed (-want +got):\n%s", diff)
		}
	})
}

// FuzzParseReports feeds arbitrary report files to Record. It must not
// panic; when it accepts a file, the file it writes parses, and every
// document of a target it did not touch is kept byte for byte.
func FuzzParseReports(f *testing.F) {
	seeds(f, "report*.yaml")
	f.Add([]byte("apiVersion: infra.example.com/v1\nkind: DriftReport\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Record(Files{Report: data}, Run{Time: fuzzTime, Commit: "c"}, []Target{
			{Root: "infra/app", Target: "prod", Status: StatusClean},
		})
		if err != nil {
			return
		}
		if _, err := ParseReports("report", res.Report, ""); err != nil {
			t.Fatalf("written report does not parse: %v\n%s", err, res.Report)
		}
		prev, err := parseReports("report", data, "")
		if err != nil {
			t.Fatalf("Record accepted a file parseReports refuses: %v", err)
		}
		for _, d := range prev.docs {
			if d.r.Spec.Root == "infra/app" && d.r.Spec.Target == "prod" {
				continue
			}
			if !bytes.Contains(res.Report, d.text) {
				t.Fatalf("document at line %d was not kept verbatim:\n%s", d.line, d.text)
			}
		}
	})
}
