package app

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/actions"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/report"
)

// Two targets of one root drifting alike get an annotation each, naming
// the target once (in the title); a root's one default target is not
// named; drift.yaml's warnings sit on their lines; an annotation identical
// to an earlier one is given once.
func TestAnnotationsNameTargets(t *testing.T) {
	t.Parallel()
	resize := drift.Resource{Address: "fakecloud_instance.web", Type: "fakecloud_instance", Actions: []string{"update"},
		Attributes: []drift.Attribute{{Path: "instance_type", Before: "small", After: "huge"}}}
	failing := drift.Check{Address: "check.health", Kind: "check", Status: drift.CheckFail, Problems: []string{"unhealthy"}}
	denied := policy.Result{Policy: "cost", Rule: "deny", Level: policy.HardMandatory, Severity: "high", Msg: "too big", Failed: true}
	declared := map[string]report.Location{"fakecloud_instance.web": {File: "infra/app/main.tf", Line: 12}}
	doc := func(warnings []report.Warning, rs ...report.Root) report.Document {
		return report.Document{Roots: rs, Warnings: warnings}
	}
	region := func(dir, target string, policies ...policy.Result) report.Root {
		r := drift.Result{Dir: dir, Target: target, Drift: []drift.Resource{resize}, Checks: []drift.Check{failing}}
		r.SetStatus()
		return report.Root{Result: r, Policy: policies, Declared: declared}
	}
	tests := []struct {
		name string
		doc  report.Document
		want []actions.Annotation
	}{
		{
			name: "two targets of one root",
			doc:  doc(nil, region("infra/app", "us-east-1", denied), region("infra/app", "eu-west-1", denied)),
			want: []actions.Annotation{
				{Level: "error", Title: "Policy cost.deny (hard-mandatory, high)", Msg: "infra/app (us-east-1): too big"},
				{Level: "warning", Title: "Drift: fakecloud_instance.web (us-east-1)", File: "infra/app/main.tf", Line: 12, Msg: "fakecloud_instance.web was changed outside terraform: instance_type"},
				{Level: "warning", Title: "Check: check.health (us-east-1)", Msg: "infra/app: check check.health fail: unhealthy"},
				{Level: "error", Title: "Policy cost.deny (hard-mandatory, high)", Msg: "infra/app (eu-west-1): too big"},
				{Level: "warning", Title: "Drift: fakecloud_instance.web (eu-west-1)", File: "infra/app/main.tf", Line: 12, Msg: "fakecloud_instance.web was changed outside terraform: instance_type"},
				{Level: "warning", Title: "Check: check.health (eu-west-1)", Msg: "infra/app: check check.health fail: unhealthy"},
			},
		},
		{
			name: "the default target of a root is not named",
			doc:  doc(nil, region("infra/app", "default")),
			want: []actions.Annotation{
				{Level: "warning", Title: "Drift: fakecloud_instance.web", File: "infra/app/main.tf", Line: 12, Msg: "fakecloud_instance.web was changed outside terraform: instance_type"},
				{Level: "warning", Title: "Check: check.health", Msg: "infra/app: check check.health fail: unhealthy"},
			},
		},
		{
			name: "an error names its target",
			doc: doc(nil, report.Root{Result: drift.Result{Dir: "infra/app", Target: "us-east-1", Status: drift.StatusError, Error: "init: boom\nmore"}},
				report.Root{Result: drift.Result{Dir: "infra/app", Target: "eu-west-1", Status: drift.StatusError, Error: "init: boom\nmore"}}),
			want: []actions.Annotation{
				{Level: "error", Title: "drift-action: infra/app (us-east-1)", Msg: "init: boom"},
				{Level: "error", Title: "drift-action: infra/app (eu-west-1)", Msg: "init: boom"},
			},
		},
		{
			name: "an identical annotation is given once",
			doc:  doc(nil, report.Root{Result: drift.Result{Dir: "infra/app", Target: "default", Status: drift.StatusClean}, Policy: []policy.Result{denied, denied}}),
			want: []actions.Annotation{{Level: "error", Title: "Policy cost.deny (hard-mandatory, high)", Msg: "infra/app: too big"}},
		},
		{
			name: "drift.yaml's warnings on their lines",
			doc:  doc([]report.Warning{{File: ".github/drift.yaml", Line: 7, Message: `.github/drift.yaml:7: snooze for root "infra/ap" matches no root`}}),
			want: []actions.Annotation{{Level: "warning", Title: "drift-action: drift.yaml", File: ".github/drift.yaml", Line: 7, Msg: `.github/drift.yaml:7: snooze for root "infra/ap" matches no root`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, annotations(tt.doc)); diff != "" {
				t.Errorf("annotations (-want +got):\n%s", diff)
			}
		})
	}
}
