// Package matcher sends suppliers' social value to where local need is, and
// says why. It is pure: plain slices in, plain values out, no I/O, no clock
// (the caller passes "now"), and deterministic (inputs are put in a stable
// order by ID before any work, and no result depends on map order).
//
// # Need index
//
// Each area (a ward) is described by a histogram of the national Index of
// Multiple Deprivation 2025 deciles of its LSOAs (neighbourhoods of about
// 1,500 people): Deciles[i] is the number of the area's LSOAs in decile i+1,
// decile 1 being the 10% most deprived in England. The need index is
//
//	need = 0.5 * share + 0.5 * (10 - mean) / 9
//
// where share is the fraction of the area's LSOAs in deciles 1 and 2 (the 20%
// most deprived in England) and mean is the mean decile of its LSOAs. Both
// halves are in [0,1], so need is in [0,1]: 1 means every neighbourhood is in
// the most deprived 10%, 0 means every one is in the least deprived 10%. The
// result is rounded to 4 decimal places (the same formula as
// domain.NeedIndexFromDeciles). The share rewards concentrated deprivation,
// the mean keeps the whole distribution in view. An authority may replace the
// figure with its own (Area.Override); an area with neither is "unknown" and
// scores as neutral (0.5).
//
// # Scores
//
// A pledge (or, when ranking requests for a supplier, the supplier's usual
// offer) is scored against a request by six components, each a value in [0,1]:
//
//   - need: the need index of the request's area;
//   - fit: the offer's kind and category against the request's: 1 for kind
//     and category, 0.8 for the kind when no category is given on one side,
//     0.6 for the kind in another category, 0.3 for the category in another
//     kind, 0 for neither, 0.5 when the supplier has said nothing about what
//     it offers;
//   - coverage: the part of the offered value v that can be approved against
//     the remaining need R: v/R when v <= R (the share of the need it
//     covers); when v > R, 1 for a pledge the supplier allows to be approved
//     in part (approving R of it meets the whole need, and the rest is simply
//     not taken), R/v for an all-or-nothing pledge (approving it commits all
//     of v, of which only R meets the need: the score falls with the share
//     that cannot be used, and the allocation cannot approve it while the
//     need stays below v); 0 when nothing is left to cover, 0.5 when no
//     amount is known. When ranking requests for a supplier its usual offer
//     is counted as all or nothing;
//   - urgency: 1/(1 + d/30) for d days to the deadline (1 today, 0.5 in a
//     month), 0 once the deadline has passed, 0.5 without a deadline;
//   - distance: 1/(1 + km/10) for the great-circle (haversine) distance from
//     the supplier's base to the area's centroid (1 on the spot, 0.5 at
//     10 km), 0.5 when either location is unknown (latitude and longitude
//     both zero);
//   - record: (verified + 4*0.5) / (pledged + lapsed + 4), the share of the
//     supplier's due pledges that were delivered and verified, smoothed by a
//     Bayesian prior worth four pledges at 0.5 so that a newcomer scores a
//     neutral 0.5 and a short record moves it only a little; a lapsed pledge
//     counts twice against (once as not delivered, once more as lapsed).
//
// The score is the weighted mean sum(w_i*v_i)/sum(w_i), in [0,1], with
// Weights (versioned, so an old score can be explained with the weights of
// its day). Each Component carries its weight, its value, its contribution
// w_i*v_i/sum(w) (so the contributions add up to the score) and a sentence
// a council officer can read.
//
// # Allocation
//
// Allocate chooses how much of each pledge to approve (0 to its value, in
// pence) to maximise sum(score * approved) under each request's remaining
// need and each supplier's commitment limit. Scores are turned into integer
// weights, weight = round(score * 1e6), and the objective
// sum(weight * approvedPence) is computed in int64, so comparisons are exact
// and the same input always gives the same answer.
//
// When every pledge allows partial approval the problem is a transportation
// problem, a min-cost flow: a root node, one node per supplier and per
// request; a pledge is an arc supplier -> request with capacity its value and
// cost -weight; the arcs supplier -> root and root -> request (cost 0) carry
// each supplier's unused limit and each request's unmet need. It is solved
// exactly by a primal network simplex as described by Ahuja, Magnanti and
// Orlin, "Network Flows", chapter 11 (block search pivoting, strongly
// feasible spanning trees so it cannot cycle). Its optimum is integral.
//
// When some pledges must be approved whole or not at all the problem is an
// integer program. A whole pledge bigger than its request's need or its
// supplier's limit is out of every feasible allocation, so it is left out
// from the start; the flow optimum over the others, each treated as partial,
// is an upper bound. Allocate starts from that flow solution: it
// keeps the whole pledges the flow approved in full and adds the others
// greedily, most approved by the flow first, then by weight. It then improves
// the choice by local search: in turn for every request and every supplier it
// re-solves exactly (branch and bound) the amounts of its pledges with
// everything else held fixed, and it re-solves the partial pledges by network
// simplex around the whole ones, until nothing improves. Then a ruin and
// recreate phase forces left-out whole pledges in (picked by a generator with
// a fixed seed), evicting the lowest-weight pledges of their request and
// supplier, repairs around them with the block search, and keeps every such
// move that does not lower the objective. The work is bounded by counts, not
// by the clock, so the same input gives the same answer on any machine
// (Options.TimeLimit can add a clock limit). When there are at most
// Options.ExactWhole whole pledges, a branch and bound over flow relaxations
// then proves the answer optimal or improves it.
//
// Allocation.Bound is the least upper bound Allocate can prove, and
// Allocation.Gap = (Bound - Objective) / Bound says how far short of the best
// possible the proposal can be at most. The flow bound is weak when pledges
// are large against needs (it approves a fraction of a whole pledge): on
// 20,000 random whole pledges it was 13% above the optimum. So unless the
// exhaustive search finished (the bound is then the objective), Allocate
// also computes a Lagrangian bound: with a price lam_s >= 0 on each penny of
// supplier s's limit,
//
//	L(lam) = sum_s lam_s*limit_s + sum_r max sum_p (w_p - lam_s(p)) x_p
//
// where each request's maximum is a knapsack over its own pledges (whole ones
// all or nothing, partial ones up to their value) within its need, solved
// exactly by branch and bound (or bounded by its fractional fill when that
// takes too many nodes). For any feasible allocation x,
// sum w*x = sum (w - lam)*x + sum_s lam_s*(sum of x over s's pledges) <= L(lam)
// because x keeps every limit, so every price vector gives a proven bound.
// The prices start from the flow's dual prices (where L is the flow bound
// tightened by the knapsacks' integrality) and take up to 24 subgradient
// steps (Polyak steps towards the objective found); prices are rounded to
// integers so that L is computed exactly in int64. Bound is the least bound
// met; Allocation.BoundKind says which kind it is, and Allocation.GapText
// says it in words for an officer. Optimal is set only when Bound equals
// Objective.
//
// Session is the flow allocation with a warm start: it keeps the network
// simplex's spanning tree, flows and potentials, and after a pledge is set
// or removed it repairs that basis (a new cost moves the potentials below
// its arc; flow an arc can no longer carry goes on a cost-0 arc from its
// supplier to its request at that arc's bound, which costs what the slack
// path through the root costs) and pivots on from there. It is for problems
// whose pledges are all partial, and gives an optimum with Allocate's
// objective, though among several optima not always the same one.
//
// Every pledge that is not approved in full gets a Reason: the request's need
// is already covered by other pledges, the supplier is at its commitment
// limit, a whole pledge did not fit in what was left, or its score is zero.
package matcher
