package serve

import (
	"sync"
	"time"
)

// dedupe remembers delivery keys for ttl. It holds at most max keys: past
// that the oldest sweep generation of dispatched keys goes first, so a
// flood of distinct authenticated deliveries cannot exhaust memory. Keys of
// events not yet dispatched are never swept: they are bounded by the queue,
// and forgetting one would let its redelivery be dispatched a second time.
type dedupe struct {
	mu        sync.Mutex
	ttl       time.Duration
	max       int
	seen      map[string]seenKey
	nextSweep time.Time
}

type seenKey struct {
	at         time.Time // when it was first accepted
	dispatched bool      // false: accepted, dispatch still pending
}

func newDedupe(ttl time.Duration, max int) *dedupe {
	return &dedupe{ttl: ttl, max: max, seen: map[string]seenKey{}}
}

// add records key as pending and reports whether it is new (not seen
// within ttl); when it is not, dispatched says whether the earlier one was
// dispatched or is still pending.
func (d *dedupe) add(key string, now time.Time) (isNew, dispatched bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if k, ok := d.seen[key]; ok && (!k.dispatched || now.Sub(k.at) < d.ttl) {
		return false, k.dispatched
	}
	if now.After(d.nextSweep) || len(d.seen) >= d.max {
		d.sweep(now)
	}
	d.seen[key] = seenKey{at: now}
	return true, false
}

// dispatched marks key as dispatched: from now on its ttl runs.
func (d *dedupe) dispatched(key string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if k, ok := d.seen[key]; ok {
		k.dispatched = true
		d.seen[key] = k
	}
}

// forget drops key, so that a delivery that was refused, or whose dispatch
// failed, is taken again when it is sent again.
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

// sweep drops expired dispatched keys; if the map is still full, it drops
// the oldest tenth of the dispatched ones.
func (d *dedupe) sweep(now time.Time) {
	d.nextSweep = now.Add(time.Minute)
	var oldest time.Time
	for k, v := range d.seen {
		switch {
		case !v.dispatched:
		case now.Sub(v.at) >= d.ttl:
			delete(d.seen, k)
		case oldest.IsZero() || v.at.Before(oldest):
			oldest = v.at
		}
	}
	if len(d.seen) < d.max || oldest.IsZero() {
		return
	}
	cut := oldest.Add(max(now.Sub(oldest)/10, time.Nanosecond))
	for k, v := range d.seen {
		if v.dispatched && v.at.Before(cut) {
			delete(d.seen, k)
		}
	}
}
