package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"needmatch/api"
	"needmatch/app"
	"needmatch/domain"
	"needmatch/internal/ferret"
)

// failAfterCommitStore is the real store whose creates fail right after
// the change committed, as a request killed or timed out past the commit
// point: a request, an invitation (an account write of its own), an
// evidence upload and a delivery report (a ledger intent).
type failAfterCommitStore struct{ domain.Store }

var errAfterCommit = errors.New("injected: the connection dropped after the commit")

func (s failAfterCommitStore) CreateRequest(ctx context.Context, r *domain.Request, ev *domain.AuditEvent) error {
	if err := s.Store.CreateRequest(ctx, r, ev); err != nil {
		return err
	}
	return errAfterCommit
}

func (s failAfterCommitStore) CreateUser(ctx context.Context, u *domain.User, ev *domain.AuditEvent) error {
	if err := s.Store.CreateUser(ctx, u, ev); err != nil {
		return err
	}
	return errAfterCommit
}

func (s failAfterCommitStore) CreateEvidence(ctx context.Context, e *domain.Evidence, content []byte, ev *domain.AuditEvent) error {
	if err := s.Store.CreateEvidence(ctx, e, content, ev); err != nil {
		return err
	}
	return errAfterCommit
}

func (s failAfterCommitStore) CreateDelivery(ctx context.Context, d *domain.Delivery, p *domain.Pledge, prev int64, evs []*domain.AuditEvent) error {
	if err := s.Store.CreateDelivery(ctx, d, p, prev, evs); err != nil {
		return err
	}
	return errAfterCommit
}

var keyedDBSeq atomic.Int64

// bothStores configures a test's platform on the embedded store and on
// MongoDB (FerretDB), each MongoDB run in a database of its own named by
// prefix.
func bothStores(t *testing.T, prefix string) map[string]func(*app.Config) {
	return map[string]func(*app.Config){"sqlite": nil, "mongodb": func(c *app.Config) {
		uri, err := ferret.Shared()
		if err != nil {
			t.Fatalf("ferretdb: %v", err)
		}
		c.MongoURI, c.MongoDB = uri, fmt.Sprintf("%s_%d_%d", prefix, os.Getpid(), keyedDBSeq.Add(1))
	}}
}

// TestKeyAnsweredByCommit (#15): a create whose request fails after the
// change committed leaves its Idempotency-Key answered by the change, so
// the retry with the key gets the created object (201, the same id) and
// no second one is made; on the embedded store and on MongoDB, for a
// request, an invitation, an evidence upload and a delivery report.
func TestKeyAnsweredByCommit(t *testing.T) {
	for name, configure := range bothStores(t, "nmkeyed") {
		t.Run(name, func(t *testing.T) {
			e := newEnvWith(t, configure)
			e.partnership()
			good := e.srv
			srv, err := api.New(api.Config{Service: domain.NewService(failAfterCommitStore{e.svc.Store}), Secret: secret, Limits: &api.Limits{}, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			trafford, err := e.svc.Store.AuthorityBySlug(context.Background(), "trafford")
			if err != nil {
				t.Fatal(err)
			}
			evidence, evidenceType := multipartBody("file", "keyed.txt", "text/plain", []byte("Keyed timesheet"))
			pledge := e.approvedPledge()
			for _, c := range []struct {
				name, who, path, ctype string
				body                   []byte
				council                string // the chain of the change's event
				action                 string
			}{
				{"request", "group", "/api/v1/requests", "application/json", jsonOf(validRequest()), e.auth.ID, "request.create"},
				{"invitation", "platform_admin", "/api/v1/authorities/trafford/admins", "application/json",
					jsonOf(map[string]any{"email": "keyed@trafford.example", "name": "Keyed admin"}), trafford.ID, "user.invite"},
				{"evidence", "supplier", "/api/v1/evidence", evidenceType, evidence, e.auth.ID, "evidence.upload"},
				{"delivery", "supplier", "/api/v1/pledges/" + pledge + "/deliveries", "application/json",
					jsonOf(map[string]any{"quantity": 1, "date": time.Now().Format(time.DateOnly)}), e.auth.ID, "delivery.report"},
			} {
				t.Run(c.name, func(t *testing.T) {
					post := func(srv *api.Server) (int, string) {
						t.Helper()
						req := httptestRequest("POST", c.path, c.body, e.tokens[c.who])
						req.Header.Set("Content-Type", c.ctype)
						req.Header.Set(api.HeaderIdempotencyKey, "commit-key-"+c.name)
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
					before := e.countEvents(t, c.council, c.action)
					if status, _ := post(srv); status != 500 {
						t.Fatalf("create failing after its commit: %d, want 500", status)
					}
					status, id := post(good)
					if status != 201 || id == "" {
						t.Fatalf("retry with the key: %d %q, want 201 with the object made", status, id)
					}
					if again, id2 := post(good); again != 201 || id2 != id {
						t.Fatalf("second retry: %d %q, want 201 %q", again, id2, id)
					}
					if n := e.countEvents(t, c.council, c.action); n != before+1 {
						t.Fatalf("%s events %d after, %d before: want one more", c.action, n, before)
					}
				})
			}
			if ds, err := e.svc.Store.DeliveriesOfPledge(context.Background(), pledge); err != nil || len(ds) != 1 {
				t.Fatalf("deliveries of the pledge = %d, %v; want 1", len(ds), err)
			}
		})
	}
}

// countEvents counts the events of action in a council's chain.
func (e *env) countEvents(t *testing.T, council, action string) int {
	t.Helper()
	evs, err := e.svc.Store.FindAudit(context.Background(), domain.AuditFilter{AuthorityID: council})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		if ev.Action == action {
			n++
		}
	}
	return n
}
