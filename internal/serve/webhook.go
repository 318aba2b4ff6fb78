package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
)

// Headers the sources authenticate with.
const (
	HeaderTFESignature = "X-TFE-Notification-Signature"
	HeaderHubSignature = "X-Hub-Signature-256"
	HeaderHubSHA1      = "X-Hub-Signature"
)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// webhook authenticates, reads, deduplicates and queues one delivery.
// Nothing it keys on or forwards comes from a header the signature does
// not cover (delivery id headers included): a signed body re-sent with
// other headers is the same delivery.
func (s *Server) webhook(w http.ResponseWriter, r *http.Request) {
	source, verify := s.authenticator(r)
	s.metrics.receive(source)
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.refuse(w, r, source, http.StatusMethodNotAllowed, ReasonMethod, "use POST")
		return
	}
	if verify == nil {
		reason, err := ReasonNoCredentials, ErrNoCredentials
		if r.Header.Get(HeaderHubSHA1) != "" {
			reason, err = ReasonSHA1, ErrSHA1
		}
		s.refuse(w, r, source, http.StatusUnauthorized, reason, err.Error())
		return
	}
	// A bearer token is checked before the body is read.
	if source == SourceArgoCD {
		if err := verify(nil); err != nil {
			s.refuseAuth(w, r, source, err)
			return
		}
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 64<<10 {
			bufPool.Put(buf)
		}
	}()
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.refuse(w, r, source, http.StatusRequestEntityTooLarge, ReasonTooLarge, "body larger than the limit")
			return
		}
		s.refuse(w, r, source, http.StatusBadRequest, ReasonBadPayload, "could not read the body")
		return
	}
	body := buf.Bytes()
	if source != SourceArgoCD {
		if err := verify(body); err != nil {
			s.refuseAuth(w, r, source, err)
			return
		}
	}

	var ev Event
	var err error
	switch source {
	case SourceTFE:
		ev, err = ParseTFE(body)
	case SourceArgoCD:
		ev, err = ParseArgoCD(body)
	default:
		ev, err = ParseGeneric(body)
	}
	if err != nil {
		s.refuse(w, r, source, http.StatusBadRequest, ReasonBadPayload, err.Error())
		return
	}
	if ev.Ignored != "" {
		s.metrics.ignored.Add(1)
		answer(w, http.StatusOK, "ignored", ev.Ignored)
		return
	}
	target, err := s.cfg.Mapping.Resolve(ev)
	if err != nil {
		s.refuse(w, r, source, http.StatusUnprocessableEntity, ReasonUnmapped, err.Error())
		return
	}
	now := s.now()
	if isNew, dispatched := s.dedupe.add(ev.Key, now); !isNew {
		s.metrics.duplicates.Add(1)
		if dispatched {
			answer(w, http.StatusOK, "duplicate", "already received; dispatched once")
		} else {
			answer(w, http.StatusOK, "duplicate", "already received; waiting to be dispatched")
		}
		return
	}
	j := &job{Key: ev.Key, Repo: target.Repo, Source: ev.Source, Trigger: ev.Trigger, Roots: target.Roots,
		Payload: ClientPayload(ev, target), AcceptedAt: now}
	if reason := s.accept(j); reason != "" {
		s.dedupe.forget(ev.Key)
		w.Header().Set("Retry-After", "30")
		s.refuse(w, r, source, http.StatusServiceUnavailable, reason, "try again later")
		return
	}
	s.metrics.accepted.Add(1)
	answer(w, http.StatusAccepted, "accepted", "queued for dispatch to "+target.Repo)
}

// authenticator picks the source from the request's credentials and returns
// the check for them; nil when the request carries none this receiver
// takes. A source that is not enabled still names itself, and its check
// fails.
func (s *Server) authenticator(r *http.Request) (string, func([]byte) error) {
	sec := s.cfg.Secrets
	if sig := r.Header.Get(HeaderTFESignature); sig != "" {
		return SourceTFE, func(b []byte) error { return VerifyTFE(sec.TFE, b, sig) }
	}
	if sig := r.Header.Get(HeaderHubSignature); sig != "" {
		return SourceGeneric, func(b []byte) error { return VerifyHub(sec.Generic, b, sig) }
	}
	if auth := r.Header.Get("Authorization"); auth != "" {
		return SourceArgoCD, func([]byte) error { return VerifyBearer(sec.ArgoCD, auth) }
	}
	return "unknown", nil
}

func (s *Server) refuseAuth(w http.ResponseWriter, r *http.Request, source string, err error) {
	reason := ReasonBadSignature
	switch {
	case errors.Is(err, ErrDisabled):
		reason = ReasonDisabled
	case errors.Is(err, ErrBadToken):
		reason = ReasonBadToken
	}
	s.refuse(w, r, source, http.StatusUnauthorized, reason, err.Error())
}

// refuse answers a delivery that is not taken, and logs why and where it
// came from. The log never holds the body, a credential, or a message
// quoting the body (a payload error may): only the reason, the source,
// the peer and what it says it forwards for.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, source string, status int, reason, msg string) {
	s.metrics.reject(reason)
	attrs := []any{"reason", reason, "status", status, "source", source, "remote", r.RemoteAddr}
	if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
		attrs = append(attrs, "forwarded_for", truncate(xff, 200)) // quoted by the handler; the sender chose it
	}
	if reason != ReasonBadPayload {
		attrs = append(attrs, "detail", msg) // the receiver's own words
	}
	s.log.Warn("delivery rejected", attrs...)
	answer(w, status, reason, msg)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// answer writes {"status": ..., "message": ...}.
func answer(w http.ResponseWriter, code int, status, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(struct {
		Status  string `json:"status"`
		Message string `json:"message"`
	}{status, msg})
}
