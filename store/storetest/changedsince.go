package storetest

import (
	"context"
	"testing"

	"needmatch/domain"
)

// testChangedSince checks what a warm proposal relies on: ChangedSince
// names, oldest first and with their seqs, the objects of every event of
// the authority after a seq, up to a limit, and nothing of another
// authority; from the head it names nothing.
func testChangedSince(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	head := func() int64 {
		t.Helper()
		seq, _, err := s.AuditHead(ctx, f.auth.ID)
		if err != nil {
			t.Fatal(err)
		}
		return seq
	}
	h0 := head()
	r := &domain.Request{ID: domain.NewID(), AuthorityID: f.auth.ID, Authority: f.auth.Slug, OrganisationID: f.group.ID, OrganisationName: f.group.Name,
		Title: "Changed", Kind: "goods", Area: "E05015018", Quantity: 1, Unit: "hours", ValuePence: 10_000, Deadline: t0.AddDate(0, 1, 0),
		Status: domain.ReqPublished, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateRequest(ctx, r, domain.NewAuditEvent(f.auth.ID, "tester", "request.create", "request", r.ID, nil, r, t0)); err != nil {
		t.Fatal(err)
	}
	p := &domain.Pledge{ID: domain.NewID(), AuthorityID: f.auth.ID, Authority: f.auth.Slug, RequestID: r.ID, RequestTitle: r.Title, RequestOrgID: r.OrganisationID,
		OrganisationID: f.supplier.ID, OrganisationName: f.supplier.Name, Offer: "Help", Quantity: 1, Unit: "day", ValuePence: 5_000,
		Status: domain.PledgeOffered, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreatePledge(ctx, p, domain.NewAuditEvent(f.auth.ID, "tester", "pledge.create", "pledge", p.ID, nil, p, t0)); err != nil {
		t.Fatal(err)
	}
	o := f.supplier
	prev := o.Version
	o.CommitmentLimitPence, o.Version = 1_000, o.Version+1
	if err := s.UpdateOrganisation(ctx, o, prev, domain.NewAuditEvent(f.auth.ID, "tester", "organisation.update", "organisation", o.ID, nil, o, t0)); err != nil {
		t.Fatal(err)
	}
	other := MustAuthority(t, s, "trafford")
	mustRegister(t, s, other, domain.KindSupplier, "supplier@trafford.example.org")
	want := []domain.ChangedObject{{Seq: h0 + 1, ObjectType: "request", Object: r.ID}, {Seq: h0 + 2, ObjectType: "pledge", Object: p.ID},
		{Seq: h0 + 3, ObjectType: "organisation", Object: o.ID}}
	if h := head(); h != h0+3 {
		t.Fatalf("head after three changes = %d, want %d", h, h0+3)
	}
	for _, c := range []struct {
		after int64
		limit int
		want  []domain.ChangedObject
	}{
		{h0, 10, want},
		{h0, 2, want[:2]},
		{h0 + 1, 10, want[1:]},
		{h0 + 3, 10, nil},
	} {
		got, err := s.ChangedSince(ctx, f.auth.ID, c.after, c.limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(c.want) {
			t.Fatalf("ChangedSince(%d, %d) = %+v, want %+v", c.after, c.limit, got, c.want)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Fatalf("ChangedSince(%d, %d)[%d] = %+v, want %+v", c.after, c.limit, i, got[i], c.want[i])
			}
		}
	}
	if got, err := s.ChangedSince(ctx, "no-such-council", 0, 10); err != nil || len(got) != 0 {
		t.Fatalf("ChangedSince(no such council) = %+v, %v; want nothing", got, err)
	}
}
