package api_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"needmatch/api"
)

// TestMetricsWrite checks the text format: counters per label set,
// histograms with cumulative buckets, sum and count, label values escaped,
// and counts from many goroutines all kept.
func TestMetricsWrite(t *testing.T) {
	m := api.NewMetrics()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				m.Inc("needmatch_http_requests_total", "method", "GET", "route", "/api/v1/requests", "status", "200")
			}
		}()
	}
	wg.Wait()
	m.Inc("needmatch_http_requests_total", "method", "GET", "route", `a"b\c`, "status", "404")
	m.Observe("needmatch_store_duration_seconds", 700*time.Microsecond, "op", "RequestByID")
	m.Observe("needmatch_store_duration_seconds", 3*time.Millisecond, "op", "RequestByID")
	m.Observe("needmatch_store_duration_seconds", 5*time.Second, "op", "RequestByID")
	var b strings.Builder
	m.Write(&b)
	out := b.String()
	for _, want := range []string{
		"# TYPE needmatch_http_requests_total counter\n" +
			`needmatch_http_requests_total{method="GET",route="/api/v1/requests",status="200"} 800` + "\n" +
			`needmatch_http_requests_total{method="GET",route="a\"b\\c",status="404"} 1` + "\n",
		`needmatch_store_duration_seconds_bucket{op="RequestByID",le="0.0005"} 0` + "\n" +
			`needmatch_store_duration_seconds_bucket{op="RequestByID",le="0.001"} 1` + "\n",
		`needmatch_store_duration_seconds_bucket{op="RequestByID",le="0.005"} 2` + "\n",
		`needmatch_store_duration_seconds_bucket{op="RequestByID",le="2.5"} 2` + "\n" +
			`needmatch_store_duration_seconds_bucket{op="RequestByID",le="+Inf"} 3` + "\n" +
			`needmatch_store_duration_seconds_sum{op="RequestByID"} 5.0037` + "\n" +
			`needmatch_store_duration_seconds_count{op="RequestByID"} 3` + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack\n%s\nin\n%s", want, out)
		}
	}
}

// BenchmarkMetrics measures counting one request as requestMeta does (a
// counter and a histogram observation with labels): allocs/op should be 0.
func BenchmarkMetrics(b *testing.B) {
	m := api.NewMetrics()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Inc("needmatch_http_requests_total", "method", "GET", "route", "/api/v1/requests/:id", "status", "200")
			m.Observe("needmatch_http_request_duration_seconds", time.Millisecond, "method", "GET", "route", "/api/v1/requests/:id")
		}
	})
}
