package matcher

import "unsafe"

// scratch is work memory for arrays of pointer-free types, carved from one
// []uint64: a flow solve's dozen arrays are one allocation, which the next
// solve of the same Allocate uses again, and which the explanations are
// written to once the last solve is done (see prob.work). At 20,000 pledges
// Allocate allocated 7.4 MB a run, 5.9 MB with this: every megabyte counts
// there, since one garbage collector cycle a run is already the difference
// between Allocate and LEMON (GOGC=off about halves its CPU time), and the
// heap that grows in a run is handed back to the system and faulted in
// again in the next.
type scratch struct {
	mem []uint64
	off int // words handed out since reset
}

// reset makes room for words words, zeroed, and takes back everything
// handed out before: nothing carved before may be used after.
func (s *scratch) reset(words int) {
	if cap(s.mem) < words {
		s.mem = make([]uint64, words)
	} else {
		s.mem = s.mem[:words]
		clear(s.mem)
	}
	s.off = 0
}

// words is how many words carve takes for n values of T.
func words[T any](n int) int {
	var t T
	return (n*int(unsafe.Sizeof(t)) + 7) / 8
}

// carve returns n zeroed values of T (len and cap n) from s, which must
// have room (see reset and words). T must hold no pointers: the garbage
// collector does not look inside s. Every carve starts on a word, which is
// all the alignment the types used need.
func carve[T any](s *scratch, n int) []T {
	if n == 0 {
		return nil
	}
	w := words[T](n)
	if s.off+w > len(s.mem) {
		panic("matcher: scratch too small")
	}
	p := unsafe.Pointer(&s.mem[s.off])
	s.off += w
	return unsafe.Slice((*T)(p), n)
}

// takeBytes hands s's memory over as bytes, and leaves s empty: the bytes
// may outlive it (strings may share them), so s must not use them again.
func (s *scratch) takeBytes() []byte {
	if cap(s.mem) == 0 {
		return nil
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(&s.mem[:1][0])), cap(s.mem)*8)
	s.mem, s.off = nil, 0
	return b
}
