package api

import (
	"crypto/subtle"
	"fmt"
	"maps"
	"net"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

// Metrics collects Prometheus counters and histograms in process; /metrics
// writes them in the text exposition format. Every request counts in two
// series, so counting allocates nothing and takes no exclusive lock once a
// series exists: series are found by a comparable key (name and label
// values, not a string built per call) under a read lock, and counted with
// atomic adds; label strings are built only when /metrics is read.
type Metrics struct {
	mu    sync.RWMutex
	count map[seriesKey]*atomic.Uint64
	hist  map[seriesKey]*histogram
	help  map[string]string
}

// seriesKey names one series: the metric and up to maxLabels label pairs.
type seriesKey struct {
	name string
	n    int
	kv   [2 * maxLabels]string
}

const maxLabels = 3

func newSeriesKey(name string, kv []string) seriesKey {
	if len(kv) > 2*maxLabels || len(kv)%2 != 0 {
		panic(fmt.Sprintf("metric %s: labels must be at most %d name-value pairs", name, maxLabels))
	}
	k := seriesKey{name: name, n: len(kv)}
	copy(k.kv[:], kv)
	return k
}

// labels is the series' label set as Prometheus writes it, without braces.
func (k *seriesKey) labels() string {
	var b strings.Builder
	for i := 0; i < k.n; i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k.kv[i] + `="` + labelEscaper.Replace(k.kv[i+1]) + `"`)
	}
	return b.String()
}

var buckets = [...]float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}

// histogram counts observations per bucket (the last: above every bound),
// not cumulated: one atomic add per observation; Write cumulates.
type histogram struct {
	counts [len(buckets) + 1]atomic.Uint64
	sumNs  atomic.Int64
}

// NewMetrics returns an empty collector.
func NewMetrics() *Metrics {
	return &Metrics{count: map[seriesKey]*atomic.Uint64{}, hist: map[seriesKey]*histogram{}, help: map[string]string{
		"needmatch_http_requests_total":           "HTTP requests by method, route and status.",
		"needmatch_http_request_duration_seconds": "HTTP request latency by method and route.",
		"needmatch_store_duration_seconds":        "Store call latency by operation.",
		"needmatch_matcher_runs_total":            "Matcher runs by kind.",
	}}
}

// labelEscaper escapes a Prometheus label value (built once: building it
// per call was 5% of the server's CPU under load).
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// series returns the value under k in m, made by mk the first time.
func series[V any](mu *sync.RWMutex, m map[seriesKey]*V, k seriesKey) *V {
	mu.RLock()
	v := m[k]
	mu.RUnlock()
	if v != nil {
		return v
	}
	mu.Lock()
	defer mu.Unlock()
	if v = m[k]; v == nil {
		v = new(V)
		m[k] = v
	}
	return v
}

// Inc adds one to a counter; kv are at most three label name-value pairs.
func (m *Metrics) Inc(name string, kv ...string) {
	series(&m.mu, m.count, newSeriesKey(name, kv)).Add(1)
}

// Observe records a duration in a histogram.
func (m *Metrics) Observe(name string, d time.Duration, kv ...string) {
	h := series(&m.mu, m.hist, newSeriesKey(name, kv))
	v, i := d.Seconds(), 0
	for i < len(buckets) && v > buckets[i] {
		i++
	}
	h.counts[i].Add(1)
	h.sumNs.Add(int64(d))
}

// Write renders every metric in the Prometheus text format, series sorted
// by name and labels.
func (m *Metrics) Write(b *strings.Builder) {
	type line struct {
		name, labels string
		k            seriesKey
	}
	sorted := func(keys []seriesKey) []line {
		out := make([]line, len(keys))
		for i, k := range keys {
			out[i] = line{k.name, k.labels(), k}
		}
		sort.Slice(out, func(i, j int) bool {
			return out[i].name+"{"+out[i].labels < out[j].name+"{"+out[j].labels
		})
		return out
	}
	m.mu.RLock()
	counters := sorted(slices.Collect(maps.Keys(m.count)))
	hists := sorted(slices.Collect(maps.Keys(m.hist)))
	m.mu.RUnlock()
	typed := map[string]bool{}
	head := func(name, typ string) {
		if !typed[name] {
			typed[name] = true
			fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, m.help[name], name, typ)
		}
	}
	for _, l := range counters {
		head(l.name, "counter")
		fmt.Fprintf(b, "%s{%s} %d\n", l.name, l.labels, series(&m.mu, m.count, l.k).Load())
	}
	for _, l := range hists {
		head(l.name, "histogram")
		h := series(&m.mu, m.hist, l.k)
		name, lb := l.name, l.labels
		sep := ""
		if lb != "" {
			sep = ","
		}
		var n uint64
		for j, bound := range buckets {
			n += h.counts[j].Load()
			fmt.Fprintf(b, "%s_bucket{%s%sle=\"%s\"} %d\n", name, lb, sep, strconv.FormatFloat(bound, 'g', -1, 64), n)
		}
		n += h.counts[len(buckets)].Load()
		fmt.Fprintf(b, "%s_bucket{%s%sle=\"+Inf\"} %d\n%s_sum{%s} %g\n%s_count{%s} %d\n", name, lb, sep, n, name, lb, time.Duration(h.sumNs.Load()).Seconds(), name, lb, n)
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
