"""Solve an allocation instance written by `benchcmd gen` with HiGHS through
scipy.optimize.milp, as a reference for scripts/bench-matcher.

Usage: /usr/bin/python3 milp.py FILE [TIME_LIMIT_SECONDS]

Each pledge p is a variable t_p in [0,1] (integer when the pledge must be
approved whole) for the share of its value approved; maximise
sum(weight_p * value_p * t_p) subject to each request's need and each
supplier's limit. Prints objective=SUM(weight*approved pence) computed exactly
from the rounded solution, bound=HiGHS's dual bound in the same units,
ms=wall time of milp(), and the solver's status.
"""
import sys
import time

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix


def main():
    path = sys.argv[1]
    limit_s = float(sys.argv[2]) if len(sys.argv) > 2 else 120.0
    need, limit, pledges = [], [], []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            if parts[0] == "r":
                need.append(int(parts[1]))
            elif parts[0] == "s":
                limit.append(int(parts[1]))
            elif parts[0] == "a":
                pledges.append(tuple(int(x) for x in parts[1:]))
    nr, ns, np_ = len(need), len(limit), len(pledges)
    req = np.array([p[0] for p in pledges])
    sup = np.array([p[1] for p in pledges])
    val = np.array([p[2] for p in pledges], dtype=np.int64)
    w = np.array([p[3] for p in pledges], dtype=np.int64)
    partial = np.array([p[4] for p in pledges])
    # rows: requests then suppliers; amounts in pounds to keep numbers small
    rows = np.concatenate([req, nr + sup])
    cols = np.concatenate([np.arange(np_), np.arange(np_)])
    data = np.concatenate([val, val]) / 100.0
    a = csr_matrix((data, (rows, cols)), shape=(nr + ns, np_))
    ub = np.concatenate([np.array(need), np.array(limit)]) / 100.0
    c = -(w / 1e6) * (val / 100.0)
    start = time.perf_counter()
    res = milp(c, constraints=LinearConstraint(a, -np.inf, ub), integrality=1 - partial,
               bounds=Bounds(0, 1), options={"time_limit": limit_s, "disp": False})
    ms = (time.perf_counter() - start) * 1000
    if res.x is None:
        print(f"objective=0 ms={ms:.0f} status={res.status} feasible=False")
        return
    t = res.x
    amount = [int(round(t[i])) * int(val[i]) if not partial[i] else int(np.floor(t[i] * val[i] + 1e-6))
              for i in range(np_)]
    used_r, used_s = [0] * nr, [0] * ns
    for i in range(np_):
        used_r[req[i]] += amount[i]
        used_s[sup[i]] += amount[i]
    feasible = all(used_r[i] <= need[i] for i in range(nr)) and all(used_s[i] <= limit[i] for i in range(ns))
    obj = sum(int(w[i]) * amount[i] for i in range(np_))
    gap = getattr(res, "mip_gap", float("nan"))
    # HiGHS's own dual bound, for the minimisation of c (in pounds times
    # score): back in weight * pence, an upper bound on the objective
    dual = getattr(res, "mip_dual_bound", None)
    bound = int(round(-dual * 1e8)) if dual is not None and np.isfinite(dual) else "nan"
    print(f"objective={obj} bound={bound} ms={ms:.0f} status={res.status} mip_gap={gap:.6f} feasible={feasible}")


if __name__ == "__main__":
    main()
