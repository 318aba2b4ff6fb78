// Package retry is the one way drift-action tries an operation again, for
// GitHub, Slack, git pushes, the receiver's dispatches and a terraform start
// refused as busy: bounded attempts, exponential backoff with jitter
// (cenkalti/backoff/v5's schedule), waits a server asked for (Retry-After,
// a rate limit's reset) honoured up to a bound, the context respected, and
// permanent errors returned at once. Sleep and the jitter's randomness are
// injectable, so tests see the waits without waiting.
package retry

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// Policy bounds and paces the tries of one operation. The zero value tries
// once.
type Policy struct {
	// Attempts bounds the tries, the first included (<= 0: one).
	Attempts int
	// Base is the pause after the first retryable failure; it doubles after
	// each further one, up to Max (Max < Base: Base). 0: no pause.
	Base, Max time.Duration
	// NoJitter waits exactly the schedule. Otherwise each pause is "equal
	// jitter": a random point in the upper half of the step, so that
	// clients that failed together do not retry in lockstep.
	NoJitter bool
	// MaxWait bounds the waits a server asks for ([After]); a longer one
	// ends the tries with [ErrWaitTooLong]. 0: no bound.
	MaxWait time.Duration
	// AfterJitter spreads server-asked waits: up to this much (equal
	// jitter) is added, so that clients told the same reset time do not
	// all come back at that instant. 0: the wait as asked.
	AfterJitter time.Duration

	// Sleep waits between tries; nil means [Sleep] (a timer that honours
	// ctx). A non-nil error ends the tries.
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand returns a number in [0, 1) for the jitter; nil means math/rand.
	Rand func() float64
	// OnRetry, if set, is told of every retry before its wait: the attempt
	// that failed (from 1), its error and the wait.
	OnRetry func(attempt int, err error, wait time.Duration)
}

// Reasons a [GaveUpError] gives besides the context's error.
var (
	// ErrExhausted: every attempt the policy allows failed.
	ErrExhausted = errors.New("retries exhausted")
	// ErrWaitTooLong: the server asked for a wait longer than Policy.MaxWait.
	ErrWaitTooLong = errors.New("asked to wait longer than allowed")
)

// GaveUpError is a retryable failure that was not tried again.
type GaveUpError struct {
	// Reason is [ErrExhausted], [ErrWaitTooLong], or the error that ended
	// the wait (the context's, as a rule).
	Reason error
	// Attempts is the number of tries made.
	Attempts int
	// Wait is the wait the server asked for, with ErrWaitTooLong.
	Wait time.Duration
	// Err is the last try's error.
	Err error
}

func (e *GaveUpError) Error() string {
	switch {
	case errors.Is(e.Reason, ErrExhausted):
		return fmt.Sprintf("failed %d times in a row: %v", e.Attempts, e.Err)
	case errors.Is(e.Reason, ErrWaitTooLong):
		return fmt.Sprintf("asked to wait %s, longer than allowed: %v", e.Wait, e.Err)
	}
	return fmt.Sprintf("stopped waiting to retry after attempt %d (%v): %v", e.Attempts, e.Reason, e.Err)
}

// Unwrap gives both the reason and the last error to errors.Is and As.
func (e *GaveUpError) Unwrap() []error { return []error{e.Reason, e.Err} }

// Permanent marks err as not worth another try: [Do] returns err (unwrapped)
// at once. Permanent(nil) is nil.
func Permanent(err error) error { return backoff.Permanent(err) }

// After marks err as retryable after d, the wait the server asked for; d
// replaces the backoff schedule's pause for this retry. After(nil, d) is nil.
func After(err error, d time.Duration) error {
	if err == nil {
		return nil
	}
	return &afterError{err: err, wait: max(d, 0)}
}

type afterError struct {
	err  error
	wait time.Duration
}

func (e *afterError) Error() string { return e.err.Error() }
func (e *afterError) Unwrap() error { return e.err }

// Do calls op until it returns nil, a [Permanent] error, or the policy
// gives up, and returns nil, the permanent error unwrapped, or a
// *[GaveUpError] holding the last error. Any other error from op is
// retried after the backoff schedule's next pause; an [After] error after
// the wait it names. attempt counts from 1.
func Do(ctx context.Context, p Policy, op func(ctx context.Context, attempt int) error) error {
	attempts := max(p.Attempts, 1)
	sleep := p.Sleep
	if sleep == nil {
		sleep = Sleep
	}
	random := p.Rand
	if random == nil {
		random = rand.Float64
	}
	// The library's exponential schedule without its own randomness; the
	// jitter is added here, from an injectable source.
	schedule := &backoff.ExponentialBackOff{
		InitialInterval: max(p.Base, 0),
		Multiplier:      2,
		MaxInterval:     max(p.Max, p.Base, 0),
	}
	schedule.Reset()
	for attempt := 1; ; attempt++ {
		err := op(ctx, attempt)
		if err == nil {
			return nil
		}
		var perm *backoff.PermanentError
		if errors.As(err, &perm) {
			return perm.Unwrap()
		}
		var asked *afterError
		isAfter := errors.As(err, &asked)
		if isAfter && err == error(asked) {
			err = asked.err // hand back the caller's own error
		}
		if cerr := context.Cause(ctx); cerr != nil {
			return &GaveUpError{Reason: cerr, Attempts: attempt, Err: err}
		}
		if attempt >= attempts {
			return &GaveUpError{Reason: ErrExhausted, Attempts: attempt, Err: err}
		}
		var wait time.Duration
		if isAfter {
			if p.MaxWait > 0 && asked.wait > p.MaxWait {
				return &GaveUpError{Reason: ErrWaitTooLong, Attempts: attempt, Wait: asked.wait, Err: err}
			}
			wait = asked.wait + jitter(p.AfterJitter, random())
		} else {
			wait = schedule.NextBackOff()
			if !p.NoJitter {
				wait = jitter(wait, random())
			}
		}
		if p.OnRetry != nil {
			p.OnRetry(attempt, err, wait)
		}
		if serr := sleep(ctx, wait); serr != nil {
			return &GaveUpError{Reason: serr, Attempts: attempt, Err: err}
		}
	}
}

// jitter is "equal jitter": a point in the upper half of d picked by r in
// [0, 1).
func jitter(d time.Duration, r float64) time.Duration {
	if d <= 0 {
		return 0
	}
	half := d / 2
	return half + time.Duration(r*float64(d-half))
}

// Sleep waits d, or until ctx is done, when it returns ctx's error.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return context.Cause(ctx)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// maxParsed caps parsed waits, far above any MaxWait, so that a huge
// number of seconds cannot overflow a Duration.
const maxParsed = 24 * time.Hour

// ParseRetryAfter reads an HTTP Retry-After value: delay-seconds or an HTTP
// date (a past date is a wait of 0). It is false for an empty, negative or
// unreadable value. Waits over a day are read as a day.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if strings.Trim(v, "0123456789") == "" { // delay-seconds: digits only
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > int64(maxParsed/time.Second) {
			return maxParsed, true // only too many digits fail to parse
		}
		return time.Duration(secs) * time.Second, true
	}
	if when, err := http.ParseTime(v); err == nil {
		return min(max(when.Sub(now), 0), maxParsed), true
	}
	return 0, false
}
