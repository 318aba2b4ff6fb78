package drift_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/myorg/drift-action/internal/drift"
)

var (
	snoozeNow   = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	snoozeLater = snoozeNow.Add(24 * time.Hour)
)

func upd(addr string, attrs ...drift.Attribute) drift.Resource {
	return drift.Resource{Address: addr, Type: "fakecloud_instance", Actions: []string{"update"}, Attributes: attrs}
}

func del(addr string) drift.Resource {
	return drift.Resource{Address: addr, Type: "fakecloud_instance", Actions: []string{"delete"}, Attributes: []drift.Attribute{attr("name", "web", nil)}}
}

func change(addr, cause string) drift.Resource {
	return drift.Resource{Address: addr, Type: "fakecloud_instance", Actions: []string{"update"}, Cause: cause}
}

func snoozed(r drift.Resource, s drift.Snooze) drift.Resource {
	r.Snooze = &s
	return r
}

func marked(a drift.Attribute, s drift.Snooze) drift.Attribute {
	a.Snooze = &s
	return a
}

func TestApplySnoozes(t *testing.T) {
	t.Parallel()
	web := drift.Snooze{Root: "infra/*", Address: "fakecloud_instance.web", Until: snoozeLater, Reason: "resize under test", Source: "drift.yaml:3"}
	tags := drift.Snooze{Root: "infra/app", Address: "fakecloud_instance.*", Paths: []string{"tags"}, Until: snoozeLater, Reason: "tags owned by finops", Source: "drift.yaml:9"}
	east := web
	east.Target = "us-east-1"
	anyUS := web
	anyUS.Target = "us-*"
	gone := web
	gone.Until, gone.Source = snoozeNow, "drift.yaml:15" // ends exactly now
	typeA := attr("instance_type", "small", "xlarge")
	tagA := attr("tags.team", "platform", "finops")
	tests := []struct {
		name    string
		snoozes []drift.Snooze
		in      drift.Result
		want    drift.Result
	}{
		{
			name:    "whole resource snoozed: the target is clean and the revert snoozed too",
			snoozes: []drift.Snooze{web},
			in:      drift.Result{Dir: "infra/app", Drift: []drift.Resource{upd("fakecloud_instance.web", typeA)}, Changes: []drift.Resource{change("fakecloud_instance.web", drift.CauseDrift)}},
			want: drift.Result{Dir: "infra/app", Status: drift.StatusClean,
				Snoozed:        []drift.Resource{snoozed(upd("fakecloud_instance.web", typeA), web)},
				SnoozedChanges: []drift.Resource{snoozed(change("fakecloud_instance.web", drift.CauseDrift), web)}},
		},
		{
			name:    "a code change on a snoozed resource stays pending",
			snoozes: []drift.Snooze{web},
			in: drift.Result{Dir: "infra/app", Drift: []drift.Resource{upd("fakecloud_instance.web", typeA)},
				Changes: []drift.Resource{change("fakecloud_instance.web", drift.CauseDriftAndCode), change("fakecloud_instance.db", drift.CauseCode)}},
			want: drift.Result{Dir: "infra/app", Status: drift.StatusChanged,
				Snoozed: []drift.Resource{snoozed(upd("fakecloud_instance.web", typeA), web)},
				Changes: []drift.Resource{change("fakecloud_instance.web", drift.CauseDriftAndCode), change("fakecloud_instance.db", drift.CauseCode)}},
		},
		{
			name:    "a moved resource's revert is matched by its previous address",
			snoozes: []drift.Snooze{web},
			in: drift.Result{Dir: "infra/app", Drift: []drift.Resource{upd("fakecloud_instance.web", typeA)},
				Changes: []drift.Resource{{Address: "fakecloud_instance.app", PreviousAddress: "fakecloud_instance.web", Actions: []string{"update"}, Cause: drift.CauseDrift}}},
			want: drift.Result{Dir: "infra/app", Status: drift.StatusClean,
				Snoozed:        []drift.Resource{snoozed(upd("fakecloud_instance.web", typeA), web)},
				SnoozedChanges: []drift.Resource{{Address: "fakecloud_instance.app", PreviousAddress: "fakecloud_instance.web", Actions: []string{"update"}, Cause: drift.CauseDrift, Snooze: &web}}},
		},
		{
			name:    "a deletion is snoozed by a whole-resource snooze",
			snoozes: []drift.Snooze{web},
			in:      drift.Result{Dir: "infra/app", Drift: []drift.Resource{del("fakecloud_instance.web")}},
			want:    drift.Result{Dir: "infra/app", Status: drift.StatusClean, Snoozed: []drift.Resource{snoozed(del("fakecloud_instance.web"), web)}},
		},
		{
			name:    "a path snooze does not cover a deletion",
			snoozes: []drift.Snooze{{Root: "**", Address: "*", Paths: []string{"name"}, Until: snoozeLater, Reason: "r"}},
			in:      drift.Result{Dir: "infra/app", Drift: []drift.Resource{del("fakecloud_instance.web")}},
			want:    drift.Result{Dir: "infra/app", Status: drift.StatusDrifted, Drift: []drift.Resource{del("fakecloud_instance.web")}},
		},
		{
			name:    "partial snooze: other drifted attributes keep the resource drift, the snoozed one marked",
			snoozes: []drift.Snooze{tags},
			in:      drift.Result{Dir: "infra/app", Drift: []drift.Resource{upd("fakecloud_instance.web", typeA, tagA)}, Changes: []drift.Resource{change("fakecloud_instance.web", drift.CauseDrift)}},
			want: drift.Result{Dir: "infra/app", Status: drift.StatusDrifted,
				Drift:   []drift.Resource{upd("fakecloud_instance.web", typeA, marked(tagA, tags))},
				Changes: []drift.Resource{change("fakecloud_instance.web", drift.CauseDrift)}},
		},
		{
			name:    "path snoozes covering every drifted attribute snooze the resource",
			snoozes: []drift.Snooze{tags},
			in:      drift.Result{Dir: "infra/app", Drift: []drift.Resource{upd("fakecloud_instance.web", tagA)}},
			want: drift.Result{Dir: "infra/app", Status: drift.StatusClean,
				Snoozed: []drift.Resource{snoozed(upd("fakecloud_instance.web", marked(tagA, tags)), tags)}},
		},
		{
			name:    "the address glob must match",
			snoozes: []drift.Snooze{web},
			in:      drift.Result{Dir: "infra/app", Drift: []drift.Resource{upd("fakecloud_instance.web2", typeA)}},
			want:    drift.Result{Dir: "infra/app", Status: drift.StatusDrifted, Drift: []drift.Resource{upd("fakecloud_instance.web2", typeA)}},
		},
		{
			name:    "an address glob with a star spans modules and indexes",
			snoozes: []drift.Snooze{{Root: "**", Address: "module.db.*", Until: snoozeLater, Reason: "r"}},
			in:      drift.Result{Dir: "infra/app", Drift: []drift.Resource{upd(`module.db.fakecloud_instance.x["a"]`, typeA)}},
			want: drift.Result{Dir: "infra/app", Status: drift.StatusClean,
				Snoozed: []drift.Resource{snoozed(upd(`module.db.fakecloud_instance.x["a"]`, typeA), drift.Snooze{Root: "**", Address: "module.db.*", Until: snoozeLater, Reason: "r"})}},
		},
		{
			name:    "the root glob must match",
			snoozes: []drift.Snooze{tags},
			in:      drift.Result{Dir: "infra/db", Status: drift.StatusDrifted, Drift: []drift.Resource{upd("fakecloud_instance.web", tagA)}},
			want:    drift.Result{Dir: "infra/db", Status: drift.StatusDrifted, Drift: []drift.Resource{upd("fakecloud_instance.web", tagA)}},
		},
		{
			name:    "a snooze for target us-east-1 snoozes its drift",
			snoozes: []drift.Snooze{east},
			in:      drift.Result{Dir: "infra/app", Target: "us-east-1", Drift: []drift.Resource{upd("fakecloud_instance.web", typeA)}},
			want: drift.Result{Dir: "infra/app", Target: "us-east-1", Status: drift.StatusClean,
				Snoozed: []drift.Resource{snoozed(upd("fakecloud_instance.web", typeA), east)}},
		},
		{
			name:    "a snooze for target us-east-1 leaves the same drift in eu-west-1 drift",
			snoozes: []drift.Snooze{east},
			in:      drift.Result{Dir: "infra/app", Target: "eu-west-1", Status: drift.StatusDrifted, Drift: []drift.Resource{upd("fakecloud_instance.web", typeA)}},
			want:    drift.Result{Dir: "infra/app", Target: "eu-west-1", Status: drift.StatusDrifted, Drift: []drift.Resource{upd("fakecloud_instance.web", typeA)}},
		},
		{
			name:    "a target glob snoozes the targets it matches",
			snoozes: []drift.Snooze{anyUS},
			in:      drift.Result{Dir: "infra/app", Target: "us-west-2", Drift: []drift.Resource{upd("fakecloud_instance.web", typeA)}},
			want: drift.Result{Dir: "infra/app", Target: "us-west-2", Status: drift.StatusClean,
				Snoozed: []drift.Resource{snoozed(upd("fakecloud_instance.web", typeA), anyUS)}},
		},
		{
			name:    "a target glob leaves the targets it does not match",
			snoozes: []drift.Snooze{anyUS},
			in:      drift.Result{Dir: "infra/app", Target: "eu-west-1", Status: drift.StatusDrifted, Drift: []drift.Resource{upd("fakecloud_instance.web", typeA)}},
			want:    drift.Result{Dir: "infra/app", Target: "eu-west-1", Status: drift.StatusDrifted, Drift: []drift.Resource{upd("fakecloud_instance.web", typeA)}},
		},
		{
			name:    "an expired snooze for another target is not recorded",
			snoozes: []drift.Snooze{func() drift.Snooze { s := east; s.Until = snoozeNow; return s }()},
			in:      drift.Result{Dir: "infra/app", Target: "eu-west-1", Status: drift.StatusDrifted, Drift: []drift.Resource{upd("fakecloud_instance.web", typeA)}},
			want:    drift.Result{Dir: "infra/app", Target: "eu-west-1", Status: drift.StatusDrifted, Drift: []drift.Resource{upd("fakecloud_instance.web", typeA)}},
		},
		{
			name:    "expired at until exactly: drift again, the expiry recorded",
			snoozes: []drift.Snooze{gone},
			in:      drift.Result{Dir: "infra/app", Drift: []drift.Resource{upd("fakecloud_instance.web", typeA)}, Changes: []drift.Resource{change("fakecloud_instance.web", drift.CauseDrift)}},
			want: drift.Result{Dir: "infra/app", Status: drift.StatusDrifted,
				Drift:          []drift.Resource{upd("fakecloud_instance.web", typeA)},
				Changes:        []drift.Resource{change("fakecloud_instance.web", drift.CauseDrift)},
				ExpiredSnoozes: []drift.ExpiredSnooze{{Snooze: gone, Resources: []string{"fakecloud_instance.web"}}}},
		},
		{
			name:    "an expired snooze renewed by an active one is not recorded",
			snoozes: []drift.Snooze{gone, web},
			in:      drift.Result{Dir: "infra/app", Drift: []drift.Resource{upd("fakecloud_instance.web", typeA)}},
			want:    drift.Result{Dir: "infra/app", Status: drift.StatusClean, Snoozed: []drift.Resource{snoozed(upd("fakecloud_instance.web", typeA), web)}},
		},
		{
			name:    "an expired snooze matching no drift is not recorded",
			snoozes: []drift.Snooze{gone},
			in:      drift.Result{Dir: "infra/app", Drift: []drift.Resource{upd("fakecloud_instance.db", typeA)}},
			want:    drift.Result{Dir: "infra/app", Status: drift.StatusDrifted, Drift: []drift.Resource{upd("fakecloud_instance.db", typeA)}},
		},
		{
			name:    "one expired snooze over two resources is recorded once",
			snoozes: []drift.Snooze{{Root: "infra/app", Address: "fakecloud_instance.*", Until: snoozeNow.Add(-time.Second), Reason: "r", Source: "drift.yaml:2"}},
			in:      drift.Result{Dir: "infra/app", Drift: []drift.Resource{upd("fakecloud_instance.a", typeA), upd("fakecloud_instance.b", typeA)}},
			want: drift.Result{Dir: "infra/app", Status: drift.StatusDrifted,
				Drift: []drift.Resource{upd("fakecloud_instance.a", typeA), upd("fakecloud_instance.b", typeA)},
				ExpiredSnoozes: []drift.ExpiredSnooze{{
					Snooze:    drift.Snooze{Root: "infra/app", Address: "fakecloud_instance.*", Until: snoozeNow.Add(-time.Second), Reason: "r", Source: "drift.yaml:2"},
					Resources: []string{"fakecloud_instance.a", "fakecloud_instance.b"}}}},
		},
		{
			name:    "an error stays an error",
			snoozes: []drift.Snooze{web},
			in:      drift.Result{Dir: "infra/app", Error: "policy: boom", Drift: []drift.Resource{upd("fakecloud_instance.web", typeA)}},
			want: drift.Result{Dir: "infra/app", Error: "policy: boom", Status: drift.StatusError,
				Snoozed: []drift.Resource{snoozed(upd("fakecloud_instance.web", typeA), web)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.in
			got.ApplySnoozes(tt.snoozes, snoozeNow)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ApplySnoozes (-want +got):\n%s", diff)
			}
			// Applying again changes nothing.
			again := got
			again.ApplySnoozes(tt.snoozes, snoozeNow)
			if diff := cmp.Diff(got, again, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ApplySnoozes twice (-once +twice):\n%s", diff)
			}
		})
	}
}

func TestSnoozeActiveBoundary(t *testing.T) {
	t.Parallel()
	s := drift.Snooze{Until: snoozeNow}
	tests := []struct {
		name string
		now  time.Time
		want bool
	}{
		{"a nanosecond before", snoozeNow.Add(-time.Nanosecond), true},
		{"at until", snoozeNow, false},
		{"after", snoozeNow.Add(time.Hour), false},
		{"same instant in another zone", snoozeNow.In(time.FixedZone("UTC+2", 2*3600)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, s.Active(tt.now)); diff != "" {
				t.Errorf("Active(%s) (-want +got):\n%s", tt.now, diff)
			}
		})
	}
}

func TestApplySnoozesDoesNotTouchInput(t *testing.T) {
	t.Parallel()
	tags := drift.Snooze{Root: "**", Address: "*", Paths: []string{"tags"}, Until: snoozeLater, Reason: "r"}
	drifted := []drift.Resource{upd("fakecloud_instance.web", attr("instance_type", "small", "xlarge"), attr("tags.team", "a", "b"))}
	r := drift.Result{Dir: "x", Drift: drifted}
	r.ApplySnoozes([]drift.Snooze{tags}, snoozeNow)
	if drifted[0].Attributes[1].Snooze != nil {
		t.Errorf("ApplySnoozes marked the caller's attribute in place")
	}
}
