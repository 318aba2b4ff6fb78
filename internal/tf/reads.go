package tf

import (
	"time"
)

// readClock times provider reads from a plan's hook messages: a
// resource's refresh_start to its refresh_complete, and a data source's
// apply_start to apply_complete (action "read"), by the messages'
// @timestamp, which terraform writes as it calls the provider, so pipe
// buffering and this process's load do not skew them. Only the fields it
// needs are read from the line; nothing is decoded.
type readClock struct {
	started map[string]time.Time // by address
	times   map[string][]time.Duration
}

var (
	timestampKey = []byte(`"@timestamp":"`)
	providerKey  = []byte(`"implied_provider":"`)
)

func (r *readClock) observe(typ string, line []byte) {
	if r == nil {
		return
	}
	switch typ {
	case msgRefreshStart, msgRefreshComplete:
	case msgApplyStart, msgApplyComplete, msgApplyErrored:
		if hookField(line, actionKey) != "read" {
			return
		}
	default:
		return
	}
	at, err := time.Parse(time.RFC3339Nano, hookField(line, timestampKey))
	if err != nil {
		return
	}
	addr := hookField(line, addrKey)
	if typ == msgRefreshStart || typ == msgApplyStart {
		if r.started == nil {
			r.started = map[string]time.Time{}
		}
		r.started[addr] = at
		return
	}
	start, ok := r.started[addr]
	if !ok {
		return
	}
	delete(r.started, addr)
	if r.times == nil {
		r.times = map[string][]time.Duration{}
	}
	p := hookField(line, providerKey)
	r.times[p] = append(r.times[p], max(at.Sub(start), 0))
}
