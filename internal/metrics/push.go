package metrics

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/push"
)

// DefaultJob is the Pushgateway job the action pushes as.
const DefaultJob = "drift-action"

// Gateway is where a run pushes its metrics.
type Gateway struct {
	URL string // the Pushgateway's base URL, without /metrics/job/...
	Job string
	// Grouping are the labels besides job that name the run's group.
	// A push replaces its whole group (PUT), so each matrix job needs a
	// group of its own (repository and shard): one shard's push must not
	// erase the targets another shard pushed.
	Grouping []Label
	Client   *http.Client // nil: a client with a 30s timeout
}

// Label is one grouping label.
type Label struct{ Name, Value string }

// Grouping names a run's group: its repository (when known) and its shard
// ("1-of-3"; "all" when the run is not sharded, so a later matrix of the
// same repository keeps its own groups apart from it).
func Grouping(repository string, index, count int) []Label {
	var out []Label
	if repository != "" {
		out = append(out, Label{"repository", repository})
	}
	shard := "all"
	if count > 0 {
		shard = fmt.Sprintf("%d-of-%d", index, count)
	}
	return append(out, Label{"shard", shard})
}

// Push replaces the run's group on the gateway with what g gathers.
func (gw Gateway) Push(ctx context.Context, g prometheus.Gatherer) error {
	client := gw.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	// Credentials in the URL go in a header instead: the push package
	// quotes its URL in errors, and errors reach the job summary.
	u, err := url.Parse(gw.URL)
	if err != nil {
		return errors.New("push to pushgateway: the URL does not parse")
	}
	user := u.User
	u.User = nil
	p := push.New(u.String(), gw.Job).Gatherer(g).Client(client)
	if user != nil {
		pass, _ := user.Password()
		p = p.BasicAuth(user.Username(), pass)
	}
	for _, l := range gw.Grouping {
		p = p.Grouping(l.Name, l.Value)
	}
	if err := p.PushContext(ctx); err != nil {
		return fmt.Errorf("push to pushgateway: %w", err)
	}
	return nil
}

// WriteFile writes what g gathers to path in the text format, as
// node_exporter's textfile collector reads it: into a temporary file in the
// same directory (whose name does not end in .prom, so the collector skips
// it), renamed over path once complete, so a scrape never reads half a file.
func WriteFile(path string, g prometheus.Gatherer) error {
	if err := prometheus.WriteToTextfile(path, g); err != nil {
		return fmt.Errorf("write metrics file: %w", err)
	}
	return nil
}
