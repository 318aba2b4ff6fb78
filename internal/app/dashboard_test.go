package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const dashLog = `# drift-action record log
---
time: 2026-06-01T06:00:00Z
event: detected
root: infra/app
target: default
repository: acme/infra
resources: [aws_instance.web]
counts: {drifted: 1, changes: 1, failed: 0, overridden: 0}
---
time: 2026-06-01T07:00:00Z
event: recovered
root: infra/app
target: default
repository: acme/infra
resources: [aws_instance.web]
counts: {drifted: 0, changes: 0, failed: 0, overridden: 0}
`

const dashReport = `---
apiVersion: infra.example.com/v1
kind: DriftReport
metadata: {name: infra-app-default}
spec:
  root: infra/app
  target: default
  state: clean
  recovered: true
  resources: []
  lastRun: {time: 2026-06-01T07:00:00Z}
status: {state: clean, recovered: true}
`

// The dashboard command reads the record and writes the site; a bad input
// is an error naming the file (and line) and what to do.
func TestDashboardCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		files     map[string]string
		args      []string
		wantCode  int
		wantErr   string   // in stderr
		wantFiles []string // under out/
		wantOut   string   // in stdout
	}{
		{name: "writes the site", files: map[string]string{"drift/drift-log.yaml": dashLog, "drift/drift-report.yaml": dashReport},
			args:      []string{"--report", "drift/drift-report.yaml", "--out", "out", "--now", "2026-06-02T00:00:00Z"},
			wantFiles: []string{"index.html", "badge.svg", "badges/infra-app.svg"},
			wantOut:   "wrote out/index.html: 2 events, 0 targets drifted now, status no drift"},
		{name: "one event, one target drifted: said in the singular", files: map[string]string{"drift/drift-log.yaml": strings.SplitAfter(dashLog, "overridden: 0}\n")[0]},
			args: []string{"--out", "out", "--now", "2026-06-02T00:00:00Z"}, wantFiles: []string{"index.html", "badge.svg"},
			wantOut: "wrote out/index.html: 1 event, 1 target drifted now, status "},
		{name: "an absolute --out", files: map[string]string{"drift/drift-log.yaml": dashLog},
			args: []string{"--out", "ABS/out"}, wantFiles: []string{"index.html", "badge.svg"}, wantOut: "2 events"},
		{name: "a bad event names the file and line", files: map[string]string{"log.yaml": dashLog + "---\nevent: detected\nroot: a\ntarget: b\n"},
			args: []string{"--log", "log.yaml", "--out", "out"}, wantCode: 1, wantErr: "log.yaml:19: event has no time"},
		{name: "bad YAML names the file and line", files: map[string]string{"log.yaml": dashLog + "---\ntime: [\n"},
			args: []string{"--log", "log.yaml", "--out", "out"}, wantCode: 1, wantErr: "log.yaml:19"},
		{name: "no log", args: []string{"--out", "out"}, wantCode: 1, wantErr: "drift/drift-log.yaml: no such file or directory (record one with mode: record, or name it with --log)"},
		{name: "no --out", files: map[string]string{"drift/drift-log.yaml": dashLog}, wantCode: 1, wantErr: "name the directory to write with --out DIR"},
		{name: "a bad --now", files: map[string]string{"drift/drift-log.yaml": dashLog}, args: []string{"--out", "o", "--now", "tomorrow"},
			wantCode: 1, wantErr: `--now "tomorrow" is not an RFC 3339 time`},
		{name: "a report of another group names the file and line", files: map[string]string{"drift/drift-log.yaml": dashLog, "r.yaml": dashReport},
			args: []string{"--report", "r.yaml", "--group", "other.example.com", "--out", "o"}, wantCode: 1, wantErr: "r.yaml:2: document is infra.example.com/v1 DriftReport"},
		{name: "an --out under a file names the flag", files: map[string]string{"drift/drift-log.yaml": dashLog, "a-file": ""}, args: []string{"--out", "a-file/site"},
			wantCode: 1, wantErr: "dashboard: --out a-file/site: mkdir "},
		{name: "a stray argument", files: map[string]string{"drift/drift-log.yaml": dashLog}, args: []string{"--out", "o", "extra"},
			wantCode: 1, wantErr: `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := cliEnv(t)
			for name, content := range tt.files {
				p := filepath.Join(env.Cwd, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			args := append([]string{"dashboard"}, tt.args...)
			for i, a := range args {
				args[i] = strings.Replace(a, "ABS", env.Cwd, 1) // an absolute path that is not under the cwd twice
			}
			code, stdout, stderr := runMain(t, env, args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, stdout, stderr)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantErr, stderr)
			}
			if !strings.Contains(stdout, tt.wantOut) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantOut, stdout)
			}
			for _, f := range tt.wantFiles {
				b, err := os.ReadFile(filepath.Join(env.Cwd, "out", f))
				if err != nil || len(b) == 0 {
					t.Errorf("out/%s: %v, %d bytes", f, err, len(b))
				}
			}
		})
	}
}
