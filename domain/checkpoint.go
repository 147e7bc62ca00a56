package domain

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// Checkpoint is a signed record of an authority's audit chain head. Kept
// with a key that the database does not hold, it lets verification notice
// a chain cut short: events removed from the end leave no broken link.
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

// CheckAgainst compares a checkpoint with the verified chain of its
// authority and returns what is wrong, or nil.
func (c *Checkpoint) CheckAgainst(events []*AuditEvent) *ChainBreak {
	v := NewChainVerifier(c.AuthorityID, c)
	if b := v.Add(events); b != nil {
		return b
	}
	return v.End()
}
