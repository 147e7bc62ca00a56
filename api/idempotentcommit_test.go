package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	"needmatch/api"
	"needmatch/app"
	"needmatch/domain"
	"needmatch/internal/ferret"
)

// failAfterCommitStore is the real store whose CreateRequest fails right
// after the change committed, as a request killed or timed out past the
// commit point.
type failAfterCommitStore struct{ domain.Store }

func (s failAfterCommitStore) CreateRequest(ctx context.Context, r *domain.Request, ev *domain.AuditEvent) error {
	if err := s.Store.CreateRequest(ctx, r, ev); err != nil {
		return err
	}
	return errors.New("injected: the connection dropped after the commit")
}

var keyedDBSeq atomic.Int64

// TestKeyAnsweredByCommit (#15): a create whose request fails after the
// change committed leaves its Idempotency-Key answered by the change, so
// the retry with the key gets the created request (201, the same id) and
// no second request is made; on the embedded store and on MongoDB.
func TestKeyAnsweredByCommit(t *testing.T) {
	stores := map[string]func(*app.Config){"sqlite": nil, "mongodb": func(c *app.Config) {
		uri, err := ferret.Shared()
		if err != nil {
			t.Fatalf("ferretdb: %v", err)
		}
		c.MongoURI, c.MongoDB = uri, fmt.Sprintf("nmkeyed_%d_%d", os.Getpid(), keyedDBSeq.Add(1))
	}}
	for name, configure := range stores {
		t.Run(name, func(t *testing.T) {
			e := newEnvWith(t, configure)
			good := e.srv
			srv, err := api.New(api.Config{Service: domain.NewService(failAfterCommitStore{e.svc.Store}), Secret: secret, Limits: &api.Limits{}, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			body := jsonOf(validRequest())
			post := func(srv *api.Server) (int, string) {
				t.Helper()
				req := httptestRequest("POST", "/api/v1/requests", body, e.tokens["group"])
				req.Header.Set(api.HeaderIdempotencyKey, "commit-key-1")
				resp, err := srv.App.Test(req, 30_000)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var out struct {
					ID string `json:"id"`
				}
				_ = json.NewDecoder(resp.Body).Decode(&out)
				return resp.StatusCode, out.ID
			}
			before := e.countRequests(t)
			if status, _ := post(srv); status != 500 {
				t.Fatalf("create failing after its commit: %d, want 500", status)
			}
			status, id := post(good)
			if status != 201 || id == "" {
				t.Fatalf("retry with the key: %d %q, want 201 with the request made", status, id)
			}
			if again, id2 := post(good); again != 201 || id2 != id {
				t.Fatalf("second retry: %d %q, want 201 %q", again, id2, id)
			}
			if n := e.countRequests(t); n != before+1 {
				t.Fatalf("requests %d after, %d before: want one more", n, before)
			}
			e.call("GET", "/api/v1/requests/"+id, "group", nil, 200)
		})
	}
}

// countRequests counts the council's requests with validRequest's title.
func (e *env) countRequests(t *testing.T) int {
	t.Helper()
	rs, _, err := e.svc.Store.FindRequests(context.Background(), domain.RequestFilter{AuthorityID: e.auth.ID, Text: "Laptops for the homework club", Page: domain.Page{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	return len(rs)
}
