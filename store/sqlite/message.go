package sqlite

import (
	"context"

	"needmatch/domain"
)

var _ domain.MessageStore = (*DB)(nil)

// messageRow is a row of the messages table: times as RFC 3339 text (none
// as ”), the creation time also in Unix nanoseconds for the rate limit's
// window, and whether a report is open as a flag for its index.
type messageRow struct {
	ID, AuthorityID, PledgeID, GroupOrgID, SupplierOrgID string
	AuthorUserID, AuthorName, AuthorOrganisation         string
	AuthorRole, Body, CreatedAt                          string
	CreatedNS                                            int64
	ReportedBy, ReportReason, ReportedAt                 string
	ResolvedBy, ResolvedAt                               string
	OpenReport                                           bool
	Version                                              int64
}

// messageTable is the messages table, its columns in messageRow order; only
// the report changes once a message is written.
var messageTable = newTable("messages", `id, authority_id, pledge_id, group_org_id, supplier_org_id, author_user_id, author_name,
	author_organisation, author_role, body, created_at, created_ns, reported_by, report_reason, reported_at, resolved_by, resolved_at,
	open_report, version`, "id", "authority_id", "pledge_id", "group_org_id", "supplier_org_id", "author_user_id", "author_name",
	"author_organisation", "author_role", "body", "created_at", "created_ns")

func (r *messageRow) fields() []any {
	return []any{&r.ID, &r.AuthorityID, &r.PledgeID, &r.GroupOrgID, &r.SupplierOrgID, &r.AuthorUserID, &r.AuthorName,
		&r.AuthorOrganisation, &r.AuthorRole, &r.Body, &r.CreatedAt, &r.CreatedNS, &r.ReportedBy, &r.ReportReason, &r.ReportedAt,
		&r.ResolvedBy, &r.ResolvedAt, &r.OpenReport, &r.Version}
}

func fromMessage(m *domain.Message) *messageRow {
	r := &messageRow{ID: m.ID, AuthorityID: m.AuthorityID, PledgeID: m.PledgeID, GroupOrgID: m.GroupOrgID, SupplierOrgID: m.SupplierOrgID,
		AuthorUserID: m.AuthorUserID, AuthorName: m.AuthorName, AuthorOrganisation: m.AuthorOrganisation, AuthorRole: m.AuthorRole,
		Body: m.Body, CreatedAt: storeTime(m.CreatedAt), CreatedNS: m.CreatedAt.UnixNano(), Version: m.Version}
	if rp := m.Report; rp != nil {
		r.ReportedBy, r.ReportReason, r.ReportedAt = rp.By, rp.Reason, storeTime(rp.At)
		r.ResolvedBy, r.ResolvedAt, r.OpenReport = rp.ResolvedBy, optTime(rp.ResolvedAt), rp.ResolvedAt == nil
	}
	return r
}

func scanMessage(row scanner) (*domain.Message, error) {
	var r messageRow
	if err := row.Scan(r.fields()...); err != nil {
		return nil, err
	}
	var l times
	m := &domain.Message{ID: r.ID, AuthorityID: r.AuthorityID, PledgeID: r.PledgeID, GroupOrgID: r.GroupOrgID, SupplierOrgID: r.SupplierOrgID,
		AuthorUserID: r.AuthorUserID, AuthorName: r.AuthorName, AuthorOrganisation: r.AuthorOrganisation, AuthorRole: r.AuthorRole,
		Body: r.Body, CreatedAt: l.at(r.CreatedAt), Version: r.Version}
	if r.ReportedAt != "" {
		m.Report = &domain.MessageReport{By: r.ReportedBy, Reason: r.ReportReason, At: l.at(r.ReportedAt), ResolvedBy: r.ResolvedBy, ResolvedAt: l.opt(r.ResolvedAt)}
	}
	return m, l.err
}

// CreateMessage writes m and its audit event.
func (db *DB) CreateMessage(ctx context.Context, m *domain.Message, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := messageTable.insert(tx, fromMessage(m).fields()); err != nil {
			return err
		}
		return appendAudit(tx, ev)
	})
}

// MessageByID returns ENOTFOUND when there is none.
func (db *DB) MessageByID(ctx context.Context, id string) (*domain.Message, error) {
	m, err := scanMessage(db.queryRow(ctx, `SELECT `+messageTable.list+` FROM messages WHERE id = ?`, id))
	return m, translateNotFound(err, "Message not found.")
}

// FindMessages lists newest first (by id).
func (db *DB) FindMessages(ctx context.Context, f domain.MessageFilter) ([]*domain.Message, string, error) {
	where, args := []string{"authority_id = ?"}, []any{f.AuthorityID}
	if f.PledgeID != "" {
		where, args = append(where, "pledge_id = ?"), append(args, f.PledgeID)
	}
	if f.AuthorUserID != "" {
		where, args = append(where, "author_user_id = ?"), append(args, f.AuthorUserID)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "created_ns >= ?"), append(args, f.Since.UnixNano())
	}
	if f.Reported {
		where = append(where, "open_report = 1")
	}
	return findPage(ctx, db, "messages", messageTable.list, where, args, f.Page, scanMessage, func(m *domain.Message) string { return m.ID })
}

// UpdateMessage writes m if the stored version is prev.
func (db *DB) UpdateMessage(ctx context.Context, m *domain.Message, prev int64, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := messageTable.update(tx, m.ID, prev, fromMessage(m).fields()); err != nil {
			return err
		}
		return appendAudit(tx, ev)
	})
}

// MarkThreadRead moves the user's read mark on the thread up to upTo.
func (db *DB) MarkThreadRead(ctx context.Context, userID, pledgeID, upTo string) error {
	return db.tx(ctx, func(tx *wtx) error {
		_, err := tx.Exec(`INSERT INTO message_reads (user_id, pledge_id, up_to) VALUES (?,?,?)
			ON CONFLICT (user_id, pledge_id) DO UPDATE SET up_to = excluded.up_to WHERE excluded.up_to > message_reads.up_to`, userID, pledgeID, upTo)
		return err
	})
}

// UnreadMessages counts the messages of f's threads newer than the user's
// read mark on each and not the user's own.
func (db *DB) UnreadMessages(ctx context.Context, f domain.UnreadFilter) (int, error) {
	q := `SELECT COUNT(*) FROM messages m LEFT JOIN message_reads r ON r.user_id = ? AND r.pledge_id = m.pledge_id
		WHERE m.authority_id = ? AND m.author_user_id != ? AND m.id > COALESCE(r.up_to, '')`
	args := []any{f.UserID, f.AuthorityID, f.UserID}
	if f.OrganisationID != "" {
		q += ` AND (m.group_org_id = ? OR m.supplier_org_id = ?)`
		args = append(args, f.OrganisationID, f.OrganisationID)
	}
	var n int
	err := db.queryRow(ctx, q, args...).Scan(&n)
	return n, translate(err)
}
