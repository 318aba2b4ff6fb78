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
	// secrets is what redaction reads of the plan when TF is not decoded:
	// its members that hold sensitive values policies may leave unread
	// (see decodePlan). Nil when the plan marks nothing sensitive: then
	// data is kept instead, decoded only if masks ask (see Secrets).
	secrets *tfjson.Plan
	data    []byte
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
		if !raw.MarksSensitive() {
			// The policies' one pass over every byte found nothing marked
			// sensitive, so without masks there is nothing to redact and
			// the plan need not be decoded again (most of `policy check`'s
			// cost when it was).
			return Plan{Raw: raw, noVerdict: true, data: data}, nil
		}
		// No verdict, yet what redaction needs is still read: a policy can
		// print a value only the members it left unread mark sensitive.
		sp, err := decodePlan(bytes.NewReader(data), false)
		if err != nil {
			return Plan{}, err
		}
		return Plan{Raw: raw, noVerdict: true, secrets: sp}, nil
	}
	p, err := decodeForClassify(bytes.NewReader(data))
	if err != nil {
		return Plan{}, err
	}
	return Plan{TF: p, Raw: raw}, nil
}

// Secrets are the plan's strings no output may show under the options o
// (drift.Secrets), for the verdict's redactor.
func (p Plan) Secrets(o drift.Options) ([]string, error) {
	switch {
	case p.TF != nil:
		return drift.Secrets(p.TF, o), nil
	case p.secrets != nil || p.data == nil:
		return drift.Secrets(p.secrets, o), nil
	case len(o.MaskPaths) == 0 && len(o.MaskValues) == 0:
		// Nothing marked sensitive (ReadPlanFor), nothing masked.
		return nil, nil
	}
	sp, err := decodePlan(bytes.NewReader(p.data), false)
	if err != nil {
		return nil, err
	}
	return drift.Secrets(sp, o), nil
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

// classified is a plan's verdict as detect reads it from terraform's file.
type classified struct {
	result  drift.Result // unredacted
	secrets []string     // the plan's, to redact it with
	// stateResources counts the managed resources in the state the plan
	// was made against (prior_state): none behind a backend block, with
	// every resource to create, is a backend not configured (backend.go).
	stateResources int
}

// classifyFile is the verdict on the plan JSON terraform wrote to path ("":
// nothing to detail, an empty plan), unredacted, with the plan's secrets to
// redact it with. Detect reads the plan once per reading, one after the
// other, so only one is ever in memory: this one decodes only what
// drift.Classify and redaction read and is gone when it returns.
func classifyFile(path string, o drift.Options) (classified, error) {
	if path == "" {
		return classified{result: Plan{}.Classify(o)}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return classified{}, fmt.Errorf("read plan json: %w", err)
	}
	defer f.Close()
	p, n, err := decodeMembers(f, true)
	if err != nil {
		return classified{}, err
	}
	pl := Plan{TF: p}
	return classified{result: pl.Classify(o), secrets: drift.Secrets(p, o), stateResources: n}, nil
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
// read whole. Of prior_state, planned_values and configuration (most of a
// plan) only what redaction needs is kept (see decodePlan).
// TestClassifyFileAgrees holds this to the verdict on the whole decoded
// plan.
func decodeForClassify(r io.Reader) (*tfjson.Plan, error) {
	return decodePlan(r, true)
}

// decodePlan decodes the members of the plan in r that redaction reads
// (drift.Secrets), and with verdict those drift.Classify reads too.
// Redaction reads variables and, lean, the members policies and the
// classifier may leave unread: of configuration, which root variables are
// sensitive; of prior_state and planned_values, the resources terraform
// marks something sensitive in (data sources are only there) and the
// outputs it marks sensitive. The rest of those is read past, not decoded.
func decodePlan(r io.Reader, verdict bool) (*tfjson.Plan, error) {
	p, _, err := decodeMembers(r, verdict)
	return p, err
}

// decodeMembers is decodePlan, also counting the managed resources of
// prior_state as the lean reading reads past them.
func decodeMembers(r io.Reader, verdict bool) (*tfjson.Plan, int, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, 0, fmt.Errorf("decode plan: a plan JSON document is an object (%v)", errOr(err, t))
	}
	var p tfjson.Plan
	var lean leanMembers
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, 0, fmt.Errorf("decode plan: %w", err)
		}
		key, _ := t.(string)
		v := classifyMember(&p, key, verdict, &lean)
		if v == nil {
			v = &skipValue{}
		}
		if err := dec.Decode(v); err != nil {
			return nil, 0, fmt.Errorf("decode plan: %s: %w", key, err)
		}
	}
	lean.into(&p)
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, 0, fmt.Errorf("decode plan: %w", err)
	}
	if _, err := dec.Token(); err == nil {
		return nil, 0, errors.New("decode plan: unexpected data after the plan")
	} else if !errors.Is(err, io.EOF) {
		return nil, 0, fmt.Errorf("decode plan: after the plan: %w", err)
	}
	if !verdict {
		return &p, lean.prior.managed(), nil // the policies' reading has checked the plan
	}
	// What terraform-json checks when it decodes a whole plan.
	if err := p.Validate(); err != nil {
		return nil, 0, fmt.Errorf("decode plan: %w", err)
	}
	return &p, lean.prior.managed(), nil
}

// classifyMember is where the plan member named key goes, nil for a member
// neither redaction nor (with verdict) drift.Classify reads. Names match
// as encoding/json matches them (exactly, else case-insensitively), so the
// verdict is the same as on a plan decoded whole.
func classifyMember(p *tfjson.Plan, key string, verdict bool, lean *leanMembers) any {
	members := []struct {
		name string
		v    any
	}{
		{"variables", &p.Variables},
		{"configuration", &lean.config},
		{"prior_state", &lean.prior},
		{"planned_values", &lean.planned},
	}
	if verdict {
		members = append(members, []struct {
			name string
			v    any
		}{
			{"format_version", &p.FormatVersion},
			{"resource_drift", &p.ResourceDrift},
			{"resource_changes", &p.ResourceChanges},
			{"output_changes", &p.OutputChanges},
			{"checks", &p.Checks},
		}...)
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

// leanMembers are the bulky members of a plan as redaction reads them.
type leanMembers struct {
	config struct {
		RootModule *struct {
			Variables map[string]*tfjson.ConfigVariable `json:"variables"`
		} `json:"root_module"`
	}
	prior   leanPrior
	planned *leanValues
}

// leanPrior is prior_state as redaction reads it.
type leanPrior struct {
	Values *leanValues `json:"values"`
}

// managed counts the managed resources of the state, in every module.
func (p leanPrior) managed() int {
	if p.Values == nil {
		return 0
	}
	var count func(m *leanModule) int
	count = func(m *leanModule) int {
		if m == nil {
			return 0
		}
		n := 0
		for _, r := range m.Resources {
			if r.managed {
				n++
			}
		}
		for _, c := range m.ChildModules {
			n += count(c)
		}
		return n
	}
	return count(p.Values.RootModule)
}

// into sets what was read on p, as terraform-json would have decoded it.
func (l leanMembers) into(p *tfjson.Plan) {
	if rm := l.config.RootModule; rm != nil {
		p.Config = &tfjson.Config{RootModule: &tfjson.ConfigModule{Variables: rm.Variables}}
	}
	if l.prior.Values != nil {
		p.PriorState = &tfjson.State{Values: l.prior.Values.state()}
	}
	if l.planned != nil {
		p.PlannedValues = l.planned.state()
	}
}

// leanValues are state-shaped values (planned_values, prior_state.values)
// less everything terraform marks nothing sensitive in.
type leanValues struct {
	Outputs    map[string]*leanOutput `json:"outputs"`
	RootModule *leanModule            `json:"root_module"`
}

type leanModule struct {
	Resources    []leanResource `json:"resources"`
	ChildModules []*leanModule  `json:"child_modules"`
}

func (v *leanValues) state() *tfjson.StateValues {
	out := &tfjson.StateValues{Outputs: map[string]*tfjson.StateOutput{}}
	for name, o := range v.Outputs {
		if o != nil && o.sensitive {
			out.Outputs[name] = &tfjson.StateOutput{Sensitive: true, Value: o.value}
		}
	}
	var module func(m *leanModule) *tfjson.StateModule
	module = func(m *leanModule) *tfjson.StateModule {
		sm := &tfjson.StateModule{}
		for _, r := range m.Resources {
			if r.r != nil {
				sm.Resources = append(sm.Resources, r.r)
			}
		}
		for _, c := range m.ChildModules {
			if c != nil {
				sm.ChildModules = append(sm.ChildModules, module(c))
			}
		}
		return sm
	}
	if v.RootModule != nil {
		out.RootModule = module(v.RootModule)
	}
	return out
}

// leanOutput is an output whose value is decoded only when it is sensitive.
type leanOutput struct {
	sensitive bool
	value     any
}

func (o *leanOutput) UnmarshalJSON(b []byte) error {
	var x struct {
		Sensitive bool            `json:"sensitive"`
		Value     json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	o.sensitive = x.Sensitive
	if !x.Sensitive || len(x.Value) == 0 {
		return nil
	}
	return json.Unmarshal(x.Value, &o.value)
}

// leanResource is a resource kept only when terraform marks something in
// it sensitive; its values are decoded only then. Whether it is managed
// is kept for every resource, to count them.
type leanResource struct {
	r       *tfjson.StateResource
	managed bool
}

func (l *leanResource) UnmarshalJSON(b []byte) error {
	var x struct {
		Address         string          `json:"address"`
		Mode            string          `json:"mode"`
		Values          json.RawMessage `json:"values"`
		SensitiveValues json.RawMessage `json:"sensitive_values"`
	}
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	l.managed = x.Mode == string(tfjson.ManagedResourceMode)
	// A sensitivity tree marks something only with a true somewhere.
	if !bytes.Contains(x.SensitiveValues, []byte("true")) || len(x.Values) == 0 {
		return nil
	}
	r := &tfjson.StateResource{Address: x.Address, SensitiveValues: x.SensitiveValues}
	if err := json.Unmarshal(x.Values, &r.AttributeValues); err != nil {
		return err
	}
	l.r = r
	return nil
}
