package tf

import (
	"errors"
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
{"@level":"info","@message":"data.terraform_remote_state.s: Plan to read","change":{"resource":{"addr":"data.terraform_remote_state.s"},"action":"read","reason":"read_because_check_nested"},"type":"planned_change"}
{"@level":"warn","@message":"Warning: Check block assertion failed","diagnostic":{"severity":"warning","summary":"Check block assertion failed","detail":"input is not 2","range":{"filename":"main.tf","start":{"line":4,"column":21,"byte":87},"end":{"line":4,"column":48,"byte":114}},"snippet":{"context":"check \"x\"","code":"    condition     = terraform_data.x.input == 2","start_line":4,"highlight_start_offset":20,"highlight_end_offset":47,"values":[]}},"type":"diagnostic"}
{"@level":"warn","@message":"Warning: Unsupported state file format","diagnostic":{"severity":"warning","summary":"Unsupported state file format","detail":"The state file could not be parsed as JSON: syntax error at byte offset 2."},"type":"diagnostic"}
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
		want := Events{Drifted: 1, Planned: 1, Outputs: 1, Resources: 1, Checks: 1, CheckReads: 1, Warnings: 3,
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

// Failing checks change nothing and exit 0 with a summary of zeros: only
// the stream's warnings say the plan file has checks to read.
func TestNeedsShow(t *testing.T) {
	t.Parallel()
	zero := &ChangeSummary{}
	tests := []struct {
		name string
		ev   Events
		want bool
	}{
		{name: "clean", ev: Events{Summary: zero}},
		{name: "warnings alone (a deprecation)", ev: Events{Warnings: 2, Summary: zero}},
		{name: "check-nested reads alone (every plan has them)", ev: Events{CheckReads: 1, Summary: zero}},
		{name: "failed check assertion", ev: Events{Checks: 1, Warnings: 1, Summary: zero}, want: true},
		{name: "a warning where check-nested data sources are read", ev: Events{CheckReads: 1, Warnings: 1, Summary: zero}, want: true},
		{name: "drift", ev: Events{Drifted: 1, Summary: zero}, want: true},
		{name: "planned change", ev: Events{Planned: 1, Summary: &ChangeSummary{Add: 1}}, want: true},
		{name: "output change", ev: Events{Outputs: 1, Summary: zero}, want: true},
		{name: "summary alone", ev: Events{Summary: &ChangeSummary{Forget: 1}}, want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.ev.NeedsShow(); got != tc.want {
				t.Errorf("NeedsShow() = %v, want %v for %+v", got, tc.want, tc.ev)
			}
		})
	}
}

func TestStderrSummaryAndCleanError(t *testing.T) {
	t.Parallel()
	stderr := "\nStack trace from the plugin:\n\npanic: bad thing\n\ngoroutine 1 [running]:\nmain.f()\n\t/x.go:1\n\nError: The plugin crashed!\n"
	if diff := cmp.Diff("panic: bad thing\nError: The plugin crashed!", stderrSummary(stderr)); diff != "" {
		t.Errorf("stderrSummary (-want +got):\n%s", diff)
	}
}

// FuzzStreamParser feeds the parser bytes as a wrapper or a broken pipe
// might deliver them: it must never panic, and how the bytes are split into
// writes must not change what it reads.
func FuzzStreamParser(f *testing.F) {
	f.Add([]byte(stream), uint8(7))
	f.Add([]byte(`{"type":"change_summary","changes":{"add":1,"operation":"plan"}}`), uint8(1))
	f.Add([]byte(`{"type":"change_summary","changes":{"operation":"apply"}}`+"\n"+`{"type":"outputs","outputs":null}`), uint8(3))
	f.Add([]byte(`{"type":"diagnostic","diagnostic":{"severity":"error","range":null}}`+"\r\n\n"), uint8(2))
	f.Add([]byte{}, uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		whole := &streamParser{}
		whole.Write(data)
		whole.Close()
		split := &streamParser{}
		step := int(chunk) + 1
		for i := 0; i < len(data); i += step {
			split.Write(data[i:min(i+step, len(data))])
		}
		split.Close()
		if diff := cmp.Diff(whole.ev, split.ev); diff != "" {
			t.Errorf("events depend on write size %d (-whole +split):\n%s", step, diff)
		}
		ev := whole.ev
		if ev.Drifted < 0 || ev.Planned < 0 || ev.Outputs < 0 || ev.Resources < 0 {
			t.Errorf("negative counts: %+v", ev)
		}
		// A stream without a plan's summary is never a finished plan.
		if err := ev.finished(false); (err == nil) != (ev.Summary != nil) {
			t.Errorf("finished(false) = %v with summary %+v", err, ev.Summary)
		}
	})
}

func TestEventsFinished(t *testing.T) {
	t.Parallel()
	zero := &ChangeSummary{}
	tests := []struct {
		name       string
		ev         Events
		hasChanges bool
		wantErr    bool
	}{
		{name: "clean", ev: Events{Summary: zero}},
		{name: "drift only exits 0", ev: Events{Drifted: 1, Summary: zero}},
		{name: "changes exit 2", ev: Events{Planned: 1, Summary: &ChangeSummary{Add: 1}}, hasChanges: true},
		{name: "output change exits 2", ev: Events{Outputs: 1, Summary: zero}, hasChanges: true},
		{name: "drift with exit 2 is accepted", ev: Events{Drifted: 1, Summary: zero}, hasChanges: true},
		{name: "check-nested data source read exits 2", ev: Events{CheckReads: 1, Summary: zero}, hasChanges: true},
		{name: "failed check assertion exits 0", ev: Events{Checks: 1, Warnings: 1, Summary: zero}},
		{name: "no summary, exit 0", ev: Events{}, wantErr: true},
		{name: "no summary, exit 2", ev: Events{Planned: 1}, hasChanges: true, wantErr: true},
		{name: "exit 2, stream says nothing", ev: Events{Summary: zero}, hasChanges: true, wantErr: true},
		{name: "exit 2, counts cancel out", ev: Events{Summary: &ChangeSummary{Add: -1, Change: 1}}, hasChanges: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.ev.finished(tc.hasChanges)
			if (err != nil) != tc.wantErr {
				t.Fatalf("finished(%v) = %v, want error %v", tc.hasChanges, err, tc.wantErr)
			}
			if err != nil && !errors.Is(err, ErrIncompletePlan) {
				t.Errorf("error %v does not match ErrIncompletePlan", err)
			}
		})
	}
}
