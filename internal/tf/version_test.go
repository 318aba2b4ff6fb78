package tf

import (
	"context"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/execfile"
	"github.com/myorg/drift-action/internal/tftest"
)

// TestVersionProbedOncePerBinary runs several targets at once through a
// terraform stand-in that logs every subcommand, and counts the terraform
// commands Run starts.
func TestVersionProbedOncePerBinary(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	const targets = 4
	tests := []struct {
		name    string
		version string // sh run for `version`; "" passes it to terraform
		want    map[string]int
		wantErr string // every target's error contains this; "" means no error
	}{
		{
			name: "terraform: one probe for all targets",
			want: map[string]int{"version": 1, "init": targets, "plan": targets},
		},
		{
			// Too old to share: every target probes and is refused before
			// init (a shim may run another terraform in another directory).
			name:    "terraform older than 0.15.3: probed per target, refused before init",
			version: `echo '{"terraform_version":"0.15.2","platform":"linux_amd64","provider_selections":{}}'; exit 0`,
			want:    map[string]int{"version": targets},
			wantErr: "version: terraform plan -json was added in 0.15.3 and",
		},
		{
			// Before 0.13 `version -json` printed plain text.
			name:    "terraform 0.12 printing no JSON: refused",
			version: `echo 'Terraform v0.12.31'; exit 0`,
			want:    map[string]int{"version": targets},
			wantErr: "is terraform 0.12.31: use terraform 0.15.3 or later",
		},
		{
			name:    "failing probe: not remembered, each target says why",
			version: `echo 'boom: no version today' >&2; exit 1`,
			want:    map[string]int{"version": targets},
			wantErr: "version: boom: no version today",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			log := filepath.Join(dir, "calls.log")
			bin := loggingShim(t, env, dir, `"$1"`, log, tc.version)
			roots := make([]string, targets)
			for i := range roots {
				roots[i] = tftest.WriteRoot(t, dir, fmt.Sprintf("root%d", i), map[string]string{"main.tf": dataRoot})
				env.Apply(t, roots[i]) // real terraform: not logged
			}
			errs := make([]error, targets)
			var wg sync.WaitGroup
			for i, root := range roots {
				wg.Go(func() {
					_, errs[i] = Run(context.Background(), Target{Dir: root, PlanFile: filepath.Join(root, "plan")}, options(env, bin))
				})
			}
			wg.Wait()
			for i, err := range errs {
				switch {
				case tc.wantErr == "" && err != nil:
					t.Errorf("target %d: %v", i, err)
				case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
					t.Errorf("target %d: error %v, want one containing %q", i, err, tc.wantErr)
				}
			}
			data, err := os.ReadFile(log)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, l := range strings.Fields(string(data)) {
				got[l]++
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("terraform subcommands run (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		out     string
		want    string
		wantSeg []int64
		wantPre string
		wantErr string
	}{
		{name: "json", out: `{"terraform_version":"1.11.4","platform":"linux_amd64"}`, want: "1.11.4", wantSeg: []int64{1, 11, 4}},
		{name: "prerelease", out: `{"terraform_version":"0.15.3-beta1"}`, want: "0.15.3-beta1", wantSeg: []int64{0, 15, 3}, wantPre: "beta1"},
		{name: "build metadata", out: `{"terraform_version":"1.6.0-dev+local"}`, want: "1.6.0-dev+local", wantSeg: []int64{1, 6, 0}, wantPre: "dev"},
		{name: "plain text before 0.13", out: "Terraform v0.12.31\n\nYour version is out of date\n", want: "0.12.31", wantSeg: []int64{0, 12, 31}},
		{name: "not terraform", out: "hello\nworld\n", wantErr: `terraform version -json printed no version (first line "hello"): is this terraform?`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseVersion([]byte(tc.out))
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("version (-want +got):\n%s", diff)
			}
			seg, pre := versionParts(got)
			if diff := cmp.Diff(tc.wantSeg, seg); diff != "" {
				t.Errorf("segments (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantPre, pre); diff != "" {
				t.Errorf("prerelease (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAtLeast(t *testing.T) {
	t.Parallel()
	min := [3]int64{0, 15, 3}
	tests := []struct {
		seg  []int64
		pre  string
		want bool
	}{
		{seg: []int64{1, 11, 4}, want: true},
		{seg: []int64{0, 15, 3}, want: true},
		{seg: []int64{0, 15, 3}, pre: "beta1", want: false},
		{seg: []int64{0, 15, 4}, pre: "rc1", want: true},
		{seg: []int64{0, 15, 2}, want: false},
		{seg: []int64{0, 14, 11}, want: false},
		{seg: []int64{0, 16}, want: true},
		{seg: []int64{0, 15}, want: false},
		{seg: nil, want: false},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.seg, tc.pre), func(t *testing.T) {
			t.Parallel()
			if got := atLeast(tc.seg, tc.pre, min); got != tc.want {
				t.Errorf("atLeast(%v, %q, %v) = %v, want %v", tc.seg, tc.pre, min, got, tc.want)
			}
		})
	}
}

// loggingShim writes DIR/terraform, a stand-in that appends line (shell
// words, expanded) to log for every command, runs version (sh) for
// `version` when it is not "", and otherwise runs the real terraform.
func loggingShim(t *testing.T, env *tftest.Env, dir, line, log, version string) string {
	t.Helper()
	script := fmt.Sprintf("#!/bin/sh\necho %s >>%s\n", line, shellQuote(log))
	if version != "" {
		script += "if [ \"$1\" = version ]; then\n" + version + "\nfi\n"
	}
	script += "exec " + shellQuote(env.Terraform) + " \"$@\"\n"
	bin := filepath.Join(dir, "terraform")
	if err := execfile.Write(bin, []byte(script)); err != nil {
		t.Fatal(err)
	}
	return bin
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// TestNoPrivateFieldAccess keeps this package to other modules' public API:
// no reflect or unsafe, with which it once wrote terraform-exec's private
// version cache.
func TestNoPrivateFieldAccess(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range file.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == "reflect" || p == "unsafe" {
				t.Errorf("%s imports %s", fset.Position(imp.Pos()), p)
			}
		}
	}
}
