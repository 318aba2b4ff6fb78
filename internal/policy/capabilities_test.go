package policy

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/drift"
)

// Policies run on CI runners holding cloud credentials; reaching the network
// must be an explicit choice, refused at compile time otherwise.
func TestLoadNetworkBuiltinsNeedOptIn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, builtin, line string
	}{
		{"http.send", `deny contains resp.body.msg if {
	resp := http.send({"method": "GET", "url": input.context.root})
}`, "http.send", "p.rego:4:"},
		{"http.send with an output argument", `deny contains "sent" if {
	http.send({"method": "GET", "url": input.context.root}, resp)
	resp.status_code == 200
}`, "http.send", "p.rego:4:"},
		{"net.lookup_ip_addr", `deny contains "resolved" if {
	count(net.lookup_ip_addr(input.context.root)) > 0
}`, "net.lookup_ip_addr", "p.rego:4:"},
		{"opa.runtime", `deny contains "env" if {
	opa.runtime().env.AWS_SECRET_ACCESS_KEY
}`, "opa.runtime", "p.rego:4:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := writePolicies(t, map[string]string{"p.rego": "package p\n\n" + tt.body + "\n"})
			_, err := Load(context.Background(), Dirs(dir), Set{}, Options{})
			if err == nil {
				t.Fatal("a network builtin must not compile without the opt-in")
			}
			for _, w := range []string{tt.line, tt.builtin, "policy.allow-network: true", "--allow-network-builtins"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if _, err := Load(context.Background(), Dirs(dir), Set{}, Options{AllowNetwork: true}); err != nil {
				t.Errorf("with the opt-in: %v", err)
			}
		})
	}
}

// With the opt-in, http.send works (against a loopback server only).
func TestEvalHTTPSendWithOptIn(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"msg": "frozen by the change calendar"}`))
	}))
	defer srv.Close()
	dir := writePolicies(t, map[string]string{"p.rego": "package p\n\ndeny contains resp.body.msg if {\n\tresp := http.send({\"method\": \"GET\", \"url\": input.context.root})\n}\n"})
	e, err := Load(context.Background(), Dirs(dir), Set{}, Options{AllowNetwork: true})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := e.Eval(context.Background(), NewInput(Plan{}, drift.Result{}, RunContext{Root: srv.URL}, Masks{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	// No policy set: the deny fails, as in conftest.
	want := []Result{{Policy: "p", Rule: "deny", Kind: "deny", Level: HardMandatory, Severity: "high", Msg: "frozen by the change calendar", Failed: true}}
	if diff := cmp.Diff(want, rs); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
}

// `policy test` compiles with the same capabilities as evaluation.
func TestRunTestsNetworkBuiltins(t *testing.T) {
	t.Parallel()
	dir := writePolicies(t, map[string]string{
		"p.rego":      "package p\n\ndeny contains resp.body.msg if {\n\tresp := http.send({\"method\": \"GET\", \"url\": \"https://calendar.invalid\"})\n}\n",
		"p_test.rego": "package p_test\n\nimport data.p\n\nfrozen(_) := {\"body\": {\"msg\": \"frozen\"}}\n\ntest_frozen if { p.deny == {\"frozen\"} with http.send as frozen }\n",
	})
	var out strings.Builder
	_, err := RunTests(context.Background(), Dirs(dir), Set{}, &out, time.Minute, Options{})
	if err == nil {
		t.Fatalf("a network builtin must not compile in tests without the opt-in:\n%s", out.String())
	}
	// The compiler stops at the mock, before it reaches the policy's call.
	for _, w := range []string{"p_test.rego:7:44:", "http.send is disabled", "--allow-network-builtins"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
	out.Reset()
	sum, err := RunTests(context.Background(), Dirs(dir), Set{}, &out, time.Minute, Options{AllowNetwork: true})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(TestSummary{Passed: 1}, sum); diff != "" {
		t.Errorf("summary (-want +got):\n%s\n%s", diff, out.String())
	}
}
