package serve

import (
	"sync"
	"time"
)

// dedupe remembers delivery keys for ttl. It holds at most max keys: past
// that the oldest sweep generation goes first, so a flood of distinct
// authenticated deliveries cannot exhaust memory.
type dedupe struct {
	mu        sync.Mutex
	ttl       time.Duration
	max       int
	seen      map[string]time.Time // key → when it was first seen
	nextSweep time.Time
}

func newDedupe(ttl time.Duration, max int) *dedupe {
	return &dedupe{ttl: ttl, max: max, seen: map[string]time.Time{}}
}

// add records key and reports whether it is new (not seen within ttl).
func (d *dedupe) add(key string, now time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if t, ok := d.seen[key]; ok && now.Sub(t) < d.ttl {
		return false
	}
	if now.After(d.nextSweep) || len(d.seen) >= d.max {
		d.sweep(now)
	}
	d.seen[key] = now
	return true
}

// has reports whether key was seen within ttl, without recording it.
func (d *dedupe) has(key string, now time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.seen[key]
	return ok && now.Sub(t) < d.ttl
}

// forget drops key, so that a delivery that could not be queued may be
// sent again.
func (d *dedupe) forget(key string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.seen, key)
}

func (d *dedupe) len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.seen)
}

// sweep drops expired keys; if the map is still full, it drops the oldest
// tenth of it.
func (d *dedupe) sweep(now time.Time) {
	d.nextSweep = now.Add(time.Minute)
	var oldest time.Time
	for k, t := range d.seen {
		if now.Sub(t) >= d.ttl {
			delete(d.seen, k)
		} else if oldest.IsZero() || t.Before(oldest) {
			oldest = t
		}
	}
	if len(d.seen) < d.max {
		return
	}
	cut := oldest.Add(max(now.Sub(oldest)/10, time.Nanosecond))
	for k, t := range d.seen {
		if t.Before(cut) {
			delete(d.seen, k)
		}
	}
}
