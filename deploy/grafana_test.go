package deploy_test

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/myorg/drift-action/internal/metrics"
)

// promqlWords are PromQL's keywords, aggregations included (the lexer
// reserves them; `sum by (x) (...)` puts a label list between the word and
// its "("): words in an expression that are no metric. Functions are told
// apart by the "(" after them.
var promqlWords = []string{"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "atan2", "Inf", "NaN", "inf", "nan",
	"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio"}

// labelLists are the keywords followed by a list of label names.
var labelLists = []string{"by", "without", "on", "ignoring", "group_left", "group_right"}

// metricNames are the metric names a PromQL expression selects: the words
// left once strings, label matchers ({...}), ranges ([...]), label lists
// (by (...)), keywords, numbers and function names are set aside. It is a
// lexer, not a parser (Prometheus's parser would bring the whole server
// module into go.mod for one test): Grafana checks the syntax, this checks
// the names.
func metricNames(expr string) ([]string, error) {
	var names []string
	isStart := func(c byte) bool { return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
	isPart := func(c byte) bool { return isStart(c) || c >= '0' && c <= '9' }
	skipSpace := func(i int) int {
		for i < len(expr) && (expr[i] == ' ' || expr[i] == '\t' || expr[i] == '\n') {
			i++
		}
		return i
	}
	// closing returns the index after the bracket matching expr[i].
	closing := func(i int) (int, error) {
		open, shut := expr[i], map[byte]byte{'{': '}', '[': ']', '(': ')'}[expr[i]]
		depth := 0
		for j := i; j < len(expr); j++ {
			switch c := expr[j]; {
			case c == '"' || c == '\'' || c == '`':
				k := j + 1
				for k < len(expr) && expr[k] != c {
					if expr[k] == '\\' && c != '`' {
						k++
					}
					k++
				}
				j = k
			case c == open:
				depth++
			case c == shut:
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, fmt.Errorf("%q: unbalanced %c at %d", expr, open, i)
	}
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == '{' || c == '[':
			j, err := closing(i)
			if err != nil {
				return nil, err
			}
			i = j
		case c == '"' || c == '\'' || c == '`':
			k := i + 1
			for k < len(expr) && expr[k] != c {
				if expr[k] == '\\' && c != '`' {
					k++
				}
				k++
			}
			i = k + 1
		case c >= '0' && c <= '9' || c == '.':
			for i < len(expr) && (isPart(expr[i]) || expr[i] == '.') {
				i++ // a number, 1e9 and 0x1f included
			}
		case isStart(c):
			j := i
			for j < len(expr) && isPart(expr[j]) {
				j++
			}
			word := expr[i:j]
			next := skipSpace(j)
			switch {
			case slices.Contains(labelLists, word):
				if next < len(expr) && expr[next] == '(' {
					k, err := closing(next)
					if err != nil {
						return nil, err
					}
					j = k
				}
			case slices.Contains(promqlWords, word):
			case next < len(expr) && expr[next] == '(':
				// a function or an aggregation
			default:
				names = append(names, word)
			}
			i = j
		default:
			i++
		}
	}
	return names, nil
}

// TestMetricNames holds the lexer to what it must find, and set aside.
func TestMetricNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, expr string
		want       []string
	}{
		{"selector", `drift_action_drifted_resources`, []string{"drift_action_drifted_resources"}},
		{"matchers and strings", `x{root=~"a|b{c}", status="by (y)"}`, []string{"x"}},
		{"aggregation with label list first", `sum by (root, target) (a{k="v"})`, []string{"a"}},
		{"aggregation with label list after", `max(a) without (shard)`, []string{"a"}},
		{"functions, numbers, ranges", `time() - max_over_time(b[5m]) * 1e9 + vector(0)`, []string{"b"}},
		{"binary with on and bool", `a == bool on (root) group_left (x) c or d unless e`, []string{"a", "c", "d", "e"}},
		{"escaped quote in a string", `f{root="a\"b c"}`, []string{"f"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := metricNames(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("metricNames(%q) (-want +got):\n%s", tc.expr, diff)
			}
		})
	}
}

// dashboardQueries are the PromQL expressions of deploy/grafana's
// dashboard, by where they are: every panel target's expr and every query
// variable's label_values() metric.
func dashboardQueries(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("grafana/drift-action.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				RefID string `json:"refId"`
				Expr  string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("grafana/drift-action.json: %v", err)
	}
	out := map[string]string{}
	for _, p := range d.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			out[fmt.Sprintf("panel %q target %s", p.Title, tg.RefID)] = tg.Expr
		}
	}
	labelValues := regexp.MustCompile(`^label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\)$`)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		q, _ := v.Query.(map[string]any)
		s, _ := q["query"].(string)
		m := labelValues.FindStringSubmatch(s)
		if m == nil {
			t.Errorf("variable %s: query %q is not label_values(METRIC, LABEL)", v.Name, s)
			continue
		}
		out["variable "+v.Name] = m[1]
	}
	return out
}

// TestDashboardQueriesNameEmittedMetrics: every query of the Grafana
// dashboard names only metrics drift-action emits (the names come from the
// registry's own declarations), and every metric it emits is on the
// dashboard.
func TestDashboardQueriesNameEmittedMetrics(t *testing.T) {
	t.Parallel()
	emitted := metrics.Names()
	used := map[string]bool{}
	queries := dashboardQueries(t)
	if len(queries) == 0 {
		t.Fatal("the dashboard has no queries")
	}
	for where, expr := range queries {
		names, err := metricNames(expr)
		if err != nil {
			t.Errorf("%s: %v", where, err)
			continue
		}
		if len(names) == 0 {
			t.Errorf("%s: %q names no metric", where, expr)
		}
		for _, n := range names {
			if !slices.Contains(emitted, n) {
				t.Errorf("%s: %q names %s, which drift-action does not emit (it emits %v)", where, expr, n, emitted)
			}
			used[n] = true
		}
	}
	var missing []string
	for _, n := range emitted {
		if !used[n] {
			missing = append(missing, n)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("metrics on no dashboard panel: %v", missing)
	}
}
