package api

import (
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
}

// limiter holds token buckets in memory. It is per process: behind a load
// balancer each process limits on its own, which bounds abuse all the same.
type limiter struct {
	rate    Rate
	mu      sync.Mutex
	buckets map[string]*bucket
	calls   int
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(r Rate) *limiter { return &limiter{rate: r, buckets: map[string]*bucket{}} }

// allow takes a token for key; when none is left it says how long to wait.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	if l == nil || l.rate.PerMinute <= 0 {
		return true, 0
	}
	perSec := l.rate.PerMinute / 60
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if l.calls%4096 == 0 { // forget buckets that have refilled
		for k, b := range l.buckets {
			if now.Sub(b.last).Seconds()*perSec >= l.rate.Burst {
				delete(l.buckets, k)
			}
		}
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.rate.Burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(l.rate.Burst, b.tokens+now.Sub(b.last).Seconds()*perSec)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / perSec * float64(time.Second))
}

type limiters struct {
	loginIP, loginAccount, registerIP, refreshIP, writesUser, writesIP, resetIP *limiter
}

func newLimiters(l Limits) *limiters {
	return &limiters{newLimiter(l.LoginPerIP), newLimiter(l.LoginPerAccount), newLimiter(l.RegisterPerIP),
		newLimiter(l.RefreshPerIP), newLimiter(l.WritesPerUser), newLimiter(l.WritesPerIP), newLimiter(l.ResetPerIP)}
}

func tooMany(c *fiber.Ctx, wait time.Duration) error {
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	return domain.Errorf(domain.ERATELIMIT, "Too many requests; try again in %d seconds.", int(math.Ceil(wait.Seconds())))
}

// rateLimit applies the limits that can be decided before the body is read:
// per IP on the auth routes, per user and per IP on every write.
func (s *Server) rateLimit(c *fiber.Ctx) error {
	now := time.Now()
	ip := s.clientIP(c)
	path := strings.TrimPrefix(c.Path(), "/api/v1")
	var l *limiter
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
		if a := actor(c); a != nil {
			if ok, wait := s.limits.writesUser.allow(a.UserID, now); !ok {
				return tooMany(c, wait)
			}
		}
		l = s.limits.writesIP
	}
	if ok, wait := l.allow(ip, now); !ok {
		return tooMany(c, wait)
	}
	return c.Next()
}

// allowLoginAccount limits password attempts against one account, whatever
// the IP they come from.
func (s *Server) allowLoginAccount(c *fiber.Ctx, email string) error {
	if ok, wait := s.limits.loginAccount.allow(domain.NormaliseEmail(email), time.Now()); !ok {
		return tooMany(c, wait)
	}
	return nil
}
