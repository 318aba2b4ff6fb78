package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"github.com/myorg/drift-action/internal/discover"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/tftest"
)

// A variable declared sensitive, with a value holding every character text
// escapes (quotes, a backslash, a newline, <, > and &), and used by no
// resource: terraform marks it sensitive only in the plan's configuration.
const (
	sensitiveVarRoot = `variable "db_password" {
  type      = string
  sensitive = true
}

resource "terraform_data" "app" {
  input = "plain"
}
`
	sensitiveVarValue = `db_password = "cAnary \"q\" <b> & co\nline two \\ end"` + "\n"
	// leakPolicy prints the variable in several forms and reads nothing of
	// input.raw but its variables, so configuration is not built.
	leakPolicy = `package leak

pw := input.raw.variables.db_password.value

warn contains sprintf("view: %s", [input.variables.db_password.value])
warn contains sprintf("raw: %s", [pw])
warn contains json.marshal({"pw": pw})
warn contains concat(" / ", split(pw, "\n"))
`
)

var leakWant = []string{
	"(sensitive) / (sensitive)",
	"raw: (sensitive)",
	"view: (sensitive)",
	`{"pw":"(sensitive)"}`,
}

// Detect and policy check, on a real plan, when no policy reads
// input.raw.configuration (so it is left out of the input): the variable
// is still hidden in input.variables and redacted from every message, in
// every form; and the results are those of the plan read whole.
func TestSensitiveVariableRedactedWhenConfigurationUnread(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	dir := t.TempDir()
	tftest.WriteRoot(t, dir, "infra/db", map[string]string{"main.tf": sensitiveVarRoot, "terraform.tfvars": sensitiveVarValue})
	pol := tftest.WriteRoot(t, dir, "policies", map[string]string{"leak.rego": leakPolicy})
	c := detectConfig(env, dir, []string{pol}, "infra/db")
	var progress bytes.Buffer
	run, err := Detect(context.Background(), c, &progress, nil)
	defer run.Close()
	if err != nil {
		t.Fatalf("Detect: %v\n%s", err, progress.String())
	}
	o := run.Verdicts[0]
	if o.PlanJSONFile == "" {
		t.Fatalf("no plan JSON (status %s, error %q)", o.Result.Status, o.Result.Error)
	}
	e, err := LoadPolicies(context.Background(), *c.Policies, c.Find.Cwd)
	if err != nil {
		t.Fatal(err)
	}
	if r := e.RawReads(); r.All || r.Keys["configuration"] {
		t.Fatalf("RawReads %+v: the policy must leave configuration unread for this test", r)
	}
	data, err := os.ReadFile(o.PlanJSONFile)
	if err != nil {
		t.Fatal(err)
	}
	check := func(reads policy.RawReads) []policy.Result {
		t.Helper()
		plan, err := ReadPlanFor(data, reads)
		if err != nil {
			t.Fatal(err)
		}
		checked, err := Check(context.Background(), e, plan, NewJudge(cliRules(c.Rules), discover.Target{}), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return checked.Policy
	}
	runs := map[string][]policy.Result{"detect": o.Policy, "policy check": check(e.RawReads()), "policy check, plan read whole": check(policy.RawReads{All: true})}
	for name, rs := range runs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var msgs []string
			for _, r := range rs {
				msgs = append(msgs, r.Msg)
			}
			if diff := cmp.Diff(leakWant, msgs); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			for _, piece := range []string{"cAnary", "line two"} {
				if all := fmt.Sprintf("%+v %+v", o.Result, rs); strings.Contains(all, piece) {
					t.Errorf("%q reached the outcome:\n%s", piece, all)
				}
			}
		})
	}
}
