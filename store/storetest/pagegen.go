package storetest

import (
	"context"
	"testing"

	"needmatch/domain"
)

// testPageGeneration checks what the shared page cache relies on: an
// authority's page generation, read from the store, rises with every
// change of its requests and pledges once the change returns, and stays
// put for changes of another authority.
func testPageGeneration(t *testing.T, s domain.Store) {
	ctx := context.Background()
	svc := domain.NewService(s)
	f := newFixture(t, s)
	gen := func() uint64 {
		t.Helper()
		g, err := svc.PageGeneration(ctx, f.auth.ID)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	g0 := gen()
	r := f.request(t, s, "Generation", domain.ReqPublished, "E05015018", "goods")
	g1 := gen()
	if g1 <= g0 {
		t.Fatalf("generation after a request = %d, before %d", g1, g0)
	}
	f.pledge(t, s, r, 5_000, domain.PledgeOffered, 0)
	g2 := gen()
	if g2 <= g1 {
		t.Fatalf("generation after a pledge = %d, before %d", g2, g1)
	}
	prev := r.Version
	r.Title, r.Version = "Generation, renamed", r.Version+1
	if err := s.UpdateRequest(ctx, r, prev, ev(f.auth, "request.update", r.ID, t0)); err != nil {
		t.Fatal(err)
	}
	g3 := gen()
	if g3 <= g2 {
		t.Fatalf("generation after an update = %d, before %d", g3, g2)
	}
	other := MustAuthority(t, s, "trafford")
	mustRegister(t, s, other, domain.KindGroup, "group@trafford.example.org")
	if g := gen(); g != g3 {
		t.Fatalf("generation after another council's change = %d, want %d", g, g3)
	}
	if id, err := svc.PageAuthority(ctx, "stockport"); err != nil || id != f.auth.ID {
		t.Fatalf("PageAuthority(stockport) = %q, %v; want %q", id, err, f.auth.ID)
	}
	if _, err := svc.PageAuthority(ctx, "nowhere"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("PageAuthority(nowhere) = %v, want ENOTFOUND", err)
	}
}
