package domain

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// AuditEvent records who did what to which object, with the object before
// and after. Events of an authority form a hash chain in Seq order: each Hash
// covers the event and the previous event's hash.
type AuditEvent struct {
	ID          string          `json:"id"`
	Seq         int64           `json:"seq"`
	AuthorityID string          `json:"authority"`
	Actor       string          `json:"actor"`
	Action      string          `json:"action"`
	ObjectType  string          `json:"objectType"`
	Object      string          `json:"object"`
	Before      json.RawMessage `json:"before,omitempty"`
	After       json.RawMessage `json:"after,omitempty"`
	At          time.Time       `json:"at"`
	PrevHash    string          `json:"prevHash"`
	Hash        string          `json:"hash"`
	// Notify are the notifications the change calls for, written by the
	// store with the event, in the same transaction; not part of the event
	// or its hash.
	Notify []*Notification `json:"-"`
}

// GenesisHash is the PrevHash of an authority's first event.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// NewAuditEvent builds an event with snapshots of before and after (either may be nil).
func NewAuditEvent(authorityID, actor, action, objectType, object string, before, after any, at time.Time) *AuditEvent {
	return &AuditEvent{
		ID: NewID(), AuthorityID: authorityID, Actor: actor, Action: action,
		ObjectType: objectType, Object: object, Before: snapshot(before), After: snapshot(after), At: at,
	}
}

func snapshot(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

// ComputeHash returns the hash of the event chained to its PrevHash: SHA-256
// over the fields joined with a separator byte, hex encoded.
func (e *AuditEvent) ComputeHash() string {
	h := sha256.New()
	for _, s := range []string{
		e.PrevHash, strconv.FormatInt(e.Seq, 10), e.ID, e.AuthorityID, e.Actor, e.Action,
		e.ObjectType, e.Object, string(e.Before), string(e.After), e.At.UTC().Format(time.RFC3339Nano),
	} {
		h.Write([]byte(s))
		h.Write([]byte{0x1f})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Chain sets Seq, PrevHash and Hash so e follows the event with seq and hash.
func (e *AuditEvent) Chain(prevSeq int64, prevHash string) {
	if prevHash == "" {
		prevHash = GenesisHash
	}
	e.Seq, e.PrevHash = prevSeq+1, prevHash
	e.Hash = e.ComputeHash()
}

// AuditFilter selects events of one authority.
type AuditFilter struct {
	AuthorityID string
	Object      string
	// After is the last Seq of the previous page (events come oldest first).
	AfterSeq int64
	Limit    int
}

// AuditStore reads the audit trail; events are written by the stores
// together with the change they record.
type AuditStore interface {
	// FindAudit lists events oldest first.
	FindAudit(ctx context.Context, f AuditFilter) ([]*AuditEvent, error)
	// AuditAuthorities lists the authority ids that have events.
	AuditAuthorities(ctx context.Context) ([]string, error)
	// AuditHead returns the seq and hash of the authority's last event
	// (0 and "" when it has none), without reading the chain.
	AuditHead(ctx context.Context, authorityID string) (int64, string, error)
	// ChangedSince lists, oldest first, what the authority's events after
	// seq are about, at most limit (> 0) of them, without reading their
	// before and after. Every change writes its documents before its event
	// takes its seq (see PageGeneration), so a reader that read AuditHead
	// h and then the documents has seen every change up to h, and
	// ChangedSince(h) names the objects of every change since.
	ChangedSince(ctx context.Context, authorityID string, seq int64, limit int) ([]ChangedObject, error)
}

// ChangedObject is what one audit event is about: its seq, the type of its
// object (pledge, request, organisation, ...) and the object's id.
type ChangedObject struct {
	Seq        int64
	ObjectType string
	Object     string
}

// ChainBreak says where a verification failed.
type ChainBreak struct {
	AuthorityID string
	Seq         int64
	EventID     string
	Problem     string
}

// VerifyChain checks a run of events given in Seq order starting at seq 1.
// It returns nil when the chain is whole.
func VerifyChain(authorityID string, events []*AuditEvent) *ChainBreak {
	return NewChainVerifier(authorityID, nil).Add(events)
}

// ListAudit lists the audit events of the officer's authority, optionally of one object.
func (s *Service) ListAudit(ctx context.Context, a *Actor, f AuditFilter) ([]*AuditEvent, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	if f.Object != "" && !ValidID(f.Object) {
		return nil, FieldErrorf("object", "object must be an id")
	}
	f.AuthorityID = a.AuthorityID
	return s.Store.FindAudit(ctx, f)
}
