package tf

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

const stream = `{"@level":"info","@message":"Terraform 1.11.4","type":"version","terraform":"1.11.4","ui":"1.2"}
{"@level":"info","@message":"web: Refreshing state...","hook":{"resource":{"addr":"fakecloud_instance.web"}},"type":"refresh_start"}
{"@level":"info","@message":"web: Refresh complete","hook":{"resource":{"addr":"fakecloud_instance.web"}},"type":"refresh_complete"}
{"@level":"info","@message":"fakecloud_instance.web: Drift detected (update)","change":{"resource":{"addr":"fakecloud_instance.web"},"action":"update"},"type":"resource_drift"}
{"@level":"info","@message":"fakecloud_instance.web: Plan to update","change":{"resource":{"addr":"fakecloud_instance.web"},"action":"update"},"type":"planned_change"}
{"@level":"info","@message":"data.x: Plan to read","change":{"resource":{"addr":"data.x"},"action":"read"},"type":"planned_change"}
{"@level":"warn","@message":"Warning: deprecated","diagnostic":{"severity":"warning","summary":"deprecated","detail":""},"type":"diagnostic"}
{"@level":"error","@message":"Error: boom","diagnostic":{"severity":"error","summary":"boom","detail":"it broke\n","address":"x.y","range":{"filename":"main.tf","start":{"line":3}}},"type":"diagnostic"}
not json at all "type":"diagnostic"
{"@level":"info","@message":"Plan: 0 to add, 1 to change, 0 to destroy.","changes":{"add":0,"change":1,"import":0,"remove":0,"operation":"plan"},"type":"change_summary"}
{"@level":"info","@message":"Outputs: 1","outputs":{"ip":{"sensitive":false,"action":"update"},"id":{"sensitive":false,"action":"noop"}},"type":"outputs"}`

func TestStreamParser(t *testing.T) {
	t.Parallel()
	// Terraform's writes split lines anywhere; feed the stream in every chunk size.
	for _, chunk := range []int{1, 7, 64, len(stream)} {
		sp := &streamParser{}
		for i := 0; i < len(stream); i += chunk {
			end := min(i+chunk, len(stream))
			if _, err := sp.Write([]byte(stream[i:end])); err != nil {
				t.Fatal(err)
			}
		}
		sp.Close()
		want := Events{Drifted: 1, Planned: 1, Outputs: 1, Resources: 1,
			Diagnostics: []string{"Error: boom (main.tf:3) [x.y]: it broke"},
			Summary:     &ChangeSummary{Change: 1}}
		if diff := cmp.Diff(want, sp.ev); diff != "" {
			t.Errorf("chunk %d: events (-want +got):\n%s", chunk, diff)
		}
		if !sp.ev.NeedsShow() {
			t.Errorf("chunk %d: drift seen but NeedsShow is false", chunk)
		}
	}
}

func TestStderrSummaryAndCleanError(t *testing.T) {
	t.Parallel()
	stderr := "\nStack trace from the plugin:\n\npanic: bad thing\n\ngoroutine 1 [running]:\nmain.f()\n\t/x.go:1\n\nError: The plugin crashed!\n"
	if diff := cmp.Diff("panic: bad thing\nError: The plugin crashed!", stderrSummary(stderr)); diff != "" {
		t.Errorf("stderrSummary (-want +got):\n%s", diff)
	}
}
