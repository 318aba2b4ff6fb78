package pipeline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/open-policy-agent/opa/v1/ast"
)

// Plan is one plan's two readings of terraform's JSON (`terraform show
// -json PLANFILE`), each parsed from the bytes as printed and never encoded
// again: the classifier reads TF, policies read Raw.
type Plan struct {
	TF  *tfjson.Plan // nil for a target with nothing to detail
	Raw policy.Plan  // an empty object when there is nothing to detail
	// noVerdict: read for policies none of which reads input.drift, so TF
	// was not decoded and Check makes no verdict (see ReadPlanFor).
	noVerdict bool
}

// ReadPlan parses plan JSON from any source (a file given to `policy check`):
// first into OPA values, whose shape check names the JSON path of anything
// terraform never writes and whose parse checks the JSON's syntax whole,
// then the members the classifier reads into terraform-json structs as
// detect decodes them (decodeForClassify).
func ReadPlan(data []byte) (Plan, error) {
	return ReadPlanFor(data, policy.RawReads{All: true})
}

// ReadPlanFor is ReadPlan for policies that read only what reads says of
// the input (policy.Engine.RawReads): what they cannot reach of input.raw
// is not built, and when none reads input.drift the plan is not decoded
// for the classifier at all: `policy check` shows the policies' results
// alone, and that decoding is most of its time and memory. Detect reads
// its plans the same way, so both see the same input.
func ReadPlanFor(data []byte, reads policy.RawReads) (Plan, error) {
	raw, err := policy.ParsePlanFor(data, reads)
	if err != nil {
		return Plan{}, err
	}
	if !reads.ReadsVerdict() {
		return Plan{Raw: raw, noVerdict: true}, nil
	}
	p, err := decodeForClassify(bytes.NewReader(data))
	if err != nil {
		return Plan{}, err
	}
	return Plan{TF: p, Raw: raw}, nil
}

// Classify is the one verdict of a plan, for detect and `policy check`
// alike: what drifted and what would change (drift.Classify), with the
// status set.
func (p Plan) Classify(o drift.Options) drift.Result {
	r := drift.Classify(p.TF, o)
	r.SetStatus()
	return r
}

// PolicyInput is what policies evaluate for one plan: terraform's JSON as
// printed (input.raw), the verdict (input.drift) and the run context, with
// masked values replaced (policy.NewInput). Detect and `policy check` both
// build their input here, so the same plan gives the same input.
func PolicyInput(p Plan, r drift.Result, rc policy.RunContext, m policy.Masks) policy.Input {
	return policy.NewInput(p.Raw, r, rc, m)
}

// classifyFile is the verdict on the plan JSON terraform wrote to path ("":
// nothing to detail, an empty plan). Detect reads the plan once per
// reading, one after the other, so only one is ever in memory: this one
// decodes only what drift.Classify reads and is gone when it returns.
func classifyFile(path string, o drift.Options) (drift.Result, error) {
	if path == "" {
		return Plan{}.Classify(o), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return drift.Result{}, fmt.Errorf("read plan json: %w", err)
	}
	defer f.Close()
	p, err := decodeForClassify(f)
	if err != nil {
		return drift.Result{}, err
	}
	return Plan{TF: p}.Classify(o), nil
}

// rawFile is the policies' reading of the plan JSON at path ("": an empty
// plan), terraform's JSON as printed, less what no policy reads (reads).
func rawFile(path string, reads policy.RawReads) (policy.Plan, error) {
	if path == "" {
		return policy.Plan{Value: ast.NewObject()}, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return policy.Plan{}, fmt.Errorf("read plan json: %w", err)
	}
	return policy.ParsePlanFor(data, reads)
}

// skipValue reads a JSON value and keeps nothing.
type skipValue struct{}

func (*skipValue) UnmarshalJSON([]byte) error { return nil }

// decodeForClassify decodes, from r, the members of terraform's plan
// JSON drift.Classify reads (format_version, resource_drift,
// resource_changes, output_changes, checks) as terraform-exec decodes them
// (numbers kept as json.Number), one member at a time: a file is never
// read whole, and prior_state, planned_values and configuration (most of a
// plan) are skipped without being decoded. TestClassifyFileAgrees holds
// this to the verdict on the whole decoded plan.
func decodeForClassify(r io.Reader) (*tfjson.Plan, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("decode plan: a plan JSON document is an object (%v)", errOr(err, t))
	}
	var p tfjson.Plan
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("decode plan: %w", err)
		}
		key, _ := t.(string)
		v := classifyMember(&p, key)
		if v == nil {
			v = &skipValue{}
		}
		if err := dec.Decode(v); err != nil {
			return nil, fmt.Errorf("decode plan: %s: %w", key, err)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, fmt.Errorf("decode plan: %w", err)
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("decode plan: unexpected data after the plan")
	} else if !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("decode plan: after the plan: %w", err)
	}
	// What terraform-json checks when it decodes a whole plan.
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("decode plan: %w", err)
	}
	return &p, nil
}

// classifyMember is where the plan member named key goes, nil for a member
// drift.Classify does not read. Names match as encoding/json matches them
// (exactly, else case-insensitively), so the verdict is the same as on a
// plan decoded whole.
func classifyMember(p *tfjson.Plan, key string) any {
	members := []struct {
		name string
		v    any
	}{
		{"format_version", &p.FormatVersion},
		{"resource_drift", &p.ResourceDrift},
		{"resource_changes", &p.ResourceChanges},
		{"output_changes", &p.OutputChanges},
		{"checks", &p.Checks},
	}
	for _, m := range members {
		if m.name == key {
			return m.v
		}
	}
	for _, m := range members {
		if strings.EqualFold(m.name, key) {
			return m.v
		}
	}
	return nil
}

func errOr(err error, t json.Token) any {
	if err != nil {
		return err
	}
	return t
}
