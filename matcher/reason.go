package matcher

import "unsafe"

// explainBytes is about the length of an explanation with short IDs (the
// longest, for a whole pledge that did not fit, is about 160; the usual ones
// about 105).
const explainBytes = 160

// textChunk is the size of the buffers explanations are written to: small
// enough that the last one wastes little, big enough to be few.
const textChunk = 32 << 10

// result turns the approved amounts into an Allocation with a reason for
// every pledge not approved in full.
func (pb *prob) result(pr Problem, out outcome) *Allocation {
	return pb.resultIn(make([]Decision, len(pr.Pledges)), pr, out)
}

// resultIn is result with the decisions written to dec, one for each of
// pr.Pledges, zeroed.
func (pb *prob) resultIn(dec []Decision, pr Problem, out outcome) *Allocation {
	x := out.x
	a := &Allocation{Objective: out.obj, Bound: out.bound, BoundKind: out.kind, Optimal: out.optimal, TimedOut: out.timedOut,
		Decisions: dec}
	if out.bound > 0 {
		a.Gap = float64(out.bound-out.obj) / float64(out.bound)
	}
	reqRes := append([]int64(nil), pb.need...)
	supRes := append([]int64(nil), pb.limit...)
	for p, v := range x {
		reqRes[pb.pReq[p]] -= v
		supRes[pb.pSup[p]] -= v
		a.ApprovedPence += v
	}
	// the flow solves are done: their memory is the explanations' first,
	// in halves if the decisions are written in two (see inParts)
	spare := pb.work.takeBytes()
	half := len(spare) / 2
	if len(pb.pReq) < parallelMin {
		half = len(spare)
	}
	inParts(len(pb.pReq), func(part, lo, hi int) {
		buf := spare[:half:half]
		if part == 1 {
			buf = spare[half:]
		}
		pb.decide(a, pr.Pledges, x, reqRes, supRes, lo, hi, buf[:0])
	})
	return a
}

// decide writes the decisions of pledges lo..hi-1. The explanations are
// written one after another into buf (the flow solves' memory), then into
// buffers of textChunk bytes, each a string sharing its buffer's bytes, to
// spare an allocation per pledge (at a million pledges the allocations cost
// more than the whole flow solve). A new buffer starts when the room left
// may not hold the next explanation, so the bytes allocated are within a
// few percent of the text's (a buffer sized for 160 bytes an explanation
// allocated half as much again).
func (pb *prob) decide(a *Allocation, pls []AllocPledge, x, reqRes, supRes []int64, lo, hi int, buf []byte) {
	short := 0
	for p := lo; p < hi; p++ {
		if x[p] < pb.pVal[p] {
			short++
		}
	}
	for p := lo; p < hi; p++ {
		r, s := pb.pReq[p], pb.pSup[p]
		o := pb.pOrig[p]
		d := &a.Decisions[o]
		d.PledgeID, d.RequestID, d.SupplierID = pls[o].ID, pb.reqID[r], pb.supID[s]
		d.ValuePence, d.ApprovedPence, d.Weight = pb.pVal[p], x[p], pb.pW[p]
		if x[p] >= pb.pVal[p] {
			continue
		}
		if room := explainBytes + len(pb.reqID[r]) + len(pb.supID[s]); cap(buf)-len(buf) < room {
			buf = make([]byte, 0, max(min(textChunk, short*explainBytes), room))
		}
		start := len(buf)
		d.Reason, buf = pb.reason(buf, p, x[p], reqRes[r], supRes[s])
		// the bytes up to len(buf) are not written again (an explanation
		// longer than the room is appended to a copy), so the string can
		// share them, as strings.Builder does, instead of copying them
		d.Explanation = unsafe.String(&buf[start], len(buf)-start)
		short--
	}
}

// reason appends the explanation of pledge p to b.
func (pb *prob) reason(b []byte, p int, approved, reqLeft, supLeft int64) (Reason, []byte) {
	r, s := pb.pReq[p], pb.pSup[p]
	if approved > 0 {
		b = append(b, "Cut to "...)
		b = appendPounds(b, approved)
		b = append(b, " of "...)
		b = appendPounds(b, pb.pVal[p])
		b = append(b, ": "...)
	} else {
		b = append(b, "Not approved: "...)
	}
	req := func(b []byte) []byte { return append(append(b, "request "...), pb.reqID[r]...) }
	sup := func(b []byte) []byte { return append(append(b, "supplier "...), pb.supID[s]...) }
	var why Reason
	switch {
	case pb.pW[p] == 0:
		why = ReasonZeroScore
		b = append(b, "its score is zero, so approving it would add no value."...)
	case pb.need[r] == 0:
		why = ReasonNoNeed
		b = append(req(b), " has no remaining need."...)
	case pb.limit[s] == 0:
		why = ReasonNoLimit
		b = append(sup(b), " has no commitment room left under its limit."...)
	case reqLeft == 0:
		why = ReasonNeedCovered
		b = append(req(append(b, "the rest of the need of "...)), " is covered by other pledges that add more value"...)
		if supLeft == 0 {
			b = append(sup(append(b, ", and "...)), " is at its commitment limit"...)
		}
		b = append(b, '.')
	case supLeft == 0:
		why = ReasonSupplierLimit
		b = append(sup(b), " is at its commitment limit; its other pledges add more value."...)
	case pb.pWhole[p] && (pb.pVal[p] > reqLeft || pb.pVal[p] > supLeft):
		why = ReasonWholeDidNotFit
		b = append(b, "the supplier asked for all or nothing, and the whole "...)
		b = appendPounds(b, pb.pVal[p])
		b = append(b, " did not fit in what was left ("...)
		b = appendPounds(b, reqLeft)
		b = req(append(b, " of need for "...))
		b = append(b, ", "...)
		b = appendPounds(b, supLeft)
		b = append(sup(append(b, " under the limit of "...)), ")."...)
	default:
		why = ReasonNotChosen
		b = append(b, "the search stopped before it could be added."...)
	}
	return why, b
}
