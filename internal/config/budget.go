package config

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/myorg/drift-action/internal/budget"
	"go.yaml.in/yaml/v3"
)

// Budget is one entry of drift.yaml's budgets: at most Rate requests to
// Provider's API from the targets of the roots matching Root ("" for every
// root; an entry with a root wins over one without), held by choosing
// terraform's -parallelism (see internal/budget).
type Budget struct {
	Provider string // source address, normalised: registry.terraform.io/myorg/fakecloud
	Root     string
	Rate     budget.Rate
	// Latency is the fastest read to assume until a run has measured
	// one; 0 when not given.
	Latency time.Duration
	Line    int
}

// budgets decodes the budgets list; every entry's errors are reported
// together.
func (d decoder) budgets(n *yaml.Node, key string) ([]Budget, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, d.errf(n, "%s must be a list of {provider, requests-per-second or rate, latency, root}", key)
	}
	var out []Budget
	var errs []error
	seen := map[[2]string]int{}
	for i, bn := range n.Content {
		b := Budget{Line: bn.Line}
		where := fmt.Sprintf("%s[%d]", key, i)
		var rps *yaml.Node
		var rate *yaml.Node
		err := d.mapping(bn, where, map[string]func(*yaml.Node) error{
			"provider": func(n *yaml.Node) error {
				s, err := d.str(n, where+".provider")
				if err != nil {
					return err
				}
				if b.Provider, err = budget.Source(s); err != nil {
					return d.errf(n, "%s.provider %q is not a provider source address (%v): write it as in required_providers, e.g. hashicorp/aws", where, s, err)
				}
				return nil
			},
			"requests-per-second": func(n *yaml.Node) error {
				v, err := d.positive(n, where+".requests-per-second")
				rps, b.Rate = n, budget.Rate{Requests: v, Per: time.Second}
				return err
			},
			"rate": func(n *yaml.Node) error {
				s, err := d.str(n, where+".rate")
				if err != nil {
					return err
				}
				rate = n
				if b.Rate, err = budget.ParseRate(s); err != nil {
					return d.errf(n, "%s.%v", where, err)
				}
				return nil
			},
			"latency": func(n *yaml.Node) error {
				v, err := d.duration(n, where+".latency")
				if err == nil && v <= 0 {
					err = d.errf(n, "%s.latency must be more than 0: the fastest a read of this provider takes, e.g. 80ms", where)
				}
				b.Latency = v
				return err
			},
			"root": func(n *yaml.Node) (err error) {
				if b.Root, err = d.str(n, where+".root"); err == nil {
					err = d.filePath(n, where+".root", b.Root, "dns or infra/*")
				}
				return
			},
		})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		switch {
		case b.Provider == "":
			errs = append(errs, d.errf(bn, "%s needs provider: the provider's source address, e.g. hashicorp/aws", where))
			continue
		case rps != nil && rate != nil:
			errs = append(errs, d.errf(rate, "%s has both requests-per-second and rate: keep one", where))
			continue
		case rps == nil && rate == nil:
			errs = append(errs, d.errf(bn, "%s needs requests-per-second (e.g. 20) or rate (REQUESTS/WINDOW, e.g. 500/5m)", where))
			continue
		}
		k := [2]string{b.Provider, strings.Trim(b.Root, "/")}
		if line, dup := seen[k]; dup {
			errs = append(errs, d.errf(bn, "%s: provider %s already has a budget for the same roots at line %d; keep one", where, b.Provider, line))
			continue
		}
		seen[k] = b.Line
		out = append(out, b)
	}
	return out, errors.Join(errs...)
}
