package notify

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/report"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// canary is a sensitive value planted in the plan's attributes and a
// masked value planted in free text; no message may ever carry it.
const canary = "CANARY-s3cr3t-7f3a"

var (
	now   = time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	since = Time{time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	app   = report.Key{Dir: "infra/app", Target: "prod"}
	net   = report.Key{Dir: "infra/network", Target: "default"}
	links = Links{Run: "https://github.example/acme/infra/actions/runs/42", Commit: "https://github.example/acme/infra/commit/abc123"}
)

// res is a drifted resource whose attribute values carry the canary.
func res(addr string, actions ...string) drift.Resource {
	if len(actions) == 0 {
		actions = []string{"update"}
	}
	return drift.Resource{Address: addr, Type: "aws_s3_bucket", Actions: actions,
		Attributes: []drift.Attribute{{Path: "tags.owner", Before: canary, After: "x-" + canary, Sensitive: true}}}
}

func change(addr, cause string) drift.Resource {
	r := res(addr)
	r.Cause = cause
	return r
}

// root builds a target's verdict with the given drift.
func root(k report.Key, drifted []drift.Resource, pol ...policy.Result) report.Root {
	r := report.Root{Result: drift.Result{Dir: k.Dir, Target: k.Target, Drift: drifted}, Policy: pol}
	for _, d := range drifted {
		r.Changes = append(r.Changes, change(d.Address, drift.CauseDrift))
	}
	r.SetStatus()
	return r
}

func doc(roots ...report.Root) report.Document {
	return report.Document{Version: report.Version, Roots: roots}
}

func deny(resource, severity string, failed bool) policy.Result {
	level := policy.HardMandatory
	if !failed {
		level = policy.Advisory
	}
	return policy.Result{Policy: "s3", Rule: "no_public", Kind: "deny", Level: level, Severity: severity, Resource: resource,
		Msg: redactCanary("bucket is public, owner " + canary), Failed: failed}
}

// redactCanary stands for the verdict's builder (pipeline), which redacts
// every message before notify sees it: notify shows the text it is given.
func redactCanary(s string) string { return strings.ReplaceAll(s, canary, drift.Sensitive) }

// golden compares got, as indented JSON, with testdata/golden/name.json.
func golden(t *testing.T, name string, got any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(got); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/notify -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(b)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}
