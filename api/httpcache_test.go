package api_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/valyala/fasthttp"

	"needmatch/app"
)

// get sends a GET as who ("" anonymous) with extra headers and returns the
// status, headers and body as sent (not decoded).
func (e *env) get(path, who string, headers map[string]string) (int, http.Header, []byte) {
	e.t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[who])
	}
	resp, err := e.srv.App.Test(req, 30_000)
	if err != nil {
		e.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("bad gzip: %v", err)
	}
	return out
}

func unbrotli(t *testing.T, b []byte) []byte {
	t.Helper()
	out, err := fasthttp.AppendUnbrotliBytes(nil, b)
	if err != nil {
		t.Fatalf("not brotli: %v", err)
	}
	return out
}

// TestPublicPagesRevalidate: an anonymous page of a request or a list has
// a strong ETag and says how long a client may keep it; If-None-Match with
// that tag gets 304 and no body; a write to the request changes its tag.
func TestPublicPagesRevalidate(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ path, cacheControl string }{
		{"/api/v1/requests/" + e.request, "public, no-cache"},
		{"/api/v1/requests?limit=50", "public, max-age=1"},
	} {
		t.Run(c.path, func(t *testing.T) {
			status, h, body := e.get(c.path, "", nil)
			tag := h.Get("ETag")
			if status != 200 || len(body) == 0 || !strings.HasPrefix(tag, `"`) || len(tag) < 10 {
				t.Fatalf("first GET: %d, ETag %q, %d bytes", status, tag, len(body))
			}
			if h.Get("Cache-Control") != c.cacheControl || h.Get("Vary") != "Authorization, Accept-Encoding" {
				t.Fatalf("Cache-Control %q, Vary %q; want %q and Authorization, Accept-Encoding", h.Get("Cache-Control"), h.Get("Vary"), c.cacheControl)
			}
			for _, inm := range []string{tag, `"other", ` + tag, "W/" + tag} {
				status, h2, b := e.get(c.path, "", map[string]string{"If-None-Match": inm})
				if status != 304 || len(b) != 0 || h2.Get("ETag") != tag || h2.Get("Cache-Control") != c.cacheControl {
					t.Fatalf("If-None-Match %s: %d, %d bytes, ETag %q, Cache-Control %q; want 304, none, %s", inm, status, len(b), h2.Get("ETag"), h2.Get("Cache-Control"), tag)
				}
			}
			if status, _, b := e.get(c.path, "", map[string]string{"If-None-Match": `"other"`}); status != 200 || !bytes.Equal(b, body) {
				t.Fatalf("If-None-Match another tag: %d, %d bytes; want 200 and the page", status, len(b))
			}
		})
	}
	path := "/api/v1/requests/" + e.request
	_, h, _ := e.get(path, "", nil)
	old := h.Get("ETag")
	e.pledge("supplier", e.request)
	status, h, body := e.get(path, "", map[string]string{"If-None-Match": old})
	if status != 200 || h.Get("ETag") == old || !bytes.Contains(body, []byte(`"pledgedPence":300000`)) {
		t.Fatalf("after a pledge, If-None-Match the old tag: %d, ETag %q (old %q), body %s; want 200, a new tag, the pledge counted", status, h.Get("ETag"), old, body)
	}
}

// TestSignedInAnswersAreNotShared: a signed-in caller's read is never
// answered from the public pages, not even 304 to the public tag, and
// says no-store, varying by Authorization.
func TestSignedInAnswersAreNotShared(t *testing.T) {
	e := newEnv(t)
	path := "/api/v1/requests/" + e.request
	_, h, _ := e.get(path, "", nil)
	status, h2, body := e.get(path, "group", map[string]string{"If-None-Match": h.Get("ETag")})
	if status != 200 || len(body) == 0 {
		t.Fatalf("signed in with the public tag: %d, %d bytes; want 200 and the page", status, len(body))
	}
	if h2.Get("Cache-Control") != "no-store" || h2.Get("Vary") != "Authorization" || h2.Get("ETag") != "" {
		t.Fatalf("signed in: Cache-Control %q, Vary %q, ETag %q; want no-store, Authorization, none", h2.Get("Cache-Control"), h2.Get("Vary"), h2.Get("ETag"))
	}
}

// TestCompressedJSON: a client that accepts gzip gets the same JSON
// compressed, from the page cache and from any other API answer, and
// brotli for the public pages (compressed once, when kept); one that
// refuses a coding (q=0) or names none gets it plain.
func TestCompressedJSON(t *testing.T) {
	e := newEnv(t)
	for i := 0; i < 3; i++ {
		e.pledge("supplier", e.request) // lists long enough to be worth compressing
	}
	for _, c := range []struct{ path, who string }{
		{"/api/v1/requests?limit=50", ""},
		{"/api/v1/requests/" + e.request, ""},
		{"/api/v1/pledges", "supplier"},
	} {
		t.Run(c.path+" "+c.who, func(t *testing.T) {
			_, h, plain := e.get(c.path, c.who, nil)
			if h.Get("Content-Encoding") != "" || !json.Valid(plain) || len(plain) < 200 {
				t.Fatalf("no Accept-Encoding: Content-Encoding %q, %d bytes", h.Get("Content-Encoding"), len(plain))
			}
			for _, ae := range []struct {
				header, coding string
				decode         func(*testing.T, []byte) []byte
			}{
				{"gzip", "gzip", gunzip},
				{"gzip, deflate, br", map[string]string{"": "br", "supplier": "gzip"}[c.who], map[string]func(*testing.T, []byte) []byte{"": unbrotli, "supplier": gunzip}[c.who]},
				{"br;q=0, gzip", "gzip", gunzip},
			} {
				status, h, b := e.get(c.path, c.who, map[string]string{"Accept-Encoding": ae.header})
				if status != 200 || h.Get("Content-Encoding") != ae.coding || !strings.Contains(h.Get("Vary"), "Accept-Encoding") {
					t.Fatalf("Accept-Encoding %s: %d, Content-Encoding %q, Vary %q; want 200, %s", ae.header, status, h.Get("Content-Encoding"), h.Get("Vary"), ae.coding)
				}
				if got := ae.decode(t, b); !bytes.Equal(got, plain) || len(b) >= len(plain) {
					t.Fatalf("Accept-Encoding %s: %d bytes decode to %s, want the %d bytes of %s", ae.header, len(b), got, len(plain), plain)
				}
			}
			if _, h, b := e.get(c.path, c.who, map[string]string{"Accept-Encoding": "gzip;q=0"}); h.Get("Content-Encoding") != "" || !bytes.Equal(b, plain) {
				t.Fatalf("gzip;q=0: Content-Encoding %q; want the page plain", h.Get("Content-Encoding"))
			}
		})
	}
}

// TestAppFilesPrecompressed: the app's files go out as the build
// compressed them (name.br, name.gz), byte for byte; a file the build did
// not compress is gzipped once at start; the SPA's routes get index.html;
// hashed assets may be kept for a year, index.html must be revalidated.
func TestAppFilesPrecompressed(t *testing.T) {
	index := []byte(strings.Repeat("<!doctype html><title>needmatch</title><script src=/assets/app-1a2b.js></script>\n", 20))
	js := []byte(strings.Repeat("export const x = 'needmatch';\n", 50))
	css := []byte(strings.Repeat(".govuk-body { margin: 0 }\n", 50))
	png := []byte("\x89PNG\r\n\x1a\n not compressible")
	files := fstest.MapFS{
		"index.html":            {Data: index},
		"index.html.br":         {Data: fasthttp.AppendBrotliBytesLevel(nil, index, 11)},
		"index.html.gz":         {Data: fasthttp.AppendGzipBytesLevel(nil, index, 9)},
		"assets/app-1a2b.js":    {Data: js},
		"assets/app-1a2b.js.br": {Data: fasthttp.AppendBrotliBytesLevel(nil, js, 11)},
		"assets/app-1a2b.js.gz": {Data: fasthttp.AppendGzipBytesLevel(nil, js, 9)},
		"assets/app-3c4d.css":   {Data: css},
		"assets/logo-5e6f.png":  {Data: png},
	}
	e := newEnvWith(t, func(c *app.Config) { c.Static = files })
	for _, c := range []struct {
		path, accept, coding, cacheControl string
		want                               []byte
		plain                              []byte
	}{
		{"/", "gzip, br", "br", "no-cache", files["index.html.br"].Data, index},
		{"/requests/abc", "gzip", "gzip", "no-cache", files["index.html.gz"].Data, index},
		{"/requests/abc", "", "", "no-cache", index, index},
		{"/assets/app-1a2b.js", "br", "br", "public, max-age=31536000, immutable", files["assets/app-1a2b.js.br"].Data, js},
		{"/assets/app-1a2b.js", "gzip", "gzip", "public, max-age=31536000, immutable", files["assets/app-1a2b.js.gz"].Data, js},
		{"/assets/app-3c4d.css", "gzip, br", "gzip", "public, max-age=31536000, immutable", nil, css},
		{"/assets/logo-5e6f.png", "gzip, br", "", "public, max-age=31536000, immutable", png, png},
	} {
		status, h, b := e.get(c.path, "", map[string]string{"Accept-Encoding": c.accept})
		if status != 200 || h.Get("Content-Encoding") != c.coding || h.Get("Cache-Control") != c.cacheControl || h.Get("Vary") != "Accept-Encoding" {
			t.Fatalf("%s (%s): %d, Content-Encoding %q, Cache-Control %q, Vary %q; want 200, %q, %q", c.path, c.accept, status, h.Get("Content-Encoding"), h.Get("Cache-Control"), h.Get("Vary"), c.coding, c.cacheControl)
		}
		if c.want != nil && !bytes.Equal(b, c.want) {
			t.Fatalf("%s (%s): %d bytes, not the build's %d", c.path, c.accept, len(b), len(c.want))
		}
		if c.coding == "gzip" && !bytes.Equal(gunzip(t, b), c.plain) {
			t.Fatalf("%s: the gzip body is not the file", c.path)
		}
		status, _, b = e.get(c.path, "", map[string]string{"Accept-Encoding": c.accept, "If-None-Match": h.Get("ETag")})
		if status != 304 || len(b) != 0 {
			t.Fatalf("%s with its ETag: %d, %d bytes; want 304 and none", c.path, status, len(b))
		}
	}
	if _, h, _ := e.get("/index.html.gz", "", nil); h.Get("Content-Encoding") != "" {
		t.Fatal("a compressed copy was served as a file of its own")
	}
}

// TestPublicCSVKeepsItsType: a public page kept as CSV goes out again as
// the CSV attachment it is, not as JSON.
func TestPublicCSVKeepsItsType(t *testing.T) {
	e := newEnv(t)
	first, h1, b1 := e.get("/api/v1/requests?format=csv", "", nil)
	for i := 0; i < 2; i++ {
		status, h, b := e.get("/api/v1/requests?format=csv", "", nil)
		if first != 200 || status != 200 || !bytes.Equal(b, b1) || h.Get("Content-Type") != h1.Get("Content-Type") || h.Get("Content-Disposition") != h1.Get("Content-Disposition") {
			t.Fatalf("CSV again: %d %q %q, first %d %q %q", status, h.Get("Content-Type"), h.Get("Content-Disposition"), first, h1.Get("Content-Type"), h1.Get("Content-Disposition"))
		}
	}
	if !strings.HasPrefix(h1.Get("Content-Type"), "text/csv") || !strings.Contains(h1.Get("Content-Disposition"), "requests.csv") {
		t.Fatalf("CSV: %q %q", h1.Get("Content-Type"), h1.Get("Content-Disposition"))
	}
}
