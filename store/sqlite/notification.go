package sqlite

import (
	"context"
	"encoding/json"
	"time"

	"needmatch/domain"
)

// notificationRow is a row of the notifications table (the mail outbox),
// its times Unix microseconds (0: none).
type notificationRow struct {
	ID, EventID, AuthorityID, UserID, Email, Kind, Subject, Text, HTML, Link, Status, Owner string
	ClaimedUntil, NextAt                                                                    int64
	Attempts                                                                                string
	CreatedAt, SentAt                                                                       int64
	Parts                                                                                   string
}

var notificationTable = newTable("notifications", `id, event_id, authority_id, user_id, email, kind, subject, body_text, body_html, link, status, owner, claimed_until, next_at, attempts, created_at, sent_at, parts`)

func (r *notificationRow) fields() []any {
	return []any{&r.ID, &r.EventID, &r.AuthorityID, &r.UserID, &r.Email, &r.Kind, &r.Subject, &r.Text, &r.HTML, &r.Link, &r.Status, &r.Owner,
		&r.ClaimedUntil, &r.NextAt, &r.Attempts, &r.CreatedAt, &r.SentAt, &r.Parts}
}

// attemptRow is the stored form of one attempt in the attempts column.
type attemptRow struct {
	At     int64  `json:"at"`
	Result string `json:"result"`
}

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(n int64) time.Time { return time.UnixMicro(n).UTC() }

func fromNotification(n *domain.Notification) *notificationRow {
	as := make([]attemptRow, len(n.Attempts))
	for i, a := range n.Attempts {
		as[i] = attemptRow{At: micros(a.At), Result: a.Result}
	}
	r := &notificationRow{ID: n.ID, EventID: n.EventID, AuthorityID: n.AuthorityID, UserID: n.UserID, Email: n.To, Kind: string(n.Kind),
		Subject: n.Subject, Text: n.Text, HTML: n.HTML, Link: n.Link, Status: string(n.Status), Owner: n.Owner,
		ClaimedUntil: micros(n.ClaimedUntil), NextAt: micros(n.NextAt), Attempts: marshal(as), CreatedAt: micros(n.CreatedAt), Parts: "[]"}
	if len(n.Parts) > 0 {
		r.Parts = marshal(n.Parts)
	}
	if n.SentAt != nil {
		r.SentAt = micros(*n.SentAt)
	}
	return r
}

func scanNotification(row scanner) (*domain.Notification, error) {
	var r notificationRow
	if err := row.Scan(r.fields()...); err != nil {
		return nil, translateNotFound(err, "Notification not found.")
	}
	var as []attemptRow
	if err := json.Unmarshal([]byte(r.Attempts), &as); err != nil {
		return nil, err
	}
	var parts []string
	if err := json.Unmarshal([]byte(r.Parts), &parts); err != nil {
		return nil, err
	}
	n := &domain.Notification{ID: r.ID, EventID: r.EventID, AuthorityID: r.AuthorityID, UserID: r.UserID, To: r.Email, Kind: domain.NotifyKind(r.Kind),
		Subject: r.Subject, Text: r.Text, HTML: r.HTML, Link: r.Link, Status: domain.NotificationStatus(r.Status), Owner: r.Owner,
		NextAt: fromMicros(r.NextAt), CreatedAt: fromMicros(r.CreatedAt), Attempts: make([]domain.MailAttempt, len(as)), Parts: parts}
	if r.ClaimedUntil != 0 {
		n.ClaimedUntil = fromMicros(r.ClaimedUntil)
	}
	if r.SentAt != 0 {
		t := fromMicros(r.SentAt)
		n.SentAt = &t
	}
	for i, a := range as {
		n.Attempts[i] = domain.MailAttempt{At: fromMicros(a.At), Result: a.Result}
	}
	return n, nil
}

// insertNotifications writes the notifications an event carries, in the
// change's transaction.
func insertNotifications(tx *wtx, ev *domain.AuditEvent) error {
	for _, n := range ev.Notify {
		if err := notificationTable.insert(tx, fromNotification(n).fields()); err != nil {
			return err
		}
	}
	return nil
}

// ClaimNotifications claims due notifications; see domain.OutboxStore.
// A claim's expiry is read and set on dbNow, in the write transaction;
// now only says what is due.
func (db *DB) ClaimNotifications(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]*domain.Notification, error) {
	var out []*domain.Notification
	err := db.tx(ctx, func(tx *wtx) error {
		out = nil
		clock := dbNow()
		until := clock.Add(lease).Truncate(time.Microsecond) // as stored
		lost, err := selectNotifications(tx, `status = 'handover' AND claimed_until < ?`, micros(clock), -1)
		if err != nil {
			return err
		}
		for _, n := range lost {
			prevOwner := n.Owner
			n.Status, n.Owner = domain.NoteUncertain, ""
			n.Attempts = append(n.Attempts, domain.MailAttempt{At: now, Result: domain.UncertainResult})
			if err := settle(tx, n, prevOwner, domain.NoteHandover); err != nil {
				return err
			}
		}
		due, err := selectNotifications(tx, `(status = 'pending' AND next_at <= ?) OR (status = 'sending' AND claimed_until < ?)`, micros(now), limit, micros(clock))
		if err != nil {
			return err
		}
		for _, n := range due {
			from := n.Status
			n.Status, n.Owner, n.ClaimedUntil = domain.NoteSending, owner, until
			n.Attempts = append(n.Attempts, domain.MailAttempt{At: now, Result: "claimed"})
			row := fromNotification(n)
			if _, err := tx.Exec(`UPDATE notifications SET status = ?, owner = ?, claimed_until = ?, attempts = ? WHERE id = ? AND status = ?`,
				row.Status, row.Owner, row.ClaimedUntil, row.Attempts, n.ID, string(from)); err != nil {
				return err
			}
		}
		out = due
		return nil
	})
	return out, err
}

// selectNotifications reads the rows matching where (args first), up to
// limit (-1: all), oldest due first.
func selectNotifications(tx *wtx, where string, first any, limit int, more ...any) ([]*domain.Notification, error) {
	args := append([]any{first}, more...)
	args = append(args, limit)
	rows, err := tx.Query(`SELECT `+notificationTable.list+` FROM notifications WHERE `+where+` ORDER BY next_at, id LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.Notification
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// settle writes n's outcome if owner holds it in status from.
func settle(tx *wtx, n *domain.Notification, owner string, from domain.NotificationStatus) error {
	row := fromNotification(n)
	res, err := tx.Exec(`UPDATE notifications SET status = ?, owner = ?, next_at = ?, sent_at = ?, attempts = ? WHERE id = ? AND status = ? AND owner = ?`,
		row.Status, row.Owner, row.NextAt, row.SentAt, row.Attempts, n.ID, string(from), owner)
	if err != nil {
		return err
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return domain.Errorf(domain.ECONFLICT, "The notification is no longer claimed by this sender.")
	}
	return nil
}

// SettleNotification writes a claimed notification's outcome.
func (db *DB) SettleNotification(ctx context.Context, n *domain.Notification, owner string, from domain.NotificationStatus) error {
	return db.tx(ctx, func(tx *wtx) error { return settle(tx, n, owner, from) })
}

// AddNotification inserts n unless its ID is taken; see
// domain.OutboxStore.
func (db *DB) AddNotification(ctx context.Context, n *domain.Notification) (*domain.Notification, bool, error) {
	var got *domain.Notification
	added := false
	err := db.tx(ctx, func(tx *wtx) error {
		old, err := scanNotification(tx.QueryRow(`SELECT `+notificationTable.list+` FROM notifications WHERE id = ?`, n.ID))
		switch domain.ErrorCode(err) {
		case "":
			got, added = old, false
			return nil
		case domain.ENOTFOUND:
		default:
			return err
		}
		if err := notificationTable.insert(tx, fromNotification(n).fields()); err != nil {
			return err
		}
		got, added = n, true
		return nil
	})
	return got, added, translate(err)
}

// HeldNotifications lists the held notifications due by now, by user.
func (db *DB) HeldNotifications(ctx context.Context, now time.Time) ([]*domain.Notification, error) {
	rows, err := db.query(ctx, `SELECT `+notificationTable.list+` FROM notifications WHERE status = 'held' AND next_at <= ? ORDER BY user_id, next_at, id`, micros(now))
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []*domain.Notification
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, translate(err)
		}
		out = append(out, n)
	}
	return out, translate(rows.Err())
}

// FindNotifications lists an authority's notifications, newest first.
func (db *DB) FindNotifications(ctx context.Context, f domain.NotificationFilter) ([]*domain.Notification, string, error) {
	where, args := []string{"authority_id = ?"}, []any{f.AuthorityID}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	return findPage(ctx, db, "notifications", notificationTable.list, where, args, f.Page, scanNotification,
		func(n *domain.Notification) string { return n.ID })
}

// NotificationByID returns one notification.
func (db *DB) NotificationByID(ctx context.Context, id string) (*domain.Notification, error) {
	return scanNotification(db.queryRow(ctx, `SELECT `+notificationTable.list+` FROM notifications WHERE id = ?`, id))
}

// RetryNotification puts a notification back in the outbox with its event.
func (db *DB) RetryNotification(ctx context.Context, n *domain.Notification, from domain.NotificationStatus, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		row := fromNotification(n)
		res, err := tx.Exec(`UPDATE notifications SET status = ?, owner = ?, next_at = ?, attempts = ? WHERE id = ? AND status = ?`,
			row.Status, row.Owner, row.NextAt, row.Attempts, n.ID, string(from))
		if err != nil {
			return translate(err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return domain.Errorf(domain.ECONFLICT, "The mail is no longer %s.", from)
		}
		return appendAudit(tx, ev)
	})
}
