package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestParseActionTerraformLogsAndProgress reads terraform-log-dir,
// terraform-log-level and progress-interval: a log directory inside the
// repository, never in git's or GitHub's own files nor through a link the
// checkout holds (terraform would write through it), a level terraform
// knows, a duration (0: no progress lines).
func TestParseActionTerraformLogsAndProgress(t *testing.T) {
	t.Parallel()
	type got struct {
		Dir, Level string
		Every      time.Duration
	}
	tests := []struct {
		name    string
		inputs  map[string]string
		link    string // a directory of the workspace made a link to elsewhere
		want    got
		wantErr []string
	}{
		{name: "defaults", want: got{Level: "DEBUG", Every: 15 * time.Second}},
		{name: "set", inputs: map[string]string{"terraform-log-dir": "./out//tf-logs/", "terraform-log-level": "TRACE", "progress-interval": "1m"},
			want: got{Dir: "out/tf-logs", Level: "TRACE", Every: time.Minute}},
		{name: "progress off", inputs: map[string]string{"progress-interval": "0"}, want: got{Level: "DEBUG"}},
		{name: "log dir outside", inputs: map[string]string{"terraform-log-dir": "logs/../../x"},
			wantErr: []string{`input terraform-log-dir: "logs/../../x" must be a directory inside the repository`, ".. segment"}},
		{name: "log dir absolute", inputs: map[string]string{"terraform-log-dir": "/tmp/logs"}, wantErr: []string{`input terraform-log-dir: "/tmp/logs"`, "absolute"}},
		{name: "log dir the root", inputs: map[string]string{"terraform-log-dir": "./"}, wantErr: []string{"it is the repository's root"}},
		{name: "log dir in .github", inputs: map[string]string{"terraform-log-dir": ".github/workflows"}, wantErr: []string{".github is git's or GitHub's own"}},
		{name: "log dir through a link", inputs: map[string]string{"terraform-log-dir": "out/logs"}, link: "out",
			wantErr: []string{`input terraform-log-dir: "out/logs"`, "symbolic link"}},
		{name: "level unknown", inputs: map[string]string{"terraform-log-level": "debug"},
			wantErr: []string{`input terraform-log-level: "debug" is not accepted: use one of TRACE, DEBUG, INFO, WARN, ERROR, JSON`}},
		{name: "interval not a duration", inputs: map[string]string{"progress-interval": "15"},
			wantErr: []string{`input progress-interval: "15" is not accepted`}},
		{name: "interval negative", inputs: map[string]string{"progress-interval": "-1s"},
			wantErr: []string{`input progress-interval: "-1s" is not accepted`}},
		{name: "interval too short", inputs: map[string]string{"progress-interval": "1ms"},
			wantErr: []string{`input progress-interval: "1ms" is not accepted: use a duration of at least 1s`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ws := t.TempDir()
			if tt.link != "" {
				symlink(t, t.TempDir(), filepath.Join(ws, tt.link))
			}
			a, err := ParseAction(actionEnv(ws, tt.inputs))
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatal("ParseAction: no error")
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got{a.TerraformLogDir, a.TerraformLogLevel, a.ProgressInterval}); diff != "" {
				t.Errorf("inputs (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseDetectTerraformLogsAndProgress: the flags' values and refusals.
func TestParseDetectTerraformLogsAndProgress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "defaults"},
		{name: "set", args: []string{"--terraform-log-dir", "logs", "--terraform-log-level", "INFO", "--progress-interval", "5s"}},
		{name: "bad level", args: []string{"--terraform-log-level", "LOUD"}, wantErr: `--terraform-log-level "LOUD" is not accepted: use one of TRACE, DEBUG, INFO, WARN, ERROR, JSON`},
		{name: "negative interval", args: []string{"--progress-interval", "-5s"}, wantErr: "--progress-interval must not be negative, got -5s"},
		{name: "interval too short", args: []string{"--progress-interval", "1ns"}, wantErr: "--progress-interval 1ns: use 0 for no progress lines, or at least 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
				t.Fatal(err)
			}
			c, err := ParseDetect(tt.args, Env{Getenv: func(string) string { return "" }, Cwd: dir}, &strings.Builder{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.args == nil && (c.TerraformLogDir != "" || c.TerraformLogLevel != "DEBUG" || c.ProgressInterval != 15*time.Second) {
				t.Errorf("defaults: dir %q level %q interval %s", c.TerraformLogDir, c.TerraformLogLevel, c.ProgressInterval)
			}
			if tt.args != nil && (c.TerraformLogDir != filepath.Join(dir, "logs") || c.TerraformLogLevel != "INFO" || c.ProgressInterval != 5*time.Second) {
				t.Errorf("set: dir %q level %q interval %s", c.TerraformLogDir, c.TerraformLogLevel, c.ProgressInterval)
			}
		})
	}
}
