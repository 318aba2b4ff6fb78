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
	HeaderTFESignature   = "X-TFE-Notification-Signature"
	HeaderHubSignature   = "X-Hub-Signature-256"
	HeaderHubSHA1        = "X-Hub-Signature"
	HeaderDelivery       = "X-Delivery-ID"
	HeaderGitHubDelivery = "X-GitHub-Delivery"
)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// webhook authenticates, reads, deduplicates and queues one delivery.
func (s *Server) webhook(w http.ResponseWriter, r *http.Request) {
	source, verify := s.authenticator(r)
	s.metrics.receive(source)
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.refuse(w, http.StatusMethodNotAllowed, ReasonMethod, "use POST")
		return
	}
	if verify == nil {
		reason, err := ReasonNoCredentials, ErrNoCredentials
		if r.Header.Get(HeaderHubSHA1) != "" {
			reason, err = ReasonSHA1, ErrSHA1
		}
		s.refuse(w, http.StatusUnauthorized, reason, err.Error())
		return
	}
	// A bearer token is checked before the body is read.
	if source == SourceArgoCD {
		if err := verify(nil); err != nil {
			s.refuseAuth(w, err)
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
			s.refuse(w, http.StatusRequestEntityTooLarge, ReasonTooLarge, "body larger than the limit")
			return
		}
		s.refuse(w, http.StatusBadRequest, ReasonBadPayload, "could not read the body")
		return
	}
	body := buf.Bytes()
	if source != SourceArgoCD {
		if err := verify(body); err != nil {
			s.refuseAuth(w, err)
			return
		}
	}

	// A redelivery names its delivery id in a header: once the signature
	// holds, a known id is answered without parsing the body again. The
	// key is the one ParseGeneric gives a delivery with that header.
	if source == SourceGeneric {
		delivery := r.Header.Get(HeaderDelivery)
		if delivery == "" {
			delivery = r.Header.Get(HeaderGitHubDelivery)
		}
		if delivery != "" && s.dedupe.has(SourceGeneric+"\x00"+delivery, s.now()) {
			s.metrics.duplicates.Add(1)
			answer(w, http.StatusOK, "duplicate", "already received; dispatched once")
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
		delivery := r.Header.Get(HeaderDelivery)
		if delivery == "" {
			delivery = r.Header.Get(HeaderGitHubDelivery)
		}
		ev, err = ParseGeneric(body, delivery)
	}
	if err != nil {
		s.refuse(w, http.StatusBadRequest, ReasonBadPayload, err.Error())
		return
	}
	if ev.Ignored != "" {
		s.metrics.ignored.Add(1)
		answer(w, http.StatusOK, "ignored", ev.Ignored)
		return
	}
	target, err := s.cfg.Mapping.Resolve(ev)
	if err != nil {
		s.refuse(w, http.StatusUnprocessableEntity, ReasonUnmapped, err.Error())
		return
	}
	if !s.dedupe.add(ev.Key, s.now()) {
		s.metrics.duplicates.Add(1)
		answer(w, http.StatusOK, "duplicate", "already received; dispatched once")
		return
	}
	if reason := s.enqueue(job{ev: ev, target: target}); reason != "" {
		s.dedupe.forget(ev.Key)
		w.Header().Set("Retry-After", "30")
		s.refuse(w, http.StatusServiceUnavailable, reason, "try again later")
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

func (s *Server) refuseAuth(w http.ResponseWriter, err error) {
	reason := ReasonBadSignature
	switch {
	case errors.Is(err, ErrDisabled):
		reason = ReasonDisabled
	case errors.Is(err, ErrBadToken):
		reason = ReasonBadToken
	}
	s.refuse(w, http.StatusUnauthorized, reason, err.Error())
}

func (s *Server) refuse(w http.ResponseWriter, status int, reason, msg string) {
	s.metrics.reject(reason)
	answer(w, status, reason, msg)
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
