// Package metrics projects one run onto Prometheus gauges: its verdicts
// (the report document), what it did (heals, remediation pull requests) and
// what the record says after it (when each open drift began, the last
// successful check). It builds a registry (pure), writes it as exposition
// text, and pushes it to a Pushgateway.
//
// Every metric is a gauge: a run is a batch job whose file (node_exporter's
// textfile collector) or Pushgateway group is replaced by the next run, so
// each value is a snapshot of that run, never a count accumulated across
// runs (which is what `_total` promises and `rate()` assumes). Times are
// exported as Unix timestamps in seconds, not ages: an age written by a run
// is wrong by the time it is scraped hours later, `time() - x` never is.
package metrics

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/policy"
	"github.com/myorg/drift-action/internal/record"
	"github.com/myorg/drift-action/internal/report"
)

// Namespace prefixes every metric name.
const Namespace = "drift_action"

// Input is what one run knows when it reports.
type Input struct {
	Doc report.Document
	// Started is when the run began; Duration how long it took up to the
	// report (0: unknown, not exported).
	Started  time.Time
	Duration time.Duration
	// Reports are the DriftReports the run recorded (mode record,
	// remediate, aggregate with record); nil when it recorded nothing, and
	// then the start of open drift is not known.
	Reports []record.Report
	// Heals are, per target, what heal did (remediate's statuses: applied,
	// pr, skipped, failed, refused); PullRequests what happened to the
	// target's remediation pull request (remedypr's actions: opened,
	// updated, unchanged, closed, capped, kept, none).
	Heals        map[report.Key]string
	PullRequests map[report.Key]string
}

var targetLabels = []string{"root", "target"}

// gauges are the metric families a run exports, declared once.
type gauges struct {
	runTimestamp, runDuration *prometheus.GaugeVec
	status, drifted, pending  *prometheus.GaugeVec
	snoozed, failedChecks     *prometheus.GaugeVec
	duration, lastSuccess     *prometheus.GaugeVec
	driftSince, policyFailed  *prometheus.GaugeVec
	heal, pullRequest         *prometheus.GaugeVec
}

func newGauges() (gauges, []string) {
	var names []string
	gauge := func(name, help string, labels ...string) *prometheus.GaugeVec {
		names = append(names, prometheus.BuildFQName(Namespace, "", name))
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: Namespace, Name: name, Help: help}, labels)
	}
	g := gauges{
		runTimestamp: gauge("run_timestamp_seconds", "When the run that wrote these metrics started, as a Unix time."),
		runDuration:  gauge("run_duration_seconds", "How long the run took, from its start to its report."),
		status:       gauge("target_status", "The target's verdict in this run: 1 for its status, 0 for the others.", "root", "target", "status"),
		drifted:      gauge("drifted_resources", "Resources that drifted outside terraform and are not snoozed.", targetLabels...),
		pending:      gauge("pending_changes", "Resources the plan would change (undoing drift or applying code).", targetLabels...),
		snoozed:      gauge("snoozed_resources", "Drifted resources wholly covered by an active snooze.", targetLabels...),
		failedChecks: gauge("failed_checks", "Terraform check blocks and conditions that failed or errored.", targetLabels...),
		duration:     gauge("check_duration_seconds", "How long the target's check took (init, plan, show, classification and policies).", targetLabels...),
		lastSuccess:  gauge("last_success_timestamp_seconds", "When terraform last planned the target to the end, as a Unix time (from the record when the run keeps one).", targetLabels...),
		driftSince:   gauge("drift_open_since_timestamp_seconds", "When the target's current drift was first detected, as a Unix time (from the record); absent when not drifted. Its age is time() minus this.", targetLabels...),
		policyFailed: gauge("policy_failures", "Mandatory policy denies that stand (not overridden) in this run, by severity.", "root", "target", "severity"),
		heal:         gauge("heal_outcome", "What heal did for the target in this run: 1 for its outcome.", "root", "target", "outcome"),
		pullRequest:  gauge("remediation_pull_request_outcome", "What happened to the target's remediation pull request in this run: 1 for its action.", "root", "target", "action"),
	}
	// After the literal: the order in which a return statement reads names
	// and calls gauge is unspecified.
	return g, names
}

func (g gauges) all() []*prometheus.GaugeVec {
	return []*prometheus.GaugeVec{g.runTimestamp, g.runDuration, g.status, g.drifted, g.pending, g.snoozed,
		g.failedChecks, g.duration, g.lastSuccess, g.driftSince, g.policyFailed, g.heal, g.pullRequest}
}

// statuses are the values of target_status's status label.
var statuses = []drift.Status{drift.StatusClean, drift.StatusDrifted, drift.StatusChanged, drift.StatusError}

// Registry builds the run's metrics. Label values (root directories,
// target names) are the verdict's, redacted when it was built; the text
// format escapes them.
func Registry(in Input) (*prometheus.Registry, error) {
	g, _ := newGauges()
	reg := prometheus.NewPedanticRegistry()
	for _, v := range g.all() {
		if err := reg.Register(v); err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
	}
	if !in.Started.IsZero() {
		g.runTimestamp.WithLabelValues().Set(unix(in.Started))
	}
	if in.Duration > 0 {
		g.runDuration.WithLabelValues().Set(in.Duration.Seconds())
	}
	recorded := map[report.Key]record.ReportSpec{}
	for _, r := range in.Reports {
		recorded[report.Key{Dir: r.Spec.Root, Target: r.Spec.Target}] = r.Spec
	}
	for _, root := range in.Doc.Roots {
		k := report.Key{Dir: root.Dir, Target: root.Target}
		l := []string{root.Dir, root.Target}
		for _, s := range statuses {
			v := 0.0
			if root.Status == s {
				v = 1
			}
			g.status.WithLabelValues(root.Dir, root.Target, string(s)).Set(v)
		}
		n := root.Count()
		g.drifted.WithLabelValues(l...).Set(float64(len(root.Drift)))
		g.pending.WithLabelValues(l...).Set(float64(len(root.Changes)))
		g.snoozed.WithLabelValues(l...).Set(float64(n.Snoozed))
		g.failedChecks.WithLabelValues(l...).Set(float64(n.FailChecks))
		if root.Duration > 0 {
			g.duration.WithLabelValues(l...).Set(root.Duration.Seconds())
		}
		var last time.Time
		spec, ok := recorded[k]
		if root.Status != drift.StatusError {
			last = root.PlannedAt.Truncate(time.Second)
		} else if ok && spec.LastCheckedAt != nil {
			// A failed plan: the last check a record written before
			// lastCheckedAt was dropped still holds, so the series goes on.
			// Current records keep no check times (they would commit on
			// every run); the series then waits for the next good plan.
			last = spec.LastCheckedAt.Time
		}
		if !last.IsZero() {
			g.lastSuccess.WithLabelValues(l...).Set(unix(last))
		}
		if ok && spec.State == record.StatusDrifted && spec.DetectedAt != nil {
			g.driftSince.WithLabelValues(l...).Set(unix(spec.DetectedAt.Time))
		}
		failed := map[string]int{}
		for _, p := range root.Policy {
			if p.Failed {
				failed[p.Severity]++
			}
		}
		// Every severity, zeros included, so a graph or an alert over a
		// target sees a series that falls to 0 rather than one that stops.
		sevs := slices.Clone(policy.Severities)
		for s := range failed {
			if !slices.Contains(sevs, s) {
				sevs = append(sevs, s)
			}
		}
		for _, s := range sevs {
			g.policyFailed.WithLabelValues(root.Dir, root.Target, s).Set(float64(failed[s]))
		}
		if h, ok := in.Heals[k]; ok {
			g.heal.WithLabelValues(root.Dir, root.Target, h).Set(1)
		}
		if a, ok := in.PullRequests[k]; ok {
			g.pullRequest.WithLabelValues(root.Dir, root.Target, a).Set(1)
		}
	}
	return reg, nil
}

func unix(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// Text writes what g gathers in the Prometheus text exposition format.
func Text(w io.Writer, g prometheus.Gatherer) error {
	mfs, err := g.Gather()
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(w, mf); err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
	}
	return nil
}

// Names are the names of the metric families a run can export, from the
// same declarations Registry registers.
func Names() []string {
	_, names := newGauges()
	return names
}
