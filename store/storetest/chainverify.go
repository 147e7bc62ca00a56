package storetest

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"needmatch/domain"
)

var auditKey = []byte("storetest-audit-key-0123456789abcdef")

// signed is a checkpoint of the fixture's authority signed with auditKey.
func signed(a *domain.Authority, seq int64, hash string) *domain.Checkpoint {
	c := &domain.Checkpoint{AuthorityID: a.ID, Seq: seq, Hash: hash, At: t0}
	c.Sign(auditKey)
	return c
}

// testVerifyAuditChain checks the streamed verification of a chain read
// from the store in pages: a whole chain passes with its count and head,
// whatever the page size; a stored checkpoint beyond the head reports a
// truncation.
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
		v, b, err := domain.VerifyAuditChain(ctx, s, s, auditKey, f.auth.ID, size)
		if n, h := v.Head(); err != nil || b != nil || n != 7 || h != hash {
			t.Fatalf("page size %d: head %d %q, break %+v, %v; want 7 %q", size, n, h, b, err, hash)
		}
	}
	if err := s.AddCheckpoint(ctx, signed(f.auth, 9, "x")); err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{1, 2, 0} {
		if _, b, err := domain.VerifyAuditChain(ctx, s, s, auditKey, f.auth.ID, size); err != nil || b == nil || b.Seq != 7 || !strings.Contains(b.Problem, "truncated") || !strings.Contains(b.Problem, "saw 9 events") {
			t.Fatalf("page size %d, checkpoint beyond the head: break %+v, %v", size, b, err)
		}
	}
}

// countingStore counts the audit events read through it.
type countingStore struct {
	domain.Store
	read     atomic.Int64
	minAfter atomic.Int64
}

func (c *countingStore) FindAudit(ctx context.Context, f domain.AuditFilter) ([]*domain.AuditEvent, error) {
	evs, err := c.Store.FindAudit(ctx, f)
	c.read.Add(int64(len(evs)))
	if m := c.minAfter.Load(); f.AfterSeq < m || m < 0 {
		c.minAfter.Store(f.AfterSeq)
	}
	return evs, err
}

func (c *countingStore) reset() { c.read.Store(0); c.minAfter.Store(-1) }

// testCheckpoints: the checkpoint job writes one checkpoint per moved head,
// once however many processes run it at once; each run reads only the
// events after the last checkpoint; checkpoints are stored as signed, one
// per seq, and verification checks each (its signature with the key, and
// that the chain carries its hash).
func testCheckpoints(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	for _, title := range []string{"One", "Two", "Three"} {
		f.request(t, s, title, domain.ReqDraft, "E05015018", "goods")
	}
	cs := &countingStore{Store: s}
	svc := domain.NewService(cs)
	svc.AuditKey = auditKey
	other := domain.NewService(s)
	other.AuditKey = auditKey

	// Two processes at once: one checkpoint of the head.
	var wg sync.WaitGroup
	var wrote atomic.Int64
	for _, sv := range []*domain.Service{svc, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := sv.WriteCheckpoints(ctx, t0)
			if err != nil {
				t.Errorf("WriteCheckpoints: %v", err)
			}
			wrote.Add(n)
		}()
	}
	wg.Wait()
	got, err := s.FindCheckpoints(ctx, f.auth.ID, 0, 10)
	if err != nil || len(got) != 1 || wrote.Load() != 1 {
		t.Fatalf("after two writers: %d checkpoints (%d said written), %v; want 1", len(got), wrote.Load(), err)
	}
	_, head, _ := s.AuditHead(ctx, f.auth.ID)
	if c := got[0]; c.Seq != 7 || c.Hash != head || !c.At.Equal(t0) || !c.Valid(auditKey) {
		t.Fatalf("checkpoint = %+v, want seq 7 hash %s at %v, valid", c, head, t0)
	}
	wantCode(t, s.AddCheckpoint(ctx, got[0]), domain.ECONFLICT)

	// Nothing new: nothing written, nothing but the empty page read.
	cs.reset()
	if n, err := svc.WriteCheckpoints(ctx, t0.Add(time.Minute)); err != nil || n != 0 || cs.read.Load() != 0 {
		t.Fatalf("unmoved head: wrote %d, read %d events, %v; want 0, 0", n, cs.read.Load(), err)
	}
	// Three new events: only they are read, from the last checkpoint on.
	for _, title := range []string{"Four", "Five", "Six"} {
		f.request(t, s, title, domain.ReqDraft, "E05015018", "goods")
	}
	cs.reset()
	if n, err := svc.WriteCheckpoints(ctx, t0.Add(2*time.Minute)); err != nil || n != 1 || cs.read.Load() != 3 || cs.minAfter.Load() != 7 {
		t.Fatalf("three new events: wrote %d, read %d events after seq %d, %v; want 1, 3 after 7", n, cs.read.Load(), cs.minAfter.Load(), err)
	}
	latest, err := s.LatestCheckpoints(ctx)
	if err != nil || len(latest) != 1 || latest[0].Seq != 10 || latest[0].AuthorityID != f.auth.ID {
		t.Fatalf("LatestCheckpoints = %+v, %v; want one at seq 10", latest, err)
	}
	if _, b, err := domain.VerifyAuditChain(ctx, s, s, auditKey, f.auth.ID, 2); b != nil || err != nil {
		t.Fatalf("verify with the series: %+v, %v", b, err)
	}

	// Another key: every checkpoint fails, and the job writes none.
	if _, b, err := domain.VerifyAuditChain(ctx, s, s, []byte("another-key-0123456789abcdef012345"), f.auth.ID, 0); err != nil || b == nil || b.Seq != 7 || !strings.Contains(b.Problem, "does not verify with the audit key") {
		t.Fatalf("wrong key: break %+v, %v", b, err)
	}
	wrong := domain.NewService(s)
	wrong.AuditKey = []byte("another-key-0123456789abcdef012345")
	f.request(t, s, "Seven", domain.ReqDraft, "E05015018", "goods")
	if n, err := wrong.WriteCheckpoints(ctx, t0.Add(3*time.Minute)); n != 0 || err == nil || !strings.Contains(err.Error(), "does not verify") {
		t.Fatalf("job with the wrong key: wrote %d, %v; want none and the reason", n, err)
	}
	// A checkpoint edited in the database (its hash, its MAC kept): refused.
	tampered := signed(f.auth, 11, head)
	tampered.Hash = "0f" + head[2:]
	if err := s.AddCheckpoint(ctx, tampered); err != nil {
		t.Fatal(err)
	}
	if _, b, err := domain.VerifyAuditChain(ctx, s, s, auditKey, f.auth.ID, 3); err != nil || b == nil || b.Seq != 11 || !strings.Contains(b.Problem, "edited or forged") {
		t.Fatalf("tampered checkpoint: break %+v, %v", b, err)
	}
	if n, err := svc.WriteCheckpoints(ctx, t0.Add(4*time.Minute)); n != 0 || err == nil || !strings.Contains(err.Error(), "does not verify") {
		t.Fatalf("job after a tampered checkpoint: wrote %d, %v; want none and the reason", n, err)
	}
}

// testCheckpointRewrite: a validly signed checkpoint whose hash the chain
// no longer carries reports the chain rewritten at its seq.
func testCheckpointRewrite(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	f.request(t, s, "One", domain.ReqDraft, "E05015018", "goods")
	if err := s.AddCheckpoint(ctx, signed(f.auth, 2, "not-the-hash")); err != nil {
		t.Fatal(err)
	}
	if _, b, err := domain.VerifyAuditChain(ctx, s, s, auditKey, f.auth.ID, 2); err != nil || b == nil || b.Seq != 2 || !strings.Contains(b.Problem, "rewritten") {
		t.Fatalf("checkpoint with another hash: break %+v, %v", b, err)
	}
}
