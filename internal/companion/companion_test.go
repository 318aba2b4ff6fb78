package companion

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/execfile"
	"github.com/myorg/drift-action/internal/policy"
)

func TestFindMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Find("")
	if err == nil || !strings.Contains(err.Error(), "drift-action-gatekeeper not found") || !strings.Contains(err.Error(), "go build") {
		t.Errorf("error = %v, want one that says how to get the companion binary", err)
	}
	if p, err := Find("/opt/gk"); err != nil || p != "/opt/gk" {
		t.Errorf("explicit path: %q %v", p, err)
	}
}

// fake writes a companion that prints stdout and exits with code.
func fake(t *testing.T, stdout string, code int) string {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "out.json")
	if err := os.WriteFile(out, []byte(stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, Binary)
	script := "#!/bin/sh\ncat '" + out + "'\necho \"$@\" >&2\nexit " + string(rune('0'+code)) + "\n"
	if err := execfile.Write(bin, []byte(script)); err != nil {
		t.Fatal(err)
	}
	return bin
}

// Check maps the companion's violations to policy results as admission
// would judge them, with files relative to the run's directory.
func TestCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pod.yaml"), []byte("kind: Pod\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := `{"Violations":[` +
		`{"Constraint":"K8sNoPrivileged/no-priv","Template":"k8snoprivileged","Resource":"v1 Pod default/p","File":"` + filepath.Join(dir, "pod.yaml") + `:1","Msg":"privileged","EnforcementAction":"deny","Severity":"high"},` +
		`{"Constraint":"K8sLabels/team","Template":"k8slabels","Resource":"v1 Pod default/p","File":"/elsewhere/pod.yaml:1","Msg":"no team","EnforcementAction":"warn","Severity":"low"}` +
		`],"Objects":1,"Templates":2,"Constraints":2}`
	tests := []struct {
		name    string
		bin     string
		globs   []string
		want    []policy.Result
		wantErr string
	}{
		{
			name: "deny fails, warn advises", bin: fake(t, out, 0), globs: []string{"*.yaml"},
			want: []policy.Result{
				{Policy: "gatekeeper.k8snoprivileged", Rule: "K8sNoPrivileged/no-priv", Kind: "deny", Level: policy.HardMandatory, Failed: true, Severity: "high", Msg: "privileged", Resource: "v1 Pod default/p pod.yaml:1"},
				{Policy: "gatekeeper.k8slabels", Rule: "K8sLabels/team", Kind: "warn", Level: policy.Advisory, Severity: "low", Msg: "no team", Resource: "v1 Pod default/p /elsewhere/pod.yaml:1"},
			},
		},
		{name: "a glob matching nothing", bin: fake(t, out, 0), globs: []string{"k8s/*.yaml"}, wantErr: `manifests "k8s/*.yaml" matches no file`},
		{name: "the companion fails", bin: fake(t, "", 2), globs: []string{"pod.yaml"}, wantErr: "exit status 2"},
		{name: "not wire JSON", bin: fake(t, "nope", 0), globs: []string{"pod.yaml"}, wantErr: "drift-action-gatekeeper output: read gatekeeper report"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Companion{Bin: tt.bin, Dir: dir}.Check(context.Background(), tt.globs)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("results (-want +got):\n%s", diff)
			}
		})
	}
}

// Verify's exit 1 is a failed case, told apart from the companion failing.
func TestVerify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		code    int
		wantErr error
		wantMsg string
	}{
		{name: "all passed", code: 0},
		{name: "a case failed", code: 1, wantErr: ErrCaseFailed},
		{name: "the companion failed", code: 3, wantMsg: "gatekeeper verify failed (see above)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			var stdout, stderr strings.Builder
			err := Companion{Bin: fake(t, "", tt.code), Dir: dir}.Verify(context.Background(), true, []string{"suites"}, &stdout, &stderr)
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("error = %v, want %v", err, tt.wantErr)
			case tt.wantMsg != "" && (err == nil || err.Error() != tt.wantMsg):
				t.Errorf("error = %v, want %q", err, tt.wantMsg)
			case tt.wantErr == nil && tt.wantMsg == "" && err != nil:
				t.Errorf("error = %v, want none", err)
			}
			if want := "verify -v " + filepath.Join(dir, "suites") + "\n"; stderr.String() != want {
				t.Errorf("the companion got %q, want %q (paths made absolute)", stderr.String(), want)
			}
		})
	}
}
