package remedypr

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/drift"
)

// record writes t's record as the pr strategy would and reads it back.
func record(t *testing.T, tg Target) Record {
	t.Helper()
	p := Page{Target: tg, Resources: handedOver(tg), Strategy: StrategyPR}
	var b bytes.Buffer
	if err := WriteRecord(&b, p); err != nil {
		t.Fatal(err)
	}
	r, err := ParseRecord(RecordPath(tg.Root, tg.Name), b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRecordCheck compares new plans with a record of reviewed drift:
// only the same drift on the same target, undone and nothing else, passes.
func TestRecordCheck(t *testing.T) {
	t.Parallel()
	reviewed := drifted("envs/app", webDrift("t3.large"))
	who := RecordPath("envs/app", "") + " approved other drift: "
	tests := []struct {
		name        string
		plan        drift.Result
		wantCovered bool
		want        string // "" : approved
	}{
		{name: "the reviewed drift", plan: reviewed.Result, wantCovered: true},
		{name: "drift changed value", plan: drifted("envs/app", webDrift("t3.xlarge")).Result, wantCovered: true,
			want: who + "the drift on aws_instance.web has other values than were reviewed (the values changed after the review)"},
		{name: "extra resource drifted", plan: drifted("envs/app", webDrift("t3.large"), vpcDrift()).Result, wantCovered: true,
			want: who + "it also changes aws_vpc.main, which the review did not cover"},
		{name: "reviewed drift gone", plan: drifted("envs/app").Result, wantCovered: true,
			want: who + "aws_instance.web no longer drift(s) as reviewed"},
		{name: "code change on the reviewed resource", wantCovered: true,
			plan: func() drift.Result {
				r := drifted("envs/app", webDrift("t3.large")).Result
				r.Changes[0].Cause = drift.CauseDriftAndCode
				return r
			}(),
			want: who + "its change to aws_instance.web (cause drift+code) also applies code, and the review approved undoing drift only"},
		{name: "an output written", wantCovered: true,
			plan: func() drift.Result {
				r := drifted("envs/app", webDrift("t3.large")).Result
				r.Outputs = []string{"url"}
				return r
			}(),
			want: who + "it also writes output(s) url, which the review did not cover"},
		{name: "another root", plan: drifted("envs/net", webDrift("t3.large")).Result},
		{name: "another target of the root",
			plan: func() drift.Result {
				r := drifted("envs/app", webDrift("t3.large")).Result
				r.Target = "eu"
				return r
			}()},
	}
	rec := record(t, reviewed)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			covered, err := Approvals{rec}.Check(tc.plan)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tc.wantCovered, covered); diff != "" {
				t.Errorf("covered (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("check (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFingerprintNamesTheTarget: the same drift in another root, target or
// workspace is other drift.
func TestFingerprintNamesTheTarget(t *testing.T) {
	t.Parallel()
	rs := []drift.Resource{webDrift("t3.large")}
	base := Fingerprint("envs/app", "default", "", rs)
	tests := []struct {
		name, root, target, workspace string
		same                          bool
	}{
		{name: "same", root: "envs/app", target: "", workspace: "default", same: true},
		{name: "other root", root: "envs/net", target: "default"},
		{name: "other target", root: "envs/app", target: "eu"},
		{name: "other workspace", root: "envs/app", target: "default", workspace: "prod"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Fingerprint(tc.root, tc.target, tc.workspace, rs) == base; got != tc.same {
				t.Errorf("same fingerprint = %v, want %v", got, tc.same)
			}
		})
	}
	if s := Fingerprint("envs/app", "", "", []drift.Resource{{Address: "a.b", Attributes: []drift.Attribute{{Path: "p", Before: "x", After: "hunter2", Sensitive: true}}}}); s != Fingerprint("envs/app", "", "", []drift.Resource{{Address: "a.b", Attributes: []drift.Attribute{{Path: "p", Before: "y", After: "other", Sensitive: true}}}}) {
		t.Errorf("a sensitive value changed the fingerprint: it was hashed")
	}
}

func TestPushedRecords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		payload string
		want    []string
		wantErr string
	}{
		{name: "squash merge", payload: `{"commits":[{"added":["drift/remediation/envs/app.md"],"modified":["README.md"]}]}`,
			want: []string{"drift/remediation/envs/app.md"}},
		{name: "merge commit with head_commit", payload: `{"commits":[{"modified":["drift/remediation/envs/net.md"]},{"added":[]}],"head_commit":{"modified":["drift/remediation/envs/net.md","drift/remediation/_root.md"]}}`,
			want: []string{"drift/remediation/_root.md", "drift/remediation/envs/net.md"}},
		{name: "removed records approve nothing", payload: `{"commits":[{"removed":["drift/remediation/envs/app.md"]}]}`},
		{name: "other files", payload: `{"commits":[{"added":["drift/remediation-notes.md","drift/remediation/envs/app.txt","docs/drift/remediation/x.md"]}]}`},
		{name: "not json", payload: `{`, wantErr: "remedypr: push payload is not valid JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := PushedRecords([]byte(tc.payload))
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one starting %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRecordErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, data, want string
	}{
		{name: "no front matter", data: "# Drift\n", want: "remedypr: record r.md: no front matter between --- lines; restore the file as the remediation pull request wrote it"},
		{name: "unknown key", data: "---\nroot: a\nfingerprnt: x\n---\n", want: "remedypr: record r.md: front matter: line 3: the front matter has no field fingerprnt (remove it: drift-action writes root, target, workspace, strategy, fingerprint, resources and adopted); restore the file as the remediation pull request wrote it"},
		{name: "a string for the resources list", data: "---\nroot: a\nresources: web\n---\n", want: "remedypr: record r.md: front matter: line 3: want a list of strings, got a string `web`; restore the file as the remediation pull request wrote it"},
		{name: "missing fields", data: "---\nroot: a\n---\n", want: "remedypr: record r.md: front matter lacks fingerprint (sha256:...), resources; restore the file as the remediation pull request wrote it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseRecord("r.md", []byte(tc.data))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}
