// Package gatekeeper evaluates Kubernetes manifests against Gatekeeper
// ConstraintTemplates and Constraints with Gatekeeper's own packages, and
// runs gator Suites.
//
// The verdicts are Gatekeeper's: Evaluate hands every object to
// gator's test.Test (the code path of `gator test`, with the
// K8sNativeValidation/CEL driver enabled as gator enables it by default), and
// Verify runs Suites with gator's verify.Runner and the client factory
// `gator verify` uses. This package only reads the files (keeping each
// document's line), checks the inputs up front so that errors name the file
// and line, and turns gator's results into Violations.
package gatekeeper

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/myorg/drift-action/internal/gatekeeper/wire"
	"github.com/open-policy-agent/frameworks/constraint/pkg/apis"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/gator"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/gator/reader"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/gator/test"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/util"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
)

// SeverityLabel is the constraint label that sets a violation's severity
// (low, medium, high or critical), overriding the enforcement action's.
const SeverityLabel = "drift-action/severity"

// Violation and Report are the wire contract the companion prints
// (internal/gatekeeper/wire), so Evaluate's result is what drift-action
// reads.
type (
	Violation = wire.Violation
	Report    = wire.Report
)

var severities = map[string]bool{"low": true, "medium": true, "high": true, "critical": true}

var actionSeverity = map[string]string{
	string(util.Deny):   "high",
	string(util.Warn):   "medium",
	string(util.Dryrun): "low",
}

// actionRank orders actions from weakest to strongest.
var actionRank = map[string]int{string(util.Dryrun): 1, string(util.Warn): 2, string(util.Deny): 3}

var scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := apis.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}()

// Evaluate reads every object in paths (files of multi-document YAML or of
// JSON; a directory stands for the .yaml, .yml and .json files below it),
// and reviews them like `gator test -f PATH...`: ConstraintTemplates
// (Rego and K8sNativeValidation/CEL) and Constraints among them are
// installed, and every object is reviewed against every matching
// constraint. Match semantics, parameters, libs and enforcement actions are
// Gatekeeper's. ExpansionTemplates among the inputs are applied as gator
// applies them (a Deployment is then reviewed through the Pod it implies).
//
// A violation of any enforcement action is reported; callers decide what
// fails. Bad inputs (unparsable YAML, a template Gatekeeper rejects, a
// constraint without its template, Rego that does not compile) are errors
// naming the file and line.
func Evaluate(ctx context.Context, paths []string) (Report, error) {
	if len(paths) == 0 {
		return Report{}, errors.New("gatekeeper: no files to evaluate")
	}
	if err := ctx.Err(); err != nil {
		return Report{}, err
	}
	docs, err := readPaths(paths)
	if err != nil {
		return Report{}, err
	}
	if len(docs) == 0 {
		return Report{}, fmt.Errorf("gatekeeper: no objects in %s", strings.Join(paths, ", "))
	}
	in, err := check(docs)
	if err != nil {
		return Report{}, err
	}
	rep := Report{
		Objects:     len(docs) - len(in.templates) - len(in.constraints),
		Templates:   len(in.templates),
		Constraints: len(in.constraints),
	}

	objs := make([]*unstructured.Unstructured, len(docs))
	order := make(map[*unstructured.Unstructured]int, len(docs))
	for i, d := range docs {
		objs[i] = d.obj
		order[d.obj] = i
	}
	resp, err := test.Test(objs, test.WithK8sCEL(false))
	if err != nil {
		return Report{}, diagnose(ctx, in, err)
	}
	if err := ctx.Err(); err != nil {
		return Report{}, err
	}

	type ranked struct {
		v   Violation
		pos int
	}
	var found []ranked
	for _, r := range resp.Results() {
		action := effectiveAction(r.EnforcementAction, r.ScopedEnforcementActions)
		if action == "" {
			continue // scoped to other enforcement points only (Gatekeeper does not report these to gator)
		}
		pos, ok := order[r.ViolatingObject]
		if !ok {
			return Report{}, fmt.Errorf("gatekeeper: result for an object that was not an input: %s", resource(r.ViolatingObject))
		}
		d := docs[pos]
		kind, name := r.Constraint.GetKind(), r.Constraint.GetName()
		labels := r.Constraint.GetLabels()
		if c, ok := in.constraints[kind+"/"+name]; ok {
			labels = c.obj.GetLabels()
		}
		sev := strings.ToLower(labels[SeverityLabel])
		if sev == "" {
			sev = actionSeverity[action]
		}
		found = append(found, ranked{pos: pos, v: Violation{
			Constraint:        kind + "/" + name,
			Template:          strings.ToLower(kind),
			Resource:          resource(r.ViolatingObject),
			File:              d.location(),
			Msg:               r.Msg,
			EnforcementAction: action,
			Severity:          sev,
		}})
	}
	sort.SliceStable(found, func(i, j int) bool {
		a, b := found[i], found[j]
		if a.pos != b.pos {
			return a.pos < b.pos
		}
		if a.v.Constraint != b.v.Constraint {
			return a.v.Constraint < b.v.Constraint
		}
		return a.v.Msg < b.v.Msg
	})
	for _, f := range found {
		rep.Violations = append(rep.Violations, f.v)
	}
	return rep, nil
}

// effectiveAction is the constraint's enforcement action, or for a scoped
// one the strongest of the actions Gatekeeper scoped to gator's
// enforcement point ("" when there are none).
func effectiveAction(action string, scoped []string) string {
	if action != string(util.Scoped) {
		return action
	}
	best := ""
	for _, a := range scoped {
		if actionRank[a] > actionRank[best] {
			best = a
		}
	}
	return best
}

func resource(o *unstructured.Unstructured) string {
	if o == nil {
		return ""
	}
	name := o.GetName()
	if ns := o.GetNamespace(); ns != "" {
		name = ns + "/" + name
	}
	return fmt.Sprintf("%s %s %s", o.GetAPIVersion(), o.GetKind(), name)
}

// inputs are the templates and constraints among the documents.
type inputs struct {
	templates   map[string]*document // by metadata.name
	constraints map[string]*document // by Kind/name
	tOrder      []*document
	cOrder      []*document
}

// check vets templates and constraints before Gatekeeper sees them, so
// that the common mistakes are reported with their file and line.
func check(docs []*document) (*inputs, error) {
	in := &inputs{templates: map[string]*document{}, constraints: map[string]*document{}}
	for _, d := range docs {
		if d.obj.GetKind() == "" || d.obj.GetAPIVersion() == "" {
			return nil, fmt.Errorf("%s: not a Kubernetes object: apiVersion and kind are required", d.where())
		}
		if !reader.IsTemplate(d.obj) {
			continue
		}
		name := d.obj.GetName()
		kind, _, _ := unstructured.NestedString(d.obj.Object, "spec", "crd", "spec", "names", "kind")
		switch {
		case kind == "":
			return nil, fmt.Errorf("%s: ConstraintTemplate %q: spec.crd.spec.names.kind is required", d.where(), name)
		case name != strings.ToLower(kind):
			why := "Gatekeeper rejects a template whose name is not the lowercase of its kind"
			if strings.EqualFold(name, kind) {
				why = "Kubernetes rejects upper-case names, and Gatekeeper looks a constraint's template up by the lowercase kind, so it would find none"
			}
			return nil, fmt.Errorf("%s: ConstraintTemplate %q: metadata.name must be the lowercase of spec.crd.spec.names.kind %q (%s): rename it to %q",
				d.where(), name, kind, why, strings.ToLower(kind))
		}
		if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
			return nil, fmt.Errorf("%s: ConstraintTemplate %q: invalid metadata.name: %s", d.where(), name, strings.Join(errs, "; "))
		}
		if prev, dup := in.templates[name]; dup {
			return nil, fmt.Errorf("%s: ConstraintTemplate %q is defined twice (first at %s)", d.where(), name, prev.where())
		}
		in.templates[name] = d
		in.tOrder = append(in.tOrder, d)
	}
	for _, d := range docs {
		if !reader.IsConstraint(d.obj) {
			continue
		}
		kind, name := d.obj.GetKind(), d.obj.GetName()
		id := kind + "/" + name
		if _, ok := in.templates[strings.ToLower(kind)]; !ok {
			return nil, fmt.Errorf("%s: constraint %s: no ConstraintTemplate among the inputs defines kind %s (add a template named %q, with spec.crd.spec.names.kind %s)",
				d.where(), id, kind, strings.ToLower(kind), kind)
		}
		if prev, dup := in.constraints[id]; dup {
			return nil, fmt.Errorf("%s: constraint %s is defined twice (first at %s)", d.where(), id, prev.where())
		}
		action, found, err := unstructured.NestedString(d.obj.Object, "spec", "enforcementAction")
		if err != nil {
			return nil, fmt.Errorf("%s: constraint %s: %w", d.where(), id, err)
		}
		if !found || action == "" {
			action = string(util.Deny)
		}
		// The check Gatekeeper's admission webhook applies to constraints.
		if err := util.ValidateEnforcementAction(util.EnforcementAction(action), d.obj.Object); err != nil {
			return nil, fmt.Errorf("%s: constraint %s: %w", d.where(), id, err)
		}
		if sev, ok := d.obj.GetLabels()[SeverityLabel]; ok && !severities[strings.ToLower(sev)] {
			return nil, fmt.Errorf("%s: constraint %s: label %s=%q must be one of low, medium, high, critical", d.where(), id, SeverityLabel, sev)
		}
		in.constraints[id] = d
		in.cOrder = append(in.cOrder, d)
	}
	return in, nil
}

// diagnose finds which template or constraint made gator fail, by adding
// them one by one to a client built like gator's, and names its file. The
// errors are Gatekeeper's own (e.g. Rego compile errors).
func diagnose(ctx context.Context, in *inputs, testErr error) error {
	client, err := gator.NewOPAClient(false, gator.WithK8sCEL())
	if err != nil {
		return fmt.Errorf("gatekeeper: %w", testErr)
	}
	for _, d := range in.tOrder {
		templ, err := reader.ToTemplate(scheme, d.obj)
		if err != nil {
			return fmt.Errorf("%s: ConstraintTemplate %q: %w", d.where(), d.obj.GetName(), err)
		}
		if _, err := client.AddTemplate(ctx, templ); err != nil {
			return fmt.Errorf("%s: ConstraintTemplate %q rejected by Gatekeeper: %w%s", d.where(), d.obj.GetName(), err, regoLine(d, err.Error()))
		}
	}
	for _, d := range in.cOrder {
		if _, err := client.AddConstraint(ctx, d.obj); err != nil {
			return fmt.Errorf("%s: constraint %s/%s rejected by Gatekeeper: %w", d.where(), d.obj.GetKind(), d.obj.GetName(), err)
		}
	}
	return fmt.Errorf("gatekeeper: %w", testErr)
}
