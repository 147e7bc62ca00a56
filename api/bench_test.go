package api_test

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"needmatch/api"
	"needmatch/app"
)

// BenchmarkRequestList measures GET /requests (filtered, first page) through
// the whole fiber stack on the embedded store.
func BenchmarkRequestList(b *testing.B) {
	e := newEnv(b)
	for i := 0; i < 300; i++ {
		e.publishedRequest("group", "officer")
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest("GET", fmt.Sprintf("/api/v1/requests?kind=goods&area=E05015018"), nil)
		resp, err := e.srv.App.Test(req, -1)
		if err != nil || resp.StatusCode != 200 {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
}

// BenchmarkRequestGet measures GET /requests/:id.
func BenchmarkRequestGet(b *testing.B) {
	e := newEnv(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, err := e.srv.App.Test(httptest.NewRequest("GET", "/api/v1/requests/"+e.request, nil), -1)
		if err != nil || resp.StatusCode != 200 {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
}

// BenchmarkPageCompress measures what compressing a public page costs, per
// page, at the levels the server uses (brotli 5 and gzip 6 for kept pages,
// made once per page; brotli 0 and gzip 1 for other answers, per request)
// and the size each gives.
func BenchmarkPageCompress(b *testing.B) {
	e := newEnv(b)
	for i := 0; i < 30; i++ {
		e.publishedRequest("group", "officer")
	}
	pages := map[string][]byte{}
	for name, path := range map[string]string{"list": "/api/v1/requests", "request": "/api/v1/requests/" + e.request} {
		_, _, body := e.raw("GET", path, "", nil, "")
		pages[name] = body
	}
	codings := []struct {
		name string
		fn   func(dst, src []byte) []byte
	}{
		{"brotli0", func(dst, src []byte) []byte { return fasthttp.AppendBrotliBytesLevel(dst, src, 0) }},
		{"brotli4", func(dst, src []byte) []byte { return fasthttp.AppendBrotliBytesLevel(dst, src, 4) }},
		{"brotli5", func(dst, src []byte) []byte { return fasthttp.AppendBrotliBytesLevel(dst, src, 5) }},
		{"gzip1", func(dst, src []byte) []byte { return fasthttp.AppendGzipBytesLevel(dst, src, 1) }},
		{"gzip6", func(dst, src []byte) []byte { return fasthttp.AppendGzipBytesLevel(dst, src, 6) }},
	}
	for _, name := range []string{"list", "request"} {
		page := pages[name]
		for _, c := range codings {
			b.Run(fmt.Sprintf("%s-%dB/%s", name, len(page), c.name), func(b *testing.B) {
				var out []byte
				for i := 0; i < b.N; i++ {
					out = c.fn(out[:0], page)
				}
				b.ReportMetric(float64(len(out)), "bytes/page")
			})
		}
	}
}

// BenchmarkPublicPageHit measures the server's own cost of an anonymous GET
// answered from the page cache (what the read load is made of), through
// every middleware, with no connection: fiber's handler on a request
// context, as fasthttp calls it. allocs/op is the figure to watch; the
// rate limits are on (DefaultLimits), the requests coming from a new
// address every 256 so that no bucket runs dry; the log at warn, as
// scripts/load runs the server.
func BenchmarkPublicPageHit(b *testing.B) {
	e := newEnvWith(b, func(c *app.Config) {
		c.NoRateLimits, c.Limits = false, &api.DefaultLimits
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn})) // as scripts/load runs it
	})
	for i := 0; i < 30; i++ {
		e.publishedRequest("group", "officer")
	}
	handler := e.srv.App.Handler()
	for n, path := range []string{"/api/v1/requests/" + e.request, "/api/v1/requests?kind=goods"} {
		name := "request"
		if strings.Contains(path, "?") {
			name = "list"
		}
		b.Run(name, func(b *testing.B) {
			var ctx fasthttp.RequestCtx
			var req fasthttp.Request
			req.SetRequestURI(path)
			addr := &net.TCPAddr{IP: net.IPv4(10, byte(n), 0, 1), Port: 40000}
			ctx.Init(&req, addr, nil)
			handler(&ctx)
			if ctx.Response.StatusCode() != 200 || len(ctx.Response.Body()) == 0 {
				b.Fatalf("warm-up: %d %s", ctx.Response.StatusCode(), ctx.Response.Body())
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := processCPU()
			for i := 0; i < b.N; i++ {
				ctx.Response.Reset()
				addr.IP[14], addr.IP[15] = byte(i>>16), byte(i>>8)
				handler(&ctx)
				if ctx.Response.StatusCode() != 200 {
					b.Fatalf("status %d", ctx.Response.StatusCode())
				}
			}
			// The process's CPU time per request: unlike ns/op, it does not
			// grow with the other work on a shared machine.
			b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// processCPU is the CPU time (user and system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
