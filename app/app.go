// Package app builds the whole platform from a configuration: the store,
// the domain service, the HTTP API and the background jobs. `needmatch
// serve`, the API tests, scripts/benchapi, scripts/load and scripts/chaos
// all build it here, so what a test or a benchmark measures is what ships.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"needmatch/api"
	"needmatch/domain"
	"needmatch/store/mongo"
	"needmatch/store/sqlite"
)

// Config is what the platform needs; see the README's configuration table.
type Config struct {
	Addr    string
	DataDir string
	// MongoURI, when set, selects the MongoDB store (database MongoDB).
	MongoURI, MongoDB string
	// JWTSecret signs access tokens; empty in the embedded mode means one
	// generated once and kept in the data dir.
	JWTSecret      string
	TLS            bool
	TrustedProxies []string
	NoRateLimits   bool
	// Limits, when set, replace api.DefaultLimits (tests set tight ones so
	// a burst is measured in requests, not in seconds of a busy machine).
	Limits *api.Limits
	// AuditKey signs the audit checkpoints (NEEDMATCH_AUDIT_KEY); without
	// it the embedded store uses the key in AuditKeyFile (default
	// <data dir>/audit-checkpoint.key), and MongoDB refuses to serve.
	AuditKey        string
	AuditKeyFile    string
	CheckpointEvery time.Duration
	// LeaseTTL is how long a process holds a background job's lease
	// without renewing it (NEEDMATCH_LEASE_TTL; 0: domain.LeaseTTL).
	LeaseTTL     time.Duration
	MetricsToken string
	// SMTPURL, when set, turns the mail sender on (NEEDMATCH_SMTP_URL);
	// without it mail stays in the outbox, readable by an admin.
	SMTPURL string
	// MailFrom is the From of mail; BaseURL the app's address for links.
	MailFrom, BaseURL string
	// DefaultAuthority is the slug of the council of a public page that
	// names none; empty means the first council (domain.DefaultCouncil).
	DefaultAuthority string
	// Static is the built SPA; nil serves the API alone.
	Static fs.FS
	Logger *slog.Logger
}

// CheckpointPath is the file in which releases before #15 kept the signed
// audit checkpoints (see ImportCheckpointFile).
func (c *Config) CheckpointPath() string { return filepath.Join(c.DataDir, "audit-checkpoints.jsonl") }

func (c *Config) auditKeyFile() string {
	if c.AuditKeyFile != "" {
		return c.AuditKeyFile
	}
	return filepath.Join(c.DataDir, "audit-checkpoint.key")
}

// App is the platform, built and ready to run.
type App struct {
	Config Config
	// Store is the store as opened; Service reads it through the metrics.
	Store   domain.Store
	Service *domain.Service
	Server  *api.Server
	Metrics *api.Metrics
	// Mailer sends the outbox; nil without an SMTP server.
	Mailer  *Mailer
	secret  []byte
	closeMu sync.Once
}

// Secret is the key that signs access tokens.
func (a *App) Secret() []byte { return a.secret }

// OpenStore opens MongoDB when a URI is set, the embedded SQLite otherwise.
// The embedded store is the only writer of its data, so it is also the
// source of write generations for the API's public page cache; MongoDB,
// written by many processes, gives none.
func OpenStore(ctx context.Context, c Config) (domain.Store, domain.RequestGenerationer, error) {
	if c.MongoURI != "" {
		st, err := mongo.Open(ctx, c.MongoURI, c.MongoDB)
		return st, nil, err
	}
	db, err := sqlite.Open(c.DataDir)
	if err != nil {
		return nil, nil, err
	}
	return db, db, nil
}

// NewService builds the domain service over st as serve does: mail links
// point at the configured address and are signed with a key derived from
// the token secret.
func NewService(st domain.Store, c Config, secret []byte) *domain.Service {
	svc := domain.NewService(st)
	svc.BaseURL = c.BaseURL
	svc.DefaultAuthority = c.DefaultAuthority
	svc.MailKey = MailKey(secret)
	return svc
}

// New opens the store and builds the service and the API on it.
func New(ctx context.Context, c Config) (*App, error) {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.CheckpointEvery == 0 {
		c.CheckpointEvery = time.Minute
	}
	secret, err := JWTSecret(c)
	if err != nil {
		return nil, err
	}
	st, gens, err := OpenStore(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	metrics := api.NewMetrics()
	svc := NewService(api.TimedStore(st, metrics), c, secret)
	var mailer *Mailer
	if c.SMTPURL != "" {
		if mailer, err = NewMailer(st, c.SMTPURL, c.MailFrom, c.Logger); err != nil {
			st.Close()
			return nil, err
		}
	}
	limits := c.Limits
	if c.NoRateLimits {
		limits = &api.Limits{}
		c.Logger.Warn("rate limits are off (NEEDMATCH_RATE_LIMITS=off): for load tests only")
	}
	srv, err := api.New(api.Config{Service: svc, Secret: secret, Static: c.Static, TLS: c.TLS, TrustedProxies: c.TrustedProxies, Logger: c.Logger,
		Limits: limits, Metrics: metrics, MetricsToken: c.MetricsToken, Generations: gens,
		SharedPages: c.MongoURI != "", SharedLimits: c.MongoURI != ""})
	if err != nil {
		st.Close()
		return nil, err
	}
	return &App{Config: c, Store: st, Service: svc, Server: srv, Metrics: metrics, Mailer: mailer, secret: secret}, nil
}

// Run serves on the configured address and runs the background jobs
// (domain.Service.Jobs: the audit checkpoints, the daily lapse of commitments long
// past due and expiry of requests past their deadline, the hourly purge of
// expired records, the recovery sweep every 30 s; each under its lease)
// until ctx
// ends; then it drains in-flight requests, and the holder of the
// checkpoint lease writes a last checkpoint.
func (a *App) Run(ctx context.Context) error {
	key, err := AuditKey(a.Config)
	if err != nil {
		return fmt.Errorf("audit checkpoint key: %w", err)
	}
	log := a.Config.Logger
	if a.Config.AuditKey == "" {
		log.Info("audit checkpoints signed with the key file in the data dir; set NEEDMATCH_AUDIT_KEY to keep the key apart from the data", "file", a.Config.auditKeyFile())
	}
	if n, err := ImportCheckpointFile(ctx, a.Store, a.Config, key); err != nil {
		return fmt.Errorf("import the audit checkpoint file: %w", err)
	} else if n > 0 {
		log.Info("audit checkpoints moved from the data dir's file into the database", "checkpoints", n)
	}
	a.Service.AuditKey, a.Service.CheckpointEvery = key, a.Config.CheckpointEvery
	var bg sync.WaitGroup
	// Each job runs under its lease in the database: with N processes on
	// one MongoDB, one of them runs each job, and another takes over when
	// it dies.
	holder := LeaseHolder()
	for _, j := range a.Service.Jobs() {
		bg.Add(1)
		go func() { defer bg.Done(); j.RunLeased(ctx, a.Store, holder, a.Config.LeaseTTL, a.Service.Now, log) }()
	}
	if a.Mailer != nil {
		bg.Add(1)
		go func() { defer bg.Done(); a.Mailer.Run(ctx) }()
	} else {
		log.Info("no SMTP server (NEEDMATCH_SMTP_URL): mail stays in the outbox; an admin reads it under Sent mail")
	}
	defer bg.Wait()
	store := "sqlite:" + a.Config.DataDir
	if a.Config.MongoURI != "" {
		store = "mongodb"
	}
	log.Info("needmatch serving", "addr", "http://"+a.Config.Addr, "store", store)
	return a.Server.Listen(ctx, a.Config.Addr)
}

// LeaseHolder names this process in the job leases: host, process id and
// a random part (a restarted process is a new holder).
func LeaseHolder() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Close closes the store.
func (a *App) Close() error {
	var err error
	a.closeMu.Do(func() { err = a.Store.Close() })
	return err
}

// JWTSecret returns the configured secret; in the embedded mode without one
// it generates a secret once and keeps it (0600) in the data dir.
func JWTSecret(c Config) ([]byte, error) {
	if c.JWTSecret != "" {
		return []byte(c.JWTSecret), nil
	}
	if c.MongoURI != "" {
		return nil, errors.New("NEEDMATCH_JWT_SECRET is required with MongoDB: every API process must share it")
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(c.DataDir, "jwt-secret")
	if b, err := os.ReadFile(path); err == nil {
		if s := strings.TrimSpace(string(b)); len(s) >= 32 {
			return []byte(s), nil
		}
		return nil, fmt.Errorf("%s is shorter than 32 characters; delete it to make a new one", path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return nil, err
	}
	s := hex.EncodeToString(buf)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if _, err := f.WriteString(s + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	return []byte(s), f.Close()
}
