package domain

import (
	"context"
	"strconv"
	"time"
)

// ChainVerifier checks an authority's audit chain as it is read, page by
// page, holding only the seq and hash of the last event seen: verifying a
// chain of any length takes the memory of one page.
type ChainVerifier struct {
	AuthorityID string
	// Checkpoint, when set, is the authority's latest signed checkpoint:
	// the event at its seq must carry its hash, and the chain must reach it.
	Checkpoint *Checkpoint
	prev       string
	seq        int64
	broken     *ChainBreak
}

// NewChainVerifier starts a verification of authorityID's chain at seq 1.
func NewChainVerifier(authorityID string, cp *Checkpoint) *ChainVerifier {
	return &ChainVerifier{AuthorityID: authorityID, Checkpoint: cp, prev: GenesisHash}
}

// Add checks the next events, in seq order; it returns the first break
// found (and that break again on every later call).
func (v *ChainVerifier) Add(events []*AuditEvent) *ChainBreak {
	for _, e := range events {
		if v.broken != nil {
			return v.broken
		}
		switch {
		case e.Seq != v.seq+1:
			v.broken = &ChainBreak{v.AuthorityID, e.Seq, e.ID, "sequence gap or reorder: expected seq " + strconv.FormatInt(v.seq+1, 10)}
		case e.PrevHash != v.prev:
			v.broken = &ChainBreak{v.AuthorityID, e.Seq, e.ID, "previous-hash link broken (an event before it was changed, removed or reordered)"}
		case e.ComputeHash() != e.Hash:
			v.broken = &ChainBreak{v.AuthorityID, e.Seq, e.ID, "event content does not match its hash (edited)"}
		case v.Checkpoint != nil && e.Seq == v.Checkpoint.Seq && e.Hash != v.Checkpoint.Hash:
			c := v.Checkpoint
			v.broken = &ChainBreak{c.AuthorityID, c.Seq, e.ID, "event differs from the signed checkpoint of " + c.At.UTC().Format(time.RFC3339) + " (chain rewritten)"}
		default:
			v.prev, v.seq = e.Hash, e.Seq
		}
	}
	return v.broken
}

// End says whether the chain, all read, is whole: no break, and as long
// as its checkpoint saw it.
func (v *ChainVerifier) End() *ChainBreak {
	if v.broken != nil {
		return v.broken
	}
	if c := v.Checkpoint; c != nil && v.seq < c.Seq {
		return &ChainBreak{c.AuthorityID, v.seq, "", "chain truncated: a checkpoint of " + c.At.UTC().Format(time.RFC3339) + " saw " + strconv.FormatInt(c.Seq, 10) + " events, only " + strconv.FormatInt(v.seq, 10) + " remain"}
	}
	return nil
}

// Head is the seq and hash of the last event accepted (0 and GenesisHash
// before any).
func (v *ChainVerifier) Head() (int64, string) { return v.seq, v.prev }

// AuditPageSize is how many events a streamed verification reads at once.
const AuditPageSize = 5000

// VerifyAuditChain reads authorityID's chain from st in pages of pageSize
// events (0: AuditPageSize) and checks it as it goes (see ChainVerifier);
// it returns the verifier, ended, and the first break, or a read error.
func VerifyAuditChain(ctx context.Context, st AuditStore, authorityID string, cp *Checkpoint, pageSize int) (*ChainVerifier, *ChainBreak, error) {
	if pageSize <= 0 {
		pageSize = AuditPageSize
	}
	v := NewChainVerifier(authorityID, cp)
	for after := int64(0); ; {
		evs, err := st.FindAudit(ctx, AuditFilter{AuthorityID: authorityID, AfterSeq: after, Limit: pageSize})
		if err != nil {
			return v, nil, err
		}
		if b := v.Add(evs); b != nil {
			return v, b, nil
		}
		if len(evs) < pageSize {
			return v, v.End(), nil
		}
		after = evs[len(evs)-1].Seq
	}
}
