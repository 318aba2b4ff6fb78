package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// schedule-window and schedule-every are read together; each error names
// the file, the line and a value that works.
func TestParseFileWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		src     string
		want    Window
		wantErr []string // all must appear in the error
	}{
		{name: "six hours, hourly", src: "schedule-window: 6h\nschedule-every: 1h\n", want: Window{Length: 6 * time.Hour, Every: time.Hour, Line: 1}},
		{name: "a week, daily", src: "version: 1\nschedule-every: 24h\nschedule-window: 168h\n", want: Window{Length: 168 * time.Hour, Every: 24 * time.Hour, Line: 3}},
		{name: "one slot plans everything every run", src: "schedule-window: 30m\nschedule-every: 30m\n", want: Window{Length: 30 * time.Minute, Every: 30 * time.Minute, Line: 1}},
		{name: "neither", src: "timeout: 5m\n"},
		{name: "window without every", src: "schedule-window: 6h\n", wantErr: []string{"drift.yaml:1:", "schedule-window needs schedule-every", "not guessed"}},
		{name: "every without window", src: "schedule-every: 1h\n", wantErr: []string{"drift.yaml:1:", "schedule-every needs schedule-window"}},
		{name: "window not a multiple", src: "schedule-window: 90m\nschedule-every: 1h\n", wantErr: []string{"drift.yaml:1:", "schedule-window 1h30m", "whole multiple of schedule-every (1h)", "6h"}},
		{name: "window shorter than every", src: "schedule-window: 30m\nschedule-every: 1h\n", wantErr: []string{"drift.yaml:1:", "whole multiple"}},
		{name: "every too short", src: "schedule-window: 1h\nschedule-every: 1m\n", wantErr: []string{"drift.yaml:2:", "at least 5m"}},
		{name: "every not whole minutes", src: "schedule-window: 1h\nschedule-every: 90s\n", wantErr: []string{"drift.yaml:2:", "whole minutes"}},
		{name: "every a cron cannot repeat evenly", src: "schedule-window: 35h\nschedule-every: 5h\n", wantErr: []string{"drift.yaml:2:", "schedule-every 5h", "divides a day"}},
		{name: "not a duration", src: "schedule-window: often\nschedule-every: 1h\n", wantErr: []string{"drift.yaml:1:", "schedule-window must be a duration", `"often"`}},
		{name: "reported with other errors", src: "bogus: 1\nschedule-window: 6h\n", wantErr: []string{"drift.yaml:1:", `unknown key "bogus"`, "drift.yaml:2:", "needs schedule-every"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := ParseFile("drift.yaml", []byte(tt.src))
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("want an error, got window %+v", f.Window)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, f.Window); diff != "" {
				t.Errorf("window (-want +got):\n%s", diff)
			}
		})
	}
}

// Only a scheduled run is spread over the window: a dispatch or a pull
// request asks for its roots now. A matrix job plans the slot its list job
// chose (the shard value's @TIME), not the one its own clock is in.
func TestWindowOnlyOnSchedule(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	if err := os.MkdirAll(filepath.Join(ws, ".github"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ws, DefaultFile), []byte("schedule-window: 6h\nschedule-every: 1h\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 12, 1, 11, 2, 0, 0, time.UTC)
	listed := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	env := Env{Getenv: func(string) string { return "" }, Cwd: ws, Now: func() time.Time { return clock }}
	window := Window{Length: 6 * time.Hour, Every: time.Hour, Line: 1}
	at := func(w Window, t time.Time) Window { w.At = t; return w }
	tests := []struct {
		name  string
		ev    Event
		shard Shard
		want  Window
	}{
		{name: "schedule: the clock's slot", ev: Event{Name: "schedule"}, want: at(window, clock)},
		{name: "schedule shard: the list job's slot", ev: Event{Name: "schedule"}, shard: Shard{Index: 2, Count: 3, At: listed}, want: at(window, listed)},
		{name: "schedule shard without a time: the clock's", ev: Event{Name: "schedule"}, shard: Shard{Index: 2, Count: 3}, want: at(window, clock)},
		{name: "workflow_dispatch ignores the window", ev: Event{Name: "workflow_dispatch"}},
		{name: "repository_dispatch ignores the window", ev: Event{Name: "repository_dispatch", DispatchType: "drift-detected", Roots: []string{"infra/a"}}},
		{name: "pull_request ignores the window", ev: Event{Name: "pull_request", PR: 4}},
		{name: "a dispatch's shard time is ignored too", ev: Event{Name: "workflow_dispatch"}, shard: Shard{Index: 1, Count: 2, At: listed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := Action{Terraform: "terraform", ConfigFile: DefaultFile, Workspace: ws, Shard: tt.shard, Policy: Policy{Timeout: DefaultPolicyTimeout}}
			c, err := ActionDetect(a, tt.ev, env)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, c.Window); diff != "" {
				t.Errorf("window (-want +got):\n%s", diff)
			}
		})
	}
}

// The shard value mode: list writes with a schedule window carries the
// slot's time; anything else after @ is refused, saying what to pass.
func TestParseShardTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     Shard
		wantErr  string
	}{
		{name: "index of count", in: "2/5", want: Shard{Index: 2, Count: 5}},
		{name: "with the slot's time", in: "2/5@2026-12-01T10:00:00Z", want: Shard{Index: 2, Count: 5, At: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}},
		{name: "an offset is read as UTC", in: "1/1@2026-12-01T11:00:00+01:00", want: Shard{Index: 1, Count: 1, At: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}},
		{name: "not a time", in: "2/5@noon", wantErr: `"2/5@noon" is not accepted: the time after @ must be RFC 3339`},
		{name: "bad index with a time", in: "6/5@2026-12-01T10:00:00Z", wantErr: `"6/5@2026-12-01T10:00:00Z" is not accepted: use INDEX/COUNT`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseShard(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("shard (-want +got):\n%s", diff)
			}
		})
	}
}
