package tf

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

// benchStream is a plan's -json stream as terraform 1.11 writes it: n
// managed resources refreshed, n/10 data sources read, n/40 drifted and
// planned, then the summary.
func benchStream(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"@level":"info","@message":"Terraform 1.11.4","@module":"terraform.ui","@timestamp":"2026-12-06T06:26:26.591056Z","terraform":"1.11.4","type":"version","ui":"1.2"}` + "\n")
	res := func(addr, typ string) string {
		return fmt.Sprintf(`"resource":{"addr":%q,"module":"","resource":%q,"implied_provider":"fakecloud","resource_type":%q,"resource_name":"r","resource_key":null}`, addr, addr, typ)
	}
	for i := range n {
		addr := fmt.Sprintf("fakecloud_instance.r[%d]", i)
		fmt.Fprintf(&b, `{"@level":"info","@message":"%s: Refreshing state... [id=i-%08d]","@module":"terraform.ui","@timestamp":"2026-12-06T06:26:26.595653Z","hook":{%s,"id_key":"id","id_value":"i-%08d"},"type":"refresh_start"}`+"\n", addr, i, res(addr, "fakecloud_instance"), i)
		fmt.Fprintf(&b, `{"@level":"info","@message":"%s: Refresh complete [id=i-%08d]","@module":"terraform.ui","@timestamp":"2026-12-06T06:26:26.595729Z","hook":{%s,"id_key":"id","id_value":"i-%08d"},"type":"refresh_complete"}`+"\n", addr, i, res(addr, "fakecloud_instance"), i)
	}
	for i := range n / 10 {
		addr := fmt.Sprintf("data.fakecloud_image.d[%d]", i)
		fmt.Fprintf(&b, `{"@level":"info","@message":"%s: Refreshing...","@module":"terraform.ui","@timestamp":"2026-12-06T06:26:50.580571Z","hook":{%s,"action":"read"},"type":"apply_start"}`+"\n", addr, res(addr, "fakecloud_image"))
		fmt.Fprintf(&b, `{"@level":"info","@message":"%s: Refresh complete after 0s","@module":"terraform.ui","@timestamp":"2026-12-06T06:26:50.580834Z","hook":{%s,"action":"read","elapsed_seconds":0},"type":"apply_complete"}`+"\n", addr, res(addr, "fakecloud_image"))
	}
	for i := range n / 40 {
		addr := fmt.Sprintf("fakecloud_instance.r[%d]", i)
		fmt.Fprintf(&b, `{"@level":"info","@message":"%s: Drift detected (update)","@module":"terraform.ui","@timestamp":"2026-12-06T06:26:26.601018Z","change":{%s,"action":"update"},"type":"resource_drift"}`+"\n", addr, res(addr, "fakecloud_instance"))
		fmt.Fprintf(&b, `{"@level":"info","@message":"%s: Plan to update","@module":"terraform.ui","@timestamp":"2026-12-06T06:26:26.601018Z","change":{%s,"action":"update"},"type":"planned_change"}`+"\n", addr, res(addr, "fakecloud_instance"))
	}
	fmt.Fprintf(&b, `{"@level":"info","@message":"Plan: 0 to add, %d to change, 0 to destroy.","@module":"terraform.ui","@timestamp":"2026-12-06T06:26:26.601061Z","changes":{"add":0,"change":%d,"import":0,"remove":0,"operation":"plan"},"type":"change_summary"}`+"\n", n/40, n/40)
	return b.Bytes()
}

// BenchmarkStreamParser is the parser's cost per plan of 2,000 resources,
// fed in the 32 KiB writes a pipe delivers, without progress and with it
// (every hook message folded into the watch a ticker reads).
func BenchmarkStreamParser(b *testing.B) {
	data := benchStream(2000)
	for _, bc := range []struct {
		name  string
		watch func() *watch
	}{
		{"no-progress", func() *watch { return nil }},
		{"progress", func() *watch { return &watch{now: time.Now} }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				sp := &streamParser{watch: bc.watch()}
				for i := 0; i < len(data); i += 32 << 10 {
					sp.Write(data[i:min(i+32<<10, len(data))])
				}
				sp.Close()
				if sp.ev.Summary == nil || sp.ev.Resources != 2000 {
					b.Fatalf("summary %v, %d resources", sp.ev.Summary, sp.ev.Resources)
				}
			}
		})
	}
}
