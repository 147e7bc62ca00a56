package matcher

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// benchProblem is the generator of matcher/internal/benchcmd, kept here so
// the package's benchmarks need no files.
func benchProblem(nr, ns, np int, seed uint64, whole float64) Problem {
	rng := rand.New(rand.NewPCG(seed, 0x6e656564))
	var pr Problem
	need := make([]int64, nr)
	for i := range need {
		pounds := math.Exp(math.Log(200) + rng.Float64()*(math.Log(50_000)-math.Log(200)))
		need[i] = int64(pounds) * 100
		pr.Requests = append(pr.Requests, AllocRequest{ID: fmt.Sprintf("r%07d", i), NeedPence: need[i]})
	}
	pledged := make([]int64, ns)
	for k := range np {
		r, s := rng.IntN(nr), rng.IntN(ns)
		v := max(int64(float64(need[r])*(0.1+1.1*rng.Float64())/100)*100, 100)
		w := 200_000 + rng.Int64N(750_001)
		pr.Pledges = append(pr.Pledges, AllocPledge{ID: fmt.Sprintf("p%07d", k), RequestID: fmt.Sprintf("r%07d", r),
			SupplierID: fmt.Sprintf("s%07d", s), ValuePence: v, Score: float64(w) / WeightScale, AllowPartial: rng.Float64() >= whole})
		pledged[s] += v
	}
	for s := range ns {
		pr.Suppliers = append(pr.Suppliers, AllocSupplier{ID: fmt.Sprintf("s%07d", s),
			LimitPence: int64(float64(pledged[s])*(0.3+0.9*rng.Float64())/100) * 100})
	}
	return pr
}

func BenchmarkAllocate(b *testing.B) {
	for _, size := range [][3]int{{1000, 300, 5000}, {5000, 1000, 20000}, {20000, 5000, 100000}} {
		pr := benchProblem(size[0], size[1], size[2], 1, 0)
		b.Run(fmt.Sprintf("%dx%dx%d", size[0], size[1], size[2]), func(b *testing.B) {
			for b.Loop() {
				if _, err := Allocate(pr, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkTransport(b *testing.B) {
	for _, size := range [][3]int{{1000, 300, 5000}, {5000, 1000, 20000}, {20000, 5000, 100000}} {
		pr := benchProblem(size[0], size[1], size[2], 1, 0)
		pb, _ := newProb(pr)
		act := make([]int32, len(pb.pReq))
		for i := range act {
			act[i] = int32(i)
		}
		out := make([]int64, len(act))
		b.Run(fmt.Sprint(size[0]), func(b *testing.B) {
			for b.Loop() {
				pb.transport(pb.need, pb.limit, act, pb.pCap, out)
			}
		})
	}
}

// BenchmarkAllocateHuge is the 1,000,000-pledge size of scripts/bench-matcher,
// by phase. Besides the wall time it reports the process's CPU time per run
// (cpu-ms/op), which a busy machine inflates less.
func BenchmarkAllocateHuge(b *testing.B) { benchPhases(b, benchProblem(100000, 20000, 1000000, 1, 0)) }

// BenchmarkPhases is the smaller sizes by phase.
func BenchmarkPhases(b *testing.B) {
	for _, size := range [][3]int{{1000, 300, 5000}, {5000, 1000, 20000}, {20000, 5000, 100000}} {
		b.Run(fmt.Sprint(size[2]), func(b *testing.B) { benchPhases(b, benchProblem(size[0], size[1], size[2], 1, 0)) })
	}
}

func benchPhases(b *testing.B, pr Problem) {
	pb, err := newProb(pr)
	if err != nil {
		b.Fatal(err)
	}
	out := pb.solve(Options{}, nil)
	b.Run("all", func(b *testing.B) {
		cpuLoop(b, func() {
			if _, err := Allocate(pr, Options{}); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("newProb", func(b *testing.B) { cpuLoop(b, func() { _, _ = newProb(pr) }) })
	b.Run("solve", func(b *testing.B) { cpuLoop(b, func() { pb.solve(Options{}, nil) }) })
	b.Run("result", func(b *testing.B) { cpuLoop(b, func() { pb.result(pr, out) }) })
}

func cpuLoop(b *testing.B, f func()) {
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		c0 := processCPU()
		b.StartTimer()
		f()
		cpu += processCPU() - c0
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkWarm is a proposal after one pledge changes (its score or its
// value, in turn), at 100,000 pledges, by Session; BenchmarkAllocate's
// 20000x5000x100000 is the cold solve of the same problem.
func BenchmarkWarm(b *testing.B) {
	pr := benchProblem(20000, 5000, 100000, 1, 0)
	s, _, err := NewSession(pr)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2, 3))
	k := 0
	cpuLoop(b, func() {
		p := pr.Pledges[rng.IntN(len(pr.Pledges))]
		if k%2 == 0 {
			p.Score = float64(200_000+rng.Int64N(750_001)) / WeightScale
		} else {
			p.ValuePence = max(p.ValuePence*int64(50+rng.IntN(100))/100, 100)
		}
		k++
		if err := s.SetPledge(p); err != nil {
			b.Fatal(err)
		}
		s.Allocate()
	})
}
