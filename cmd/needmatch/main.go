// Command needmatch runs the needmatch platform: `serve` the API and app,
// `seed` the demo data, `user create` staff accounts, `audit verify` the
// audit trail.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"needmatch/app"
	"needmatch/domain"
	"needmatch/frontend"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "needmatch:", err)
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(int(ee))
		}
		os.Exit(1)
	}
}

type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

const usage = `usage: needmatch <command> [flags]

commands:
  serve          serve the API and the app
  seed           create the demo council, accounts and requests (idempotent)
  user create    create a person: --role officer|admin --authority SLUG, --role region_officer --region SLUG
                 or --role platform_admin; with --email E --password-stdin
  authority create --slug S --name N [--code GSS]
                 create a council with the default thresholds, tiers and example measures
  region create  --slug S --name N --authorities a,b,c
                 group councils in a region (partnership) for region officers and open data
  audit verify   check the audit hash chain of every council; exits 1 on a break
  import areas FILE [--authority SLUG]
                 replace a council's areas and need figures from CSV (code,name,lat,lon and need or d1..d10)
`

// Config is the validated configuration shared by every command.
type Config struct {
	Addr      string
	DataDir   string
	MongoURI  string
	MongoDB   string
	JWTSecret string
	LogLevel  string
	TLS       bool
	Proxies   string
	NoLimits  bool
	// AuditKey is the file of the embedded store's checkpoint key, used
	// when AuditSecret (NEEDMATCH_AUDIT_KEY) is not set.
	AuditKey    string
	AuditSecret string
	// CheckpointEvery is how often the audit chain heads are signed.
	CheckpointEvery time.Duration
	// LeaseTTL is how long a background job's lease lasts unrenewed.
	LeaseTTL time.Duration
	// SMTPURL, MailFrom and BaseURL configure mail (see app.Config).
	SMTPURL, MailFrom, BaseURL string
	// DefaultAuthority is the council of a public page that names none.
	DefaultAuthority string
}

func parseConfig(fsName string, args []string, getenv func(string) string) (*Config, *flag.FlagSet, error) {
	def := func(k, d string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return d
	}
	c := &Config{}
	fl := flag.NewFlagSet(fsName, flag.ContinueOnError)
	fl.StringVar(&c.Addr, "addr", def("NEEDMATCH_ADDR", "127.0.0.1:8080"), "listen address (NEEDMATCH_ADDR)")
	fl.StringVar(&c.DataDir, "data-dir", def("NEEDMATCH_DATA_DIR", "./data"), "embedded store directory (NEEDMATCH_DATA_DIR)")
	fl.StringVar(&c.MongoURI, "mongodb-uri", def("MONGODB_URI", ""), "MongoDB URI; switches to the MongoDB store (MONGODB_URI)")
	fl.StringVar(&c.MongoDB, "mongodb-database", def("NEEDMATCH_MONGODB_DATABASE", "needmatch"), "MongoDB database name (NEEDMATCH_MONGODB_DATABASE)")
	fl.StringVar(&c.LogLevel, "log-level", def("NEEDMATCH_LOG_LEVEL", "info"), "debug, info, warn or error (NEEDMATCH_LOG_LEVEL)")
	fl.BoolVar(&c.TLS, "tls", def("NEEDMATCH_TLS", "") == "true", "served over HTTPS by a proxy: send HSTS (NEEDMATCH_TLS=true)")
	fl.StringVar(&c.Proxies, "trusted-proxies", def("NEEDMATCH_TRUSTED_PROXIES", ""), "comma-separated proxy IPs/CIDRs whose X-Forwarded-For is trusted (NEEDMATCH_TRUSTED_PROXIES)")
	fl.BoolVar(&c.NoLimits, "no-rate-limits", def("NEEDMATCH_RATE_LIMITS", "on") == "off", "turn rate limits off, for load tests only (NEEDMATCH_RATE_LIMITS=off)")
	fl.StringVar(&c.AuditKey, "audit-key-file", def("NEEDMATCH_AUDIT_KEY_FILE", ""), "HMAC key file for audit checkpoints of the embedded store when NEEDMATCH_AUDIT_KEY is not set (NEEDMATCH_AUDIT_KEY_FILE, default <data-dir>/audit-checkpoint.key)")
	fl.DurationVar(&c.CheckpointEvery, "checkpoint-every", time.Minute, "how often to sign the audit chain heads")
	fl.StringVar(&c.MailFrom, "mail-from", def("NEEDMATCH_MAIL_FROM", "needmatch <no-reply@needmatch.localhost>"), "the From address of mail (NEEDMATCH_MAIL_FROM)")
	fl.StringVar(&c.BaseURL, "base-url", def("NEEDMATCH_BASE_URL", ""), "the app's public address, for links in mail (NEEDMATCH_BASE_URL, default http://<addr>)")
	fl.StringVar(&c.DefaultAuthority, "default-authority", def("NEEDMATCH_DEFAULT_AUTHORITY", ""), "slug of the council a public page shows when it names none (NEEDMATCH_DEFAULT_AUTHORITY, default the first council by slug)")
	leaseTTL := fl.String("lease-ttl", def("NEEDMATCH_LEASE_TTL", domain.LeaseTTL.String()), "how long a process holds a background job's lease unrenewed; another takes over within this and a third of it (NEEDMATCH_LEASE_TTL)")
	c.JWTSecret = getenv("NEEDMATCH_JWT_SECRET")
	c.AuditSecret = getenv("NEEDMATCH_AUDIT_KEY")
	c.SMTPURL = getenv("NEEDMATCH_SMTP_URL")
	if err := fl.Parse(args); err != nil {
		return nil, nil, err
	}
	var err error
	if c.LeaseTTL, err = time.ParseDuration(*leaseTTL); err != nil || c.LeaseTTL < 3*time.Second || c.LeaseTTL > time.Hour {
		return nil, nil, errors.New("NEEDMATCH_LEASE_TTL must be a duration from 3s to 1h, such as 30s")
	}
	if c.AuditKey == "" {
		c.AuditKey = filepath.Join(c.DataDir, "audit-checkpoint.key")
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, nil, errors.New("NEEDMATCH_BASE_URL must be an http:// or https:// address")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return nil, nil, fmt.Errorf("NEEDMATCH_LOG_LEVEL must be debug, info, warn or error, not %q", c.LogLevel)
	}
	if c.AuditSecret != "" && len(c.AuditSecret) < 32 {
		return nil, nil, errors.New("NEEDMATCH_AUDIT_KEY must be at least 32 characters")
	}
	if c.JWTSecret != "" && len(c.JWTSecret) < 32 {
		return nil, nil, errors.New("NEEDMATCH_JWT_SECRET must be at least 32 characters")
	}
	if c.MongoURI != "" && !strings.HasPrefix(c.MongoURI, "mongodb://") && !strings.HasPrefix(c.MongoURI, "mongodb+srv://") {
		return nil, nil, errors.New("MONGODB_URI must start with mongodb:// or mongodb+srv://")
	}
	return c, fl, nil
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return exitError(2)
	}
	switch args[0] {
	case "serve":
		return cmdServe(ctx, args[1:], stdout, getenv)
	case "seed":
		return cmdSeed(ctx, args[1:], stdout, getenv)
	case "user":
		if len(args) < 2 || args[1] != "create" {
			return errors.New("usage: needmatch user create --role officer|admin|region_officer|platform_admin --email E --password-stdin [--authority SLUG | --region SLUG]")
		}
		return cmdUserCreate(ctx, args[2:], stdin, stdout, getenv)
	case "authority":
		if len(args) < 2 || args[1] != "create" {
			return errors.New("usage: needmatch authority create --slug S --name N [--code GSS]")
		}
		return cmdAuthorityCreate(ctx, args[2:], stdout, getenv)
	case "region":
		if len(args) < 2 || args[1] != "create" {
			return errors.New("usage: needmatch region create --slug S --name N --authorities a,b,c")
		}
		return cmdRegionCreate(ctx, args[2:], stdout, getenv)
	case "audit":
		if len(args) < 2 || args[1] != "verify" {
			return errors.New("usage: needmatch audit verify")
		}
		return cmdAuditVerify(ctx, args[2:], stdout, getenv)
	case "import":
		if len(args) < 3 || args[1] != "areas" {
			return errors.New("usage: needmatch import areas FILE [--authority SLUG]")
		}
		return cmdImportAreas(ctx, args[2], args[3:], stdout, getenv)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stdout, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func newLogger(level string, w io.Writer) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// appConfig is the configuration as the app package takes it.
func (c *Config) appConfig(log *slog.Logger) app.Config {
	var proxies []string
	for _, p := range strings.Split(c.Proxies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			proxies = append(proxies, p)
		}
	}
	return app.Config{Addr: c.Addr, DataDir: c.DataDir, MongoURI: c.MongoURI, MongoDB: c.MongoDB, JWTSecret: c.JWTSecret, TLS: c.TLS,
		TrustedProxies: proxies, NoRateLimits: c.NoLimits, AuditKey: c.AuditSecret, AuditKeyFile: c.AuditKey, CheckpointEvery: c.CheckpointEvery, LeaseTTL: c.LeaseTTL, Logger: log,
		SMTPURL: c.SMTPURL, MailFrom: c.MailFrom, BaseURL: c.BaseURL, DefaultAuthority: c.DefaultAuthority}
}

// openStore opens the configured store for the commands that need no server.
func openStore(ctx context.Context, c *Config) (domain.Store, error) {
	st, _, err := app.OpenStore(ctx, c.appConfig(nil))
	return st, err
}

func cmdServe(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	c, _, err := parseConfig("serve", args, getenv)
	if err != nil {
		return err
	}
	log := newLogger(c.LogLevel, stdout)
	slog.SetDefault(log)
	ac := c.appConfig(log)
	ac.MetricsToken = getenv("NEEDMATCH_METRICS_TOKEN")
	if path := getenv("NEEDMATCH_CPUPROFILE"); path != "" {
		stop, err := startCPUProfile(path)
		if err != nil {
			return err
		}
		defer stop()
	}
	if sub, err := fs.Sub(frontend.Dist, "dist"); err == nil {
		if _, err := fs.Stat(sub, "index.html"); err == nil {
			ac.Static = sub
		} else {
			log.Warn("the app is not built (frontend/dist/index.html missing): serving the API only; run make")
		}
	}
	a, err := app.New(ctx, ac)
	if err != nil {
		return err
	}
	defer a.Close()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	return a.Run(ctx)
}

// profileRestarted is called when SIGUSR1 has started the profile again
// (a test waits for it).
var profileRestarted = func() {}

// startCPUProfile profiles the server's CPU into path until stop is called
// (at shutdown): for load tests (scripts/load CPUPROFILE=). SIGUSR1 starts
// the profile again, from an empty file: scripts/load sends it as the
// measured run begins, so that the profile holds that run, not the seed's
// copy or the pages the bare endpoint fetched.
func startCPUProfile(path string) (stop func(), err error) {
	var mu sync.Mutex
	var f *os.File
	start := func() error {
		var err error
		if f, err = os.Create(path); err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return err
		}
		return nil
	}
	if err := start(); err != nil {
		return nil, err
	}
	restart := make(chan os.Signal, 1)
	signal.Notify(restart, syscall.SIGUSR1)
	go func() {
		for range restart {
			mu.Lock()
			if f != nil {
				pprof.StopCPUProfile()
				f.Close()
				if err := start(); err != nil {
					f = nil
					slog.Error("CPU profile not restarted", "err", err)
				}
			}
			mu.Unlock()
			profileRestarted()
		}
	}()
	return func() {
		signal.Stop(restart)
		mu.Lock()
		defer mu.Unlock()
		if f != nil {
			pprof.StopCPUProfile()
			f.Close()
			f = nil
		}
	}, nil
}

func cmdUserCreate(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer, getenv func(string) string) error {
	c, fl, err := parseConfigWith("user create", args, getenv, func(fl *flag.FlagSet) {
		fl.String("role", "", "officer, admin, region_officer or platform_admin")
		fl.String("email", "", "email address")
		fl.String("name", "", "display name (default: the email)")
		fl.String("authority", "stockport", "council slug (officer, admin)")
		fl.String("region", "", "region slug (region_officer)")
		fl.Bool("password-stdin", false, "read the password from standard input")
	})
	if err != nil {
		return err
	}
	get := func(n string) string { return fl.Lookup(n).Value.String() }
	if get("password-stdin") != "true" {
		return errors.New("give the password on standard input with --password-stdin (never as an argument)")
	}
	pw, err := io.ReadAll(io.LimitReader(stdin, 1024))
	if err != nil {
		return err
	}
	st, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := domain.NewService(st).CreateStaffUser(ctx, domain.StaffUserInput{Email: get("email"), Password: strings.TrimRight(string(pw), "\r\n"), Name: get("name"), Role: get("role"), AuthoritySlug: get("authority"), RegionSlug: get("region")})
	if err != nil {
		return fmt.Errorf("%s", domain.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "created %s %s (%s)\n", u.Role, u.Email, u.ID)
	return nil
}

// parseConfigWith parses the shared configuration plus extra flags.
func parseConfigWith(name string, args []string, getenv func(string) string, extra func(*flag.FlagSet)) (*Config, *flag.FlagSet, error) {
	// Split: extra flags are parsed by a flag set that also knows the shared ones.
	c, fl, err := parseConfig(name, nil, getenv)
	if err != nil {
		return nil, nil, err
	}
	extra(fl)
	if err := fl.Parse(args); err != nil {
		return nil, nil, err
	}
	return c, fl, nil
}

func cmdAuditVerify(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	c, _, err := parseConfig("audit verify", args, getenv)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer st.Close()
	auths, err := st.AuditAuthorities(ctx)
	if err != nil {
		return err
	}
	ac := c.appConfig(nil)
	key, err := app.AuditKey(ac)
	if err != nil {
		return err
	}
	if _, err := app.ImportCheckpointFile(ctx, st, ac, key); err != nil {
		fmt.Fprintf(stdout, "BROKEN checkpoints: %v\n", err)
		return exitError(1)
	}
	latest, err := st.LatestCheckpoints(ctx)
	if err != nil {
		return err
	}
	for _, cp := range latest { // a checkpointed authority with no events left at all
		if !slices.Contains(auths, cp.AuthorityID) {
			auths = append(auths, cp.AuthorityID)
		}
	}
	broken := false
	for _, id := range auths {
		// Streamed: a page of events and one of checkpoints in memory at a
		// time, whatever the chain's length; every checkpoint's signature
		// is checked, and the chain must carry each one's hash.
		v, b, err := domain.VerifyAuditChain(ctx, st, st, key, id, 0)
		if err != nil {
			return err
		}
		if b != nil {
			broken = true
			fmt.Fprintf(stdout, "BROKEN authority %s at seq %d (event %s): %s\n", b.AuthorityID, b.Seq, b.EventID, b.Problem)
			continue
		}
		n, head := v.Head()
		if n == 0 {
			head = "none"
		}
		fmt.Fprintf(stdout, "ok authority %s: %d events, head %s\n", id, n, head)
	}
	if broken {
		return exitError(1)
	}
	return nil
}

func cmdImportAreas(ctx context.Context, file string, args []string, stdout io.Writer, getenv func(string) string) error {
	c, fl, err := parseConfigWith("import areas", args, getenv, func(fl *flag.FlagSet) {
		fl.String("authority", "stockport", "council slug")
	})
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	areas, err := domain.ParseAreasCSV(f)
	if err != nil {
		var de *domain.Error
		if errors.As(err, &de) {
			for _, fe := range de.Fields {
				fmt.Fprintln(stdout, fe.Detail)
			}
		}
		return errors.New("nothing imported")
	}
	st, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer st.Close()
	auth, err := st.AuthorityBySlug(ctx, fl.Lookup("authority").Value.String())
	if err != nil {
		return fmt.Errorf("%s", domain.ErrorMessage(err))
	}
	cli := &domain.Actor{UserID: "cli", Role: domain.RoleAdmin, AuthorityID: auth.ID}
	if _, err := domain.NewService(st).ImportAreas(ctx, cli, areas); err != nil {
		return fmt.Errorf("%s", domain.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "imported %d areas into %s\n", len(areas), auth.Slug)
	return nil
}
