package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"needmatch/domain"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// Mailer sends the outbox's notifications over SMTP.
//
// Each notification is sent at most once, also across a crash and restart:
//
//  1. The mailer claims a batch (status sending, its owner id, a lease; the
//     claim records the attempt).
//  2. It gives the server MAIL, RCPT, DATA and the message, all but the
//     final dot. A server never delivers a message whose dot it has not had.
//  3. It records the handover (status handover, durably), then sends the dot.
//  4. On the server's 250 it records sent.
//
// A mailer that stops in 1-2 leaves a sending claim: when the lease runs
// out another claim takes it and sends it (nothing was delivered). One that
// stops in 3-4 leaves a handover: that message may have been delivered, so
// it is never sent again but marked uncertain for an admin to see ("Sent
// mail"). That window is one dot and one reply long. Every attempt has the
// same Message-ID, so a duplicate could be recognised, but the mailer does
// not rely on it.
type Mailer struct {
	Store domain.OutboxStore
	// Client connects to the SMTP server.
	Client *gomail.Client
	From   string
	// Domain names the Message-IDs (the From address's domain).
	Domain string
	// Now says which notifications are due; claims expire on the
	// database's clock whatever it says.
	Now domain.Clock
	Log *slog.Logger
	// Owner identifies this mailer's claims.
	Owner string
	// Lease is how long a claim holds, on the database's clock, before
	// another mailer may take it (every move of a claimed notification checks its owner, so a mailer
	// slower than its lease only loses the notification, never sends it
	// twice); Every is how often the outbox is read.
	Lease, Every time.Duration
	// Batch is how many notifications one connection sends.
	Batch int
}

// MailKey derives the key that signs unsubscribe links from the token
// secret, so every process of a deployment signs alike.
func MailKey(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("needmatch mail links"))
	return m.Sum(nil)
}

// ParseSMTPURL reads NEEDMATCH_SMTP_URL (smtp://user:pass@host:port, or
// smtps:// for TLS from the start) into a go-mail client. STARTTLS is used
// when the server offers it and required unless the host is a loopback
// (a local Mailpit speaks plain SMTP).
func ParseSMTPURL(raw string) (*gomail.Client, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "smtp" && u.Scheme != "smtps") {
		return nil, errors.New("NEEDMATCH_SMTP_URL must look like smtp://user:pass@host:587 or smtps://host:465")
	}
	host := u.Hostname()
	port := 587
	if u.Scheme == "smtps" {
		port = 465
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port < 1 || port > 65535 {
			return nil, errors.New("NEEDMATCH_SMTP_URL has a bad port")
		}
	}
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTimeout(30 * time.Second)}
	switch {
	case u.Scheme == "smtps":
		opts = append(opts, gomail.WithSSL())
	case isLoopback(host):
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if u.User != nil && u.User.Username() != "" {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	return gomail.NewClient(host, opts...)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// NewMailer builds a mailer for the SMTP URL and From address.
func NewMailer(st domain.OutboxStore, smtpURL, from string, log *slog.Logger) (*Mailer, error) {
	c, err := ParseSMTPURL(smtpURL)
	if err != nil {
		return nil, err
	}
	addr, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("NEEDMATCH_MAIL_FROM is not an address: %w", err)
	}
	_, dom, _ := strings.Cut(addr.Address, "@")
	return &Mailer{Store: st, Client: c, From: from, Domain: dom, Now: domain.SystemClock, Log: log, Owner: domain.NewID(),
		Lease: 30 * time.Second, Every: 2 * time.Second, Batch: 20}, nil
}

// Run sends what is due every Every until ctx ends.
func (m *Mailer) Run(ctx context.Context) {
	t := time.NewTicker(m.Every)
	defer t.Stop()
	for {
		for {
			n, err := m.SendDue(ctx)
			if err != nil && ctx.Err() == nil {
				m.Log.Warn("mail: sending failed; will retry", "err", err)
			}
			if n == 0 || err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SendDue claims one batch of due notifications and sends it over one
// connection; it returns how many it claimed.
func (m *Mailer) SendDue(ctx context.Context) (int, error) {
	now := m.Now()
	ns, err := m.Store.ClaimNotifications(ctx, m.Owner, now, m.Lease, m.Batch)
	if err != nil || len(ns) == 0 {
		return 0, err
	}
	c, err := m.Client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		for _, n := range ns {
			m.retry(ctx, n, domain.NoteSending, "connect: "+err.Error(), false)
		}
		return len(ns), err
	}
	defer c.Close()
	for i, n := range ns {
		if err := m.send(ctx, c, n); err != nil {
			// The connection is in an unknown state: the rest wait for
			// their claims to expire or are put back now.
			for _, rest := range ns[i+1:] {
				m.retry(ctx, rest, domain.NoteSending, "not tried: "+err.Error(), false)
			}
			return len(ns), err
		}
	}
	_ = c.Quit()
	return len(ns), nil
}

// send sends one claimed notification; an error means the connection can
// no longer be used.
func (m *Mailer) send(ctx context.Context, c *smtp.Client, n *domain.Notification) error {
	msg, err := m.message(n)
	if err != nil {
		m.retry(ctx, n, domain.NoteSending, "message: "+err.Error(), true)
		return nil
	}
	if err := c.Mail("<" + m.address() + ">"); err != nil {
		return m.refused(ctx, c, n, "MAIL FROM", err)
	}
	if err := c.Rcpt("<" + n.To + ">"); err != nil {
		return m.refused(ctx, c, n, "RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return m.refused(ctx, c, n, "DATA", err)
	}
	if _, err := msg.WriteTo(w); err != nil {
		m.retry(ctx, n, domain.NoteSending, "write: "+err.Error(), false)
		return err
	}
	// The commit point: from here the message may be delivered.
	n.Status = domain.NoteHandover
	if err := m.Store.SettleNotification(ctx, n, m.Owner, domain.NoteSending); err != nil {
		return fmt.Errorf("record the handover of %s (message not sent): %w", n.ID, err)
	}
	if err := w.Close(); err != nil {
		var tp *textproto.Error
		if errors.As(err, &tp) { // the server answered no: nothing delivered
			m.retry(ctx, n, domain.NoteHandover, "end of DATA: "+err.Error(), tp.Code >= 500)
			return nil
		}
		n.Status, n.Owner = domain.NoteUncertain, ""
		n.Attempts[len(n.Attempts)-1].Result = "no answer to the end of DATA: " + err.Error()
		m.settle(ctx, n, domain.NoteHandover)
		return err
	}
	at := m.Now()
	n.Status, n.Owner, n.SentAt = domain.NoteSent, "", &at
	n.Attempts[len(n.Attempts)-1].Result = "sent"
	m.settle(ctx, n, domain.NoteHandover)
	return c.Reset()
}

// refused handles a command the server refused before any data: the
// message can be tried again (a 5xx reply fails it at once).
func (m *Mailer) refused(ctx context.Context, c *smtp.Client, n *domain.Notification, step string, err error) error {
	var tp *textproto.Error
	if !errors.As(err, &tp) {
		m.retry(ctx, n, domain.NoteSending, step+": "+err.Error(), false)
		return err
	}
	m.retry(ctx, n, domain.NoteSending, step+": "+err.Error(), tp.Code >= 500)
	return c.Reset()
}

// retry records a failed attempt: pending again after a backoff, or failed
// when permanent or out of attempts.
func (m *Mailer) retry(ctx context.Context, n *domain.Notification, from domain.NotificationStatus, why string, permanent bool) {
	n.Attempts[len(n.Attempts)-1].Result = why
	n.Status, n.Owner, n.NextAt = domain.NotePending, "", m.Now().Add(domain.MailBackoff(len(n.Attempts)))
	if permanent || len(n.Attempts) >= domain.MaxMailAttempts {
		n.Status = domain.NoteFailed
	}
	m.settle(ctx, n, from)
}

func (m *Mailer) settle(ctx context.Context, n *domain.Notification, from domain.NotificationStatus) {
	if err := m.Store.SettleNotification(context.WithoutCancel(ctx), n, m.Owner, from); err != nil {
		m.Log.Error("mail: cannot record an attempt", "notification", n.ID, "status", n.Status, "err", err)
	}
}

func (m *Mailer) address() string {
	if a, err := mail.ParseAddress(m.From); err == nil {
		return a.Address
	}
	return m.From
}

// message renders a notification as a MIME message: plain text with an
// HTML alternative, its stable Message-ID, and its creation time as Date.
func (m *Mailer) message(n *domain.Notification) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(m.From); err != nil {
		return nil, err
	}
	if err := msg.To(n.To); err != nil {
		return nil, err
	}
	msg.Subject(n.Subject)
	msg.SetMessageIDWithValue(n.MessageID(m.Domain))
	msg.SetDateWithValue(n.CreatedAt)
	msg.SetGenHeader("X-Needmatch-Notification", n.ID)
	msg.SetBodyString(gomail.TypeTextPlain, n.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, n.HTML)
	return msg, nil
}
