package domain

import (
	"context"
	"strconv"
	"time"
)

// ChainVerifier checks an authority's audit chain as it is read, page by
// page, holding only the seq and hash of the last event seen and the
// checkpoints not yet reached: verifying a chain of any length takes the
// memory of a page or two.
type ChainVerifier struct {
	AuthorityID string
	// checkpoints are the signed checkpoints ahead, by seq: the event at
	// each one's seq must carry its hash, and the chain must reach the last.
	checkpoints []*Checkpoint
	prev        string
	seq         int64
	broken      *ChainBreak
}

// NewChainVerifier starts a verification of authorityID's chain at seq 1
// that expects the checkpoints cps (nil ones are ignored).
func NewChainVerifier(authorityID string, cps ...*Checkpoint) *ChainVerifier {
	v := &ChainVerifier{AuthorityID: authorityID, prev: GenesisHash}
	v.Expect(cps...)
	return v
}

// Expect adds checkpoints the chain must match, given by seq after those
// already expected; ones at or before the last event accepted are ignored.
func (v *ChainVerifier) Expect(cps ...*Checkpoint) {
	for _, c := range cps {
		if c != nil && c.Seq > v.seq {
			v.checkpoints = append(v.checkpoints, c)
		}
	}
}

// Add checks the next events, in seq order; it returns the first break
// found (and that break again on every later call).
func (v *ChainVerifier) Add(events []*AuditEvent) *ChainBreak {
	for _, e := range events {
		if v.broken != nil {
			return v.broken
		}
		var c *Checkpoint
		if len(v.checkpoints) > 0 && v.checkpoints[0].Seq == e.Seq {
			c = v.checkpoints[0]
		}
		switch {
		case e.Seq != v.seq+1:
			v.broken = &ChainBreak{v.AuthorityID, e.Seq, e.ID, "sequence gap or reorder: expected seq " + strconv.FormatInt(v.seq+1, 10)}
		case e.PrevHash != v.prev:
			v.broken = &ChainBreak{v.AuthorityID, e.Seq, e.ID, "previous-hash link broken (an event before it was changed, removed or reordered)"}
		case e.ComputeHash() != e.Hash:
			v.broken = &ChainBreak{v.AuthorityID, e.Seq, e.ID, "event content does not match its hash (edited)"}
		case c != nil && e.Hash != c.Hash:
			v.broken = &ChainBreak{c.AuthorityID, c.Seq, e.ID, "event differs from the signed checkpoint of " + c.At.UTC().Format(time.RFC3339) + " (chain rewritten)"}
		default:
			v.prev, v.seq = e.Hash, e.Seq
			if c != nil {
				v.checkpoints = v.checkpoints[1:]
			}
		}
	}
	return v.broken
}

// End says whether the chain, all read, is whole: no break, and as long
// as its last checkpoint saw it.
func (v *ChainVerifier) End() *ChainBreak {
	if v.broken != nil {
		return v.broken
	}
	if n := len(v.checkpoints); n > 0 {
		c := v.checkpoints[n-1]
		return &ChainBreak{c.AuthorityID, v.seq, "", "chain truncated: a checkpoint of " + c.At.UTC().Format(time.RFC3339) + " saw " + strconv.FormatInt(c.Seq, 10) + " events, only " + strconv.FormatInt(v.seq, 10) + " remain"}
	}
	return nil
}

// Head is the seq and hash of the last event accepted (0 and GenesisHash
// before any).
func (v *ChainVerifier) Head() (int64, string) { return v.seq, v.prev }

// AuditPageSize is how many events a streamed verification reads at once.
const AuditPageSize = 5000

// read reads the chain from the event after the head on, pageSize events
// at a time, and checks it. Before each page it calls ahead (when set)
// with the page's last seq, so the checkpoints up to it can be expected.
// It returns the first break, or nil when all is read whole.
func (v *ChainVerifier) read(ctx context.Context, st AuditStore, pageSize int, ahead func(lastSeq int64) (*ChainBreak, error)) (*ChainBreak, error) {
	for after := v.seq; ; {
		evs, err := st.FindAudit(ctx, AuditFilter{AuthorityID: v.AuthorityID, AfterSeq: after, Limit: pageSize})
		if err != nil {
			return nil, err
		}
		if len(evs) > 0 && ahead != nil {
			if b, err := ahead(evs[len(evs)-1].Seq); b != nil || err != nil {
				return b, err
			}
		}
		if b := v.Add(evs); b != nil {
			return b, nil
		}
		if len(evs) < pageSize {
			return nil, nil
		}
		after = evs[len(evs)-1].Seq
	}
}

// VerifyAuditChain reads authorityID's chain from st in pages of pageSize
// events (0: AuditPageSize) and checks it as it goes (see ChainVerifier)
// against every checkpoint of the authority in cps (nil: none), read page
// by page as well; each checkpoint's signature must verify with key. It
// returns the verifier, ended, and the first break, or a read error.
func VerifyAuditChain(ctx context.Context, st AuditStore, cps CheckpointStore, key []byte, authorityID string, pageSize int) (*ChainVerifier, *ChainBreak, error) {
	if pageSize <= 0 {
		pageSize = AuditPageSize
	}
	v := NewChainVerifier(authorityID)
	var cpAfter int64
	cpDone := cps == nil
	// expect queues the checkpoints up to seq (and a page of later ones).
	expect := func(seq int64) (*ChainBreak, error) {
		for !cpDone && cpAfter < seq {
			cs, err := cps.FindCheckpoints(ctx, authorityID, cpAfter, pageSize)
			if err != nil {
				return nil, err
			}
			for _, c := range cs {
				if !c.Valid(key) {
					return c.forged(), nil
				}
			}
			if len(cs) < pageSize {
				cpDone = true
			} else {
				cpAfter = cs[len(cs)-1].Seq
			}
			if seq == maxSeq && len(v.checkpoints) > 0 { // past the chain's end: the last one alone tells
				v.checkpoints = v.checkpoints[len(v.checkpoints)-1:]
			}
			v.Expect(cs...)
		}
		return nil, nil
	}
	b, err := v.read(ctx, st, pageSize, expect)
	if b == nil && err == nil {
		b, err = expect(maxSeq)
	}
	if b == nil && err == nil {
		b = v.End()
	}
	return v, b, err
}

const maxSeq = int64(^uint64(0) >> 1)
