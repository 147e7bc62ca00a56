package matcher

// result turns the approved amounts into an Allocation with a reason for
// every pledge not approved in full.
func (pb *prob) result(pr Problem, x []int64, bound, obj int64, optimal, timedOut bool) *Allocation {
	a := &Allocation{Objective: obj, Bound: bound, Optimal: optimal, TimedOut: timedOut,
		Decisions: make([]Decision, len(pr.Pledges))}
	if bound > 0 {
		a.Gap = float64(bound-obj) / float64(bound)
	}
	reqRes := append([]int64(nil), pb.need...)
	supRes := append([]int64(nil), pb.limit...)
	for p, v := range x {
		reqRes[pb.pReq[p]] -= v
		supRes[pb.pSup[p]] -= v
		a.ApprovedPence += v
	}
	for p := range pb.pID {
		r, s := pb.pReq[p], pb.pSup[p]
		d := Decision{PledgeID: pb.pID[p], RequestID: pb.reqID[r], SupplierID: pb.supID[s],
			ValuePence: pb.pVal[p], ApprovedPence: x[p], Weight: pb.pW[p]}
		if x[p] < pb.pVal[p] {
			d.Reason, d.Explanation = pb.reason(p, x[p], reqRes[r], supRes[s])
		}
		a.Decisions[pb.pOrig[p]] = d
	}
	return a
}

func (pb *prob) reason(p int, approved, reqLeft, supLeft int64) (Reason, string) {
	r, s := pb.pReq[p], pb.pSup[p]
	req, sup := "request "+pb.reqID[r], "supplier "+pb.supID[s]
	prefix := "Not approved: "
	if approved > 0 {
		prefix = "Cut to " + Pounds(approved) + " of " + Pounds(pb.pVal[p]) + ": "
	}
	switch {
	case pb.pW[p] == 0:
		return ReasonZeroScore, prefix + "its score is zero, so approving it would add no value."
	case pb.need[r] == 0:
		return ReasonNoNeed, prefix + req + " has no remaining need."
	case pb.limit[s] == 0:
		return ReasonNoLimit, prefix + sup + " has no commitment room left under its limit."
	case reqLeft == 0 && supLeft == 0:
		return ReasonNeedCovered, prefix + "the rest of the need of " + req +
			" is covered by other pledges that add more value, and " + sup + " is at its commitment limit."
	case reqLeft == 0:
		return ReasonNeedCovered, prefix + "the rest of the need of " + req + " is covered by other pledges that add more value."
	case supLeft == 0:
		return ReasonSupplierLimit, prefix + sup + " is at its commitment limit; its other pledges add more value."
	case pb.pWhole[p] && (pb.pVal[p] > reqLeft || pb.pVal[p] > supLeft):
		return ReasonWholeDidNotFit, prefix + "the supplier asked for all or nothing, and the whole " +
			Pounds(pb.pVal[p]) + " did not fit in what was left (" + Pounds(reqLeft) + " of need for " + req +
			", " + Pounds(supLeft) + " under the limit of " + sup + ")."
	}
	return ReasonNotChosen, prefix + "the search stopped before it could be added."
}
