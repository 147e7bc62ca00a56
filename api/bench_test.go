package api_test

import (
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/valyala/fasthttp"
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
