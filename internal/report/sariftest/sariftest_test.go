package sariftest

import (
	"strings"
	"testing"
)

// The schema is live: a log it allows passes, and logs breaking it are
// refused, each saying where.
func TestValidate(t *testing.T) {
	t.Parallel()
	const ok = `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"ruleId":"r","level":"warning","message":{"text":"m"}}]}]}`
	tests := []struct {
		name, log, wantErr string
	}{
		{"valid", ok, ""},
		{"a level the schema lacks", strings.Replace(ok, `"warning"`, `"critical"`, 1), "level"},
		{"no message", strings.Replace(ok, `,"message":{"text":"m"}`, "", 1), "message"},
		{"another version", strings.Replace(ok, `"2.1.0"`, `"2.0.0"`, 1), "version"},
		{"not JSON", "{", "not JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Validate([]byte(tt.log))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Validate: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Validate: %v, want an error naming %q", err, tt.wantErr)
			}
		})
	}
}
