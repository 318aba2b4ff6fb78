// Package serve is the drift receiver behind `drift-action serve`: an HTTP
// endpoint that takes drift reports from HCP Terraform / Terraform
// Enterprise notifications, Argo CD notifications and generic signed JSON,
// and turns each into a repository_dispatch event (event_type
// drift-detected) that starts the action in the right repository.
//
// Requests are authenticated before anything else is done with them
// (HMAC-SHA512, a bearer token or HMAC-SHA256, all compared in constant
// time) and deduplicated for a day by keys taken from authenticated content
// only. Accepted events are written to a queue file before the sender is
// answered, and dispatched by one worker per repository, which backs off
// on server errors and waits out rate limits without holding up other
// repositories; what is not dispatched by shutdown stays in the file for
// the next start.
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
	"slices"
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

	// QueueFile keeps accepted events until they are dispatched or fail:
	// written (atomically, synced) before a delivery is answered 202, read
	// at start. "" keeps them in memory only, and those still queued at the
	// drain deadline are lost.
	QueueFile string

	MaxBodyBytes int64
	QueueSize    int
	DedupeTTL    time.Duration // at least a day in production
	DedupeMax    int

	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	// ShutdownTimeout bounds how long Run waits, once its context is done,
	// for in-flight requests and the queue to drain. With a QueueFile, a
	// wait for a retry ends the drain of its repository at once: the
	// event stays in the file.
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

	// draining is closed when Run's context is done.
	draining chan struct{}

	mu      sync.Mutex // guards the fields below, and the queue file
	closed  bool       // no more accepts
	running bool       // Run started the workers
	queued  int        // events accepted and not yet dispatched or failed
	byRepo  map[string][]*job
	busy    map[string]bool // repositories with a worker
	workCtx context.Context
	workers sync.WaitGroup
}

// New checks cfg, reads the queue file, and returns a Server. At least one
// source must be enabled.
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
	s := &Server{
		cfg:      cfg,
		log:      log,
		now:      cfg.Now,
		dedupe:   newDedupe(cfg.DedupeTTL, cfg.DedupeMax),
		draining: make(chan struct{}),
		byRepo:   map[string][]*job{},
		busy:     map[string]bool{},
	}
	if cfg.QueueFile != "" {
		jobs, err := readQueueFile(cfg.QueueFile)
		if err != nil {
			return nil, fmt.Errorf("serve: %w", err)
		}
		for _, j := range jobs {
			if isNew, _ := s.dedupe.add(j.Key, j.AcceptedAt); !isNew {
				continue // the file never holds a key twice; if edited to, one dispatch
			}
			s.byRepo[j.Repo] = append(s.byRepo[j.Repo], j)
			s.queued++
		}
		// Written back at once: a directory that cannot take the file is
		// found now, not at the first delivery.
		if err := writeQueueFile(cfg.QueueFile, s.pendingLocked()); err != nil {
			return nil, fmt.Errorf("serve: %w: give --queue-file a path on a writable volume", err)
		}
		s.metrics.restored.Add(int64(s.queued))
		if s.queued > 0 {
			log.Info("queue file read: events accepted before the last stop will be dispatched", "file", cfg.QueueFile, "events", s.queued)
		}
	}
	return s, nil
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
		s.mu.Lock()
		queued := s.queued
		s.mu.Unlock()
		s.metrics.write(w, queued, s.dedupe.len())
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
// accepting, lets in-flight requests finish, dispatches what it can and
// returns, all within ShutdownTimeout. Events not dispatched by then stay
// in the queue file for the next start; without one they are logged and
// counted as lost. Run is called once.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	hs := s.HTTPServer()
	// Workers outlive ctx: accepted events are dispatched after SIGTERM.
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	s.mu.Lock()
	s.running, s.workCtx = true, workCtx
	for repo := range s.byRepo {
		s.startLocked(repo)
	}
	s.mu.Unlock()
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()

	var err error
	select {
	case err = <-serveErr:
		err = fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	close(s.draining)
	s.mu.Lock()
	queued := s.queued
	s.mu.Unlock()
	s.log.Info("shutting down: no new deliveries; draining the queue", "queued", queued)
	deadline := time.AfterFunc(s.cfg.ShutdownTimeout, stopWork)
	defer deadline.Stop()
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	if serr := hs.Shutdown(shutCtx); serr != nil && err == nil {
		err = fmt.Errorf("serve: shutdown: %w", serr)
	}
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.workers.Wait() // returns by the deadline: stopWork ends every wait and attempt
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, jobs := range s.byRepo {
		for _, j := range jobs {
			if s.cfg.QueueFile != "" {
				s.metrics.kept.Add(1)
				s.log.Warn("not dispatched before exit; kept in the queue file for the next start", "repo", j.Repo, "source", j.Source, "file", s.cfg.QueueFile)
				continue
			}
			s.metrics.fail(FailShutdown)
			s.log.Error("dropped at the drain deadline: no queue file", "repo", j.Repo, "source", j.Source)
		}
	}
	return err
}

// accept queues j unless the server is shutting down, the queue is full or
// the queue file cannot be written, and returns the refusal's reason.
func (s *Server) accept(j *job) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ReasonShuttingDown
	}
	if s.queued >= s.cfg.QueueSize {
		return ReasonQueueFull
	}
	s.byRepo[j.Repo] = append(s.byRepo[j.Repo], j)
	s.queued++
	if err := s.persistLocked(); err != nil {
		s.removeLocked(j)
		s.log.Error("delivery refused: the queue file could not be written", "error", err)
		return ReasonQueueFile
	}
	s.startLocked(j.Repo)
	return ""
}

// startLocked starts repo's worker unless it has one or Run has not begun.
func (s *Server) startLocked(repo string) {
	if !s.running || s.busy[repo] || len(s.byRepo[repo]) == 0 {
		return
	}
	s.busy[repo] = true
	s.workers.Add(1)
	go s.work(s.workCtx, repo)
}

// removeLocked takes j out of its repository's queue.
func (s *Server) removeLocked(j *job) {
	jobs := s.byRepo[j.Repo]
	for i, q := range jobs {
		if q == j {
			jobs = append(jobs[:i:i], jobs[i+1:]...)
			s.queued--
			break
		}
	}
	if len(jobs) == 0 {
		delete(s.byRepo, j.Repo)
	} else {
		s.byRepo[j.Repo] = jobs
	}
}

// pendingLocked lists the queued events, oldest first.
func (s *Server) pendingLocked() []*job {
	out := make([]*job, 0, s.queued)
	for _, jobs := range s.byRepo {
		out = append(out, jobs...)
	}
	slices.SortStableFunc(out, func(a, b *job) int { return a.AcceptedAt.Compare(b.AcceptedAt) })
	return out
}

// persistLocked writes the queue file, when there is one.
func (s *Server) persistLocked() error {
	if s.cfg.QueueFile == "" {
		return nil
	}
	return writeQueueFile(s.cfg.QueueFile, s.pendingLocked())
}

// work dispatches repo's events in order, one at a time, so that a rate
// limit on one repository holds up only that repository. It returns when
// the queue is empty, or when an event could not be finished before
// shutdown: that event and the ones behind it stay queued.
func (s *Server) work(ctx context.Context, repo string) {
	defer s.workers.Done()
	for {
		s.mu.Lock()
		jobs := s.byRepo[repo]
		if len(jobs) == 0 {
			delete(s.busy, repo)
			s.mu.Unlock()
			return
		}
		j := jobs[0]
		s.mu.Unlock()

		done := s.deliver(ctx, j)

		s.mu.Lock()
		if !done {
			delete(s.busy, repo)
			s.mu.Unlock()
			return
		}
		s.removeLocked(j)
		if err := s.persistLocked(); err != nil {
			// The event may be sent again by the next start: at least once.
			s.log.Error("queue file not updated after a dispatch", "repo", j.Repo, "error", err)
		}
		s.mu.Unlock()
	}
}

// errDraining ends a retry wait once shutdown has begun and the queue file
// keeps the event: the next start sends it instead.
var errDraining = errors.New("shutting down; the event stays in the queue file")

// deliver dispatches one event, retrying server errors and network errors
// with jittered exponential backoff and waiting out rate limits, within
// MaxAttempts tries in all; 401, 404, 422 and other client errors are never
// retried. It reports whether the event is finished: dispatched, or failed
// for good and forgotten, so that a redelivery is taken again. An event
// stopped by shutdown is not finished.
func (s *Server) deliver(ctx context.Context, j *job) bool {
	owner, repo, err := SplitRepo(j.Repo)
	if err != nil {
		s.dedupe.forget(j.Key)
		s.metrics.fail(FailPermanent)
		s.log.Error("not dispatched", "error", err)
		return true
	}
	policy := retry.Policy{
		Attempts:    s.cfg.MaxAttempts,
		Base:        s.cfg.BackoffBase,
		Max:         s.cfg.BackoffMax,
		MaxWait:     s.cfg.MaxWait,
		AfterJitter: time.Second, // servers told the same reset do not return at one instant
		Sleep:       s.sleep,
		OnRetry: func(attempt int, err error, wait time.Duration) {
			s.metrics.retries.Add(1)
			s.log.Warn("dispatch failed; retrying", "repo", j.Repo, "attempt", attempt, "wait", wait, "error", err)
		},
	}
	err = retry.Do(ctx, policy, func(ctx context.Context, _ int) error {
		actx, cancel := context.WithTimeout(ctx, s.cfg.DispatchTimeout)
		defer cancel()
		return s.classify(s.cfg.Dispatcher.Dispatch(actx, owner, repo, EventType, j.Payload))
	})
	if err != nil && ctx.Err() == nil && !errors.Is(err, errDraining) {
		// Forgotten before it is counted: whoever sees the failure can
		// redeliver at once.
		s.dedupe.forget(j.Key)
	}
	var gaveUp *retry.GaveUpError
	switch {
	case err == nil:
		s.dedupe.dispatched(j.Key)
		s.metrics.dispatched.Add(1)
		s.log.Info("dispatched", "repo", j.Repo, "source", j.Source, "trigger", j.Trigger, "roots", j.Roots)
		return true
	case ctx.Err() != nil, errors.Is(err, errDraining):
		// A cancelled attempt may have reached GitHub: the event is kept,
		// so delivery is at least once.
		s.log.Warn("dispatch stopped by shutdown", "repo", j.Repo, "error", err)
		return false
	case errors.As(err, &gaveUp):
		s.metrics.fail(FailGaveUp)
		s.log.Error("not dispatched: giving up; a redelivery will be taken", "repo", j.Repo, "attempts", gaveUp.Attempts, "error", err)
	default:
		s.metrics.fail(FailPermanent)
		s.log.Error("not dispatched; a redelivery will be taken", "repo", j.Repo, "status", github.StatusOf(err), "error", err)
	}
	return true
}

// sleep waits between tries. Once shutdown has begun, a queue file ends
// the wait at once: the event is safe there, and the rollout need not
// wait out a rate limit.
func (s *Server) sleep(ctx context.Context, d time.Duration) error {
	if s.cfg.QueueFile == "" {
		return retry.Sleep(ctx, d)
	}
	select {
	case <-s.draining:
		return errDraining
	default:
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-s.draining:
		return errDraining
	case <-t.C:
		return nil
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
