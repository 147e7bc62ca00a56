// lemon_driver solves an allocation instance written by
// `benchcmd gen` with LEMON's NetworkSimplex, as a reference for
// scripts/bench-matcher. Usage: lemon_driver FILE [REPS] [circulation|supply]
//
// circulation (default): nodes = suppliers, requests, hub; arcs hub->supplier
// (capacity = limit), supplier->request per pledge (capacity = value,
// cost = -weight), request->hub (capacity = need); every supply is 0.
// supply: suppliers supply their limit, requests demand their need, the hub
// balances, with arcs supplier->hub and hub->request of cost 0 carrying the
// slack (the same network the Go matcher builds).
//
// Prints objective=SUM(weight*flow) ms=BEST_MS cpu_ms=BEST_CPU_MS (graph
// build + run, not I/O; wall time and the process's CPU time, which a busy
// machine inflates less).
#include <lemon/smart_graph.h>
#include <lemon/network_simplex.h>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace lemon;
typedef long long ll;

struct Pledge { int req, sup; ll val, w; };

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: %s FILE [REPS] [circulation|supply]\n", argv[0]); return 2; }
  int reps = argc > 2 ? atoi(argv[2]) : 3;
  bool circulation = !(argc > 3 && strcmp(argv[3], "supply") == 0);
  FILE *f = fopen(argv[1], "r");
  if (!f) { perror(argv[1]); return 1; }
  std::vector<ll> need, limit;
  std::vector<Pledge> pledges;
  char tag[4];
  while (fscanf(f, "%3s", tag) == 1) {
    if (tag[0] == 'p') { ll a, b, c; if (fscanf(f, "%lld %lld %lld", &a, &b, &c) != 3) return 1; }
    else if (tag[0] == 'r') { ll v; if (fscanf(f, "%lld", &v) != 1) return 1; need.push_back(v); }
    else if (tag[0] == 's') { ll v; if (fscanf(f, "%lld", &v) != 1) return 1; limit.push_back(v); }
    else if (tag[0] == 'a') {
      Pledge p; int part;
      if (fscanf(f, "%d %d %lld %lld %d", &p.req, &p.sup, &p.val, &p.w, &part) != 5) return 1;
      pledges.push_back(p);
    }
  }
  fclose(f);
  const int nr = need.size(), ns = limit.size();
  double best = 1e300, best_cpu = 1e300;
  ll objective = 0;
  for (int rep = 0; rep < reps; ++rep) {
    timespec c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    auto t0 = std::chrono::steady_clock::now();
    SmartDigraph g;
    g.reserveNode(nr + ns + 1);
    g.reserveArc(pledges.size() + nr + ns);
    std::vector<SmartDigraph::Node> sn(ns), rn(nr);
    for (int i = 0; i < ns; ++i) sn[i] = g.addNode();
    for (int i = 0; i < nr; ++i) rn[i] = g.addNode();
    SmartDigraph::Node hub = g.addNode();
    SmartDigraph::ArcMap<ll> cap(g), cost(g);
    SmartDigraph::NodeMap<ll> sup(g, 0);
    std::vector<SmartDigraph::Arc> parc(pledges.size());
    for (size_t k = 0; k < pledges.size(); ++k) {
      const Pledge &p = pledges[k];
      SmartDigraph::Arc a = g.addArc(sn[p.sup], rn[p.req]);
      cap[a] = p.val; cost[a] = -p.w; parc[k] = a;
    }
    const ll INF = std::numeric_limits<ll>::max();
    if (circulation) {
      for (int i = 0; i < ns; ++i) { SmartDigraph::Arc a = g.addArc(hub, sn[i]); cap[a] = limit[i]; cost[a] = 0; }
      for (int i = 0; i < nr; ++i) { SmartDigraph::Arc a = g.addArc(rn[i], hub); cap[a] = need[i]; cost[a] = 0; }
    } else {
      ll bal = 0;
      for (int i = 0; i < ns; ++i) { SmartDigraph::Arc a = g.addArc(sn[i], hub); cap[a] = INF; cost[a] = 0; sup[sn[i]] = limit[i]; bal -= limit[i]; }
      for (int i = 0; i < nr; ++i) { SmartDigraph::Arc a = g.addArc(hub, rn[i]); cap[a] = INF; cost[a] = 0; sup[rn[i]] = -need[i]; bal += need[i]; }
      sup[hub] = bal;
    }
    NetworkSimplex<SmartDigraph, ll, ll> ns_alg(g);
    ns_alg.upperMap(cap).costMap(cost).supplyMap(sup);
    NetworkSimplex<SmartDigraph, ll, ll>::ProblemType pt = ns_alg.run();
    auto t1 = std::chrono::steady_clock::now();
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    if (pt != NetworkSimplex<SmartDigraph, ll, ll>::OPTIMAL) { fprintf(stderr, "not optimal: %d\n", (int)pt); return 1; }
    objective = 0;
    for (size_t k = 0; k < pledges.size(); ++k) objective += pledges[k].w * ns_alg.flow(parc[k]);
    double ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
    if (ms < best) best = ms;
    double cpu = (c1.tv_sec - c0.tv_sec) * 1e3 + (c1.tv_nsec - c0.tv_nsec) / 1e6;
    if (cpu < best_cpu) best_cpu = cpu;
  }
  printf("objective=%lld ms=%.2f cpu_ms=%.2f\n", objective, best, best_cpu);
  return 0;
}
