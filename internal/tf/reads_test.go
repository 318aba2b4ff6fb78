package tf

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Each provider read is timed from its start and end messages' own
// @timestamp, by the provider terraform implies for it: resources'
// refreshes and data sources' reads, interleaved as terraform writes them
// at parallelism above 1; applies of changes are not reads.
func TestStreamTimesProviderReads(t *testing.T) {
	t.Parallel()
	hook := func(typ, at, addr, provider, action string) string {
		a := ""
		if action != "" {
			a = fmt.Sprintf(`,"action":%q`, action)
		}
		return fmt.Sprintf(`{"@level":"info","@message":"%s: x","@module":"terraform.ui","@timestamp":"2026-12-06T06:26:%sZ","hook":{"resource":{"addr":%q,"module":"","resource":%q,"implied_provider":%q,"resource_type":"t","resource_name":"r","resource_key":null}%s},"type":%q}`,
			addr, at, addr, addr, provider, a, typ)
	}
	stream := strings.Join([]string{
		hook("refresh_start", "26.000000", "fakecloud_instance.a", "fakecloud", ""),
		hook("refresh_start", "26.010000", "fakecloud_instance.b", "fakecloud", ""),
		hook("refresh_start", "26.020000", "aws_instance.c", "aws", ""),
		hook("refresh_complete", "26.100500", "fakecloud_instance.a", "fakecloud", ""),
		hook("refresh_complete", "26.250000", "fakecloud_instance.b", "fakecloud", ""),
		hook("refresh_complete", "26.070000", "aws_instance.c", "aws", ""),
		hook("apply_start", "27.000000", "data.fakecloud_instance.d", "fakecloud", "read"),
		hook("apply_complete", "27.300000", "data.fakecloud_instance.d", "fakecloud", "read"),
		hook("apply_start", "28.000000", "fakecloud_instance.e", "fakecloud", "update"),
		hook("apply_complete", "29.000000", "fakecloud_instance.e", "fakecloud", "update"),
		hook("refresh_complete", "29.500000", "fakecloud_instance.never_started", "fakecloud", ""),
		`{"@level":"info","@message":"Plan: 0 to add, 0 to change, 0 to destroy.","@module":"terraform.ui","@timestamp":"2026-12-06T06:26:30.000000Z","changes":{"add":0,"change":0,"import":0,"remove":0,"operation":"plan"},"type":"change_summary"}`,
	}, "\n") + "\n"
	for _, tc := range []struct {
		name string
		time bool
		want map[string][]time.Duration
	}{
		{"timed", true, map[string][]time.Duration{
			"fakecloud": {100500 * time.Microsecond, 240 * time.Millisecond, 300 * time.Millisecond},
			"aws":       {50 * time.Millisecond},
		}},
		{"not asked", false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sp := &streamParser{}
			if tc.time {
				sp.reads = &readClock{}
			}
			for i := 0; i < len(stream); i += 97 { // lines split across writes
				sp.Write([]byte(stream[i:min(i+97, len(stream))]))
			}
			sp.Close()
			var got map[string][]time.Duration
			if sp.reads != nil {
				got = sp.reads.times
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("read times (-want +got):\n%s", diff)
			}
			if sp.ev.Resources != 4 || sp.ev.Summary == nil {
				t.Errorf("the verdict's parse changed: %d resources, summary %v", sp.ev.Resources, sp.ev.Summary)
			}
		})
	}
}

func TestPlanArgsParallelism(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		par  int
		want string
	}{
		{"terraform's default", 0, "-parallelism=10"},
		{"from a budget", 3, "-parallelism=3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := planArgs(Target{PlanFile: "/p.tfplan", Parallelism: tc.par}, Options{})
			var got []string
			for _, a := range args {
				if strings.HasPrefix(a, "-parallelism") {
					got = append(got, a)
				}
			}
			if diff := cmp.Diff([]string{tc.want}, got); diff != "" {
				t.Errorf("plan's parallelism flags (-want +got):\n%s", diff)
			}
		})
	}
}
