package budget

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParallelismFromBudgetAndLatency(t *testing.T) {
	t.Parallel()
	perSecond := func(n int) Rate { return Rate{Requests: n, Per: time.Second} }
	for _, tc := range []struct {
		name    string
		rate    Rate
		fastest time.Duration
		sharing int
		want    Choice
	}{
		{"no history: one at a time, not promised", perSecond(200), 0, 1, Choice{Parallelism: 1}},
		{"200/s at 100ms: 10 starts per slot per second", perSecond(200), 100 * time.Millisecond, 1, Choice{Parallelism: 20, Holds: true}},
		{"20/s at 100ms", perSecond(20), 100 * time.Millisecond, 1, Choice{Parallelism: 2, Holds: true}},
		{"a read just slower than 100ms still counts 10 starts", perSecond(20), 101 * time.Millisecond, 1, Choice{Parallelism: 2, Holds: true}},
		// ⌈1s/99ms⌉ = 11 starts per slot: 2 slots could start 22 > 20.
		{"a read just faster than 100ms: 11 starts per slot", perSecond(20), 99 * time.Millisecond, 1, Choice{Parallelism: 1, Holds: true}},
		{"shared by two targets at once", perSecond(200), 100 * time.Millisecond, 2, Choice{Parallelism: 10, Holds: true}},
		{"sharing 0 counts as one", perSecond(20), 100 * time.Millisecond, 0, Choice{Parallelism: 2, Holds: true}},
		{"tiny latency: even one at a time is too many", perSecond(20), time.Millisecond, 1, Choice{Parallelism: 1}},
		{"shared so thin no target may have one", perSecond(20), 100 * time.Millisecond, 3, Choice{Parallelism: 1}},
		{"huge budget clamps", perSecond(100000), time.Second, 1, Choice{Parallelism: MaxParallelism, Holds: true}},
		{"slow reads, long window: 500/5m at 2s", Rate{Requests: 500, Per: 5 * time.Minute}, 2 * time.Second, 1, Choice{Parallelism: 3, Holds: true}},
		{"terraform#31094: 500/5m at 100ms cannot be held", Rate{Requests: 500, Per: 5 * time.Minute}, 100 * time.Millisecond, 1, Choice{Parallelism: 1}},
		{"reads slower than the window: one start per slot", Rate{Requests: 5, Per: time.Second}, 3 * time.Second, 1, Choice{Parallelism: 5, Holds: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Parallelism(tc.rate, tc.fastest, tc.sharing)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Parallelism(%s, %s, %d) (-want +got):\n%s", tc.rate, tc.fastest, tc.sharing, diff)
			}
		})
	}
}

// The promise itself, simulated: p slots back to back, each read taking
// exactly the fastest latency (the worst case), never start more than the
// budget in any window of its length.
func TestParallelismKeepsEveryWindowWithinBudget(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		rate    Rate
		fastest time.Duration
	}{
		{"20/s at 100ms", Rate{20, time.Second}, 100 * time.Millisecond},
		{"20/s at 99ms", Rate{20, time.Second}, 99 * time.Millisecond},
		{"200/s at 50ms", Rate{200, time.Second}, 50 * time.Millisecond},
		{"45/s at 50ms", Rate{45, time.Second}, 50 * time.Millisecond},
		{"7/s at 333ms", Rate{7, time.Second}, 333 * time.Millisecond},
		{"500/5m at 2s", Rate{500, 5 * time.Minute}, 2 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ch := Parallelism(tc.rate, tc.fastest, 1)
			if !ch.Holds {
				t.Fatalf("Parallelism(%s, %s) does not hold", tc.rate, tc.fastest)
			}
			var starts []time.Duration
			for slot := 0; slot < ch.Parallelism; slot++ {
				for at := time.Duration(0); at < 3*tc.rate.Per; at += tc.fastest {
					starts = append(starts, at)
				}
			}
			if most := mostInWindow(starts, tc.rate.Per); most > tc.rate.Requests {
				t.Errorf("parallelism %d starts %d reads in one window of %s, budget %s", ch.Parallelism, most, tc.rate.Per, tc.rate)
			}
			// And it is not needlessly low: one more slot would break it.
			for at := time.Duration(0); at < 3*tc.rate.Per; at += tc.fastest {
				starts = append(starts, at)
			}
			if ch.Parallelism < MaxParallelism && mostInWindow(starts, tc.rate.Per) <= tc.rate.Requests {
				t.Errorf("parallelism %d is lower than it needs to be for %s at %s", ch.Parallelism, tc.rate, tc.fastest)
			}
		})
	}
}

// mostInWindow is the most starts in any half-open window [s, s+w).
func mostInWindow(starts []time.Duration, w time.Duration) int {
	most := 0
	for _, s := range starts {
		n := 0
		for _, o := range starts {
			if o >= s && o < s+w {
				n++
			}
		}
		most = max(most, n)
	}
	return most
}

func TestParseRate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in      string
		want    Rate
		wantErr bool
	}{
		{in: "500/5m", want: Rate{500, 5 * time.Minute}},
		{in: "20/1s", want: Rate{20, time.Second}},
		{in: " 20 / s ", want: Rate{20, time.Second}},
		{in: "1/2s", want: Rate{1, 2 * time.Second}},
		{in: "20", wantErr: true},
		{in: "0/1s", wantErr: true},
		{in: "x/1s", wantErr: true},
		{in: "20/0s", wantErr: true},
		{in: "20/soon", wantErr: true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseRate(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ParseRate(%q) error %v, want error %v", tc.in, err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseRate(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
	if got := (Rate{500, 5 * time.Minute}).String(); got != "500/5m" {
		t.Errorf("String() = %q, want 500/5m", got)
	}
	if got := (Rate{3, 90 * time.Second}).String(); got != "3/1m30s" {
		t.Errorf("String() = %q, want 3/1m30s", got)
	}
}

func TestLatencyFileKeepsTheLatestMeasurement(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	old := File{Providers: map[string]Reads{
		"registry.terraform.io/hashicorp/aws":   {Count: 3, Fastest: 40 * time.Millisecond, Median: 80 * time.Millisecond, Measured: at},
		"registry.terraform.io/myorg/fakecloud": {Count: 9, Fastest: 200 * time.Millisecond, Median: 210 * time.Millisecond, Measured: at},
	}}
	later := at.Add(time.Hour)
	measured := Summarize([]time.Duration{120 * time.Millisecond, 100 * time.Millisecond, 300 * time.Millisecond}, later)
	got, err := Parse(old.Merge(map[string]Reads{"registry.terraform.io/myorg/fakecloud": measured}).Marshal())
	if err != nil {
		t.Fatal(err)
	}
	want := File{Providers: map[string]Reads{
		"registry.terraform.io/hashicorp/aws":   old.Providers["registry.terraform.io/hashicorp/aws"],
		"registry.terraform.io/myorg/fakecloud": {Count: 3, Fastest: 100 * time.Millisecond, Median: 120 * time.Millisecond, Measured: later},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("latency file after a run (-want +got):\n%s", diff)
	}
	for _, bad := range []string{`{`, `{"version":2}`, `{"version":1,"providers":{"x/y":{"reads":1,"fastest":"-1s","median":"1s"}}}`} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%s) accepted a broken file", bad)
		}
	}
}

func TestSource(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"myorg/fakecloud":      "registry.terraform.io/myorg/fakecloud",
		"HashiCorp/AWS":        "registry.terraform.io/hashicorp/aws",
		"example.com/team/dns": "example.com/team/dns",
		"aws":                  "",
		"a//b":                 "",
		"registry.terraform.io/myorg/fakecloud/x": "",
	} {
		got, err := Source(in)
		if got != want || (err != nil) != (want == "") {
			t.Errorf("Source(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
