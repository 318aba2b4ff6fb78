package dryrun

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/notify"
	"github.com/myorg/drift-action/internal/remediate"
)

// What a dry run prints, in the order a real run makes its side effects:
// the applies it would run (answered as successful), the targets it would
// not heal and why, the commits (none here) and Slack's messages, with
// the thread a bot token would keep.
func TestPrint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name     string
		mode     string
		slackSet bool
		want     string
	}{
		{
			name: "remediate with slack", mode: "remediate", slackSet: true,
			want: `
=== dry run: heal: what terraform apply would be run on (it is not) ===
infra/app (default): would apply the saved plan this run evaluated: 1 to add, 1 to change, 1 to destroy
  aws_s3_bucket.logs: update (cause: drift)
  aws_instance.web: delete+create (cause: drift)
infra/db (prod): refused, nothing applied: a mandatory policy failed

=== dry run: remediation pull requests: what GitHub would be asked (it is not) ===
(none)

=== dry run: record: the commits git would make (nothing is committed or pushed) ===
(none)

=== dry run: slack: the messages that would be posted (nothing is posted) ===
message 1, a new message:
text: drift in infra/app
blocks:
null

message 2, a reply in thread dry-run-1:
text: healed
blocks:
null

`,
		},
		{
			name: "record without slack", mode: "record",
			want: `
=== dry run: record: the commits git would make (nothing is committed or pushed) ===
(none)

=== dry run: slack: not set up, so a real run posts nothing; with DRIFT_ACTION_SLACK_WEBHOOK_URL, or DRIFT_ACTION_SLACK_TOKEN and --slack-channel, it would post ===
(none)
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := New(t.TempDir(), true, tt.slackSet)
			var heal []remediate.Result
			if tt.mode == "remediate" {
				applied := drift.Result{Dir: "infra/app", Changes: []drift.Resource{
					{Address: "aws_s3_bucket.logs", Actions: []string{"update"}, Cause: drift.CauseDrift},
					{Address: "aws_instance.web", Actions: []string{"delete", "create"}, Cause: drift.CauseDrift},
				}}
				out, err := d.Apply(ctx, remediate.Target{Result: applied})
				if err != nil || out.Summary == nil || len(out.Applied) != 2 {
					t.Fatalf("Apply answered %+v, %v; want a successful apply of both changes", out, err)
				}
				heal = []remediate.Result{
					{Dir: "infra/app", Status: remediate.StatusApplied},
					{Dir: "infra/db", Target: "prod", Status: remediate.StatusRefused, Reason: "a mandatory policy failed"},
				}
				_, ts, err := d.Post(ctx, "", notify.Message{Text: "drift in infra/app"})
				if err != nil {
					t.Fatal(err)
				}
				if _, _, err := d.Post(ctx, ts, notify.Message{Text: "healed"}); err != nil {
					t.Fatal(err)
				}
			}
			var b bytes.Buffer
			if err := d.Print(&b, tt.mode, heal); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, b.String()); diff != "" {
				t.Errorf("printed (-want +got):\n%s", diff)
			}
		})
	}
}

// The unified diff of a record file: labelled as git labels it, /dev/null
// for a file the commit creates.
func TestUnified(t *testing.T) {
	t.Parallel()
	got := unified("drift-log.yaml", nil, []byte("a: 1\n"))
	for _, want := range []string{"--- /dev/null", "+++ b/drift-log.yaml", "+a: 1"} {
		if !strings.Contains(got, want) {
			t.Errorf("diff lacks %q:\n%s", want, got)
		}
	}
}
