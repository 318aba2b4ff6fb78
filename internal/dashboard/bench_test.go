package dashboard

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/myorg/drift-action/internal/record"
)

// synthLog is n events of a year of drift over 20 roots in 4 regions:
// detections, policy violations, pull requests, snoozes, heals and
// recoveries, in time order, the same every time.
func synthLog(n int) []record.Event {
	r := rand.New(rand.NewPCG(1, 2))
	regions := []string{"us-east-1", "us-west-2", "eu-west-1", "ap-south-1"}
	types := []string{"aws_instance", "aws_security_group", "aws_s3_bucket", "aws_iam_role", "aws_db_instance", "aws_route53_record"}
	start := time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)
	step := 365 * 24 * time.Hour / time.Duration(n)
	open := map[targetKey][]string{}
	out := make([]record.Event, 0, n)
	for i := 0; len(out) < n; i++ {
		k := targetKey{fmt.Sprintf("stacks/service-%02d", r.IntN(20)), regions[r.IntN(len(regions))]}
		e := record.Event{Time: record.NewTime(start.Add(time.Duration(i) * step)), Root: k.root, Target: k.target, Repository: "acme/infra"}
		if res := open[k]; len(res) > 0 {
			switch x := r.IntN(10); {
			case x < 4:
				e.Event, e.Resources = record.Recovered, res
			case x < 6:
				e.Event, e.Resources = record.SelfHealed, res
			case x < 7:
				e.Event, e.PR = record.RemediationPROpened, fmt.Sprintf("https://github.com/acme/infra/pull/%d", i)
			case x < 8:
				u := record.NewTime(e.Time.Add(time.Duration(r.IntN(30*24)) * time.Hour))
				e.Event, e.Resources, e.Until, e.Reason = record.Snoozed, res, &u, "maintenance"
			default:
				e.Event, e.Resources = record.PolicyViolation, res
				e.Policies = []record.PolicyEntry{{Policy: "terraform.drift", Rule: "deny", Severity: []string{"critical", "high", "medium", "low"}[r.IntN(4)]}}
			}
			if e.Event == record.Recovered || e.Event == record.SelfHealed {
				delete(open, k)
			}
		} else {
			res := []string{fmt.Sprintf("module.m%d.%s.r%d", r.IntN(5), types[r.IntN(len(types))], r.IntN(50))}
			e.Event, e.Resources = record.Detected, res
			open[k] = res
		}
		out = append(out, e)
	}
	return out
}

// BenchmarkDashboard10k is the dashboard command's work on a log of
// 10,000 events: read the log, build the model, render the page and the
// badges (files are not written).
func BenchmarkDashboard10k(b *testing.B) {
	events := synthLog(10000)
	data, err := record.AppendEvents(nil, events)
	if err != nil {
		b.Fatal(err)
	}
	now := events[len(events)-1].Time.Add(time.Hour)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu := cpuTime(b)
	for b.Loop() {
		l, err := record.ParseLogLenient("drift-log.yaml", data)
		if err != nil {
			b.Fatal(err)
		}
		files, err := Site(Build(Input{Events: l.Events, Now: now}))
		if err != nil || len(files) < 20 {
			b.Fatalf("%d files, %v", len(files), err)
		}
	}
	cpu()
}

// BenchmarkReadLog10k is the baseline beside it: reading the same log as
// every recording run already does (record.ParseLog), nothing more.
func BenchmarkReadLog10k(b *testing.B) {
	data, err := record.AppendEvents(nil, synthLog(10000))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu := cpuTime(b)
	for b.Loop() {
		if _, err := record.ParseLog("drift-log.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
	cpu()
}

// BenchmarkDashboard10kModelAndRender is the same without reading the log.
func BenchmarkDashboard10kModelAndRender(b *testing.B) {
	events := synthLog(10000)
	now := events[len(events)-1].Time.Add(time.Hour)
	b.ReportAllocs()
	cpu := cpuTime(b)
	for b.Loop() {
		files, err := Site(Build(Input{Events: events, Now: now}))
		if err != nil || len(files) < 20 {
			b.Fatalf("%d files, %v", len(files), err)
		}
	}
	cpu()
}

// cpuTime reports the process's CPU time (user and system) per operation
// when the returned func is called: on a shared machine the wall time
// (ns/op) counts the waits for a core, the CPU time does not.
func cpuTime(b *testing.B) func() {
	used := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := used()
	return func() {
		b.ReportMetric(float64(used()-start)/float64(b.N), "cpu-ns/op")
	}
}
