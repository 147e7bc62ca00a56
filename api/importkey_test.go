package api_test

import (
	"context"
	"encoding/json"
	"testing"

	"needmatch/api"
	"needmatch/domain"
)

// cutImportStore is the real store whose imports stop part way, as a
// request killed in the middle of a MongoDB import (written record by
// record): the suppliers and the first contract of a contracts import, the
// first payment of a payments import, are written; then the request fails.
type cutImportStore struct{ domain.Store }

func (s cutImportStore) ImportContracts(ctx context.Context, b *domain.ImportBatch) error {
	n := len(b.Organisations) + 1
	part := &domain.ImportBatch{Organisations: b.Organisations, Contracts: b.Contracts[:1], Events: b.Events[:n]}
	if err := s.Store.ImportContracts(ctx, part); err != nil {
		return err
	}
	return errAfterCommit
}

func (s cutImportStore) CreatePayments(ctx context.Context, ps []*domain.Payment, evs []*domain.AuditEvent) error {
	if err := s.Store.CreatePayments(ctx, ps[:1], evs[:1]); err != nil {
		return err
	}
	return errAfterCommit
}

// TestImportKeyAnsweredByTheImport: an import's records do not answer its
// Idempotency-Key, so a retry of an import killed part way imports the
// rest and answers with the import's result. Before, the first record's
// commit answered the key: the retry got 201 and one supplier, and the
// other contracts and payments of the file were never imported. On the
// embedded store and on MongoDB.
func TestImportKeyAnsweredByTheImport(t *testing.T) {
	contracts := importHeader +
		"R-1,Libraries,Place,Acme Ltd,01234567,£60000,Reading hours,10,£1000,£250.50,2027-01-31,2026-01-15\n" +
		"R-2,Parks,Place,Acme Ltd,01234567,£40000,Volunteering hours,20,£2000,£500,2027-03-31,2026-02-01\n" +
		"R-3,Roads,Place,Bolt Ltd,07654321,£90000,Apprenticeships,2,£3000,,2027-06-30,\n"
	payments := "contract reference,supplier,supplier postcode district or ward code,amount,payment date\n" +
		"R-1,Acme Ltd,SK4,£300,2025-05-01\nR-2,Acme Ltd,M1,£100,2025-06-01\nR-3,Bolt Ltd,SK1,£50,2025-07-01\n"
	for name, configure := range bothStores(t, "nmimportkey") {
		t.Run(name, func(t *testing.T) {
			e := newEnvWith(t, configure)
			e.call("POST", "/api/v1/directorates", "officer", map[string]any{"name": "Place"}, 201)
			cut, err := api.New(api.Config{Service: domain.NewService(cutImportStore{e.svc.Store}), Secret: secret, Limits: &api.Limits{}, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			post := func(srv *api.Server, path, key, csv string) (int, map[string]any) {
				t.Helper()
				req := httptestRequest("POST", path, jsonOf(map[string]any{"csv": csv}), e.tokens["officer"])
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set(api.HeaderIdempotencyKey, key)
				resp, err := srv.App.Test(req, 30_000)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var out map[string]any
				_ = json.NewDecoder(resp.Body).Decode(&out)
				return resp.StatusCode, out
			}
			if st, _ := post(cut, "/api/v1/imports/contracts", "import-contracts", contracts); st != 500 {
				t.Fatalf("contracts import cut part way: %d, want 500", st)
			}
			st, res := post(e.srv, "/api/v1/imports/contracts", "import-contracts", contracts)
			if st != 200 || res["contracts"] != float64(2) || res["contractsKept"] != float64(1) || res["commitments"] != float64(3) {
				t.Fatalf("retry of the contracts import with its key: %d %v, want 200 importing the 2 contracts the cut left, keeping the 1 it wrote", st, res)
			}
			if got := len(e.call("GET", "/api/v1/contracts?limit=50", "officer", nil, 200)["items"].([]any)); got != 3 {
				t.Fatalf("contracts after the retry = %d, want 3", got)
			}
			if st, _ := post(cut, "/api/v1/imports/payments", "import-payments", payments); st != 500 {
				t.Fatalf("payments import cut part way: %d, want 500", st)
			}
			st, res = post(e.srv, "/api/v1/imports/payments", "import-payments", payments)
			if st != 200 {
				t.Fatalf("retry of the payments import with its key: %d %v, want 200", st, res)
			}
			ls := e.call("GET", "/api/v1/ledger/local-spend?fy=2025", "officer", nil, 200)
			if ls["totalPence"] != float64(45000) {
				t.Fatalf("local spend after the retry = %v, want all 3 payments (£450)", ls)
			}
		})
	}
}
