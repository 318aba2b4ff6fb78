package pipeline

import (
	"fmt"
	"strings"
	"testing"

	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/policy"
)

// bigPlan is a plan shaped as terraform writes one for n terraform_data
// resources being created, as bench/policy.sh makes.
func bigPlan(n int) []byte {
	var rc, pv strings.Builder
	for i := range n {
		if i > 0 {
			rc.WriteString(",")
			pv.WriteString(",")
		}
		fmt.Fprintf(&pv, `{"address":"terraform_data.r[%d]","mode":"managed","type":"terraform_data","name":"r","index":%d,"provider_name":"terraform.io/builtin/terraform","schema_version":0,"values":{"input":{"index":%d,"name":"r-%d"},"triggers_replace":null},"sensitive_values":{"input":{}}}`, i, i, i, i)
		fmt.Fprintf(&rc, `{"address":"terraform_data.r[%d]","mode":"managed","type":"terraform_data","name":"r","index":%d,"provider_name":"terraform.io/builtin/terraform","change":{"actions":["create"],"before":null,"after":{"input":{"index":%d,"name":"r-%d"},"triggers_replace":null},"after_unknown":{"id":true,"input":{},"output":true},"before_sensitive":false,"after_sensitive":{"input":{}}}}`, i, i, i, i)
	}
	return []byte(`{"format_version":"1.2","terraform_version":"1.11.4","planned_values":{"root_module":{"resources":[` + pv.String() +
		`]}},"resource_changes":[` + rc.String() + `],"configuration":{"provider_config":{"terraform":{"name":"terraform","full_name":"terraform.io/builtin/terraform"}},"root_module":{"resources":[{"address":"terraform_data.r","mode":"managed","type":"terraform_data","name":"r","provider_config_key":"terraform","expressions":{"input":{}},"schema_version":0,"count_expression":{"constant_value":10000}}]}},"timestamp":"2026-12-06T00:00:00Z","applyable":true,"complete":true,"errored":false}`)
}

// BenchmarkReadPlanForPolicies reads a 10,000-resource plan for a policy
// that reads input.raw.resource_changes alone, as `policy check` does.
func BenchmarkReadPlanForPolicies(b *testing.B) {
	data := bigPlan(10000)
	reads := policy.RawReads{Keys: map[string]bool{"resource_changes": true}}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		p, err := ReadPlanFor(data, reads)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.Secrets(drift.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
