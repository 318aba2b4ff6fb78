package tf

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ApplyTarget is a saved plan to apply: exactly the file that was planned
// and evaluated, never a fresh plan.
type ApplyTarget struct {
	Dir       string // absolute path of the root module the plan was made in
	Workspace string // the workspace the plan was made for; "" keeps the current one
	PlanFile  string // the saved plan (absolute)
	// DataDir and Env are the Target's the plan was made with: its
	// initialised data directory ("" for Dir/.terraform) and its extra
	// environment.
	DataDir string
	Env     []string
}

// AppliedResource is one resource terraform reported as done.
type AppliedResource struct {
	Address string `json:"address"`
	Action  string `json:"action"` // create, update, delete, replace, ...
}

// ApplyOutcome is what terraform's `apply -json` stream reported. It never
// holds terraform's human-readable output, which may contain sensitive
// values.
type ApplyOutcome struct {
	// Applied are the resources terraform finished, in the order it did.
	Applied []AppliedResource
	// Errored are the addresses whose change terraform started and failed.
	Errored []string
	// Summary is the apply's change summary; nil when terraform did not
	// get that far.
	Summary     *ChangeSummary
	Diagnostics []string
}

// ErrStalePlan marks a saved plan terraform refused because the state
// changed after it was made. Nothing was applied; plan again.
var ErrStalePlan = errors.New("saved plan is stale")

// Apply applies exactly the saved plan t.PlanFile in t.Dir, in t's
// workspace, with terraform's machine-readable stream parsed and never
// printed. The root must have been initialised (by the Run that made the
// plan). A stale plan is an error matching ErrStalePlan; terraform applies
// nothing then.
func Apply(ctx context.Context, t ApplyTarget, o Options) (ApplyOutcome, error) {
	var out ApplyOutcome
	if t.PlanFile == "" {
		return out, &StepError{Step: "apply", Msg: "no saved plan to apply: plan the target first"}
	}
	ctx, cancel := withTimeout(ctx, o)
	defer cancel()
	tf, _, err := newCommand(t.Dir, t.DataDir, t.Env, o, false)
	if err != nil {
		return out, &StepError{Step: "setup", Msg: err.Error(), Err: err}
	}
	wrap := wrapper(ctx, o)
	leanOK, err := checkVersion(ctx, tf)
	if err != nil {
		return out, wrap("version", err, "")
	}
	if t.Workspace != "" {
		// The saved plan names its workspace and terraform refuses to apply
		// it in another; select it again in the target's data directory.
		setup := tf
		if leanOK {
			setup = tf.lean()
		}
		if err := setup.run(ctx, nil, "workspace", "select", "-no-color", t.Workspace); err != nil {
			return out, wrap("workspace", err, "")
		}
	}
	ap := &applyParser{}
	err = tf.run(ctx, ap, applyArgs(t, o)...)
	_ = ap.Close()
	out = ap.out
	if err != nil {
		diag := strings.Join(out.Diagnostics, "\n")
		werr := wrap("apply", err, diag)
		if ap.stale {
			var se *StepError
			if errors.As(werr, &se) {
				se.Err = errors.Join(ErrStalePlan, se.Err)
			}
		}
		return out, werr
	}
	if len(out.Diagnostics) > 0 {
		// Exit code said fine but terraform reported errors: never a success.
		return out, &StepError{Step: "apply", Msg: strings.Join(out.Diagnostics, "\n")}
	}
	if out.Summary == nil {
		return out, &StepError{Step: "apply", Msg: "terraform's apply stream ended without its change summary (the stream was cut short or terraform was killed); check the state before trusting this target"}
	}
	return out, nil
}

// applyArgs builds `terraform apply -json` for a saved plan: the plan file
// alone decides what changes (no -var, -var-file, -target or -replace,
// which would ask for a new plan), with the state lock waited for. The
// flags and their order are terraform-exec's for ApplyJSON.
func applyArgs(t ApplyTarget, o Options) []string {
	return []string{"apply", "-no-color", "-auto-approve", "-input=false", "-lock-timeout=" + o.LockTimeout.String(),
		"-lock=true", "-parallelism=10", "-refresh=true", "-json", t.PlanFile}
}

// staleSummary is terraform's diagnostic summary for a plan made against
// an older state (terraform 0.15 onwards).
const staleSummary = "Saved plan is stale"

// applyParser reads the `apply -json` stream line by line as terraform
// writes it. It keeps addresses, actions and error diagnostics only.
type applyParser struct {
	out     ApplyOutcome
	stale   bool
	partial []byte
}

type applyMessage struct {
	Type       string `json:"type"`
	Diagnostic *struct {
		Severity string `json:"severity"`
		Summary  string `json:"summary"`
		Detail   string `json:"detail"`
		Address  string `json:"address"`
	} `json:"diagnostic"`
	Hook *struct {
		Resource struct {
			Addr string `json:"addr"`
		} `json:"resource"`
		Action string `json:"action"`
	} `json:"hook"`
	Changes *struct {
		ChangeSummary
		Operation string `json:"operation"`
	} `json:"changes"`
}

var applyInteresting = [][]byte{
	[]byte(`"type":"diagnostic"`),
	[]byte(`"type":"apply_complete"`),
	[]byte(`"type":"apply_errored"`),
	[]byte(`"type":"change_summary"`),
}

func (p *applyParser) Write(b []byte) (int, error) {
	n := len(b)
	if len(p.partial) > 0 {
		b = append(p.partial, b...)
		p.partial = p.partial[:0]
	}
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			p.partial = append(p.partial, b...)
			return n, nil
		}
		p.line(b[:i])
		b = b[i+1:]
	}
}

// Close handles a last line without a newline.
func (p *applyParser) Close() error {
	if len(p.partial) > 0 {
		p.line(p.partial)
		p.partial = nil
	}
	return nil
}

func (p *applyParser) line(l []byte) {
	hit := false
	for _, k := range applyInteresting {
		if bytes.Contains(l, k) {
			hit = true
			break
		}
	}
	if !hit {
		return
	}
	var m applyMessage
	if err := json.Unmarshal(l, &m); err != nil {
		return // plain text terraform prints on some failures
	}
	switch m.Type {
	case "diagnostic":
		d := m.Diagnostic
		if d == nil || d.Severity != "error" {
			return
		}
		if d.Summary == staleSummary {
			p.stale = true
		}
		msg := "Error: " + d.Summary
		if d.Address != "" {
			msg += " [" + d.Address + "]"
		}
		if detail := strings.TrimSpace(d.Detail); detail != "" {
			msg += ": " + detail
		}
		p.out.Diagnostics = append(p.out.Diagnostics, msg)
	case "apply_complete":
		if m.Hook != nil {
			p.out.Applied = append(p.out.Applied, AppliedResource{Address: m.Hook.Resource.Addr, Action: m.Hook.Action})
		}
	case "apply_errored":
		if m.Hook != nil {
			p.out.Errored = append(p.out.Errored, m.Hook.Resource.Addr)
		}
	case "change_summary":
		if c := m.Changes; c != nil && c.Operation == "apply" {
			sum := c.ChangeSummary
			p.out.Summary = &sum
		}
	}
}

// String summarises an apply for logs: counts only, never values.
func (a ApplyOutcome) String() string {
	if a.Summary == nil {
		return fmt.Sprintf("%d resource(s) applied, apply unfinished", len(a.Applied))
	}
	s := a.Summary
	return fmt.Sprintf("%d added, %d changed, %d destroyed", s.Add, s.Change, s.Remove)
}
