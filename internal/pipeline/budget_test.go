package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/budget"
	"github.com/myorg/drift-action/internal/discover"
	"github.com/myorg/drift-action/internal/tftest"
)

const fakecloudSource = "registry.terraform.io/myorg/fakecloud"

// The budget as the cloud counts it: a real plan of 60 fakecloud
// instances whose reads take 50ms, under a budget of 40 reads a second.
// Terraform's default parallelism would start all 60 within 0.3 s. The
// first run knows no latency and plans one read at a time (with a
// warning); it measures the reads, and the second plans two at a time
// from that measurement. In both, the busiest 1-second window of the
// provider's own request log holds at most 40 reads.
func TestBudgetHoldsTheRateTheProviderCounts(t *testing.T) {
	t.Parallel()
	env := tftest.Setup(t)
	dir := t.TempDir()
	cloud := filepath.Join(dir, "cloud.json")
	tftest.WriteRoot(t, dir, "infra/app", map[string]string{"main.tf": tftest.FakeCloudProvider(cloud) + `
resource "fakecloud_instance" "r" {
  count = 60
  name  = "r-${count.index}"
}
`})
	env.Run(t, filepath.Join(dir, "infra/app"), "init", "-input=false")
	env.Run(t, filepath.Join(dir, "infra/app"), "apply", "-auto-approve", "-input=false", "-parallelism=30")
	rate := budget.Rate{Requests: 40, Per: time.Second}

	for _, tc := range []struct {
		name    string
		par     string // the choice the run prints
		warning bool   // the budget could not be promised
	}{
		{"first run, nothing measured", "terraform -parallelism 1 ", true},
		{"from the first run's reads", "terraform -parallelism 2 ", false},
	} {
		log := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".log")
		c := detectConfig(env, dir, nil, "infra/app")
		c.Terraform.Env = append(slices.Clone(c.Terraform.Env), "FAKECLOUD_READ_LATENCY=50ms", "FAKECLOUD_REQUEST_LOG="+log)
		c.Find.File.Path = ".github/drift.yaml"
		c.Budgets = []Budget{{Provider: fakecloudSource, Rate: rate, Line: 3}}
		var progress bytes.Buffer
		run, err := Detect(context.Background(), c, &progress, nil)
		run.Close()
		if err != nil {
			t.Fatalf("%s: Detect: %v\n%s", tc.name, err, progress.String())
		}
		if r := run.Verdicts[0].Result; r.Error != "" {
			t.Fatalf("%s: %s", tc.name, r.Error)
		}
		if !strings.Contains(progress.String(), tc.par) {
			t.Errorf("%s: progress does not say %q:\n%s", tc.name, tc.par, progress.String())
		}
		if got := len(run.Warnings) > 0; got != tc.warning {
			t.Errorf("%s: warnings %v, want some: %v", tc.name, run.Warnings, tc.warning)
		}
		starts := readStarts(t, log)
		if len(starts) != 60 {
			t.Errorf("%s: the provider counted %d reads, want 60", tc.name, len(starts))
		}
		if most := busiest(starts, rate.Per); most > rate.Requests {
			t.Errorf("%s: %d reads started within %s, budget %s", tc.name, most, rate.Per, rate)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, LatencyFile))
	if err != nil {
		t.Fatal(err)
	}
	f, err := budget.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if r := f.Providers[fakecloudSource]; r.Count != 60 || r.Fastest < 50*time.Millisecond || r.Median < r.Fastest {
		t.Errorf("latency file's fakecloud entry %+v: want 60 reads, none under 50ms", r)
	}
}

// readStarts are the read lines of fakecloud's request log, as times.
func readStarts(t *testing.T, path string) []time.Duration {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var out []time.Duration
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		ns, call, _ := strings.Cut(sc.Text(), " ")
		if !strings.HasPrefix(call, "read ") {
			continue
		}
		n, err := strconv.ParseInt(ns, 10, 64)
		if err != nil {
			t.Fatalf("request log line %q: %v", sc.Text(), err)
		}
		out = append(out, time.Duration(n))
	}
	slices.Sort(out)
	return out
}

// busiest is the most of sorted starts in any window [s, s+w).
func busiest(starts []time.Duration, w time.Duration) int {
	most, j := 0, 0
	for i := range starts {
		for starts[i]-starts[j] >= w {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}

// Which budget holds each target, and how it is shared: a budget naming a
// root wins over the general one there; the targets a budget covers share
// it, as many at a time as the run plans; a root with no lock file is held
// to every budget; a root whose lock file names no budgeted provider keeps
// terraform's default; the latency file's measurement wins over a hint.
func TestPlanBudgetsChoosesPerTarget(t *testing.T) {
	t.Parallel()
	repo := t.TempDir()
	lock := func(rel string, sources ...string) discover.Target {
		d := filepath.Join(repo, rel)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if sources != nil {
			var b strings.Builder
			for _, s := range sources {
				b.WriteString("provider \"" + s + "\" {\n  version = \"1.0.0\"\n}\n")
			}
			if err := os.WriteFile(filepath.Join(d, ".terraform.lock.hcl"), []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return discover.Target{Dir: rel, AbsDir: d, Name: "default"}
	}
	const aws = "registry.terraform.io/hashicorp/aws"
	targets := []discover.Target{
		lock("app", fakecloudSource, aws),
		lock("web", fakecloudSource),
		lock("dns/zone", fakecloudSource),
		lock("unlocked"),
		lock("other", "registry.terraform.io/hashicorp/local"),
	}
	prev := budget.File{Providers: map[string]budget.Reads{aws: {Count: 1, Fastest: 200 * time.Millisecond, Median: 200 * time.Millisecond}}}
	if err := os.MkdirAll(filepath.Join(repo, ".drift-action"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, LatencyFile), prev.Marshal(), 0o644); err != nil {
		t.Fatal(err)
	}
	perSecond := func(n int) budget.Rate { return budget.Rate{Requests: n, Per: time.Second} }
	c := Options{Find: discover.Request{RepoRoot: repo, File: discover.File{Path: "drift.yaml"}}, Parallelism: 2, Budgets: []Budget{
		{Provider: fakecloudSource, Rate: perSecond(200), Latency: 100 * time.Millisecond, Line: 2},
		{Provider: fakecloudSource, Root: "dns/*", Rate: perSecond(30), Latency: 100 * time.Millisecond, Line: 5},
		// Measured at 200ms: 5 starts a slot; the hint's 10ms is not used.
		{Provider: aws, Rate: perSecond(20), Latency: 10 * time.Millisecond, Line: 8},
	}}
	plan, warnings := planBudgets(c, targets, t.Logf)
	// fakecloud's 200/s is shared by app, web and unlocked, two at a time:
	// 100/s each at 10 starts a slot is 10. aws's 20/s is shared by app
	// and unlocked: 10/s at 5 starts a slot is 2. dns/zone has 30/s alone.
	want := []int{2, 10, 3, 2, 0}
	if diff := cmp.Diff(want, plan.par); diff != "" {
		t.Errorf("parallelism by target (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]string{{fakecloudSource, aws}, {fakecloudSource}, {fakecloudSource}, {aws, fakecloudSource}, nil}, plan.providers); diff != "" {
		t.Errorf("budgeted providers by target (-want +got):\n%s", diff)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings %v, want none", warnings)
	}
}

// TestReadTime: a read faster than a millisecond is not shown as 0s in the
// budget's messages.
func TestReadTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   time.Duration
		want string
	}{
		{name: "sub-millisecond", in: 290*time.Microsecond + 417, want: "290.42µs"},
		{name: "milliseconds", in: 12*time.Millisecond + 345*time.Microsecond, want: "12.35ms"},
		{name: "seconds", in: 1234567 * time.Microsecond, want: "1.23s"},
		{name: "nanoseconds", in: 900, want: "900ns"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, readTime(tt.in).String()); diff != "" {
				t.Errorf("readTime(%v) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}
