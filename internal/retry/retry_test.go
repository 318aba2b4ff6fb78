package retry

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var (
	errFlaky = errors.New("flaky")
	errFatal = errors.New("fatal")
)

func TestDo(t *testing.T) {
	t.Parallel()
	const ms = time.Millisecond
	tests := []struct {
		name   string
		policy Policy
		rand   float64
		// results are what op returns, try by try; after them it succeeds.
		results []error
		// cancelAfter cancels the context after that many tries (0: never).
		cancelAfter int

		wantCalls  int
		wantWaits  []time.Duration
		wantErrIs  []error // every one must match with errors.Is
		wantGaveUp *GaveUpError
	}{
		{
			name:      "success at once",
			policy:    Policy{Attempts: 3, Base: 10 * ms},
			wantCalls: 1,
		},
		{
			name:      "retryable then success waits the schedule",
			policy:    Policy{Attempts: 5, Base: 10 * ms, Max: time.Second},
			rand:      0.5,
			results:   []error{errFlaky, errFlaky, errFlaky},
			wantCalls: 4,
			wantWaits: []time.Duration{7500 * time.Microsecond, 15 * ms, 30 * ms},
		},
		{
			name:      "schedule doubles up to max, jitter at its low end",
			policy:    Policy{Attempts: 6, Base: 100 * ms, Max: 300 * ms},
			rand:      0,
			results:   []error{errFlaky, errFlaky, errFlaky, errFlaky, errFlaky},
			wantCalls: 6,
			wantWaits: []time.Duration{50 * ms, 100 * ms, 150 * ms, 150 * ms, 150 * ms},
		},
		{
			name:      "no jitter waits exactly",
			policy:    Policy{Attempts: 3, Base: 2 * time.Second, Max: 2 * time.Second, NoJitter: true},
			rand:      0.9,
			results:   []error{errFlaky, errFlaky},
			wantCalls: 3,
			wantWaits: []time.Duration{2 * time.Second, 2 * time.Second},
		},
		{
			name:      "max below base is base",
			policy:    Policy{Attempts: 3, Base: 40 * ms, NoJitter: true},
			results:   []error{errFlaky, errFlaky},
			wantCalls: 3,
			wantWaits: []time.Duration{40 * ms, 40 * ms},
		},
		{
			name:       "bounded attempts",
			policy:     Policy{Attempts: 3, Base: ms, Max: time.Second, NoJitter: true},
			results:    []error{errFlaky, errFlaky, errFlaky, errFlaky},
			wantCalls:  3,
			wantWaits:  []time.Duration{ms, 2 * ms},
			wantErrIs:  []error{ErrExhausted, errFlaky},
			wantGaveUp: &GaveUpError{Reason: ErrExhausted, Attempts: 3, Err: errFlaky},
		},
		{
			name:       "zero policy tries once",
			policy:     Policy{},
			results:    []error{errFlaky},
			wantCalls:  1,
			wantErrIs:  []error{ErrExhausted, errFlaky},
			wantGaveUp: &GaveUpError{Reason: ErrExhausted, Attempts: 1, Err: errFlaky},
		},
		{
			name:      "permanent stops at once, unwrapped",
			policy:    Policy{Attempts: 5, Base: ms},
			results:   []error{errFlaky, Permanent(errFatal)},
			wantCalls: 2,
			wantWaits: []time.Duration{ms / 2},
			wantErrIs: []error{errFatal},
		},
		{
			name:      "a server-asked wait is waited as asked",
			policy:    Policy{Attempts: 3, Base: ms, MaxWait: time.Minute},
			rand:      0.5,
			results:   []error{After(errFlaky, 7*time.Second)},
			wantCalls: 2,
			wantWaits: []time.Duration{7 * time.Second},
		},
		{
			name:      "a server-asked wait at the bound is waited",
			policy:    Policy{Attempts: 3, MaxWait: time.Minute},
			results:   []error{After(errFlaky, time.Minute)},
			wantCalls: 2,
			wantWaits: []time.Duration{time.Minute},
		},
		{
			name:       "a server-asked wait over the bound is not waited",
			policy:     Policy{Attempts: 3, MaxWait: time.Minute},
			results:    []error{After(errFlaky, time.Minute+time.Second)},
			wantCalls:  1,
			wantErrIs:  []error{ErrWaitTooLong, errFlaky},
			wantGaveUp: &GaveUpError{Reason: ErrWaitTooLong, Attempts: 1, Wait: time.Minute + time.Second, Err: errFlaky},
		},
		{
			name:      "a server-asked wait is spread by after-jitter",
			policy:    Policy{Attempts: 2, MaxWait: time.Minute, AfterJitter: time.Second},
			rand:      0.5,
			results:   []error{After(errFlaky, 3*time.Second)},
			wantCalls: 2,
			wantWaits: []time.Duration{3*time.Second + 750*ms},
		},
		{
			name:      "a server-asked wait does not advance the schedule",
			policy:    Policy{Attempts: 5, Base: 10 * ms, Max: time.Second, NoJitter: true},
			results:   []error{errFlaky, After(errFlaky, 0), errFlaky},
			wantCalls: 4,
			wantWaits: []time.Duration{10 * ms, 0, 20 * ms},
		},
		{
			name:       "server-asked waits count toward the attempts",
			policy:     Policy{Attempts: 2, MaxWait: time.Minute},
			results:    []error{After(errFlaky, 0), After(errFlaky, 0), After(errFlaky, 0)},
			wantCalls:  2,
			wantWaits:  []time.Duration{0},
			wantErrIs:  []error{ErrExhausted, errFlaky},
			wantGaveUp: &GaveUpError{Reason: ErrExhausted, Attempts: 2, Err: errFlaky},
		},
		{
			name:        "a cancelled context is not retried",
			policy:      Policy{Attempts: 5, Base: ms},
			results:     []error{errFlaky, errFlaky},
			cancelAfter: 1,
			wantCalls:   1,
			wantErrIs:   []error{context.Canceled, errFlaky},
			wantGaveUp:  &GaveUpError{Reason: context.Canceled, Attempts: 1, Err: errFlaky},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var waits, notified []time.Duration
			p := tt.policy
			p.Rand = func() float64 { return tt.rand }
			p.Sleep = func(ctx context.Context, d time.Duration) error {
				waits = append(waits, d)
				return ctx.Err()
			}
			p.OnRetry = func(attempt int, err error, wait time.Duration) {
				if attempt != len(notified)+1 {
					t.Errorf("OnRetry attempt %d, want %d", attempt, len(notified)+1)
				}
				if _, ok := err.(*afterError); ok {
					t.Errorf("OnRetry got the After wrapper, want the caller's error: %v", err)
				}
				notified = append(notified, wait)
			}
			calls := 0
			err := Do(ctx, p, func(_ context.Context, attempt int) error {
				calls++
				if attempt != calls {
					t.Errorf("attempt %d on call %d", attempt, calls)
				}
				if calls == tt.cancelAfter {
					cancel()
				}
				if calls <= len(tt.results) {
					return tt.results[calls-1]
				}
				return nil
			})
			if diff := cmp.Diff(tt.wantCalls, calls); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantWaits, waits); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantWaits, notified); diff != "" {
				t.Errorf("waits told to OnRetry (-want +got):\n%s", diff)
			}
			if len(tt.wantErrIs) == 0 && err != nil {
				t.Errorf("error = %v, want nil", err)
			}
			for _, want := range tt.wantErrIs {
				if !errors.Is(err, want) {
					t.Errorf("error %v is not %v", err, want)
				}
			}
			if errors.Is(err, errFatal) && err != errFatal {
				t.Errorf("permanent error came back wrapped: %#v", err)
			}
			var gaveUp *GaveUpError
			errors.As(err, &gaveUp)
			if diff := cmp.Diff(view(tt.wantGaveUp), view(gaveUp), cmpopts.EquateErrors()); diff != "" {
				t.Errorf("GaveUpError (-want +got):\n%s", diff)
			}
		})
	}
}

// gaveUpView is a GaveUpError without its Error method, so that cmp
// compares its fields (the errors with errors.Is).
type gaveUpView struct {
	Reason, Err error
	Attempts    int
	Wait        time.Duration
}

func view(e *GaveUpError) *gaveUpView {
	if e == nil {
		return nil
	}
	return &gaveUpView{e.Reason, e.Err, e.Attempts, e.Wait}
}

// TestDoSleepHonoursContext cancels the context during a long wait with the
// default Sleep: Do returns at once with the context's error.
func TestDoSleepHonoursContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	start := time.Now()
	err := Do(ctx, Policy{Attempts: 2, Base: time.Hour}, func(context.Context, int) error {
		time.AfterFunc(10*time.Millisecond, cancel)
		return errFlaky
	})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, errFlaky) {
		t.Errorf("error = %v, want context.Canceled and the last error", err)
	}
	if waited := time.Since(start); waited > time.Minute {
		t.Errorf("waited %s after the cancel", waited)
	}
}

func TestSleep(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		d    time.Duration
		want error
	}{
		{"cancelled during a long wait", ctx, time.Hour, context.Canceled},
		{"cancelled, no wait", ctx, 0, context.Canceled},
		{"short wait", t.Context(), time.Millisecond, nil},
		{"negative wait", t.Context(), -time.Second, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := Sleep(tt.ctx, tt.d); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("Sleep = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestGaveUpErrorText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  *GaveUpError
		want string
	}{
		{"exhausted", &GaveUpError{Reason: ErrExhausted, Attempts: 4, Err: errFlaky}, "failed 4 times in a row: flaky"},
		{"too long", &GaveUpError{Reason: ErrWaitTooLong, Attempts: 1, Wait: time.Hour, Err: errFlaky}, "asked to wait 1h0m0s, longer than allowed: flaky"},
		{"cancelled", &GaveUpError{Reason: context.Canceled, Attempts: 2, Err: errFlaky}, "stopped waiting to retry after attempt 2 (context canceled): flaky"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, tt.err.Error()); diff != "" {
				t.Errorf("Error() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		value  string
		want   time.Duration
		wantOK bool
	}{
		{"empty", "", 0, false},
		{"blank", "  ", 0, false},
		{"seconds", "5", 5 * time.Second, true},
		{"zero", "0", 0, true},
		{"spaces around", " 7 ", 7 * time.Second, true},
		{"a day", "86400", 24 * time.Hour, true},
		{"over a day is a day", "86401", 24 * time.Hour, true},
		{"huge", "99999999999999999", 24 * time.Hour, true},
		{"too many digits", "999999999999999999999999", 24 * time.Hour, true},
		{"negative", "-5", 0, false},
		{"plus sign", "+5", 0, false},
		{"fraction", "1.5", 0, false},
		{"garbage", "soon", 0, false},
		{"HTTP date", now.Add(20 * time.Second).Format(http.TimeFormat), 20 * time.Second, true},
		{"past HTTP date", now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"far HTTP date", now.Add(1000 * time.Hour).Format(http.TimeFormat), 24 * time.Hour, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := ParseRetryAfter(tt.value, now)
			if diff := cmp.Diff([]any{tt.want, tt.wantOK}, []any{got, ok}); diff != "" {
				t.Errorf("ParseRetryAfter(%q) (-want +got):\n%s", tt.value, diff)
			}
		})
	}
}
