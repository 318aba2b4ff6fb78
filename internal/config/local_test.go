package config

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestParseLocal: record and remediate take the action's settings from
// flags and secrets from the environment; a real Slack webhook is https
// only, a dry run (which posts nothing) takes http:// too.
func TestParseLocal(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	if err := os.Mkdir(filepath.Join(ws, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	type want struct {
		Mode, Workspace, Repository, Remediation, ReportPath, WebhookURL, RecordGroup string
		DryRun, Push                                                                  bool
	}
	for _, tc := range []struct {
		name    string
		mode    string
		args    []string
		vars    map[string]string
		want    want
		wantErr string
	}{
		{name: "record defaults", mode: "record", args: []string{"--workspace", ws},
			want: want{Mode: "record", Workspace: ws, ReportPath: "drift/drift-report.yaml"}},
		{name: "dry run names a repository", mode: "remediate", args: []string{"--workspace", ws, "--dry-run", "--remediation", "apply"},
			want: want{Mode: "remediate", Workspace: ws, Repository: "local/" + filepath.Base(ws), Remediation: "apply", ReportPath: "drift/drift-report.yaml", DryRun: true}},
		{name: "repository from the environment", mode: "remediate", args: []string{"--workspace", ws}, vars: map[string]string{"GITHUB_REPOSITORY": "acme/infra"},
			want: want{Mode: "remediate", Workspace: ws, Repository: "acme/infra", ReportPath: "drift/drift-report.yaml"}},
		{name: "dry run takes an http webhook", mode: "record", args: []string{"--workspace", ws, "--dry-run"}, vars: map[string]string{"DRIFT_ACTION_SLACK_WEBHOOK_URL": "http://127.0.0.1:9/hook"},
			want: want{Mode: "record", Workspace: ws, Repository: "local/" + filepath.Base(ws), ReportPath: "drift/drift-report.yaml", WebhookURL: "http://127.0.0.1:9/hook", DryRun: true}},
		{name: "a real post refuses an http webhook", mode: "record", args: []string{"--workspace", ws}, vars: map[string]string{"DRIFT_ACTION_SLACK_WEBHOOK_URL": "http://127.0.0.1:9/hook"},
			wantErr: "DRIFT_ACTION_SLACK_WEBHOOK_URL is not an https:// URL (value not shown"},
		{name: "push", mode: "record", args: []string{"--workspace", ws, "--push"},
			want: want{Mode: "record", Workspace: ws, ReportPath: "drift/drift-report.yaml", Push: true}},
		{name: "record group", mode: "record", args: []string{"--workspace", ws, "--record-group", "drift.mycompany.io"},
			want: want{Mode: "record", Workspace: ws, ReportPath: "drift/drift-report.yaml", RecordGroup: "drift.mycompany.io"}},
		{name: "bad record group", mode: "record", args: []string{"--workspace", ws, "--record-group", "Drift_Reports"},
			wantErr: `--record-group: group "Drift_Reports" is not a DNS subdomain`},
		{name: "dry run and push", mode: "record", args: []string{"--workspace", ws, "--dry-run", "--push"}, wantErr: "--dry-run and --push"},
		{name: "dry run and metrics file", mode: "remediate", args: []string{"--workspace", ws, "--dry-run", "--metrics-file", "drift.prom"}, wantErr: "--dry-run and --metrics-file: a dry run's metrics would report heals and pull requests that never happened"},
		{name: "unknown strategy", mode: "remediate", args: []string{"--workspace", ws, "--remediation", "yolo"}, wantErr: `--remediation "yolo" is not accepted`},
		{name: "no remediation flag for record", mode: "record", args: []string{"--remediation", "pr"}, wantErr: "flag provided but not defined: --remediation"},
		{name: "report path in .git", mode: "record", args: []string{"--workspace", ws, "--report-path", ".git/x.yaml"}, wantErr: "--report-path: \".git/x.yaml\" must be a file path inside the repository"},
		{name: "token without channel", mode: "record", args: []string{"--workspace", ws}, vars: map[string]string{"DRIFT_ACTION_SLACK_TOKEN": "xoxb-1"},
			wantErr: "DRIFT_ACTION_SLACK_TOKEN needs --slack-channel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := Env{Getenv: func(k string) string { return tc.vars[k] }, Cwd: t.TempDir()}
			l, err := ParseLocal(tc.mode, tc.args, env, io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one with %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "127.0.0.1") {
					t.Errorf("the error shows the secret webhook URL: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			a := l.Action
			got := want{Mode: a.Mode, Workspace: a.Workspace, Repository: a.Repository, Remediation: a.Remediation, ReportPath: a.ReportPath,
				WebhookURL: a.Slack.WebhookURL, RecordGroup: a.RecordGroup, DryRun: l.DryRun, Push: l.Push}
			want := tc.want
			if want.RecordGroup == "" {
				want.RecordGroup = "infra.example.com" // the action's default
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
