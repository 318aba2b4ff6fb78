package actions_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/actions"
	"github.com/myorg/drift-action/internal/actions/actionstest"
)

// injections are lines an attacker puts in a payload, a resource tag or an
// error message, hoping the runner executes them.
var injections = []string{
	"::set-output name=pwned::1",
	"::add-mask::pwned",
	"::error::pwned",
	"  ::warning title=x::pwned",
	"::stop-commands::pwned",
	"::pwned::",
	"##[set-output name=pwned;]1",
	"::endgroup::",
	"::group::pwned",
}

// intended drops the stop/resume bookkeeping and keeps what a reader sees.
func intended(cmds []actionstest.Command) []actionstest.Command {
	var out []actionstest.Command
	for _, c := range cmds {
		if c.Name == "stop-commands" {
			continue
		}
		c.Line = 0
		if len(c.Props) == 0 {
			c.Props = nil
		}
		out = append(out, c)
	}
	return out
}

func TestLogExecutesOnlyIntendedCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		run  func(l *actions.Log)
		want []actionstest.Command
	}{
		{
			name: "untrusted lines only",
			run: func(l *actions.Log) {
				for _, s := range injections {
					l.Printf("%s\n", s)
				}
			},
		},
		{
			name: "untrusted text without a final newline, then a command",
			run: func(l *actions.Log) {
				l.Printf("progress: %s", "::error::pwned")
				l.Annotate(actions.Annotation{Level: "warning", Title: "Drift", Msg: "a\n::set-output name=pwned::1"})
				l.Printf("%s\n", strings.Join(injections, "\n"))
			},
			want: []actionstest.Command{{Name: "warning", Props: map[string]string{"title": "Drift"}, Data: "a\n::set-output name=pwned::1"}},
		},
		{
			name: "groups and annotations with hostile titles and files",
			run: func(l *actions.Log) {
				l.Group("infra/app\n::error::pwned")
				l.Printf("::add-mask::pwned\n")
				l.EndGroup()
				l.Annotate(actions.Annotation{Level: "error", Title: "t::x,y", File: "a,b:c.tf", Line: 3, Msg: "m"})
			},
			want: []actionstest.Command{
				{Name: "group", Data: "infra/app\n::error::pwned"},
				{Name: "endgroup"},
				{Name: "error", Props: map[string]string{"title": "t::x,y", "file": "a,b:c.tf", "line": "3"}, Data: "m"},
			},
		},
		{
			name: "text repeating a token seen earlier cannot resume commands",
			run: func(l *actions.Log) {
				l.Mask("s3cret")
				l.Printf("::%s::\n::error::pwned\n", "drift-action-00000000000000000000000000000000")
			},
			want: []actionstest.Command{{Name: "add-mask", Data: "s3cret"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			l := actions.New(&b, func(string) string { return "" })
			if err := l.Start(); err != nil {
				t.Fatal(err)
			}
			tt.run(l)
			if err := l.Err(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, intended(actionstest.Execute(b.String()))); diff != "" {
				t.Errorf("executed commands (-want +got):\n%s\nlog:\n%s", diff, b.String())
			}
		})
	}
}

// A resume line planted in text after the real token was printed (the log
// is public) is masked, so it never switches commands back on.
func TestLogMasksItsOwnToken(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	l := actions.New(&b, func(string) string { return "" })
	l.Start()
	first, _, _ := strings.Cut(b.String(), "\n")
	token := strings.TrimPrefix(first, "::stop-commands::")
	l.Printf("::%s::\n::error::pwned\n", token)
	if got := intended(actionstest.Execute(b.String())); len(got) != 0 {
		t.Errorf("executed %v\nlog:\n%s", got, b.String())
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestLogWriteFailuresAreErrorsNotPanics(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{
		"GITHUB_OUTPUT":       filepath.Join(dir, "missing", "output"), // directory does not exist
		"GITHUB_STEP_SUMMARY": dir,                                     // a directory, not a file
	}
	l := actions.New(failingWriter{}, func(k string) string { return files[k] })
	if err := l.Start(); err == nil {
		t.Error("Start on a broken log: want an error")
	}
	if err := l.Printf("hello\n"); err == nil {
		t.Error("Printf on a broken log: want an error")
	}
	if err := l.Annotate(actions.Annotation{Level: "error", Msg: "x"}); err == nil {
		t.Error("Annotate on a broken log: want an error")
	}
	if err := l.SetOutput("a", "b"); err == nil || !strings.Contains(err.Error(), "GITHUB_OUTPUT") {
		t.Errorf("SetOutput into a missing directory: got %v, want an error naming GITHUB_OUTPUT", err)
	}
	if err := l.AddStepSummary("x"); err == nil || !strings.Contains(err.Error(), "GITHUB_STEP_SUMMARY") {
		t.Errorf("AddStepSummary into a directory: got %v, want an error naming GITHUB_STEP_SUMMARY", err)
	}
	if err := l.Err(); err == nil || !strings.Contains(err.Error(), "broken pipe") {
		t.Errorf("Err() = %v, want the first write error", err)
	}
}

func TestSetOutputRefusesInjection(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "output")
	l := actions.New(&bytes.Buffer{}, func(k string) string { return map[string]string{"GITHUB_OUTPUT": out}[k] })
	for _, v := range []string{"a\nb", "x\r\n_GitHubActionsFileCommandDelimeter_\npwned<<EOF"} {
		if err := l.SetOutput("result", v); !errors.Is(err, actions.ErrMultiline) {
			t.Errorf("SetOutput(%q) = %v, want ErrMultiline", v, err)
		}
	}
	if err := l.SetOutput("ok", "1"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	if want := "ok<<_GitHubActionsFileCommandDelimeter_\n1\n_GitHubActionsFileCommandDelimeter_\n"; string(b) != want {
		t.Errorf("output file = %q, want %q", b, want)
	}
}
