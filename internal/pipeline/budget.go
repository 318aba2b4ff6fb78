package pipeline

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/myorg/drift-action/internal/budget"
	"github.com/myorg/drift-action/internal/discover"
	"github.com/myorg/drift-action/internal/glob"
	"github.com/myorg/drift-action/internal/tfsource"
	"github.com/myorg/drift-action/internal/wsfile"
)

// LatencyFile is where the latency of each budgeted provider's reads is
// kept from one run to the next, relative to the repository root. It is
// not committed: a CI job keeps it with actions/cache (see README).
const LatencyFile = ".drift-action/latency.json"

// budgetPlan is what drift.yaml's budgets decide for a run: each target's
// terraform -parallelism and the budgeted providers it uses, whose reads
// are timed and kept in the latency file for the next run.
type budgetPlan struct {
	par       []int      // by target index; 0 leaves terraform's default
	providers [][]string // by target index: source addresses
	prev      budget.File
}

// on is true when budgets are set, so reads are timed.
func (p budgetPlan) on() bool { return p.par != nil }

// parallelism is target i's -parallelism (0 when no budget applies).
func (p budgetPlan) parallelism(i int) int {
	if p.par == nil {
		return 0
	}
	return p.par[i]
}

// planBudgets chooses every target's parallelism before any terraform
// runs. Which providers a root uses is read from its dependency lock file;
// a root without one is held to every budget whose roots it matches. Each
// budget is shared by the targets that use it planned at the same time
// (at most the run's parallelism), so several roots of one cloud account
// Budget is drift.yaml's request budget for a provider (or, with Root,
// for the roots matching it), as config parsed it.
type Budget struct {
	Provider string // source address, normalised: registry.terraform.io/myorg/fakecloud
	Root     string // root glob; "" for every root
	Rate     budget.Rate
	// Latency is the fastest read to assume until a run has measured
	// one; 0 when not given.
	Latency time.Duration
	Line    int // in drift.yaml
}

// together stay within it. The lines it prints say the choice and why.
func planBudgets(c Options, targets []discover.Target, logf func(string, ...any)) (budgetPlan, []Warning) {
	bs := c.Budgets
	if len(bs) == 0 {
		return budgetPlan{}, nil
	}
	var warnings []Warning
	plan := budgetPlan{par: make([]int, len(targets)), providers: make([][]string, len(targets))}
	prev, err := readLatency(c.Find.RepoRoot)
	if err != nil {
		// Told at the budgets, which are what reads the file.
		warnings = append(warnings, Warning{File: c.Find.File.Path, Line: bs[0].Line, Msg: fmt.Sprintf("%s:%d: %s: %v; it is ignored and written anew after this run (the budgets plan as if nothing had been measured)", c.Find.File.Path, bs[0].Line, LatencyFile, err)})
	}
	plan.prev = prev
	all := map[string]bool{}
	for _, b := range bs {
		all[b.Provider] = true
	}
	// entries[i] are the budgets target i is held to, by index into bs.
	entries := make([][]int, len(targets))
	users := make([]int, len(bs))
	for i, t := range targets {
		used, ok, err := tfsource.LockedProviders(t.AbsDir)
		if err != nil || !ok {
			used = slices.Sorted(maps.Keys(all))
		}
		for _, src := range used {
			if !all[src] {
				continue
			}
			if e := budgetFor(bs, src, t.Dir); e >= 0 {
				plan.providers[i] = append(plan.providers[i], src)
				entries[i] = append(entries[i], e)
				users[e]++
			}
		}
	}
	warned := map[int]bool{}
	for i, t := range targets {
		var why []string
		for _, e := range entries[i] {
			b := bs[e]
			sharing := min(users[e], max(c.Parallelism, 1))
			fastest, from := b.Latency, "given in drift.yaml"
			if r, ok := prev.Providers[b.Provider]; ok {
				fastest, from = r.Fastest, "measured "+r.Measured.Format(time.DateOnly)
			}
			ch := budget.Parallelism(b.Rate, fastest, sharing)
			if plan.par[i] == 0 || ch.Parallelism < plan.par[i] {
				plan.par[i] = ch.Parallelism
			}
			if fastest > 0 {
				why = append(why, fmt.Sprintf("%s: %s shared by %d target(s), fastest read %s (%s)", b.Provider, b.Rate, sharing, readTime(fastest), from))
			} else {
				why = append(why, fmt.Sprintf("%s: %s, no read measured yet", b.Provider, b.Rate))
			}
			if !ch.Holds && !warned[e] {
				warned[e] = true
				warnings = append(warnings, budgetWarning(c.Find.File.Path, b, fastest, sharing))
			}
		}
		if len(why) > 0 {
			logf("%s (%s): terraform -parallelism %d for the request budget (%s)\n", t.Dir, t.Name, plan.par[i], strings.Join(why, "; "))
		}
	}
	return plan, warnings
}

// budgetFor is the budget for provider src in the root dir: one naming a
// matching root wins over one for every root; -1 when none applies.
func budgetFor(bs []Budget, src, dir string) int {
	found := -1
	for i, b := range bs {
		if b.Provider != src {
			continue
		}
		if b.Root != "" && glob.MatchDir(b.Root, dir) {
			return i
		}
		if b.Root == "" && found < 0 {
			found = i
		}
	}
	return found
}

func budgetWarning(file string, b Budget, fastest time.Duration, sharing int) Warning {
	var msg string
	if fastest <= 0 {
		msg = fmt.Sprintf("budget of %s for %s cannot be promised on this run: no read of it has been measured (%s) and no latency is given, so its targets plan one read at a time, which exceeds the budget only if a read takes less than %s; the next run plans from this one's measurement (or set latency: to the fastest a read takes)",
			b.Rate, b.Provider, LatencyFile, (b.Rate.Per * time.Duration(sharing) / time.Duration(b.Rate.Requests)).Round(time.Microsecond))
	} else {
		msg = fmt.Sprintf("budget of %s for %s cannot be held by parallelism: reads take as little as %s, so even one at a time in each of %d target(s) can start more; terraform cannot pace its reads, so its targets plan one read at a time (raise the budget, or lower the run's parallelism so fewer targets share it)",
			b.Rate, b.Provider, readTime(fastest), sharing)
	}
	return Warning{File: file, Line: b.Line, Msg: fmt.Sprintf("%s:%d: %s", file, b.Line, msg)}
}

// readLatency reads the latency file; a missing one knows nothing.
func readLatency(repo string) (budget.File, error) {
	data, err := os.ReadFile(filepath.Join(repo, filepath.FromSlash(LatencyFile)))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return budget.File{}, err
	}
	return budget.Parse(data)
}

// saveLatency keeps what this run measured of each budgeted provider's
// reads for the next run. A failure to write is the caller's to report:
// it changes no verdict.
func (p budgetPlan) saveLatency(repo string, verdicts []Verdict, at time.Time) error {
	if !p.on() {
		return nil
	}
	times := map[string][]time.Duration{}
	for i, v := range verdicts {
		for _, src := range p.providers[i] {
			times[src] = append(times[src], v.Reads[budget.TypeName(src)]...)
		}
	}
	measured := map[string]budget.Reads{}
	for src, ds := range times {
		if len(ds) > 0 {
			measured[src] = budget.Summarize(ds, at)
		}
	}
	if len(measured) == 0 {
		return nil
	}
	if err := wsfile.Write(repo, LatencyFile, p.prev.Merge(measured).Marshal()); err != nil {
		return fmt.Errorf("latency file: %w", err)
	}
	return nil
}

// readTime is a read's duration to two decimals of its own unit
// (290.42µs, 12.35ms, 1.23s): rounding to milliseconds would call a fast
// read 0s.
func readTime(d time.Duration) time.Duration {
	for unit := time.Second; unit >= time.Microsecond; unit /= 1000 {
		if d >= unit {
			return d.Round(unit / 100)
		}
	}
	return d
}
