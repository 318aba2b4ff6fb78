package record

import (
	"bytes"
	_ "embed"
	"fmt"
	"text/template"

	"github.com/myorg/drift-action/internal/apigroup"
)

// crdTemplate is the DriftReport CRD with the group left open: the one
// source of deploy/crds/driftreport.yaml (the default group, held equal by
// a test) and of `drift-action crd --group`.
//
//go:embed crd.yaml.tmpl
var crdTemplate string

var crdTmpl = template.Must(template.New("crd").Option("missingkey=error").Parse(crdTemplate))

// Plural is the resource name of DriftReport; the CRD is named
// Plural + "." + group.
const Plural = apigroup.Plural

// CRD renders the DriftReport CustomResourceDefinition for group (the
// default group when empty).
func CRD(group string) ([]byte, error) {
	if group == "" {
		group = DefaultGroup
	}
	if err := CheckGroup(group); err != nil {
		return nil, fmt.Errorf("crd: %w", err)
	}
	var b bytes.Buffer
	if err := crdTmpl.Execute(&b, struct{ Group string }{group}); err != nil {
		return nil, fmt.Errorf("crd: %w", err)
	}
	return b.Bytes(), nil
}

// CheckGroup says what is wrong with an API group for DriftReport
// (apigroup.Check, where config checks the record-group input too).
func CheckGroup(group string) error { return apigroup.Check(group) }
