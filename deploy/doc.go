// Package deploy holds no code: it ships grafana/drift-action.json (a
// dashboard over the metrics drift-action emits, each query checked against
// them), the Kubernetes manifests of
// drift-action's GitOps record (crds/driftreport.yaml, the DriftReport CRD as
// `drift-action crd` prints it for the default group,
// and argocd/, the Argo CD Applications that sync the record) and the tests
// that validate the reports drift-action writes against that CRD, and the
// Applications against Argo CD's own Application CRD, with the API server's
// schema validation (k8s.io/apiextensions-apiserver).
package deploy
