// Package serve is the drift receiver behind `drift-action serve`: an HTTP
// endpoint that takes drift reports from HCP Terraform / Terraform
// Enterprise notifications, Argo CD notifications and generic signed JSON,
// and turns each into a repository_dispatch event (event_type
// drift-detected) that starts the action in the right repository.
//
// Requests are authenticated before anything else is done with them
// (HMAC-SHA512, a bearer token or HMAC-SHA256, all compared in constant
// time), deduplicated for a day, queued in memory and dispatched by one
// worker that backs off on server errors and waits out rate limits.
package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/myorg/drift-action/internal/github"
	"github.com/myorg/drift-action/internal/retry"
)

// Path is where webhooks are received.
const Path = "/drift-webhook"

// Defaults for the zero values of Config.
const (
	DefaultMaxBodyBytes      = 1 << 20
	DefaultQueueSize         = 1024
	DefaultDedupeTTL         = 25 * time.Hour
	DefaultDedupeMax         = 100_000
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 15 * time.Second
	DefaultWriteTimeout      = 15 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	DefaultShutdownTimeout   = 25 * time.Second
	DefaultBackoffBase       = time.Second
	DefaultBackoffMax        = 2 * time.Minute
	DefaultMaxAttempts       = 8
	DefaultMaxWait           = time.Hour
	DefaultDispatchTimeout   = 30 * time.Second
)

// Dispatcher sends a repository_dispatch event; *github.Client is one.
// Errors carrying a GitHub status are classified with [github.StatusOf] and
// [github.RetryAfter].
type Dispatcher interface {
	Dispatch(ctx context.Context, owner, repo, eventType string, payload json.RawMessage) error
}

// Secrets enable the sources: an empty secret leaves its source disabled.
type Secrets struct {
	TFE     string // HCP Terraform notification token (HMAC-SHA512 key)
	ArgoCD  string // bearer token Argo CD sends in Authorization
	Generic string // HMAC-SHA256 key of X-Hub-Signature-256
}

// Config configures a Server. Zero durations and sizes take the defaults.
type Config struct {
	Secrets    Secrets
	Mapping    Mapping
	Dispatcher Dispatcher
	Logger     *slog.Logger // nil: discard

	MaxBodyBytes int64
	QueueSize    int
	DedupeTTL    time.Duration // at least a day in production
	DedupeMax    int

	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	// ShutdownTimeout bounds how long Run waits, once its context is done,
	// for in-flight requests and the queue to drain.
	ShutdownTimeout time.Duration

	BackoffBase     time.Duration // first pause after a 5xx; doubles, with jitter
	BackoffMax      time.Duration
	MaxAttempts     int           // attempts per event, rate-limited ones included
	MaxWait         time.Duration // longest Retry-After / rate limit reset waited for
	DispatchTimeout time.Duration // per attempt

	Now func() time.Time // nil: time.Now
}

// Server receives drift reports and dispatches them.
type Server struct {
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	dedupe  *dedupe
	metrics metrics

	mu     sync.RWMutex // guards closed against concurrent enqueues
	closed bool
	queue  chan job
}

type job struct {
	ev     Event
	target Target
}

// New checks cfg and returns a Server. At least one source must be enabled.
func New(cfg Config) (*Server, error) {
	if cfg.Dispatcher == nil {
		return nil, errors.New("serve: no dispatcher")
	}
	if cfg.Secrets == (Secrets{}) {
		return nil, errors.New("serve: no source enabled: set TFE_NOTIFICATION_TOKEN, ARGOCD_WEBHOOK_TOKEN or DRIFT_WEBHOOK_SECRET")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	if cfg.DedupeMax <= 0 {
		cfg.DedupeMax = DefaultDedupeMax
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	def(&cfg.DedupeTTL, DefaultDedupeTTL)
	def(&cfg.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	def(&cfg.ReadTimeout, DefaultReadTimeout)
	def(&cfg.WriteTimeout, DefaultWriteTimeout)
	def(&cfg.IdleTimeout, DefaultIdleTimeout)
	def(&cfg.ShutdownTimeout, DefaultShutdownTimeout)
	def(&cfg.BackoffBase, DefaultBackoffBase)
	def(&cfg.BackoffMax, DefaultBackoffMax)
	def(&cfg.MaxWait, DefaultMaxWait)
	def(&cfg.DispatchTimeout, DefaultDispatchTimeout)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{
		cfg:    cfg,
		log:    log,
		now:    cfg.Now,
		dedupe: newDedupe(cfg.DedupeTTL, cfg.DedupeMax),
		queue:  make(chan job, cfg.QueueSize),
	}, nil
}

// Handler serves POST /drift-webhook, GET /healthz and GET /metrics.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(Path, s.webhook)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		s.metrics.write(w, len(s.queue), s.dedupe.len())
	})
	return mux
}

// HTTPServer is the http.Server Run uses, with the configured timeouts
// against slow clients (slowloris) and a 16 KiB header limit.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
}

// Run serves on ln and dispatches until ctx is done. Then it stops
// accepting, lets in-flight requests finish, dispatches everything already
// queued and returns, all within ShutdownTimeout; events still queued at
// the deadline are logged and counted as lost.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	hs := s.HTTPServer()
	// The worker outlives ctx: accepted events are dispatched after SIGTERM.
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.work(workCtx)
	}()
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()

	var err error
	select {
	case err = <-serveErr:
		err = fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down: no new deliveries; draining the queue", "queued", len(s.queue))
	deadline := time.AfterFunc(s.cfg.ShutdownTimeout, stopWork)
	defer deadline.Stop()
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	if serr := hs.Shutdown(shutCtx); serr != nil && err == nil {
		err = fmt.Errorf("serve: shutdown: %w", serr)
	}
	s.mu.Lock()
	s.closed = true
	close(s.queue)
	s.mu.Unlock()
	<-done
	return err
}

// enqueue queues j unless the server is shutting down or the queue is full.
func (s *Server) enqueue(j job) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ReasonShuttingDown
	}
	select {
	case s.queue <- j:
		return ""
	default:
		return ReasonQueueFull
	}
}

// work dispatches queued events until the queue is closed and empty, or
// ctx is cancelled (the drain deadline): then what is left is counted lost.
func (s *Server) work(ctx context.Context) {
	for j := range s.queue {
		if ctx.Err() != nil {
			s.metrics.fail(FailShutdown)
			s.log.Error("dropped at the drain deadline", "key", j.ev.Key, "repo", j.target.Repo)
			continue
		}
		s.deliver(ctx, j)
	}
}

// deliver dispatches one event, retrying server errors and network errors
// with jittered exponential backoff and waiting out rate limits, within
// MaxAttempts tries in all; 401, 404, 422 and other client errors are never
// retried.
func (s *Server) deliver(ctx context.Context, j job) {
	owner, repo, err := SplitRepo(j.target.Repo)
	if err != nil {
		s.metrics.fail(FailPermanent)
		s.log.Error("not dispatched", "error", err)
		return
	}
	payload := ClientPayload(j.ev, j.target)
	policy := retry.Policy{
		Attempts:    s.cfg.MaxAttempts,
		Base:        s.cfg.BackoffBase,
		Max:         s.cfg.BackoffMax,
		MaxWait:     s.cfg.MaxWait,
		AfterJitter: time.Second, // servers told the same reset do not return at one instant
		OnRetry: func(attempt int, err error, wait time.Duration) {
			s.metrics.retries.Add(1)
			s.log.Warn("dispatch failed; retrying", "repo", j.target.Repo, "attempt", attempt, "wait", wait, "error", err)
		},
	}
	err = retry.Do(ctx, policy, func(ctx context.Context, _ int) error {
		actx, cancel := context.WithTimeout(ctx, s.cfg.DispatchTimeout)
		defer cancel()
		return s.classify(s.cfg.Dispatcher.Dispatch(actx, owner, repo, EventType, payload))
	})
	var gaveUp *retry.GaveUpError
	switch {
	case err == nil:
		s.metrics.dispatched.Add(1)
		s.log.Info("dispatched", "repo", j.target.Repo, "source", j.ev.Source, "trigger", j.ev.Trigger, "roots", j.target.Roots)
	case ctx.Err() != nil:
		s.metrics.fail(FailShutdown)
		s.log.Error("not dispatched before the drain deadline", "repo", j.target.Repo, "error", err)
	case errors.As(err, &gaveUp):
		s.metrics.fail(FailGaveUp)
		s.log.Error("not dispatched: giving up", "repo", j.target.Repo, "attempts", gaveUp.Attempts, "error", err)
	default:
		s.metrics.fail(FailPermanent)
		s.log.Error("not dispatched", "repo", j.target.Repo, "status", github.StatusOf(err), "error", err)
	}
}

// classify marks a failed dispatch for the retry policy: permanent, a rate
// limit to wait out, or worth another try after the backoff.
func (s *Server) classify(err error) error {
	if err == nil {
		return nil
	}
	status := github.StatusOf(err)
	switch {
	case status == http.StatusUnauthorized, status == http.StatusNotFound, status == http.StatusUnprocessableEntity:
		return retry.Permanent(err)
	case status == http.StatusForbidden || status == http.StatusTooManyRequests:
		if d, ok := github.RetryAfter(err, s.now()); ok {
			return retry.After(err, d)
		}
		if status == http.StatusForbidden {
			return retry.Permanent(err) // a permission problem, not a rate limit
		}
	case status >= 500, status == 0:
	default:
		return retry.Permanent(err)
	}
	return err
}
