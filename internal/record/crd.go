package record

import (
	"bytes"
	_ "embed"
	"fmt"
	"strings"
	"text/template"
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
const Plural = "driftreports"

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

// CheckGroup says what is wrong with an API group for DriftReport: it must
// be a DNS subdomain with a dot (as the API server asks of a CRD's group),
// short enough that the CRD's name (driftreports.GROUP) is one too.
func CheckGroup(group string) error {
	errs := subdomainProblems(group)
	if len(errs) == 0 && !strings.Contains(group, ".") {
		errs = append(errs, "it has no dot")
	}
	if len(errs) == 0 && len(Plural)+1+len(group) > maxSubdomain {
		errs = append(errs, fmt.Sprintf("it is longer than %d characters, so %s.%s is no DNS subdomain", maxSubdomain-len(Plural)-1, Plural, group))
	}
	if len(errs) > 0 {
		return fmt.Errorf("group %q is not a DNS subdomain with a dot, such as %s or drift.mycompany.io (%s)", group, DefaultGroup, strings.Join(errs, "; "))
	}
	return nil
}
