package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/budget"
)

func TestParseFileBudgets(t *testing.T) {
	t.Parallel()
	src := `version: 1
budgets:
  - provider: myorg/fakecloud
    requests-per-second: 20
  - provider: hashicorp/aws
    rate: 500/5m
    latency: 80ms
  - provider: registry.terraform.io/hashicorp/aws
    root: dns/*
    requests-per-second: 2
`
	got, err := ParseFile(".github/drift.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []Budget{
		{Provider: "registry.terraform.io/myorg/fakecloud", Rate: budget.Rate{Requests: 20, Per: time.Second}, Line: 3},
		{Provider: "registry.terraform.io/hashicorp/aws", Rate: budget.Rate{Requests: 500, Per: 5 * time.Minute}, Latency: 80 * time.Millisecond, Line: 5},
		{Provider: "registry.terraform.io/hashicorp/aws", Root: "dns/*", Rate: budget.Rate{Requests: 2, Per: time.Second}, Line: 8},
	}
	if diff := cmp.Diff(want, got.Budgets); diff != "" {
		t.Errorf("budgets (-want +got):\n%s", diff)
	}
}

// Every mistake in budgets names drift.yaml's file and line, and what to
// write instead.
func TestParseFileBudgetErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		src  string
		want []string // each error line's start
	}{
		{"not a list", "budgets: {myorg/fakecloud: 20}\n",
			[]string{".github/drift.yaml:1: budgets must be a list"}},
		{"no provider", "budgets:\n  - requests-per-second: 20\n",
			[]string{".github/drift.yaml:2: budgets[0] needs provider"}},
		{"bad provider", "budgets:\n  - provider: fakecloud\n    requests-per-second: 20\n",
			[]string{`.github/drift.yaml:2: budgets[0].provider "fakecloud" is not a provider source address`}},
		{"no rate", "budgets:\n  - provider: myorg/fakecloud\n    latency: 50ms\n",
			[]string{".github/drift.yaml:2: budgets[0] needs requests-per-second (e.g. 20) or rate"}},
		{"both rates", "budgets:\n  - provider: myorg/fakecloud\n    requests-per-second: 20\n    rate: 100/5m\n",
			[]string{".github/drift.yaml:4: budgets[0] has both requests-per-second and rate: keep one"}},
		{"zero per second", "budgets:\n  - provider: myorg/fakecloud\n    requests-per-second: 0\n",
			[]string{".github/drift.yaml:3: budgets[0].requests-per-second must be at least 1"}},
		{"fractional per second", "budgets:\n  - provider: myorg/fakecloud\n    requests-per-second: 0.5\n",
			[]string{".github/drift.yaml:3: budgets[0].requests-per-second must be a whole number"}},
		{"bad rate", "budgets:\n  - provider: myorg/fakecloud\n    rate: 100 per minute\n",
			[]string{`.github/drift.yaml:3: budgets[0].rate "100 per minute": want REQUESTS/WINDOW`}},
		{"bad window", "budgets:\n  - provider: myorg/fakecloud\n    rate: 100/fortnight\n",
			[]string{`.github/drift.yaml:3: budgets[0].rate "100/fortnight": the window "fortnight" is not a positive duration`}},
		{"zero latency", "budgets:\n  - provider: myorg/fakecloud\n    requests-per-second: 5\n    latency: 0s\n",
			[]string{".github/drift.yaml:4: budgets[0].latency must be more than 0"}},
		{"root outside", "budgets:\n  - provider: myorg/fakecloud\n    requests-per-second: 5\n    root: ../other\n",
			[]string{`.github/drift.yaml:4: budgets[0].root "../other" must be a path inside the repository`}},
		{"unknown key", "budgets:\n  - provider: myorg/fakecloud\n    requests-per-minute: 5\n",
			[]string{`.github/drift.yaml:3: unknown key "requests-per-minute" in budgets[0]`}},
		{"same provider twice", "budgets:\n  - provider: myorg/fakecloud\n    requests-per-second: 5\n  - provider: registry.terraform.io/myorg/fakecloud\n    rate: 1/s\n",
			[]string{".github/drift.yaml:4: budgets[1]: provider registry.terraform.io/myorg/fakecloud already has a budget for the same roots at line 2"}},
		{"every entry's error", "budgets:\n  - provider: myorg/fakecloud\n  - requests-per-second: 3\n",
			[]string{".github/drift.yaml:2: budgets[0] needs requests-per-second", ".github/drift.yaml:3: budgets[1] needs provider"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseFile(".github/drift.yaml", []byte(tc.src))
			if err == nil {
				t.Fatalf("ParseFile accepted:\n%s", tc.src)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tc.want) {
				t.Fatalf("got %d error(s), want %d:\n%v", len(lines), len(tc.want), err)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("error %d:\n got %s\nwant %s...", i, lines[i], w)
				}
			}
		})
	}
}
