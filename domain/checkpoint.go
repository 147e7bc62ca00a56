package domain

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Checkpoint is a signed record of an authority's audit chain head. Signed
// with a key that the database does not hold (NEEDMATCH_AUDIT_KEY), it lets
// verification notice a chain cut short or rewritten: events removed from
// the end leave no broken link, and a rewritten chain no longer carries the
// hash a checkpoint saw. Checkpoints are kept in the database, one series
// per authority (at most one per seq), written by the process that holds
// the checkpoint job's lease.
type Checkpoint struct {
	AuthorityID string    `json:"authority"`
	Seq         int64     `json:"seq"`
	Hash        string    `json:"hash"`
	At          time.Time `json:"at"`
	MAC         string    `json:"mac"`
}

func (c *Checkpoint) mac(key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(c.AuthorityID + "\x1f" + strconv.FormatInt(c.Seq, 10) + "\x1f" + c.Hash + "\x1f" + c.At.UTC().Format(time.RFC3339Nano)))
	return hex.EncodeToString(m.Sum(nil))
}

// Sign sets the MAC with key.
func (c *Checkpoint) Sign(key []byte) { c.MAC = c.mac(key) }

// Valid reports whether the MAC matches key.
func (c *Checkpoint) Valid(key []byte) bool {
	return hmac.Equal([]byte(c.MAC), []byte(c.mac(key)))
}

// forged is the break of a checkpoint whose signature does not verify.
func (c *Checkpoint) forged() *ChainBreak {
	return &ChainBreak{c.AuthorityID, c.Seq, "", "the checkpoint of " + c.At.UTC().Format(time.RFC3339) + " at seq " + strconv.FormatInt(c.Seq, 10) +
		" does not verify with the audit key (edited or forged, or NEEDMATCH_AUDIT_KEY is not the key it was signed with)"}
}

// CheckAgainst compares a checkpoint with the verified chain of its
// authority and returns what is wrong, or nil.
func (c *Checkpoint) CheckAgainst(events []*AuditEvent) *ChainBreak {
	v := NewChainVerifier(c.AuthorityID, c)
	if b := v.Add(events); b != nil {
		return b
	}
	return v.End()
}

// CheckpointStore keeps the signed checkpoints of the audit chains.
type CheckpointStore interface {
	// AddCheckpoint stores c as it is (the store checks no signature);
	// ECONFLICT when c's authority has a checkpoint at c.Seq already.
	AddCheckpoint(ctx context.Context, c *Checkpoint) error
	// FindCheckpoints lists authorityID's checkpoints with Seq above
	// afterSeq, by Seq, at most limit of them.
	FindCheckpoints(ctx context.Context, authorityID string, afterSeq int64, limit int) ([]*Checkpoint, error)
	// LatestCheckpoints returns the checkpoint of the highest Seq of every
	// authority that has one, by authority id.
	LatestCheckpoints(ctx context.Context) ([]*Checkpoint, error)
}

// CheckpointEvery is how often the checkpoint job runs unless configured.
const CheckpointEvery = time.Minute

// WriteCheckpoints signs the head of every authority's audit chain that
// moved since its last checkpoint, with s.AuditKey at now. It verifies only
// what is new: the events after the last checkpoint, which must follow it
// (the first of them links to its hash); a chain that does not, or a last
// checkpoint whose signature does not verify, gets no checkpoint and is
// reported in the error, while the other authorities still get theirs.
// A checkpoint another process wrote first at the same seq is left as it
// is. It returns how many checkpoints it wrote.
func (s *Service) WriteCheckpoints(ctx context.Context, now time.Time) (int64, error) {
	if len(s.AuditKey) == 0 {
		return 0, errors.New("no audit key: checkpoints are not signed")
	}
	auths, err := s.Store.AuditAuthorities(ctx)
	if err != nil {
		return 0, err
	}
	latest, err := s.Store.LatestCheckpoints(ctx)
	if err != nil {
		return 0, err
	}
	last := map[string]*Checkpoint{}
	for _, c := range latest {
		last[c.AuthorityID] = c
	}
	var n int64
	var errs []error
	for _, id := range auths {
		wrote, err := s.writeCheckpoint(ctx, id, last[id], now)
		if err != nil {
			errs = append(errs, err)
		}
		if wrote {
			n++
		}
	}
	return n, errors.Join(errs...)
}

// writeCheckpoint checkpoints one authority's chain from its last
// checkpoint prev (nil: from the start).
func (s *Service) writeCheckpoint(ctx context.Context, authorityID string, prev *Checkpoint, now time.Time) (bool, error) {
	v := NewChainVerifier(authorityID, nil)
	if prev != nil {
		if !prev.Valid(s.AuditKey) {
			b := prev.forged()
			return false, fmt.Errorf("audit checkpoint of authority %s: %s", authorityID, b.Problem)
		}
		v.seq, v.prev = prev.Seq, prev.Hash
	}
	if b, err := v.read(ctx, s.Store, AuditPageSize, nil); err != nil {
		return false, err
	} else if b != nil {
		return false, fmt.Errorf("audit chain of authority %s broken at seq %d (event %s): %s; no checkpoint written", b.AuthorityID, b.Seq, b.EventID, b.Problem)
	}
	seq, hash := v.Head()
	if seq == 0 || (prev != nil && seq == prev.Seq) {
		return false, nil
	}
	// At in milliseconds: what every store keeps of a time, and the MAC covers it.
	c := &Checkpoint{AuthorityID: authorityID, Seq: seq, Hash: hash, At: now.UTC().Truncate(time.Millisecond)}
	c.Sign(s.AuditKey)
	if err := s.Store.AddCheckpoint(ctx, c); err != nil {
		if ErrorCode(err) == ECONFLICT { // another writer checkpointed this head
			return false, nil
		}
		return false, err
	}
	return true, nil
}
