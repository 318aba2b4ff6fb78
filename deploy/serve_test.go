package deploy_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/myorg/drift-action/internal/config"
)

func readStrict(t *testing.T, name string, into any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("serve", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, into); err != nil {
		t.Fatalf("serve/%s: %v", name, err)
	}
}

// TestServeManifests checks deploy/serve: the Deployment runs the action's
// image as `drift-action serve`, probes /healthz on the port it listens on,
// sets resource limits, and is wired to the Service, Secret and ConfigMap
// beside it.
func TestServeManifests(t *testing.T) {
	t.Parallel()
	var (
		dep appsv1.Deployment
		svc corev1.Service
		sec corev1.Secret
		cm  corev1.ConfigMap
		pvc corev1.PersistentVolumeClaim
	)
	readStrict(t, "deployment.yaml", &dep)
	readStrict(t, "service.yaml", &svc)
	readStrict(t, "secret.example.yaml", &sec)
	readStrict(t, "configmap.yaml", &cm)
	readStrict(t, "pvc.yaml", &pvc)

	if len(dep.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("deployment has %d containers, want 1", len(dep.Spec.Template.Spec.Containers))
	}
	c := dep.Spec.Template.Spec.Containers[0]
	podLabels := dep.Spec.Template.Labels
	mountedMapping := ""
	for _, v := range dep.Spec.Template.Spec.Volumes {
		if v.ConfigMap != nil {
			mountedMapping = v.ConfigMap.Name
		}
	}
	// The queue file's directory is a writable mount of the claim.
	queueFile := ""
	for _, a := range c.Args {
		if v, ok := strings.CutPrefix(a, "--queue-file="); ok {
			queueFile = v
		}
	}
	queueClaim, queueWritable := "", false
	for _, m := range c.VolumeMounts {
		if m.MountPath != filepath.Dir(queueFile) {
			continue
		}
		queueWritable = !m.ReadOnly
		for _, v := range dep.Spec.Template.Spec.Volumes {
			if v.Name == m.Name && v.PersistentVolumeClaim != nil {
				queueClaim = v.PersistentVolumeClaim.ClaimName
			}
		}
	}
	fsGroup := dep.Spec.Template.Spec.SecurityContext.FSGroup
	var secretRefs []string
	for _, e := range c.EnvFrom {
		if e.SecretRef != nil {
			secretRefs = append(secretRefs, e.SecretRef.Name)
		}
	}
	tests := []struct {
		name      string
		want, got any
	}{
		{name: "kinds", want: []string{"Deployment", "Service", "Secret", "ConfigMap", "PersistentVolumeClaim"}, got: []string{dep.Kind, svc.Kind, sec.Kind, cm.Kind, pvc.Kind}},
		{name: "queue file on the claim's volume", want: pvc.Name, got: queueClaim},
		{name: "queue volume writable by the pod's user", want: true, got: queueWritable && fsGroup != nil && *fsGroup == *dep.Spec.Template.Spec.SecurityContext.RunAsGroup},
		{name: "queue file is absolute", want: true, got: filepath.IsAbs(queueFile) && filepath.Dir(queueFile) != "/"},
		{name: "one pod owns the queue at a time", want: []any{appsv1.RecreateDeploymentStrategyType, []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}}, got: []any{dep.Spec.Strategy.Type, pvc.Spec.AccessModes}},
		{name: "command is serve", want: []string{"/usr/local/bin/drift-action", "serve"}, got: c.Command},
		{name: "listens on 8080", want: true, got: slices.Contains(c.Args, "--listen=:8080") && len(c.Ports) == 1 && c.Ports[0].ContainerPort == 8080},
		{name: "readiness probe path", want: "/healthz", got: probePath(c.ReadinessProbe)},
		{name: "liveness probe path", want: "/healthz", got: probePath(c.LivenessProbe)},
		{name: "probes use the named port", want: []string{c.Ports[0].Name, c.Ports[0].Name}, got: []string{probePort(c.ReadinessProbe), probePort(c.LivenessProbe)}},
		{name: "cpu and memory limits", want: true, got: !c.Resources.Limits.Cpu().IsZero() && !c.Resources.Limits.Memory().IsZero()},
		{name: "cpu and memory requests", want: true, got: !c.Resources.Requests.Cpu().IsZero() && !c.Resources.Requests.Memory().IsZero()},
		{name: "grace period covers the drain", want: true, got: dep.Spec.Template.Spec.TerminationGracePeriodSeconds != nil && *dep.Spec.Template.Spec.TerminationGracePeriodSeconds > 25 && slices.Contains(c.Args, "--shutdown-timeout=25s")},
		{name: "one replica: in-memory dedupe, one queue file", want: int32(1), got: *dep.Spec.Replicas},
		{name: "service selects the pods", want: podLabels, got: svc.Spec.Selector},
		{name: "service targets the port", want: c.Ports[0].Name, got: svc.Spec.Ports[0].TargetPort.String()},
		{name: "secret is the one the pod reads", want: []string{sec.Name}, got: secretRefs},
		{name: "secret keys are the variables serve reads", want: []string{"ARGOCD_WEBHOOK_TOKEN", "DRIFT_WEBHOOK_SECRET", "GITHUB_TOKEN", "TFE_NOTIFICATION_TOKEN"}, got: sortedKeys(sec.StringData)},
		{name: "mapping comes from the configmap", want: cm.Name, got: mountedMapping},
		{name: "same namespace", want: []string{dep.Namespace, dep.Namespace, dep.Namespace, dep.Namespace}, got: []string{svc.Namespace, sec.Namespace, cm.Namespace, pvc.Namespace}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	t.Run("mapping parses", func(t *testing.T) {
		t.Parallel()
		if _, err := config.ParseServeMapping([]byte(cm.Data["mapping.yaml"])); err != nil {
			t.Errorf("configmap mapping.yaml: %v", err)
		}
	})
}

func probePath(p *corev1.Probe) string {
	if p == nil || p.HTTPGet == nil {
		return ""
	}
	return p.HTTPGet.Path
}

func probePort(p *corev1.Probe) string {
	if p == nil || p.HTTPGet == nil {
		return ""
	}
	return p.HTTPGet.Port.String()
}

func sortedKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
