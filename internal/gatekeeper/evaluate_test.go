package gatekeeper

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	policyDir = "../../policies/gatekeeper"
	td        = "testdata"
)

var (
	policyTemplate   = filepath.Join(policyDir, "template.yaml")
	policyConstraint = filepath.Join(policyDir, "constraint.yaml")
)

func tdp(parts ...string) string { return filepath.Join(append([]string{td}, parts...)...) }

// privileged is the violation of a K8sNoPrivileged constraint by the pod in
// testdata/objects/privileged-pod.yaml.
func privileged(constraint, action, severity string) Violation {
	return Violation{
		Constraint:        "K8sNoPrivileged/" + constraint,
		Template:          "k8snoprivileged",
		Resource:          "v1 Pod default/priv",
		File:              tdp("objects", "privileged-pod.yaml") + ":1",
		Msg:               `privileged container "app" is not allowed (image "nginx:1.27"): set securityContext.privileged to false`,
		EnforcementAction: action,
		Severity:          severity,
	}
}

type evalCase struct {
	name  string
	paths []string
	want  Report
}

// evaluateCases are shared with TestMatchesGator.
func evaluateCases() []evalCase {
	multi := tdp("objects", "multi.yaml")
	return []evalCase{
		{
			name:  "privileged pod denied by the bundled policy",
			paths: []string{policyTemplate, policyConstraint, tdp("objects", "privileged-pod.yaml")},
			want: Report{Objects: 1, Templates: 1, Constraints: 1, Violations: []Violation{
				privileged("no-privileged-containers", "deny", "critical"),
			}},
		},
		{
			name:  "non-privileged pod allowed",
			paths: []string{policyTemplate, policyConstraint, tdp("objects", "plain-pod.yaml")},
			want:  Report{Objects: 1, Templates: 1, Constraints: 1},
		},
		{
			name:  "deny without severity label is high",
			paths: []string{policyTemplate, tdp("constraints", "deny.yaml"), tdp("objects", "privileged-pod.yaml"), tdp("objects", "plain-pod.yaml")},
			want: Report{Objects: 2, Templates: 1, Constraints: 1, Violations: []Violation{
				privileged("deny-privileged", "deny", "high"),
			}},
		},
		{
			name:  "warn is medium",
			paths: []string{policyTemplate, tdp("constraints", "warn.yaml"), tdp("objects", "privileged-pod.yaml")},
			want: Report{Objects: 1, Templates: 1, Constraints: 1, Violations: []Violation{
				privileged("warn-privileged", "warn", "medium"),
			}},
		},
		{
			name:  "dryrun is low",
			paths: []string{policyTemplate, tdp("constraints", "dryrun.yaml"), tdp("objects", "privileged-pod.yaml")},
			want: Report{Objects: 1, Templates: 1, Constraints: 1, Violations: []Violation{
				privileged("dryrun-privileged", "dryrun", "low"),
			}},
		},
		{
			name: "scoped enforcement action: gator's action is reported, audit-only is not",
			paths: []string{policyTemplate, tdp("constraints", "scoped.yaml"), tdp("constraints", "scoped-elsewhere.yaml"),
				tdp("objects", "privileged-pod.yaml")},
			want: Report{Objects: 1, Templates: 1, Constraints: 2, Violations: []Violation{
				privileged("scoped-privileged", "warn", "medium"),
			}},
		},
		{
			name:  "severity label overrides the action's",
			paths: []string{policyTemplate, tdp("constraints", "severity-low.yaml"), tdp("objects", "privileged-pod.yaml")},
			want: Report{Objects: 1, Templates: 1, Constraints: 1, Violations: []Violation{
				privileged("deny-but-low", "deny", "low"),
			}},
		},
		{
			name: "several constraints on one pod",
			paths: []string{policyTemplate, tdp("constraints", "warn.yaml"), tdp("constraints", "deny.yaml"),
				tdp("objects", "privileged-pod.yaml")},
			want: Report{Objects: 1, Templates: 1, Constraints: 2, Violations: []Violation{
				privileged("deny-privileged", "deny", "high"),
				privileged("warn-privileged", "warn", "medium"),
			}},
		},
		{
			name:  "excludedNamespaces respected",
			paths: []string{policyTemplate, tdp("constraints", "excluded-ns.yaml"), tdp("objects", "kube-system-pod.yaml"), tdp("objects", "privileged-pod.yaml")},
			want: Report{Objects: 2, Templates: 1, Constraints: 1, Violations: []Violation{
				privileged("not-in-kube-system", "deny", "high"),
			}},
		},
		{
			name:  "namespaces respected",
			paths: []string{policyTemplate, tdp("constraints", "namespaces.yaml"), tdp("objects", "prod-dev-pods.yaml")},
			want: Report{Objects: 2, Templates: 1, Constraints: 1, Violations: []Violation{{
				Constraint:        "K8sNoPrivileged/only-in-prod",
				Template:          "k8snoprivileged",
				Resource:          "v1 Pod prod/api",
				File:              tdp("objects", "prod-dev-pods.yaml") + ":1",
				Msg:               `privileged container "api" is not allowed (image "ghcr.io/myorg/api:2.0.0"): set securityContext.privileged to false`,
				EnforcementAction: "deny",
				Severity:          "high",
			}}},
		},
		{
			name:  "labelSelector respected",
			paths: []string{policyTemplate, tdp("constraints", "label-selector.yaml"), tdp("objects", "labelled-pods.yaml")},
			want: Report{Objects: 2, Templates: 1, Constraints: 1, Violations: []Violation{{
				Constraint:        "K8sNoPrivileged/unless-node-agent",
				Template:          "k8snoprivileged",
				Resource:          "v1 Pod monitoring/frontend",
				File:              tdp("objects", "labelled-pods.yaml") + ":15",
				Msg:               `privileged container "ui" is not allowed (image "grafana/grafana:11.0.0"): set securityContext.privileged to false`,
				EnforcementAction: "deny",
				Severity:          "high",
			}}},
		},
		{
			name:  "kinds: a Deployment-only constraint does not review pods",
			paths: []string{policyTemplate, tdp("constraints", "deployments-only.yaml"), tdp("objects", "privileged-pod.yaml")},
			want:  Report{Objects: 1, Templates: 1, Constraints: 1},
		},
		{
			name:  "parameters: exemptImages with prefix and exact entries",
			paths: []string{policyTemplate, tdp("constraints", "exempt-images.yaml"), tdp("objects", "cni-pods.yaml")},
			want: Report{Objects: 1, Templates: 1, Constraints: 1, Violations: []Violation{
				{
					Constraint: "K8sNoPrivileged/exempt-cni", Template: "k8snoprivileged", Resource: "v1 Pod default/cilium-agent",
					File:              tdp("objects", "cni-pods.yaml") + ":1",
					Msg:               `privileged container "debug-newer" is not allowed (image "busybox:1.37"): set securityContext.privileged to false`,
					EnforcementAction: "deny", Severity: "high",
				},
				{
					Constraint: "K8sNoPrivileged/exempt-cni", Template: "k8snoprivileged", Resource: "v1 Pod default/cilium-agent",
					File:              tdp("objects", "cni-pods.yaml") + ":1",
					Msg:               `privileged container "lookalike" is not allowed (image "quay.io/cilium-fork/cilium:v1.17.0"): set securityContext.privileged to false`,
					EnforcementAction: "deny", Severity: "high",
				},
			}},
		},
		{
			name:  "initContainers and ephemeralContainers are checked",
			paths: []string{policyTemplate, tdp("constraints", "deny.yaml"), filepath.Join(policyDir, "samples", "disallowed-all.yaml")},
			want: Report{Objects: 1, Templates: 1, Constraints: 1, Violations: []Violation{
				{
					Constraint: "K8sNoPrivileged/deny-privileged", Template: "k8snoprivileged", Resource: "v1 Pod apps/everything-privileged",
					File:              filepath.Join(policyDir, "samples", "disallowed-all.yaml") + ":2",
					Msg:               `privileged container "main" is not allowed (image "nginx:1.27"): set securityContext.privileged to false`,
					EnforcementAction: "deny", Severity: "high",
				},
				{
					Constraint: "K8sNoPrivileged/deny-privileged", Template: "k8snoprivileged", Resource: "v1 Pod apps/everything-privileged",
					File:              filepath.Join(policyDir, "samples", "disallowed-all.yaml") + ":2",
					Msg:               `privileged ephemeralContainer "debugger" is not allowed (image "busybox:1.36"): set securityContext.privileged to false`,
					EnforcementAction: "deny", Severity: "high",
				},
				{
					Constraint: "K8sNoPrivileged/deny-privileged", Template: "k8snoprivileged", Resource: "v1 Pod apps/everything-privileged",
					File:              filepath.Join(policyDir, "samples", "disallowed-all.yaml") + ":2",
					Msg:               `privileged initContainer "init" is not allowed (image "busybox:1.36"): set securityContext.privileged to false`,
					EnforcementAction: "deny", Severity: "high",
				},
			}},
		},
		{
			name:  "multi-document YAML: only the Pod matches, not the privileged Deployment",
			paths: []string{policyTemplate, policyConstraint, multi},
			want: Report{Objects: 4, Templates: 1, Constraints: 1, Violations: []Violation{{
				Constraint:        "K8sNoPrivileged/no-privileged-containers",
				Template:          "k8snoprivileged",
				Resource:          "v1 Pod apps/debug",
				File:              multi + ":8",
				Msg:               `privileged container "shell" is not allowed (image "busybox:1.36"): set securityContext.privileged to false`,
				EnforcementAction: "deny",
				Severity:          "critical",
			}}},
		},
		{
			name:  "multi-document YAML with an ExpansionTemplate: the Deployment is reviewed through its Pod",
			paths: []string{policyTemplate, policyConstraint, multi, tdp("expansion", "expansion.yaml")},
			want: Report{Objects: 5, Templates: 1, Constraints: 1, Violations: []Violation{
				{
					Constraint:        "K8sNoPrivileged/no-privileged-containers",
					Template:          "k8snoprivileged",
					Resource:          "v1 Pod apps/debug",
					File:              multi + ":8",
					Msg:               `privileged container "shell" is not allowed (image "busybox:1.36"): set securityContext.privileged to false`,
					EnforcementAction: "deny",
					Severity:          "critical",
				},
				{
					Constraint:        "K8sNoPrivileged/no-privileged-containers",
					Template:          "k8snoprivileged",
					Resource:          "apps/v1 Deployment apps/agent",
					File:              multi + ":22",
					Msg:               `[Implied by expand-deployments] privileged container "agent" is not allowed (image "ghcr.io/myorg/agent:1.0.0"): set securityContext.privileged to false`,
					EnforcementAction: "deny",
					Severity:          "critical",
				},
			}},
		},
		{
			name:  "CEL (K8sNativeValidation) template, matching Deployments only",
			paths: []string{tdp("cel", "template.yaml"), tdp("cel", "constraint.yaml"), multi},
			want: Report{Objects: 4, Templates: 1, Constraints: 1, Violations: []Violation{{
				Constraint:        "K8sRequiredLabelCel/deployments-need-team",
				Template:          "k8srequiredlabelcel",
				Resource:          "apps/v1 Deployment apps/agent",
				File:              multi + ":22",
				Msg:               "missing label team on Deployment agent",
				EnforcementAction: "warn",
				Severity:          "medium",
			}}},
		},
		{
			name:  "template with libs",
			paths: []string{tdp("libs")},
			want: Report{Objects: 1, Templates: 1, Constraints: 1, Violations: []Violation{
				{
					Constraint: "K8sNoLatestTag/no-latest", Template: "k8snolatesttag", Resource: "v1 Pod default/tags",
					File: tdp("libs", "pod.yaml") + ":1", Msg: `container "latest" uses a floating image tag: "busybox:latest"`,
					EnforcementAction: "deny", Severity: "high",
				},
				{
					Constraint: "K8sNoLatestTag/no-latest", Template: "k8snolatesttag", Resource: "v1 Pod default/tags",
					File: tdp("libs", "pod.yaml") + ":1", Msg: `container "untagged" uses a floating image tag: "nginx"`,
					EnforcementAction: "deny", Severity: "high",
				},
			}},
		},
		{
			name:  "JSON input: File is the path",
			paths: []string{policyTemplate, policyConstraint, tdp("objects", "pod.json")},
			want: Report{Objects: 1, Templates: 1, Constraints: 1, Violations: []Violation{{
				Constraint:        "K8sNoPrivileged/no-privileged-containers",
				Template:          "k8snoprivileged",
				Resource:          "v1 Pod default/json-pod",
				File:              tdp("objects", "pod.json"),
				Msg:               `privileged container "app" is not allowed (image "nginx:1.27"): set securityContext.privileged to false`,
				EnforcementAction: "deny",
				Severity:          "critical",
			}}},
		},
		{
			name:  "objects without policies: nothing to violate",
			paths: []string{tdp("objects", "privileged-pod.yaml")},
			want:  Report{Objects: 1},
		},
	}
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	for _, tc := range evaluateCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Evaluate(context.Background(), tc.paths)
			if err != nil {
				t.Fatalf("Evaluate(%q): %v", tc.paths, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Evaluate(%q) mismatch (-want +got):\n%s", tc.paths, diff)
			}
		})
	}
}

func TestEvaluateErrors(t *testing.T) {
	t.Parallel()
	pod := tdp("objects", "privileged-pod.yaml")
	tests := []struct {
		name  string
		paths []string
		want  []string // substrings of the error
	}{
		{
			name:  "template name with dashes",
			paths: []string{tdp("bad", "dashed-name-template.yaml"), pod},
			want: []string{
				tdp("bad", "dashed-name-template.yaml") + ":6 (document 1)",
				`ConstraintTemplate "k8s-no-privileged"`,
				"must be the lowercase of spec.crd.spec.names.kind \"K8sNoPrivileged\"",
				"Gatekeeper rejects",
				`rename it to "k8snoprivileged"`,
			},
		},
		{
			name:  "template name in CamelCase",
			paths: []string{tdp("bad", "camel-name-template.yaml"), pod},
			want: []string{
				tdp("bad", "camel-name-template.yaml") + ":6",
				`ConstraintTemplate "K8sNoPrivileged"`,
				`rename it to "k8snoprivileged"`,
			},
		},
		{
			name:  "constraint whose template is missing",
			paths: []string{policyTemplate, tdp("bad", "orphan-constraint.yaml"), pod},
			want: []string{
				tdp("bad", "orphan-constraint.yaml") + ":1",
				"constraint K8sRequiredLabels/must-have-owner",
				"no ConstraintTemplate among the inputs defines kind K8sRequiredLabels",
				`"k8srequiredlabels"`,
			},
		},
		{
			name:  "bad YAML names the file, document and line",
			paths: []string{policyTemplate, tdp("bad", "bad-yaml.yaml")},
			want: []string{
				tdp("bad", "bad-yaml.yaml") + ":6 (document 2): invalid YAML",
				"line 10",
			},
		},
		{
			name:  "Rego that does not compile",
			paths: []string{tdp("bad", "bad-rego-template.yaml"), tdp("bad", "bad-rego-constraint.yaml"), pod},
			want: []string{
				tdp("bad", "bad-rego-template.yaml") + ":1",
				`ConstraintTemplate "k8sbadrego" rejected by Gatekeeper`,
				"undefined_thing",
				"(rego line 5 is " + tdp("bad", "bad-rego-template.yaml") + ":17)",
			},
		},
		{
			name:  "unknown enforcementAction",
			paths: []string{policyTemplate, tdp("bad", "bad-action.yaml"), pod},
			want:  []string{tdp("bad", "bad-action.yaml") + ":1", "K8sNoPrivileged/blocky", `"block" is not within the supported list`},
		},
		{
			name:  "unknown severity",
			paths: []string{policyTemplate, tdp("bad", "bad-severity.yaml"), pod},
			want:  []string{tdp("bad", "bad-severity.yaml") + ":1", `drift-action/severity="urgent"`},
		},
		{
			name:  "constraint parameters that do not fit the template's schema",
			paths: []string{policyTemplate, tdp("bad", "bad-schema-constraint.yaml"), pod},
			want:  []string{tdp("bad", "bad-schema-constraint.yaml") + ":1", "K8sNoPrivileged/wrong-parameter-type rejected by Gatekeeper", "exemptImages"},
		},
		{
			name:  "missing file",
			paths: []string{tdp("nope.yaml")},
			want:  []string{tdp("nope.yaml"), "no such file"},
		},
		{
			name:  "no paths",
			paths: nil,
			want:  []string{"no files"},
		},
		{
			name:  "not a Kubernetes object",
			paths: []string{tdp("suites", "empty", "not-a-suite.yaml")},
			want:  []string{tdp("suites", "empty", "not-a-suite.yaml") + ":1 (document 1)", "apiVersion and kind are required"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Evaluate(context.Background(), tc.paths)
			if err == nil {
				t.Fatalf("Evaluate(%q) = %+v, want an error", tc.paths, got)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Evaluate(%q) error %q does not contain %q", tc.paths, err, w)
				}
			}
		})
	}
}

func TestSplitYAML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []int // content lines of the chunks
	}{
		{"single", "a: 1\n", []int{1}},
		{"leading separator and comments", "# c\n---\n\n# d\nb: 2\n", []int{5}},
		{"separators with comments", "a: 1\n--- # two\nb: 2\n---\n---\nc: 3", []int{1, 3, 6}},
		{"empty documents dropped", "---\n---\n# only a comment\n---\n", nil},
		{"CRLF", "a: 1\r\n---\r\nb: 2\r\n", []int{1, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			chunks, err := splitYAML([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, c := range chunks {
				got = append(got, c.content)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("splitYAML(%q) content lines mismatch (-want +got):\n%s", tc.in, diff)
			}
		})
	}
	if _, err := splitYAML([]byte("a: 1\n--- b: 2\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("splitYAML with a bad separator: err = %v, want one naming line 2", err)
	}
}
