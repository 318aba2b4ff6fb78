package serve

import (
	"fmt"
	"io"
	"sync/atomic"
)

// Reasons a delivery is rejected, as the rejected counter labels them.
const (
	ReasonNoCredentials = "no_credentials"
	ReasonSHA1          = "sha1_signature"
	ReasonBadSignature  = "bad_signature"
	ReasonBadToken      = "bad_token"
	ReasonDisabled      = "source_disabled"
	ReasonTooLarge      = "too_large"
	ReasonBadPayload    = "bad_payload"
	ReasonUnmapped      = "unmapped"
	ReasonQueueFull     = "queue_full"
	ReasonShuttingDown  = "shutting_down"
	ReasonMethod        = "method"
	ReasonQueueFile     = "queue_file_unwritable"
)

var rejectReasons = []string{
	ReasonNoCredentials, ReasonSHA1, ReasonBadSignature, ReasonBadToken, ReasonDisabled,
	ReasonTooLarge, ReasonBadPayload, ReasonUnmapped, ReasonQueueFull, ReasonShuttingDown, ReasonMethod, ReasonQueueFile,
}

var sources = []string{SourceTFE, SourceArgoCD, SourceGeneric, "unknown"}

// Outcomes of a dispatch that did not succeed, as the failed counter labels them.
const (
	FailPermanent = "permanent" // 401, 404, 422, a 403 that is not a rate limit, ...
	FailGaveUp    = "gave_up"   // retries exhausted
	FailShutdown  = "shutdown"  // the drain deadline passed, and there is no queue file
)

var failReasons = []string{FailPermanent, FailGaveUp, FailShutdown}

// metrics are the receiver's counters, kept lock-free.
type metrics struct {
	received   [4]atomic.Int64 // by sources index
	rejected   [12]atomic.Int64
	ignored    atomic.Int64
	duplicates atomic.Int64
	accepted   atomic.Int64
	dispatched atomic.Int64
	failed     [3]atomic.Int64
	retries    atomic.Int64
	restored   atomic.Int64
	kept       atomic.Int64
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return len(list) - 1
}

func (m *metrics) receive(source string) { m.received[indexOf(sources, source)].Add(1) }
func (m *metrics) reject(reason string)  { m.rejected[indexOf(rejectReasons, reason)].Add(1) }
func (m *metrics) fail(reason string)    { m.failed[indexOf(failReasons, reason)].Add(1) }

// write prints the metrics in the Prometheus text exposition format.
func (m *metrics) write(w io.Writer, queueDepth, dedupeSize int) {
	counter := func(name, help string) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n", name, help, name)
	}
	counter("drift_serve_received_total", "Webhook deliveries received, by source.")
	for i, s := range sources {
		fmt.Fprintf(w, "drift_serve_received_total{source=%q} %d\n", s, m.received[i].Load())
	}
	counter("drift_serve_rejected_total", "Webhook deliveries refused, by reason.")
	for i, r := range rejectReasons {
		fmt.Fprintf(w, "drift_serve_rejected_total{reason=%q} %d\n", r, m.rejected[i].Load())
	}
	counter("drift_serve_ignored_total", "Authenticated deliveries acknowledged without a dispatch (verifications, triggers that are not drift).")
	fmt.Fprintf(w, "drift_serve_ignored_total %d\n", m.ignored.Load())
	counter("drift_serve_duplicates_total", "Deliveries already seen within the deduplication window.")
	fmt.Fprintf(w, "drift_serve_duplicates_total %d\n", m.duplicates.Load())
	counter("drift_serve_accepted_total", "Deliveries queued for dispatch.")
	fmt.Fprintf(w, "drift_serve_accepted_total %d\n", m.accepted.Load())
	counter("drift_serve_dispatched_total", "repository_dispatch events GitHub accepted.")
	fmt.Fprintf(w, "drift_serve_dispatched_total %d\n", m.dispatched.Load())
	counter("drift_serve_dispatch_failures_total", "Queued events dropped without a dispatch, by reason.")
	for i, r := range failReasons {
		fmt.Fprintf(w, "drift_serve_dispatch_failures_total{reason=%q} %d\n", r, m.failed[i].Load())
	}
	counter("drift_serve_retries_total", "Dispatch attempts repeated after a server error or rate limit.")
	fmt.Fprintf(w, "drift_serve_retries_total %d\n", m.retries.Load())
	counter("drift_serve_restored_total", "Events read from the queue file at start, accepted before the last stop.")
	fmt.Fprintf(w, "drift_serve_restored_total %d\n", m.restored.Load())
	counter("drift_serve_kept_total", "Events left in the queue file at shutdown for the next start.")
	fmt.Fprintf(w, "drift_serve_kept_total %d\n", m.kept.Load())
	fmt.Fprintf(w, "# HELP drift_serve_queue_depth Accepted events not yet dispatched or failed, the one being sent included.\n# TYPE drift_serve_queue_depth gauge\ndrift_serve_queue_depth %d\n", queueDepth)
	fmt.Fprintf(w, "# HELP drift_serve_dedupe_entries Delivery keys remembered for deduplication.\n# TYPE drift_serve_dedupe_entries gauge\ndrift_serve_dedupe_entries %d\n", dedupeSize)
}
