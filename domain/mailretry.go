package domain

import "context"

// RetriedResult is the attempt an admin's "send again" adds to a mail.
const RetriedResult = "sent again by an admin: it may arrive twice (the same Message-ID lets a mail server drop the copy)"

// RetryMail puts a mail whose sender stopped after handing it to the mail
// server (status uncertain: maybe delivered) back in the outbox, for an
// admin who judges it never arrived. It keeps its id, so the new attempt
// carries the same Message-ID. Only an uncertain mail can be sent again
// (ECONFLICT on field status otherwise); the audit event records the
// change of status alone, never the mail's text, which may hold a link
// that signs someone in.
func (s *Service) RetryMail(ctx context.Context, a *Actor, id string) (*Notification, error) {
	if err := requireRole(a, RoleAdmin); err != nil {
		return nil, err
	}
	n, err := s.Store.NotificationByID(ctx, id)
	if ErrorCode(err) == ENOTFOUND || (err == nil && n.AuthorityID != a.AuthorityID) {
		return nil, Errorf(ENOTFOUND, "There is no such mail.")
	} else if err != nil {
		return nil, err
	}
	if n.Status != NoteUncertain {
		return nil, &Error{Code: ECONFLICT, Field: "status", Message: "Only a mail that may not have arrived (maybe sent) can be sent again; this one is " + string(n.Status) + "."}
	}
	now := s.now()
	type mailState struct {
		Status NotificationStatus `json:"status"`
		To     string             `json:"to"`
	}
	before := mailState{n.Status, n.To}
	n.Status, n.Owner, n.NextAt = NotePending, "", now
	n.Attempts = append(n.Attempts, MailAttempt{At: now, Result: RetriedResult})
	ev := NewAuditEvent(a.AuthorityID, a.UserID, "notification.retry", "notification", n.ID, before, mailState{n.Status, n.To}, now)
	if err := s.Store.RetryNotification(ctx, n, NoteUncertain, ev); err != nil {
		return nil, err
	}
	return n, nil
}
