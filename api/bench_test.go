package api_test

import (
	"fmt"
	"net/http/httptest"
	"testing"
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
