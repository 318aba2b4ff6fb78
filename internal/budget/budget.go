// Package budget is pure: how many reads terraform may have in flight
// against a provider so that a request budget holds, chosen from how fast
// that provider's reads were in an earlier run, and the latency file that
// keeps those measurements from one run to the next.
//
// Terraform cannot pace its calls; its -parallelism only bounds how many
// are in flight. So a budget is held through Little's law, taken at its
// most careful: p reads in flight, none faster than the fastest read
// measured, start at most p·⌈W/fastest⌉ times in any window of W.
package budget

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Rate is a request budget: at most Requests reads may start in any
// window of Per (a half-open interval [t, t+Per)).
type Rate struct {
	Requests int
	Per      time.Duration
}

func (r Rate) String() string {
	w := r.Per.String() // 5m0s, 1h0m0s: shown as 5m, 1h
	if strings.HasSuffix(w, "m0s") {
		w = strings.TrimSuffix(w, "0s")
	}
	if strings.HasSuffix(w, "h0m") {
		w = strings.TrimSuffix(w, "0m")
	}
	return strconv.Itoa(r.Requests) + "/" + w
}

// ParseRate reads "REQUESTS/WINDOW" such as 500/5m or 20/1s (a Go
// duration; "s", "m" and "h" alone mean one of them).
func ParseRate(s string) (Rate, error) {
	n, w, ok := strings.Cut(strings.TrimSpace(s), "/")
	req, err := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err != nil || req < 1 {
		return Rate{}, fmt.Errorf("rate %q: want REQUESTS/WINDOW with a whole number of requests of at least 1, e.g. 500/5m or 20/1s", s)
	}
	w = strings.TrimSpace(w)
	if w == "s" || w == "m" || w == "h" {
		w = "1" + w
	}
	per, err := time.ParseDuration(w)
	if err != nil || per <= 0 {
		return Rate{}, fmt.Errorf("rate %q: the window %q is not a positive duration such as 1s, 5m or 1h", s, w)
	}
	return Rate{Requests: req, Per: per}, nil
}

// MaxParallelism bounds the parallelism a budget can give: beyond it
// terraform's own work, not the provider, limits a plan, and a generous
// budget with very slow reads would ask for thousands.
const MaxParallelism = 64

// Choice is the parallelism for one budget and what it rests on.
type Choice struct {
	Parallelism int
	// Holds is false when the budget cannot be promised: no read has been
	// measured (nor a latency given), or reads are so fast that even one
	// at a time, shared as it is, starts more than the budget allows.
	Holds bool
}

// Parallelism is the most reads terraform may have in flight for a
// budget r shared by sharing targets planned at the same time, when no
// read takes less than fastest.
//
// Each of p reads in flight ends before its slot starts another, so one
// slot's starts are at least fastest apart and a window of r.Per holds at
// most ⌈r.Per/fastest⌉ of them; p slots in each of sharing targets
// start at most sharing·p·⌈r.Per/fastest⌉, which p keeps within
// r.Requests. Unknown latency (0) gives 1, not promised: a single read at
// a time is the least terraform can do, and still too much if reads are
// fast enough.
func Parallelism(r Rate, fastest time.Duration, sharing int) Choice {
	sharing = max(sharing, 1)
	if fastest <= 0 || r.Requests < 1 || r.Per <= 0 {
		return Choice{Parallelism: 1}
	}
	perSlot := math.Ceil(float64(r.Per) / float64(fastest))
	p := math.Floor(float64(r.Requests) / (float64(sharing) * perSlot))
	if p < 1 {
		return Choice{Parallelism: 1}
	}
	return Choice{Parallelism: int(min(p, MaxParallelism)), Holds: true}
}

// Source is a provider's source address as terraform writes it in the
// dependency lock file: hostname/namespace/type, lower case, the public
// registry's hostname added when s leaves it out.
func Source(s string) (string, error) {
	parts := strings.Split(strings.ToLower(strings.TrimSpace(s)), "/")
	for _, p := range parts {
		if p == "" {
			return "", errors.New("an empty part")
		}
	}
	switch len(parts) {
	case 2:
		return "registry.terraform.io/" + strings.Join(parts, "/"), nil
	case 3:
		return strings.Join(parts, "/"), nil
	}
	return "", fmt.Errorf("%d parts; want NAMESPACE/TYPE or HOSTNAME/NAMESPACE/TYPE", len(parts))
}

// TypeName is the provider's type, the last part of its source address:
// the name terraform implies from a resource type's prefix.
func TypeName(source string) string {
	return source[strings.LastIndexByte(source, '/')+1:]
}
