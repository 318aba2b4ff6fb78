package dashboard

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/myorg/drift-action/internal/record"
)

// t0 is a Monday.
var t0 = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

func at(h float64) record.Time { return record.NewTime(t0.Add(time.Duration(h * float64(time.Hour)))) }

type evOpt func(*record.Event)

func ev(kind record.EventKind, h float64, resources []string, opts ...evOpt) record.Event {
	e := record.Event{Time: at(h), Event: kind, Root: "infra/app", Target: "default", Resources: resources}
	for _, o := range opts {
		o(&e)
	}
	return e
}

func on(root, target string) evOpt {
	return func(e *record.Event) { e.Root, e.Target = root, target }
}

func pr(url string) evOpt { return func(e *record.Event) { e.PR = url } }

func until(h float64) evOpt {
	return func(e *record.Event) { u := at(h); e.Until = &u }
}

func reason(r string) evOpt { return func(e *record.Event) { e.Reason = r } }

func policies(sev ...string) evOpt {
	return func(e *record.Event) {
		for _, s := range sev {
			e.Policies = append(e.Policies, record.PolicyEntry{Policy: "terraform.drift", Rule: "deny", Severity: s})
		}
	}
}

var web, db = []string{"aws_instance.web"}, []string{`module.db["a.b"].aws_db_instance.main[0]`}

func endings(apply, prMerged, adopted, byHand int) []Count {
	return []Count{{string(EndingApply), apply}, {string(EndingPR), prMerged}, {string(EndingAdopted), adopted}, {string(EndingByHand), byHand}}
}

// How an episode ended is inferred from the event that closed it and the
// target's remediation pull request (README, "How drift ended").
func TestBuildEndings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		events []record.Event
		want   []Count
	}{
		{"recovered: fixed by hand", []record.Event{ev(record.Detected, 0, web), ev(record.Recovered, 5, web)}, endings(0, 0, 0, 1)},
		{"self-healed: healed by apply", []record.Event{ev(record.Detected, 0, web), ev(record.SelfHealed, 5, web)}, endings(1, 0, 0, 0)},
		{"self-healed with a pull request open: PR merged", []record.Event{
			ev(record.Detected, 0, web), ev(record.RemediationPROpened, 0, nil, pr("https://x/pr/1")), ev(record.SelfHealed, 5, web)}, endings(0, 1, 0, 0)},
		{"recovered with a pull request open: adopted", []record.Event{
			ev(record.Detected, 0, web), ev(record.RemediationPROpened, 0, nil, pr("https://x/pr/1")), ev(record.Recovered, 5, web)}, endings(0, 0, 1, 0)},
		{"recovered and its pull request closed in the run: fixed by hand", []record.Event{
			ev(record.Detected, 0, web), ev(record.RemediationPROpened, 0, nil, pr("https://x/pr/1")),
			ev(record.Recovered, 5, web), ev(record.RemediationPRClosed, 5, nil, pr("https://x/pr/1"))}, endings(0, 0, 0, 1)},
		{"healed and its pull request closed in the run: healed by apply", []record.Event{
			ev(record.Detected, 0, web), ev(record.RemediationPROpened, 0, nil, pr("https://x/pr/1")),
			ev(record.SelfHealed, 5, web), ev(record.RemediationPRClosed, 5, nil, pr("https://x/pr/1"))}, endings(1, 0, 0, 0)},
		{"a pull request closed before the recovery is not open", []record.Event{
			ev(record.Detected, 0, web), ev(record.RemediationPROpened, 0, nil, pr("https://x/pr/1")),
			ev(record.RemediationPRClosed, 2, nil, pr("https://x/pr/1")), ev(record.Recovered, 5, web)}, endings(0, 0, 0, 1)},
		{"recovered, then self-healed in the run (as a heal is logged): healed by apply", []record.Event{
			ev(record.Detected, 0, web), ev(record.Recovered, 5, web), ev(record.SelfHealed, 5, web)}, endings(1, 0, 0, 0)},
		{"recovered, then self-healed in the run, a pull request open: PR merged", []record.Event{
			ev(record.Detected, 0, web), ev(record.RemediationPROpened, 0, nil, pr("https://x/pr/1")),
			ev(record.Recovered, 5, web), ev(record.SelfHealed, 5, web)}, endings(0, 1, 0, 0)},
		{"a self-healed in a later run is not this recovery's", []record.Event{
			ev(record.Detected, 0, web), ev(record.Recovered, 5, web), ev(record.SelfHealed, 6, web)}, endings(0, 0, 0, 1)},
		{"a partial recovery ends nothing", []record.Event{
			ev(record.Detected, 0, append(web, db...)), ev(record.Recovered, 5, web)}, endings(0, 0, 0, 0)},
		{"a recovery without resources ends the whole drift", []record.Event{
			ev(record.Detected, 0, append(web, db...)), ev(record.SelfHealed, 5, nil)}, endings(1, 0, 0, 0)},
		{"another target's pull request is not this one's", []record.Event{
			ev(record.Detected, 0, web), ev(record.RemediationPROpened, 0, nil, pr("https://x/pr/1"), on("infra/app", "eu")),
			ev(record.Recovered, 5, web)}, endings(0, 0, 0, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Build(Input{Events: tt.events, Now: t0.Add(24 * time.Hour)}).Endings
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("endings (-want +got):\n%s", diff)
			}
		})
	}
}

// Episodes, their time to recover and the open drift's age as of Now.
func TestBuildRecoveryAndOpenDrift(t *testing.T) {
	t.Parallel()
	now := t0.Add(100 * time.Hour)
	events := []record.Event{
		// infra/app default: three episodes of 1, 2 and 10 hours.
		ev(record.Detected, 0, web), ev(record.Recovered, 1, web),
		ev(record.Detected, 10, web), ev(record.Changed, 11, append(web, db...)), ev(record.SelfHealed, 12, nil),
		ev(record.Detected, 20, db), ev(record.Recovered, 30, db),
		// infra/net eu: open since hour 50, snoozed, a pull request open.
		ev(record.Detected, 50, web, on("infra/net", "eu")),
		ev(record.Snoozed, 50, web, on("infra/net", "eu"), until(200), reason("load test")),
		ev(record.RemediationPROpened, 50, nil, on("infra/net", "eu"), pr("https://x/pr/2")),
		// infra/net us: open since hour 90 (changed keeps the start).
		ev(record.Detected, 90, web, on("infra/net", "us")), ev(record.Changed, 95, db, on("infra/net", "us")),
		// an event of a kind this version does not know is skipped
		ev("waived", 96, web, on("infra/net", "us")),
	}
	m := Build(Input{Events: events, Now: now, Reports: []record.Report{{Spec: record.ReportSpec{Root: "infra/net", Target: "us",
		LastCheckedAt: &record.Time{Time: now}, Drift: []record.Drifted{{Resource: record.Resource{Address: db[0], Paths: []string{"engine_version", "tags.team"}}}}}}}})

	wantRecovery := Recovery{Episodes: 3, Mean: (1 + 2 + 10) * time.Hour / 3, P90: 10 * time.Hour,
		ByTarget: []TargetRecovery{{Root: "infra/app", Target: "default", Episodes: 3, Mean: (1 + 2 + 10) * time.Hour / 3, P90: 10 * time.Hour}}}
	if diff := cmp.Diff(wantRecovery, m.Recovery); diff != "" {
		t.Errorf("recovery (-want +got):\n%s", diff)
	}
	wantOpen := []Open{
		{Root: "infra/net", Target: "eu", Since: at(50).Time, Age: 50 * time.Hour, Resources: web, SnoozedUntil: at(200).Time, PR: "https://x/pr/2"},
		{Root: "infra/net", Target: "us", Since: at(90).Time, Age: 10 * time.Hour, Resources: db, LastChecked: now},
	}
	if diff := cmp.Diff(wantOpen, m.Open); diff != "" {
		t.Errorf("open drift (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Count{{"infra/app", 3}, {"infra/net", 2}}, m.Roots); diff != "" {
		t.Errorf("roots (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Count{{"infra/app (default)", 3}, {"infra/net (eu)", 1}, {"infra/net (us)", 1}}, m.Targets); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
	// web joined a drift 4 times (hours 0, 10, 50, 90), the module's db 3
	// times (11: changed added it; 20; 95: changed to it).
	if diff := cmp.Diff([]Count{{"aws_instance", 4}, {"aws_db_instance", 3}}, m.Types); diff != "" {
		t.Errorf("types (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Count{{"aws_db_instance.engine_version", 1}, {"aws_db_instance.tags.team", 1}}, m.Attributes); diff != "" {
		t.Errorf("attributes (-want +got):\n%s", diff)
	}
	wantStatus := []RootStatus{{"infra/app", StatusClean}, {"infra/net", StatusDrifted}}
	if diff := cmp.Diff(wantStatus, m.RootState); diff != "" {
		t.Errorf("root status (-want +got):\n%s", diff)
	}
	if m.Status != StatusDrifted {
		t.Errorf("repository status %q, want drifted", m.Status)
	}
	if m.Grid != nil {
		t.Errorf("a grid for targets that never recur across roots: %+v", m.Grid)
	}
}

// The badges' states: no drift, healing (every open drift has a pull
// request), drifted; no events is no data.
func TestBuildStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		events []record.Event
		want   Status
	}{
		{"no events", nil, StatusUnknown},
		{"recovered", []record.Event{ev(record.Detected, 0, web), ev(record.Recovered, 1, web)}, StatusClean},
		{"drifted", []record.Event{ev(record.Detected, 0, web)}, StatusDrifted},
		{"healing", []record.Event{ev(record.Detected, 0, web), ev(record.RemediationPROpened, 0, nil, pr("https://x/pr/1"))}, StatusHealing},
		{"one target healing, another drifted", []record.Event{
			ev(record.Detected, 0, web), ev(record.RemediationPROpened, 0, nil, pr("https://x/pr/1")),
			ev(record.Detected, 0, web, on("infra/app", "eu"))}, StatusDrifted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Build(Input{Events: tt.events, Now: t0}).Status; got != tt.want {
				t.Errorf("status %q, want %q", got, tt.want)
			}
		})
	}
}

// Weeks run Monday to Monday in UTC up to Now's week; the rate compares the
// last four weeks with the four before.
func TestBuildWeeksAndRate(t *testing.T) {
	t.Parallel()
	var events []record.Event
	// weeks 0..3: one new episode each; weeks 4..7: three each.
	for w := range 8 {
		n := 1
		if w >= 4 {
			n = 3
		}
		for i := range n {
			h := float64(w*7*24 + i*2)
			events = append(events, ev(record.Detected, h, web), ev(record.Recovered, h+1, web))
		}
	}
	m := Build(Input{Events: events, Now: time.Date(2026, 7, 26, 23, 0, 0, 0, time.UTC)}) // Sunday of week 7
	if len(m.Weeks) != 8 || !m.Weeks[0].Start.Equal(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("weeks %+v, want 8 from Monday 1 June", m.Weeks)
	}
	if got := []int{m.Weeks[0].New, m.Weeks[0].Ended, m.Weeks[7].New, m.Weeks[7].Ended}; !cmp.Equal(got, []int{1, 1, 3, 3}) {
		t.Errorf("first and last week new/ended %v, want [1 1 3 3]", got)
	}
	if diff := cmp.Diff(Rate{Recent: 3, Before: 1, Weeks: 4, Trend: "rising"}, m.Rate); diff != "" {
		t.Errorf("rate (-want +got):\n%s", diff)
	}
	// Empty weeks up to now are shown, and a year at most.
	later := Build(Input{Events: events[:2], Now: t0.AddDate(2, 0, 0)})
	if len(later.Weeks) != MaxWeeks || later.Weeks[MaxWeeks-1].Start != weekStart(t0.AddDate(2, 0, 0)) {
		t.Errorf("%d weeks ending %v, want %d ending with now's week", len(later.Weeks), later.Weeks[len(later.Weeks)-1].Start, MaxWeeks)
	}
	if later.Rate.Trend != "steady" || later.Rate.Recent != 0 {
		t.Errorf("rate %+v, want steady at 0", later.Rate)
	}
	// Under 8 weeks there is no trend to tell.
	if short := Build(Input{Events: events[:12], Now: t0.AddDate(0, 0, 7*6)}); short.Rate.Trend != "" || len(short.Weeks) != 7 {
		t.Errorf("%d weeks, trend %q, want 7 and none", len(short.Weeks), short.Rate.Trend)
	}
}

// A grid appears when target names recur across roots, as regions do.
func TestBuildGrid(t *testing.T) {
	t.Parallel()
	events := []record.Event{
		ev(record.Detected, 0, web, on("infra/app", "us-east-1")), ev(record.Recovered, 1, web, on("infra/app", "us-east-1")),
		ev(record.Detected, 2, web, on("infra/app", "us-east-1")),
		ev(record.Detected, 0, web, on("infra/app", "eu-west-1")),
		ev(record.Detected, 0, web, on("infra/net", "us-east-1")),
		ev(record.PolicyViolation, 0, web, on("infra/net", "eu-west-1")),
	}
	want := &Grid{Roots: []string{"infra/app", "infra/net"}, Targets: []string{"eu-west-1", "us-east-1"}, Cells: [][]int{{1, 2}, {0, 1}}, Max: 2}
	if diff := cmp.Diff(want, Build(Input{Events: events, Now: t0}).Grid); diff != "" {
		t.Errorf("grid (-want +got):\n%s", diff)
	}
}

// Snoozes: active ones first, soonest to end first; an expired event or a
// past until ends one.
func TestBuildSnoozes(t *testing.T) {
	t.Parallel()
	events := []record.Event{
		ev(record.Snoozed, 0, web, until(500), reason("late")),
		ev(record.Snoozed, 0, web, until(300), reason("soon")),
		ev(record.Snoozed, 0, db, until(50), reason("past")),
		ev(record.Snoozed, 0, db, until(400), reason("ended early")),
		ev(record.SnoozeExpired, 60, db, until(400), reason("ended early")),
	}
	var got []string
	for _, s := range Build(Input{Events: events, Now: at(100).Time}).Snoozes {
		st := "expired"
		if s.Active {
			st = "active"
		}
		got = append(got, s.Reason+" "+st)
	}
	want := []string{"soon active", "late active", "ended early expired", "past expired"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("snoozes (-want +got):\n%s", diff)
	}
}

// Violations by severity, most severe first, unknown ones after by name,
// those without one last.
func TestBuildSeverities(t *testing.T) {
	t.Parallel()
	events := []record.Event{
		ev(record.PolicyViolation, 0, web, policies("low", "critical", "", "Critical")),
		ev(record.PolicyViolation, 1, web, policies("bogus", "high")),
		ev(record.PolicyViolation, 2, web),
	}
	want := []Count{{"critical", 2}, {"high", 1}, {"low", 1}, {"bogus", 1}, {"unspecified", 2}}
	if diff := cmp.Diff(want, Build(Input{Events: events, Now: t0}).Severities); diff != "" {
		t.Errorf("severities (-want +got):\n%s", diff)
	}
}

func TestResourceType(t *testing.T) {
	t.Parallel()
	tests := []struct{ addr, want string }{
		{"aws_instance.web", "aws_instance"},
		{"aws_instance.web[0]", "aws_instance"},
		{`module.db["a.b"].aws_db_instance.main[0]`, "aws_db_instance"},
		{`module.a.module.b.aws_s3_bucket.this["x.y\"z"]`, "aws_s3_bucket"},
		{"data.aws_ami.ubuntu", "data.aws_ami"},
		{"module.x.data.aws_ami.ubuntu", "data.aws_ami"},
		{"weird", "weird"},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			t.Parallel()
			if got := resourceType(tt.addr); got != tt.want {
				t.Errorf("resourceType(%q) = %q, want %q", tt.addr, got, tt.want)
			}
		})
	}
}
