package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"needmatch/api"
	"needmatch/domain"
)

// panickyStore is the real store whose CreateRequest panics, as a fault
// deep in a handler's call would.
type panickyStore struct{ domain.Store }

func (panickyStore) CreateRequest(context.Context, *domain.Request, *domain.AuditEvent) error {
	panic("secret internals: table requests is on fire")
}

func httptestRequest(method, path string, body []byte, token string) *http.Request {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	return req
}

// lockedBuffer is a log sink the server's goroutines may write to.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestHandlerPanicIs500 (issue 10): a panic in a request gives a 500
// problem+json without the panic's text, is logged with the request id,
// releases the request's Idempotency-Key, and the server keeps serving.
// Before, the panic stopped the process.
func TestHandlerPanicIs500(t *testing.T) {
	e := newEnv(t)
	var logs lockedBuffer
	svc := domain.NewService(panickyStore{e.svc.Store})
	good := e.srv
	srv, err := api.New(api.Config{Service: svc, Secret: secret, Limits: &api.Limits{}, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	body := jsonOf(validRequest())
	post := func() (int, string, map[string]any) {
		t.Helper()
		req := httptestRequest("POST", "/api/v1/requests", body, e.tokens["group"])
		req.Header.Set(api.HeaderIdempotencyKey, "panic-key-1")
		resp, err := e.srv.App.Test(req, 30_000)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var p map[string]any
		raw := new(bytes.Buffer)
		_, _ = raw.ReadFrom(resp.Body)
		if strings.Contains(raw.String(), "secret") || strings.Contains(raw.String(), "fire") || strings.Contains(raw.String(), "goroutine") {
			t.Fatalf("the panic leaks to the client: %s", raw)
		}
		if err := json.Unmarshal(raw.Bytes(), &p); err != nil || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("not problem+json: %q %s", resp.Header.Get("Content-Type"), raw)
		}
		return resp.StatusCode, resp.Header.Get("X-Request-Id"), p
	}
	status, id, p := post()
	if status != 500 || p["code"] != domain.EINTERNAL || p["detail"] != "Something went wrong on our side. It is logged as request "+id+"." {
		t.Fatalf("panicking request: %d %v", status, p)
	}
	var logged bool
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, `"requestId":"`+id+`"`) && strings.Contains(line, "secret internals") && strings.Contains(line, `"level":"ERROR"`) {
			logged = true
		}
	}
	if id == "" || !logged {
		t.Fatalf("the panic is not logged with request id %q: %s", id, logs.String())
	}
	// The key was released, not left "still running" (409) for good.
	if status, _, p := post(); status != 500 || p["code"] != domain.EINTERNAL {
		t.Fatalf("retry with the key: %d %v", status, p)
	}
	// The server keeps serving, reads and writes.
	e.call("GET", "/api/v1/requests/"+e.request, "", nil, 200)
	e.call("POST", "/api/v1/requests/"+e.draft+"/submit", "group", nil, 200)
	// The same key on a store that works takes the request.
	e.srv = good
	req := httptestRequest("POST", "/api/v1/requests", body, e.tokens["group"])
	req.Header.Set(api.HeaderIdempotencyKey, "panic-key-1")
	resp, err := e.srv.App.Test(req, 30_000)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("the released key on a working store: %v %v", resp.StatusCode, err)
	}
}
