package domain

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync"
	"time"
)

var idState struct {
	sync.Mutex
	lastMS uint64
	seq    uint64
}

// NewID returns a 24-character lower-case hex identifier: 12 hex digits of
// Unix milliseconds then 12 of a per-millisecond sequence started at a random
// point, so identifiers made by one process sort by creation time and ids from
// different processes do not collide in practice.
func NewID() string {
	ms := uint64(time.Now().UnixMilli())
	idState.Lock()
	if ms <= idState.lastMS {
		ms = idState.lastMS
		idState.seq++
	} else {
		var b [8]byte
		_, _ = rand.Read(b[:])
		idState.lastMS = ms
		idState.seq = binary.BigEndian.Uint64(b[:]) >> 17 // leave room to count up
	}
	seq := idState.seq
	idState.Unlock()
	var out [12]byte
	out[0], out[1], out[2], out[3], out[4], out[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	out[6], out[7], out[8], out[9], out[10], out[11] = byte(seq>>40), byte(seq>>32), byte(seq>>24), byte(seq>>16), byte(seq>>8), byte(seq)
	return hex.EncodeToString(out[:])
}

// ValidID reports whether s has the shape of an identifier made by NewID.
func ValidID(s string) bool {
	if len(s) != 24 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Clock tells the time; tests inject a fixed one.
type Clock func() time.Time

// SystemClock is the wall clock in UTC, truncated to milliseconds (what BSON dates keep) so that
// times survive a round trip through either store unchanged.
func SystemClock() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }
