package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParseRemediation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		want      Remediation
	}{
		{
			name: "absent: zero, read as the defaults",
			src:  "version: 1\n",
			want: Remediation{},
		},
		{
			name: "empty mapping: default guardrails",
			src:  "remediation: {}\n",
			want: Remediation{Guardrails: DefaultGuardrails()},
		},
		{
			name: "full",
			src: `remediation:
  default: pr
  safe-types: [fakecloud_instance, "aws_s3_bucket_*"]
  guardrails:
    allow-delete: false
    allow-replace: true
    max-resources: 5
    types: ["aws_*", fakecloud_instance]
    causes: [drift]
  roots:
    - dir: infra/app
      strategy: apply
      types: {aws_security_group: pr, "aws_iam_*": adopt}
    - dir: "infra/sandbox/**"
      strategy: auto
      guardrails: {allow-delete: true, causes: [drift, code]}
`,
			want: Remediation{
				Default:   "pr",
				SafeTypes: []string{"fakecloud_instance", "aws_s3_bucket_*"},
				Guardrails: Guardrails{AllowReplace: true, MaxResources: 5,
					Types: []string{"aws_*", "fakecloud_instance"}, Causes: []string{"drift"}},
				Roots: []RemediationRoot{
					{Dir: "infra/app", Strategy: "apply", Line: 11,
						Types: []TypeStrategy{{Type: "aws_security_group", Strategy: "pr"}, {Type: "aws_iam_*", Strategy: "adopt"}},
						Guardrails: Guardrails{AllowReplace: true, MaxResources: 5,
							Types: []string{"aws_*", "fakecloud_instance"}, Causes: []string{"drift"}}},
					{Dir: "infra/sandbox/**", Strategy: "auto", Line: 14,
						// Only the keys the root names replace the top level's.
						Guardrails: Guardrails{AllowDelete: true, AllowReplace: true, MaxResources: 5,
							Types: []string{"aws_*", "fakecloud_instance"}, Causes: []string{"drift", "code"}}},
				},
			},
		},
		{
			name: "roots before guardrails still inherit them",
			src: `remediation:
  roots:
    - {dir: a, guardrails: {max-resources: 2}}
  guardrails: {allow-delete: true}
`,
			want: Remediation{
				Guardrails: Guardrails{AllowDelete: true, MaxResources: 10, Causes: []string{"drift"}},
				Roots: []RemediationRoot{{Dir: "a", Line: 3,
					Guardrails: Guardrails{AllowDelete: true, MaxResources: 2, Causes: []string{"drift"}}}},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, err := ParseFile("drift.yaml", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, f.Remediation, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("remediation (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRemediationErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		want      []string // all must appear in the error
	}{
		{"unknown strategy", "remediation: {default: fix}\n", []string{"drift.yaml:1:", "remediation.default", `"fix"`, "pr, apply, adopt or auto"}},
		{"unknown key", "remediation: {stratgy: pr}\n", []string{"drift.yaml:1:", `unknown key "stratgy"`, "default", "roots"}},
		{"root without dir", "remediation:\n  roots:\n    - {strategy: apply}\n", []string{"drift.yaml:3:", "remediation.roots[0] needs dir"}},
		{"roots not a list", "remediation:\n  roots: {dir: a}\n", []string{"drift.yaml:2:", "remediation.roots must be a list"}},
		{"type strategy", "remediation:\n  roots:\n    - dir: a\n      types: {aws_instance: yolo}\n", []string{"drift.yaml:4:", "remediation.roots[0].types.aws_instance", `"yolo"`}},
		{"types as a list", "remediation:\n  roots:\n    - dir: a\n      types: [aws_instance]\n", []string{"drift.yaml:4:", "must map resource types"}},
		{"max-resources zero", "remediation:\n  guardrails: {max-resources: 0}\n", []string{"drift.yaml:2:", "remediation.guardrails.max-resources must be at least 1"}},
		{"allow-delete not a boolean", "remediation:\n  guardrails: {allow-delete: sometimes}\n", []string{"drift.yaml:2:", "allow-delete must be true or false"}},
		{"unknown cause", "remediation:\n  guardrails: {causes: [drift+code]}\n", []string{"drift.yaml:2:", `causes[0] "drift+code"`, "needs both"}},
		{"no causes", "remediation:\n  guardrails: {causes: []}\n", []string{"drift.yaml:2:", "causes is empty"}},
		{"empty safe type", "remediation:\n  safe-types: [\"\"]\n", []string{"drift.yaml:2:", "safe-types[0] is empty"}},
		{"root guardrails checked too", "remediation:\n  roots:\n    - dir: a\n      guardrails: {allow-replace: maybe}\n", []string{"drift.yaml:4:", "remediation.roots[0].guardrails.allow-replace"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseFile("drift.yaml", []byte(tc.src))
			if err == nil {
				t.Fatalf("no error, want one mentioning %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestRemediationStrategy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, def, input string
		want, wantErr    string
	}{
		{name: "nothing set: pr", want: "pr"},
		{name: "drift.yaml default", def: "auto", want: "auto"},
		{name: "the input wins", def: "pr", input: "apply", want: "apply"},
		{name: "bad input", input: "heal", wantErr: `input remediation: "heal" is not accepted`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Remediation{Default: tc.def}.Strategy(tc.input)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("strategy (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRemediationMaxOpenPRs(t *testing.T) {
	t.Parallel()
	f, err := ParseFile("drift.yaml", []byte("remediation:\n  max-open-prs: 3\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Remediation.OpenPRCap(); got != 3 {
		t.Errorf("cap %d, want 3", got)
	}
	if got := (Remediation{}).OpenPRCap(); got != DefaultMaxOpenPRs {
		t.Errorf("default cap %d, want %d", got, DefaultMaxOpenPRs)
	}
	if _, err := ParseFile("drift.yaml", []byte("remediation:\n  max-open-prs: 0\n")); err == nil || !strings.Contains(err.Error(), "drift.yaml:2") {
		t.Errorf("max-open-prs 0: got %v, want an error naming drift.yaml:2", err)
	}
}
