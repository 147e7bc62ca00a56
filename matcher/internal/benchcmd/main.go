// Command benchcmd generates allocation instances and solves them with the
// matcher, for scripts/bench-matcher.
//
//	benchcmd gen -requests N -suppliers N -pledges N -seed S -whole F -o FILE
//	benchcmd solve -in FILE [-reps N] [-out FILE] [-cpuprofile FILE]
//	benchcmd warm -in FILE [-changes N] [-seed S]
//
// The instance file is plain text, one record per line:
//
//	p REQUESTS SUPPLIERS PLEDGES
//	r NEED_PENCE              (one per request, numbered from 0)
//	s LIMIT_PENCE             (one per supplier, numbered from 0)
//	a REQUEST SUPPLIER VALUE_PENCE WEIGHT PARTIAL(0|1)
//
// where WEIGHT = round(score * 1e6). solve prints key=value pairs: the
// objective sum(weight*approved), the bound, and the best time of reps runs.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"needmatch/matcher"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchcmd gen|solve ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(os.Args[2:])
	case "solve":
		err = solve(os.Args[2:])
	case "warm":
		err = warm(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchcmd:", err)
		os.Exit(1)
	}
}

type pledge struct {
	req, sup   int
	val, w     int64
	allowParts bool
}

type instance struct {
	need, limit []int64
	pledges     []pledge
}

// generate makes a reproducible instance: needs log-uniform from £200 to
// £50,000; each pledge for a random request from a random supplier, worth
// 10% to 120% of the request's need, score 0.2 to 0.95; each supplier's
// limit 30% to 120% of what it pledged.
func generate(nr, ns, np int, seed uint64, whole float64) *instance {
	rng := rand.New(rand.NewPCG(seed, 0x6e656564))
	in := &instance{need: make([]int64, nr), limit: make([]int64, ns)}
	for i := range in.need {
		pounds := math.Exp(math.Log(200) + rng.Float64()*(math.Log(50_000)-math.Log(200)))
		in.need[i] = int64(pounds) * 100
	}
	pledged := make([]int64, ns)
	for range np {
		r, s := rng.IntN(nr), rng.IntN(ns)
		v := max(int64(float64(in.need[r])*(0.1+1.1*rng.Float64())/100)*100, 100)
		w := 200_000 + rng.Int64N(750_001)
		in.pledges = append(in.pledges, pledge{r, s, v, w, rng.Float64() >= whole})
		pledged[s] += v
	}
	for s := range in.limit {
		in.limit[s] = int64(float64(pledged[s])*(0.3+0.9*rng.Float64())/100) * 100
	}
	return in
}

func gen(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	nr := fs.Int("requests", 1000, "requests")
	ns := fs.Int("suppliers", 300, "suppliers")
	np := fs.Int("pledges", 5000, "pledges")
	seed := fs.Uint64("seed", 1, "seed")
	whole := fs.Float64("whole", 0, "share of pledges that must be approved whole")
	out := fs.String("o", "", "output file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	in := generate(*nr, *ns, *np, *seed, *whole)
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprintf(w, "p %d %d %d\n", *nr, *ns, *np)
	for _, v := range in.need {
		fmt.Fprintf(w, "r %d\n", v)
	}
	for _, v := range in.limit {
		fmt.Fprintf(w, "s %d\n", v)
	}
	for _, p := range in.pledges {
		part := 0
		if p.allowParts {
			part = 1
		}
		fmt.Fprintf(w, "a %d %d %d %d %d\n", p.req, p.sup, p.val, p.w, part)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

func read(path string) (matcher.Problem, error) {
	var pr matcher.Problem
	f, err := os.Open(path)
	if err != nil {
		return pr, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	nr, ns := 0, 0
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		nums := make([]int64, len(fields)-1)
		for i, s := range fields[1:] {
			if nums[i], err = strconv.ParseInt(s, 10, 64); err != nil {
				return pr, err
			}
		}
		switch fields[0] {
		case "r":
			pr.Requests = append(pr.Requests, matcher.AllocRequest{ID: fmt.Sprintf("r%07d", nr), NeedPence: nums[0]})
			nr++
		case "s":
			pr.Suppliers = append(pr.Suppliers, matcher.AllocSupplier{ID: fmt.Sprintf("s%07d", ns), LimitPence: nums[0]})
			ns++
		case "a":
			pr.Pledges = append(pr.Pledges, matcher.AllocPledge{
				ID:         fmt.Sprintf("p%07d", len(pr.Pledges)),
				RequestID:  fmt.Sprintf("r%07d", nums[0]),
				SupplierID: fmt.Sprintf("s%07d", nums[1]),
				ValuePence: nums[2], Score: float64(nums[3]) / matcher.WeightScale, AllowPartial: nums[4] == 1,
			})
		}
	}
	return pr, sc.Err()
}

func solve(args []string) error {
	fs := flag.NewFlagSet("solve", flag.ContinueOnError)
	in := fs.String("in", "", "instance file")
	reps := fs.Int("reps", 3, "runs; the best time is printed")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the runs to this file")
	out := fs.String("out", "", "write the approved pence of every pledge, one a line in instance order, to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	pr, err := read(*in)
	if err != nil {
		return err
	}
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var times, cpus []time.Duration
	var a *matcher.Allocation
	for range max(*reps, 1) {
		runtime.GC() // start each run from a clean heap, outside the timing
		c0 := cpuTime()
		start := time.Now()
		a, err = matcher.Allocate(pr, matcher.Options{})
		if err != nil {
			return err
		}
		times = append(times, time.Since(start))
		cpus = append(cpus, cpuTime()-c0)
	}
	if *out != "" {
		var b strings.Builder
		for _, d := range a.Decisions {
			fmt.Fprintln(&b, d.ApprovedPence)
		}
		if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("objective=%d bound=%d kind=%s gap=%.6f optimal=%v ms=%.2f cpu_ms=%.2f\n", a.Objective, a.Bound, a.BoundKind, a.Gap, a.Optimal,
		ms(slices.Min(times)), ms(slices.Min(cpus)))
	return nil
}

// warm times a proposal after one pledge changes, by matcher.Session: a
// cold Allocate of the instance first, then N times one random pledge gets a
// new score or (in turn) a new value, and the session proposes again. It
// prints the cold times, the median warm times, and whether the last warm
// objective equals a cold Allocate of the changed problem.
func warm(args []string) error {
	fs := flag.NewFlagSet("warm", flag.ContinueOnError)
	in := fs.String("in", "", "instance file")
	changes := fs.Int("changes", 21, "changes, one proposal after each")
	seed := fs.Uint64("seed", 1, "seed of the changes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	pr, err := read(*in)
	if err != nil {
		return err
	}
	runtime.GC()
	c0, start := cpuTime(), time.Now()
	if _, err := matcher.Allocate(pr, matcher.Options{}); err != nil {
		return err
	}
	coldMs, coldCPU := time.Since(start), cpuTime()-c0
	s, _, err := matcher.NewSession(pr)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(*seed, 0x7761726d))
	var times, cpus []time.Duration
	var a *matcher.Allocation
	for k := range max(*changes, 1) {
		i := rng.IntN(len(pr.Pledges))
		p := &pr.Pledges[i]
		if k%2 == 0 {
			p.Score = float64(200_000+rng.Int64N(750_001)) / matcher.WeightScale
		} else {
			p.ValuePence = max(p.ValuePence*int64(50+rng.IntN(100))/100, 100)
		}
		runtime.GC()
		c0, start := cpuTime(), time.Now()
		if err := s.SetPledge(*p); err != nil {
			return err
		}
		a = s.Allocate()
		times = append(times, time.Since(start))
		cpus = append(cpus, cpuTime()-c0)
	}
	cold, err := matcher.Allocate(pr, matcher.Options{})
	if err != nil {
		return err
	}
	slices.Sort(times)
	slices.Sort(cpus)
	fmt.Printf("cold_ms=%.2f cold_cpu_ms=%.2f warm_ms=%.2f warm_cpu_ms=%.2f equal=%v\n", ms(coldMs), ms(coldCPU),
		ms(times[len(times)/2]), ms(cpus[len(cpus)/2]), a.Objective == cold.Objective)
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// cpuTime is the CPU time (user and system) the process has used, all its
// threads together (the garbage collector's too): on a machine shared with
// other work it grows less than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
