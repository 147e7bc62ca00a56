package storetest

import (
	"context"
	"strings"
	"testing"

	"needmatch/domain"
)

// testVerifyAuditChain checks the streamed verification of a chain read
// from the store in pages: a whole chain passes with its count and head,
// whatever the page size; a checkpoint beyond the head reports a
// truncation, one whose hash differs a rewrite.
func testVerifyAuditChain(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	for _, title := range []string{"One", "Two", "Three"} {
		f.request(t, s, title, domain.ReqDraft, "E05015018", "goods")
	}
	seq, hash, err := s.AuditHead(ctx, f.auth.ID)
	if err != nil || seq != 7 {
		t.Fatalf("AuditHead = %d, %v; want 7", seq, err)
	}
	for _, size := range []int{1, 2, 7, 0} {
		v, b, err := domain.VerifyAuditChain(ctx, s, f.auth.ID, nil, size)
		if n, h := v.Head(); err != nil || b != nil || n != 7 || h != hash {
			t.Fatalf("page size %d: head %d %q, break %+v, %v; want 7 %q", size, n, h, b, err, hash)
		}
	}
	cp := &domain.Checkpoint{AuthorityID: f.auth.ID, Seq: 9, Hash: "x", At: t0}
	if _, b, err := domain.VerifyAuditChain(ctx, s, f.auth.ID, cp, 2); err != nil || b == nil || b.Seq != 7 || !strings.Contains(b.Problem, "truncated") {
		t.Fatalf("checkpoint beyond the head: break %+v, %v", b, err)
	}
	cp = &domain.Checkpoint{AuthorityID: f.auth.ID, Seq: 3, Hash: "not-the-hash", At: t0}
	if _, b, err := domain.VerifyAuditChain(ctx, s, f.auth.ID, cp, 2); err != nil || b == nil || b.Seq != 3 || !strings.Contains(b.Problem, "rewritten") {
		t.Fatalf("checkpoint with another hash: break %+v, %v", b, err)
	}
}
