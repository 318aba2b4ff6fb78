package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/open-policy-agent/opa/v1/ast"
)

// Verdict gives the drift verdict of a parsed plan without decoding it
// a second time: only resource_drift (usually small) is converted for the
// classifier; pending changes are read straight from the parsed value.
func Verdict(raw ast.Value) (drift.Result, error) {
	obj, ok := raw.(ast.Object)
	if !ok || obj.Get(ast.StringTerm("format_version")) == nil {
		return drift.Result{}, errors.New("it has no format_version (pass the output of terraform show -json PLANFILE)")
	}
	var p tfjson.Plan
	if rd := obj.Get(ast.StringTerm("resource_drift")); rd != nil {
		v, err := ast.JSON(rd.Value)
		if err != nil {
			return drift.Result{}, err
		}
		b, err := json.Marshal(v)
		if err != nil {
			return drift.Result{}, err
		}
		if err := json.Unmarshal(b, &p.ResourceDrift); err != nil {
			return drift.Result{}, fmt.Errorf("resource_drift: %w", err)
		}
	}
	r := drift.Classify(&p, drift.Options{})
	if rc, ok := termValue(obj.Get(ast.StringTerm("resource_changes"))).(*ast.Array); ok {
		rc.Foreach(func(e *ast.Term) {
			ch, ok := e.Value.(ast.Object)
			if !ok || str(ch.Get(ast.StringTerm("mode"))) == "data" {
				return
			}
			change, _ := termValue(ch.Get(ast.StringTerm("change"))).(ast.Object)
			if change == nil {
				return
			}
			acts, _ := termValue(change.Get(ast.StringTerm("actions"))).(*ast.Array)
			var actions []string
			if acts != nil {
				acts.Foreach(func(a *ast.Term) { actions = append(actions, str(a)) })
			}
			if len(actions) == 0 || strings.Join(actions, ",") == "no-op" || strings.Join(actions, ",") == "read" {
				return
			}
			r.Changes = append(r.Changes, drift.Resource{Address: str(ch.Get(ast.StringTerm("address"))), Type: str(ch.Get(ast.StringTerm("type"))), Actions: actions})
		})
	}
	r.SetStatus()
	return r, nil
}

func str(t *ast.Term) string {
	if s, ok := termValue(t).(ast.String); ok {
		return string(s)
	}
	return ""
}
