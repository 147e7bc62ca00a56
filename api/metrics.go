package api

import (
	"crypto/subtle"
	"fmt"
	"net"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

// Metrics collects Prometheus counters and histograms in process; /metrics
// writes them in the text exposition format.
type Metrics struct {
	mu    sync.Mutex
	count map[string]uint64     // `name{labels}` -> value
	hist  map[string]*histogram // `name{labels}` -> histogram
	help  map[string]string
}

var buckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}

type histogram struct {
	counts []uint64
	sum    float64
	n      uint64
}

// NewMetrics returns an empty collector.
func NewMetrics() *Metrics {
	return &Metrics{count: map[string]uint64{}, hist: map[string]*histogram{}, help: map[string]string{
		"needmatch_http_requests_total":           "HTTP requests by method, route and status.",
		"needmatch_http_request_duration_seconds": "HTTP request latency by method and route.",
		"needmatch_store_duration_seconds":        "Store call latency by operation.",
		"needmatch_matcher_runs_total":            "Matcher runs by kind.",
	}}
}

// labelEscaper escapes a Prometheus label value (built once: building it
// per call was 5% of the server's CPU under load).
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func labels(kv ...string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(kv[i] + `="` + labelEscaper.Replace(kv[i+1]) + `"`)
	}
	b.WriteByte('}')
	return b.String()
}

// Inc adds one to a counter.
func (m *Metrics) Inc(name string, kv ...string) {
	m.mu.Lock()
	m.count[name+labels(kv...)]++
	m.mu.Unlock()
}

// Observe records a duration in a histogram.
func (m *Metrics) Observe(name string, d time.Duration, kv ...string) {
	v := d.Seconds()
	key := name + labels(kv...)
	m.mu.Lock()
	h := m.hist[key]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(buckets))}
		m.hist[key] = h
	}
	for i, b := range buckets {
		if v <= b {
			h.counts[i]++
		}
	}
	h.sum += v
	h.n++
	m.mu.Unlock()
}

// Write renders every metric in the Prometheus text format.
func (m *Metrics) Write(b *strings.Builder) {
	m.mu.Lock()
	defer m.mu.Unlock()
	typed := map[string]bool{}
	head := func(key, typ string) {
		name := key[:strings.IndexByte(key, '{')]
		if !typed[name] {
			typed[name] = true
			fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, m.help[name], name, typ)
		}
	}
	keys := make([]string, 0, len(m.count))
	for k := range m.count {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		head(k, "counter")
		fmt.Fprintf(b, "%s %d\n", k, m.count[k])
	}
	keys = keys[:0]
	for k := range m.hist {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		head(k, "histogram")
		h := m.hist[k]
		i := strings.IndexByte(k, '{')
		name, lb := k[:i], k[i+1:len(k)-1]
		sep := ""
		if lb != "" {
			sep = ","
		}
		for j, bound := range buckets {
			fmt.Fprintf(b, "%s_bucket{%s%sle=\"%s\"} %d\n", name, lb, sep, strconv.FormatFloat(bound, 'g', -1, 64), h.counts[j])
		}
		fmt.Fprintf(b, "%s_bucket{%s%sle=\"+Inf\"} %d\n%s_sum{%s} %g\n%s_count{%s} %d\n", name, lb, sep, h.n, name, lb, h.sum, name, lb, h.n)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(b, "# TYPE go_goroutines gauge\ngo_goroutines %d\n# TYPE go_memstats_heap_inuse_bytes gauge\ngo_memstats_heap_inuse_bytes %d\n", runtime.NumGoroutine(), ms.HeapInuse)
}

// handleMetrics serves /metrics: with a metrics token configured it must be
// presented as a bearer token; without one only loopback clients may read.
func (s *Server) handleMetrics(c *fiber.Ctx) error {
	if s.cfg.MetricsToken != "" {
		got, _ := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
		if subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.MetricsToken)) != 1 {
			return domain.Errorf(domain.EUNAUTHORIZED, "Metrics need the metrics token.")
		}
	} else if ip := net.ParseIP(s.clientIP(c)); ip == nil || !ip.IsLoopback() {
		return domain.Errorf(domain.ENOTFOUND, "Not found.")
	}
	var b strings.Builder
	s.metrics.Write(&b)
	c.Set(fiber.HeaderContentType, "text/plain; version=0.0.4")
	return c.SendString(b.String())
}
