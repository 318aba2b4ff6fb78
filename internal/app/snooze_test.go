package app

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/report"
	"github.com/myorg/drift-action/internal/tftest"
)

// TestDetectSnooze plans a real root whose instance drifted in place and
// snoozes that drift: while the snooze holds the run is clean (exit 0) and
// every format says "snoozed" with the reason; once it has expired the drift
// is drift again (exit 2) and the result records the expiry. A snooze of
// some attributes leaves the rest drift, those attributes marked.
func TestDetectSnooze(t *testing.T) {
	s := newScenario(t)
	root, cloud := s.cloudRoot("app", webInstance)
	s.env.Apply(t, root)
	cloud.EditInstance(t, "web", func(i map[string]any) {
		i["tags"] = map[string]any{"env": "prod", "team": "finops"}
		i["instance_type"] = "xlarge"
	})
	snoozeFile := func(until, paths string) {
		tftest.WriteRoot(t, s.dir, ".github", map[string]string{"drift.yaml": "snooze:\n" +
			"  - root: app\n" +
			"    address: fakecloud_instance.*\n" + paths +
			"    until: " + until + "\n" +
			"    reason: load test INC-42\n"})
	}

	t.Run("active", func(t *testing.T) {
		snoozeFile("2999-01-01", "")
		// Policies would judge the resize (cost); this test is about snoozes.
		doc, code, stderr := s.detect("--no-policy", "app")
		r := only(t, doc)
		if r.Error != "" {
			t.Fatalf("target failed: %s\n%s", r.Error, stderr)
		}
		if diff := cmp.Diff(ExitClean, code); diff != "" {
			t.Errorf("exit code (-want +got):\n%s", diff)
		}
		got := struct {
			Status                         drift.Status
			Drift, Changes, Snoozed, Held  []string
			SnoozedResources, ExpiredCount int
			Reason, Source                 string
		}{Status: r.Status, Drift: addresses(r.Drift), Changes: causes(r.Changes), Snoozed: addresses(r.Snoozed), Held: causes(r.SnoozedChanges),
			SnoozedResources: doc.Summary.SnoozedResources, ExpiredCount: doc.Summary.ExpiredSnoozes}
		if len(r.Snoozed) == 1 && r.Snoozed[0].Snooze != nil {
			got.Reason, got.Source = r.Snoozed[0].Snooze.Reason, r.Snoozed[0].Snooze.Source
		}
		want := got
		want.Status, want.Drift, want.Changes = drift.StatusClean, []string{}, []string{}
		want.Snoozed, want.Held = []string{"fakecloud_instance.web update"}, []string{"fakecloud_instance.web update drift"}
		want.SnoozedResources, want.ExpiredCount = 1, 0
		want.Reason, want.Source = "load test INC-42", ".github/drift.yaml:2"
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("snoozed result (-want +got):\n%s", diff)
		}
		if doc.Drifted {
			t.Errorf("document says drifted; snoozed drift is not drift")
		}
		// Policies judge the snoozed verdict too: the drift is listed as
		// snoozed in their input, not as drifted.
		tftest.WriteRoot(t, s.dir, "pol", map[string]string{"p.rego": "package snoozecheck\n\n" +
			"deny contains msg if { some a in input.drift.drifted; msg := sprintf(\"drifted %s\", [a]) }\n\n" +
			"warn contains msg if { some a in input.drift.snoozed; msg := sprintf(\"snoozed %s\", [a]) }\n"})
		pdoc, _, perr := s.detect("--policy", "pol", "app")
		var msgs []string
		only(t, pdoc)
		for _, p := range pdoc.Roots[0].Policy {
			msgs = append(msgs, p.Kind+" "+p.Msg)
		}
		if diff := cmp.Diff([]string{"warn snoozed fakecloud_instance.web"}, msgs); diff != "" {
			t.Errorf("policy results on snoozed drift (-want +got):\n%s\n%s", diff, perr)
		}
		for _, format := range []string{"text", "markdown"} {
			var stdout, errOut bytes.Buffer
			err := Run(context.Background(), []string{"detect", "--no-policy", "--format", format, "app"}, s.cfgEnv(), &stdout, &errOut)
			if got := Code(err, &errOut); got != ExitClean {
				t.Fatalf("%s: exit %d, want %d\n%s", format, got, ExitClean, errOut.String())
			}
			for _, w := range []string{"snoozed", "2999-01-01", "load test INC-42", "fakecloud_instance.web"} {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("%s output does not say %q:\n%s", format, w, stdout.String())
				}
			}
		}
	})

	t.Run("expired", func(t *testing.T) {
		snoozeFile("2000-01-01", "")
		doc, code, stderr := s.detect("--no-policy", "app")
		r := only(t, doc)
		if r.Error != "" {
			t.Fatalf("target failed: %s\n%s", r.Error, stderr)
		}
		if diff := cmp.Diff(ExitDrift, code); diff != "" {
			t.Errorf("exit code (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"fakecloud_instance.web update"}, addresses(r.Drift)); diff != "" {
			t.Errorf("drift (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{}, addresses(r.Snoozed)); diff != "" {
			t.Errorf("snoozed (-want +got):\n%s", diff)
		}
		var expired []string
		for _, e := range r.ExpiredSnoozes {
			expired = append(expired, e.Source+" "+e.Until.Format("2006-01-02")+" "+e.Reason+" "+strings.Join(e.Resources, ","))
		}
		if diff := cmp.Diff([]string{".github/drift.yaml:2 2000-01-01 load test INC-42 fakecloud_instance.web"}, expired); diff != "" {
			t.Errorf("expired snoozes (-want +got):\n%s", diff)
		}
		if doc.Summary.ExpiredSnoozes != 1 {
			t.Errorf("summary expired_snoozes = %d, want 1", doc.Summary.ExpiredSnoozes)
		}
	})

	t.Run("some attributes", func(t *testing.T) {
		snoozeFile("2999-01-01", "    paths: [tags]\n")
		doc, code, stderr := s.detect("--no-policy", "app")
		r := only(t, doc)
		if r.Error != "" {
			t.Fatalf("target failed: %s\n%s", r.Error, stderr)
		}
		if diff := cmp.Diff(ExitDrift, code); diff != "" {
			t.Errorf("exit code (-want +got):\n%s", diff)
		}
		if len(r.Drift) != 1 {
			t.Fatalf("drift = %v, want the instance", addresses(r.Drift))
		}
		marks := map[string]bool{}
		for _, a := range r.Drift[0].Attributes {
			marks[a.Path] = a.Snooze != nil
		}
		if diff := cmp.Diff(map[string]bool{"instance_type": false, "tags.team": true}, marks); diff != "" {
			t.Errorf("snoozed attributes (-want +got):\n%s", diff)
		}
	})

	t.Run("target matching none of the root's", func(t *testing.T) {
		tftest.WriteRoot(t, s.dir, ".github", map[string]string{"drift.yaml": "snooze:\n" +
			"  - root: app\n" +
			"    target: us-east-1\n" +
			"    address: fakecloud_instance.*\n" +
			"    until: 2999-01-01\n" +
			"    reason: load test INC-42\n"})
		doc, code, _ := s.detect("--no-policy", "app")
		r := only(t, doc)
		if code != ExitDrift || len(r.Drift) != 1 || len(r.Snoozed) != 0 {
			t.Errorf("exit %d, drift %v, snoozed %v: want the drift reported, exit 2", code, addresses(r.Drift), addresses(r.Snoozed))
		}
		const msg = `.github/drift.yaml:2: snooze for root "app" target "us-east-1" matches none of its targets (default): it snoozes nothing; fix target, or remove the entry`
		if diff := cmp.Diff([]report.Warning{{File: ".github/drift.yaml", Line: 2, Message: msg}}, doc.Warnings); diff != "" {
			t.Errorf("warnings (-want +got):\n%s", diff)
		}
		var stdout, errOut bytes.Buffer
		err := Run(context.Background(), []string{"detect", "--no-policy", "app"}, s.cfgEnv(), &stdout, &errOut)
		if got := Code(err, &errOut); got != ExitDrift {
			t.Fatalf("exit %d, want %d: a warning changes no exit code\n%s", got, ExitDrift, errOut.String())
		}
		if !strings.Contains(stdout.String(), "Warning: "+msg) || !strings.Contains(errOut.String(), "warning: "+msg) {
			t.Errorf("the warning is not in the report and the log:\nstdout:\n%s\nstderr:\n%s", stdout.String(), errOut.String())
		}
	})
}
