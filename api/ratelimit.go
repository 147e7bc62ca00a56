package api

import (
	"context"
	"hash/maphash"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

// Rate is a token-bucket limit: PerMinute tokens a minute, up to Burst at once.
// A zero PerMinute means no limit.
type Rate struct {
	PerMinute float64
	Burst     float64
}

// Limits are the rate limits the server applies, per client IP and per account.
type Limits struct {
	LoginPerIP, LoginPerAccount Rate
	RegisterPerIP               Rate
	RefreshPerIP                Rate
	ResetPerIP                  Rate
	WritesPerUser, WritesPerIP  Rate
	// ReadsPerIP limits anonymous reads of the API (the public pages).
	ReadsPerIP Rate
}

// DefaultLimits suit one council's traffic: generous for people, tight for
// password guessing.
var DefaultLimits = Limits{
	LoginPerIP:      Rate{30, 10},
	LoginPerAccount: Rate{10, 5},
	RegisterPerIP:   Rate{10, 5},
	RefreshPerIP:    Rate{120, 30},
	ResetPerIP:      Rate{10, 5},
	WritesPerUser:   Rate{600, 120},
	WritesPerIP:     Rate{1200, 240},
	ReadsPerIP:      Rate{1200, 300},
}

// limit decides whether a call by key may pass now; when not, it says how
// long to wait. active says whether it limits anything (a zero rate does
// not), so that a call it would let through anyway costs no key.
type limit interface {
	allow(ctx context.Context, key string, now time.Time) (bool, time.Duration)
	active() bool
}

// limiter holds token buckets in memory, for a process that is the only
// one serving its data (the embedded store); with several processes the
// counters are the database's (sharedLimit). The buckets are spread over
// shards by a hash of the key, each with its own lock, so that the
// anonymous reads of many clients, each taking a token, do not queue on
// one lock.
type limiter struct {
	rate   Rate
	seed   maphash.Seed
	shards [limiterShards]limiterShard
}

const (
	limiterShards = 64
	// limiterSweep is how many calls a shard takes between two sweeps of
	// the buckets that have refilled (they are forgotten).
	limiterSweep = 1024
)

type limiterShard struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	calls   int
	_       [64]byte // keeps neighbouring shards' locks off one cache line
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(r Rate) *limiter {
	l := &limiter{rate: r, seed: maphash.MakeSeed()}
	for i := range l.shards {
		l.shards[i].buckets = map[string]*bucket{}
	}
	return l
}

func (l *limiter) shardOf(key string) uint64 { return maphash.String(l.seed, key) % limiterShards }

func (l *limiter) active() bool { return l != nil && l.rate.PerMinute > 0 }

// allow takes a token for key; when none is left it says how long to wait.
func (l *limiter) allow(_ context.Context, key string, now time.Time) (bool, time.Duration) {
	if !l.active() {
		return true, 0
	}
	perSec := l.rate.PerMinute / 60
	sh := &l.shards[l.shardOf(key)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.calls++
	if sh.calls%limiterSweep == 0 {
		for k, b := range sh.buckets {
			if now.Sub(b.last).Seconds()*perSec >= l.rate.Burst {
				delete(sh.buckets, k)
			}
		}
	}
	b, ok := sh.buckets[key]
	if !ok {
		b = &bucket{tokens: l.rate.Burst, last: now}
		sh.buckets[key] = b
	}
	b.tokens = math.Min(l.rate.Burst, b.tokens+now.Sub(b.last).Seconds()*perSec)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / perSec * float64(time.Second))
}

// sharedLimit counts calls in the database (domain.Service.CountCall), so
// that N processes behind a load balancer allow the limit once, not N
// times. A rate becomes fixed windows of Burst calls each, a window lasting
// as long as the bucket takes to refill (Burst/PerMinute minutes): the same
// rate over time, and at most twice the burst across a window's end.
type sharedLimit struct {
	name string
	rate Rate
	svc  *domain.Service
	log  interface {
		Warn(msg string, args ...any)
	}
}

func (l *sharedLimit) active() bool { return l.rate.PerMinute > 0 }

func (l *sharedLimit) allow(ctx context.Context, key string, now time.Time) (bool, time.Duration) {
	if l.rate.PerMinute <= 0 {
		return true, 0
	}
	allowance := max(1, int64(l.rate.Burst))
	per := time.Duration(float64(allowance) / l.rate.PerMinute * float64(time.Minute))
	rc, err := l.svc.CountCall(ctx, l.name+":"+key, allowance, per, now)
	if err != nil {
		// The call goes on: it needs the database anyway, and will fail there.
		l.log.Warn("rate limit counter unreadable; call let through", "limit", l.name, "err", err)
	}
	return rc.Allowed, rc.RetryAfter
}

type limiters struct {
	loginIP, loginAccount, registerIP, refreshIP, writesUser, writesIP, resetIP, readsIP limit
}

// newLimiters makes the limits l: in memory, or, with shared, counted in
// the database through svc.
func newLimiters(l Limits, shared bool, svc *domain.Service, log *slog.Logger) *limiters {
	mk := func(name string, r Rate) limit {
		if shared && svc != nil {
			return &sharedLimit{name: name, rate: r, svc: svc, log: log}
		}
		return newLimiter(r)
	}
	return &limiters{mk("login-ip", l.LoginPerIP), mk("login-account", l.LoginPerAccount), mk("register-ip", l.RegisterPerIP),
		mk("refresh-ip", l.RefreshPerIP), mk("writes-user", l.WritesPerUser), mk("writes-ip", l.WritesPerIP), mk("reset-ip", l.ResetPerIP),
		mk("reads-ip", l.ReadsPerIP)}
}

func tooMany(c *fiber.Ctx, wait time.Duration) error {
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	return domain.Errorf(domain.ERATELIMIT, "Too many requests; try again in %d seconds.", int(math.Ceil(wait.Seconds())))
}

// rateLimit applies the limits that can be decided before the body is read:
// per IP on the auth routes, per user and per IP on every write, per IP on
// anonymous reads.
func (s *Server) rateLimit(c *fiber.Ctx) error {
	path := strings.TrimPrefix(c.Path(), "/api/v1")
	var l limit
	switch {
	case path == "/auth/login":
		l = s.limits.loginIP
	case path == "/auth/register":
		l = s.limits.registerIP
	case path == "/auth/refresh":
		l = s.limits.refreshIP
	case strings.HasPrefix(path, "/auth/password-reset"):
		l = s.limits.resetIP
	case c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead:
		if a := actor(c); a != nil && s.limits.writesUser.active() {
			if ok, wait := s.limits.writesUser.allow(c.UserContext(), a.UserID, time.Now()); !ok {
				return tooMany(c, wait)
			}
		}
		l = s.limits.writesIP
	case actor(c) == nil:
		l = s.limits.readsIP
	default:
		return c.Next()
	}
	if err := s.limitByIP(c, l); err != nil {
		return err
	}
	return c.Next()
}

// limitByIP counts the call against l by the client's address.
func (s *Server) limitByIP(c *fiber.Ctx, l limit) error {
	if l.active() {
		if ok, wait := l.allow(c.UserContext(), s.clientIP(c), time.Now()); !ok {
			return tooMany(c, wait)
		}
	}
	return nil
}

// limitAnonymousRead counts an anonymous read (keptAnswer's, as rateLimit
// counts one).
func (s *Server) limitAnonymousRead(c *fiber.Ctx) error { return s.limitByIP(c, s.limits.readsIP) }

// allowLoginAccount limits password attempts against one account, whatever
// the IP they come from.
func (s *Server) allowLoginAccount(c *fiber.Ctx, email string) error {
	if ok, wait := s.limits.loginAccount.allow(c.UserContext(), domain.NormaliseEmail(email), time.Now()); !ok {
		return tooMany(c, wait)
	}
	return nil
}
