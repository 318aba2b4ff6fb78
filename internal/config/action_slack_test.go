package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseActionSlack(t *testing.T) {
	t.Parallel()
	const hook, token = "https://hooks.slack.com/services/T0/B0/hooksecret", "xoxb-1-tokensecret"
	tests := []struct {
		name    string
		inputs  map[string]string
		want    Slack
		wantErr string
	}{
		{"off by default", nil, Slack{}, ""},
		{"webhook", map[string]string{"slack-webhook-url": hook}, Slack{WebhookURL: hook}, ""},
		{"bot token and channel with heartbeat", map[string]string{"slack-token": token, "slack-channel": "C0123", "slack-heartbeat": "true"},
			Slack{Token: token, Channel: "C0123", Heartbeat: true}, ""},
		{"both ways in", map[string]string{"slack-webhook-url": hook, "slack-token": token, "slack-channel": "C1"}, Slack{}, "are both set: use one"},
		{"token without channel", map[string]string{"slack-token": token}, Slack{}, "input slack-token needs slack-channel"},
		{"channel without token", map[string]string{"slack-webhook-url": hook, "slack-channel": "C1"}, Slack{}, "input slack-channel is set without slack-token"},
		{"webhook not https", map[string]string{"slack-webhook-url": "http://hooks.slack.com/services/x/hooksecret"}, Slack{}, "is not an https:// URL"},
		{"not a bot token", map[string]string{"slack-token": "tokensecret", "slack-channel": "C1"}, Slack{}, "starts with xoxb-"},
		{"heartbeat typo", map[string]string{"slack-heartbeat": "yes"}, Slack{}, `input slack-heartbeat: "yes" is not accepted`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"GITHUB_WORKSPACE": "/ws"}
			for k, v := range tt.inputs {
				env["INPUT_"+strings.ToUpper(k)] = v
			}
			a, err := ParseAction(Env{Getenv: func(k string) string { return env[k] }})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one saying %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "hooksecret") || strings.Contains(err.Error(), "tokensecret") {
					t.Errorf("the error shows a secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, a.Slack); diff != "" {
				t.Errorf("Slack (-want +got):\n%s", diff)
			}
		})
	}
}
