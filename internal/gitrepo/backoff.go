package gitrepo

import (
	"context"
	"time"
)

// delay is the pause after the attempt-th rejected push (attempt >= 1):
// BaseDelay doubled per attempt, capped at MaxDelay, with "equal jitter"
// (a random point in the upper half) so that runs that collided once do not
// collide again in lockstep.
func delay(attempt int, base, maxDelay time.Duration, random float64) time.Duration {
	d := base
	for i := 1; i < attempt && d < maxDelay; i++ {
		d *= 2
	}
	if d > maxDelay || d <= 0 {
		d = maxDelay
	}
	half := d / 2
	return half + time.Duration(random*float64(d-half))
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
