package budget

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Reads is what one run measured of a provider's reads.
type Reads struct {
	Count    int
	Fastest  time.Duration
	Median   time.Duration
	Measured time.Time // when the run that timed them planned
}

// Summarize is the reads timed ds (in any order; ds is sorted), at.
func Summarize(ds []time.Duration, at time.Time) Reads {
	if len(ds) == 0 {
		return Reads{}
	}
	slices.Sort(ds)
	return Reads{Count: len(ds), Fastest: ds[0], Median: ds[len(ds)/2], Measured: at.UTC().Truncate(time.Second)}
}

// File is the latency file: the last measurement of each provider, by
// source address (see Source). It is JSON, durations written as Go
// durations, so a person can read it.
type File struct {
	Providers map[string]Reads
}

type fileJSON struct {
	Version   int                  `json:"version"`
	Providers map[string]readsJSON `json:"providers"`
}

type readsJSON struct {
	Reads    int    `json:"reads"`
	Fastest  string `json:"fastest"`
	Median   string `json:"median"`
	Measured string `json:"measured"`
}

// Parse reads a latency file; an empty one knows nothing.
func Parse(data []byte) (File, error) {
	f := File{Providers: map[string]Reads{}}
	if len(data) == 0 {
		return f, nil
	}
	var j fileJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return f, fmt.Errorf("latency file: %w", err)
	}
	if j.Version != 1 {
		return f, fmt.Errorf("latency file: version %d, want 1", j.Version)
	}
	for src, r := range j.Providers {
		fastest, err1 := time.ParseDuration(r.Fastest)
		median, err2 := time.ParseDuration(r.Median)
		if err1 != nil || err2 != nil || fastest <= 0 || r.Reads < 1 {
			return f, fmt.Errorf("latency file: provider %q: reads %d, fastest %q, median %q: want a count of at least 1 and positive durations", src, r.Reads, r.Fastest, r.Median)
		}
		measured, _ := time.Parse(time.RFC3339, r.Measured) // informative only
		f.Providers[src] = Reads{Count: r.Reads, Fastest: fastest, Median: median, Measured: measured}
	}
	return f, nil
}

// Merge is f with the providers measured replaced by their new
// measurement and the others kept: the latest run is the one the
// next run should trust, so a provider grown faster lowers the
// parallelism at once.
func (f File) Merge(measured map[string]Reads) File {
	out := File{Providers: maps.Clone(f.Providers)}
	if out.Providers == nil {
		out.Providers = map[string]Reads{}
	}
	for src, r := range measured {
		if r.Count > 0 {
			out.Providers[src] = r
		}
	}
	return out
}

// Marshal is the file's bytes.
func (f File) Marshal() []byte {
	j := fileJSON{Version: 1, Providers: map[string]readsJSON{}}
	for src, r := range f.Providers {
		j.Providers[src] = readsJSON{Reads: r.Count, Fastest: r.Fastest.String(), Median: r.Median.String(), Measured: r.Measured.UTC().Format(time.RFC3339)}
	}
	b, _ := json.MarshalIndent(j, "", "  ") // maps of strings and ints always encode
	return append(b, '\n')
}
