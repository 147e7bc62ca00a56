package domain

import (
	"context"
	"time"
)

// Notifications are the mail the platform sends. A change that someone must
// hear about writes its notifications in the same store transaction as the
// change and its audit event (they ride on the event, outside its hash), so
// a notification is never lost and never sent for a change that rolled
// back. The sender (app/mail.go) takes them from that outbox.
//
// Who hears of what is decided here, once, in notifyRules.

// NotifyKind is a kind of notification a user can choose how to receive.
type NotifyKind string

// The kinds of notification.
const (
	NotifyOrganisation NotifyKind = "organisation"       // organisation approved or rejected
	NotifyRequest      NotifyKind = "request"            // request published or rejected
	NotifyPledgeNew    NotifyKind = "pledge-new"         // a new pledge on your request
	NotifyPledge       NotifyKind = "pledge-decision"    // pledge approved, part approved, declined
	NotifyDelivery     NotifyKind = "delivery"           // delivery reported, confirmed, disputed, verified, rejected
	NotifyDue          NotifyKind = "commitment-due"     // a commitment due in 14 days
	NotifyOverdue      NotifyKind = "commitment-overdue" // weekly, while a commitment is overdue
	NotifyDigest       NotifyKind = "digest"             // weekly: new requests that fit a supplier
	NotifyMessage      NotifyKind = "message"            // a new message on a pledge's thread
	NotifySecurity     NotifyKind = "security"           // password reset, email verification
)

// NotifyKindInfo describes a kind for the settings screen. Adding a kind is
// one line in NotifyKinds.
type NotifyKindInfo struct {
	Kind  NotifyKind `json:"kind"`
	Label string     `json:"label"`
	// Required kinds (security) cannot be turned off or delayed.
	Required bool `json:"required,omitempty"`
}

// NotifyKinds lists every kind in the order the settings screen shows them.
var NotifyKinds = []NotifyKindInfo{
	{NotifyOrganisation, "Your organisation approved or rejected", false},
	{NotifyRequest, "Your request published or rejected", false},
	{NotifyPledgeNew, "A new pledge on your request", false},
	{NotifyPledge, "Your pledge approved, part approved or declined", false},
	{NotifyDelivery, "Deliveries reported, confirmed, disputed, verified or rejected", false},
	{NotifyDue, "A commitment due in 14 days", false},
	{NotifyOverdue, "Overdue commitments (weekly)", false},
	{NotifyDigest, "New requests that fit what you offer (weekly)", false},
	{NotifyMessage, "A new message about a pledge", false},
	{NotifySecurity, "Password reset and email verification", true},
}

// NotificationStatus is where a notification is in the outbox.
type NotificationStatus string

// Outbox states. pending: waiting (NextAt says when); sending: claimed by a
// sender (Owner, until ClaimedUntil), not yet handed over; handover: the
// message is written to the SMTP server and the sender is about to end it
// (the final dot): a claim that expires here may have been delivered, so it
// is never sent again (uncertain); sent: the server accepted it; failed:
// gave up after MaxMailAttempts.
const (
	NotePending   NotificationStatus = "pending"
	NoteSending   NotificationStatus = "sending"
	NoteHandover  NotificationStatus = "handover"
	NoteSent      NotificationStatus = "sent"
	NoteFailed    NotificationStatus = "failed"
	NoteUncertain NotificationStatus = "uncertain"
)

// UncertainResult is the attempt result of a notification whose sender
// stopped after the handover.
const UncertainResult = "interrupted after the message was handed to the server: maybe delivered, not sent again"

// MaxMailAttempts is how often a notification is tried before it fails.
const MaxMailAttempts = 8

// Notification is one mail to one user.
type Notification struct {
	ID          string             `json:"id"`
	EventID     string             `json:"eventId"`
	AuthorityID string             `json:"-"`
	UserID      string             `json:"userId"`
	To          string             `json:"to"`
	Kind        NotifyKind         `json:"kind"`
	Subject     string             `json:"subject"`
	Text        string             `json:"text"`
	HTML        string             `json:"html"`
	Link        string             `json:"link"`
	Status      NotificationStatus `json:"status"`
	Owner       string             `json:"-"`
	// ClaimedUntil is when a sender's claim expires, on the database's
	// clock.
	ClaimedUntil time.Time `json:"-"`
	// NextAt is when a pending notification is next due.
	NextAt    time.Time     `json:"nextAt"`
	Attempts  []MailAttempt `json:"attempts"`
	CreatedAt time.Time     `json:"createdAt"`
	SentAt    *time.Time    `json:"sentAt,omitempty"`
	// Parts, on a combined weekly mail, are the held notifications it
	// carries (each then marked sent by it).
	Parts []string `json:"parts,omitempty"`
}

// MailAttempt records one try to send.
type MailAttempt struct {
	At     time.Time `json:"at"`
	Result string    `json:"result"`
}

// MessageID is the notification's stable Message-ID (without angle
// brackets): the same on every attempt, so a duplicate is recognisable.
func (n *Notification) MessageID(domain string) string {
	return n.ID + "@" + domain
}

// NotificationFilter selects notifications of one authority, newest first.
type NotificationFilter struct {
	AuthorityID string
	Status      NotificationStatus
	Page
}

// OutboxStore is the outbox's side of the store: notifications are written
// by the change they belong to (AuditEvent.Notify); the sender claims and
// settles them here.
type OutboxStore interface {
	// ClaimNotifications claims up to limit due notifications for owner
	// for lease: pending ones with NextAt <= now, and sending ones whose
	// claim expired (their sender stopped before the handover: the server
	// never got them whole). Each claim records an attempt at now. Handover
	// ones whose claim expired become uncertain and are not returned.
	// now (the caller's clock) decides only what is due; whether a claim
	// has expired, and when the new one does (ClaimedUntil), is the
	// database's clock, so a sender whose clock runs ahead takes no live
	// claim of another.
	ClaimNotifications(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]*Notification, error)
	// SettleNotification writes n's Status, NextAt, SentAt and last
	// attempt's result if owner still holds its claim in status from;
	// ECONFLICT otherwise.
	SettleNotification(ctx context.Context, n *Notification, owner string, from NotificationStatus) error
	// FindNotifications lists an authority's notifications, newest first.
	FindNotifications(ctx context.Context, f NotificationFilter) ([]*Notification, string, error)
	// AddNotification inserts a notification that belongs to no change
	// (scheduled mail, the combined weekly mail), whose ID is its stable
	// key: when one with that ID is there already, nothing is written and
	// it returns the stored one and false.
	AddNotification(ctx context.Context, n *Notification) (*Notification, bool, error)
	// HeldNotifications lists the held notifications of every authority
	// due by now (NextAt <= now), by user, each user's oldest first.
	HeldNotifications(ctx context.Context, now time.Time) ([]*Notification, error)
	// NotificationByID returns ENOTFOUND when there is none.
	NotificationByID(ctx context.Context, id string) (*Notification, error)
	// RetryNotification writes n's Status, Owner, NextAt and Attempts, with
	// ev, if its stored status is from; ECONFLICT otherwise.
	RetryNotification(ctx context.Context, n *Notification, from NotificationStatus, ev *AuditEvent) error
}

// MailBackoff is how long to wait before attempt n+1 after n failed
// attempts: one minute, doubling, at most six hours.
func MailBackoff(n int) time.Duration {
	d := time.Minute
	for i := 1; i < n && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}

// recipient is a user to tell.
type recipient struct {
	id, email string
	pref      NotifyPref
}

// notice is what a rule says of a change: the kind, who hears, and words.
type notice struct {
	kind    NotifyKind
	orgs    []string // every user of these organisations
	subject string
	lines   []string
	link    string // path in the app, e.g. /pledges/ID
}

// notifyRules is who hears of which change: by audit action, from the
// object the event records.
func notifyRules(ev *AuditEvent, obj any) *notice {
	switch o := obj.(type) {
	case *Organisation:
		switch ev.Action {
		case "organisation.approve":
			return &notice{NotifyOrganisation, []string{o.ID}, "Your organisation " + o.Name + " is approved",
				[]string{"An officer approved " + o.Name + ". You can now post requests or pledge."}, "/"}
		case "organisation.reject":
			return &notice{NotifyOrganisation, []string{o.ID}, "Your organisation " + o.Name + " was not approved",
				[]string{"An officer did not approve " + o.Name + ".", "Reason: " + o.Reason}, "/"}
		}
	case *Request:
		switch ev.Action {
		case "request.publish":
			return &notice{NotifyRequest, []string{o.OrganisationID}, "Your request is published: " + o.Title,
				[]string{"An officer published your request \"" + o.Title + "\". Suppliers can now pledge to it."}, "/requests/" + o.ID}
		case "request.reject":
			return &notice{NotifyRequest, []string{o.OrganisationID}, "Your request was rejected: " + o.Title,
				[]string{"An officer rejected your request \"" + o.Title + "\".", "Reason: " + o.Reason, "You can change it and send it again."}, "/requests/" + o.ID}
		}
	case *Pledge:
		switch ev.Action {
		case "pledge.create":
			return &notice{NotifyPledgeNew, []string{o.RequestOrgID}, "New pledge from " + o.OrganisationName + " on your request: " + o.RequestTitle,
				[]string{o.OrganisationName + " pledged to your request \"" + o.RequestTitle + "\": " + o.Offer}, "/requests/" + o.RequestID}
		case "pledge.approve":
			subj := "Your pledge is approved: " + o.RequestTitle
			if o.ApprovedPence < o.ValuePence {
				subj = "Your pledge is part approved: " + o.RequestTitle
			}
			return &notice{NotifyPledge, []string{o.OrganisationID}, subj,
				[]string{"An officer approved " + Pounds(o.ApprovedPence) + " of your pledge of " + Pounds(o.ValuePence) + " to \"" + o.RequestTitle + "\"."}, "/supplier/pledges"}
		case "pledge.decline":
			return &notice{NotifyPledge, []string{o.OrganisationID}, "Your pledge was declined: " + o.RequestTitle,
				[]string{"An officer declined your pledge to \"" + o.RequestTitle + "\".", "Reason: " + o.Reason}, "/supplier/pledges"}
		}
	case *Message:
		if ev.Action != "message.create" {
			return nil
		}
		// The other side of the thread hears of it; an officer's message
		// goes to both.
		var orgs []string
		switch o.AuthorRole {
		case RoleGroup:
			orgs = []string{o.SupplierOrgID}
		case RoleSupplier:
			orgs = []string{o.GroupOrgID}
		default:
			orgs = []string{o.GroupOrgID, o.SupplierOrgID}
		}
		return &notice{NotifyMessage, orgs, "New message from " + o.AuthorOrganisation + " about a pledge",
			[]string{o.AuthorName + " of " + o.AuthorOrganisation + " wrote:", o.Body, "Reply in needmatch: the other side does not see your email address."}, "/pledges/" + o.PledgeID}
	case *Delivery:
		link := "/deliveries/" + o.ID
		switch ev.Action {
		case "delivery.report":
			return &notice{NotifyDelivery, []string{o.RequestOrgID}, "Delivery reported on your request: " + o.RequestTitle,
				[]string{o.OrganisationName + " reported a delivery on \"" + o.RequestTitle + "\". Please confirm it or say what is wrong."}, link}
		case "delivery.confirm":
			return &notice{NotifyDelivery, []string{o.OrganisationID}, "Delivery confirmed: " + o.RequestTitle,
				[]string{"The group confirmed your delivery on \"" + o.RequestTitle + "\". An officer will verify it."}, link}
		case "delivery.dispute":
			return &notice{NotifyDelivery, []string{o.OrganisationID}, "Delivery disputed: " + o.RequestTitle,
				[]string{"The group disputed your delivery on \"" + o.RequestTitle + "\".", "Reason: " + o.DisputeReason}, link}
		case "delivery.verify":
			return &notice{NotifyDelivery, []string{o.OrganisationID, o.RequestOrgID}, "Delivery verified: " + o.RequestTitle,
				[]string{"An officer verified the delivery on \"" + o.RequestTitle + "\"."}, link}
		case "delivery.reject":
			return &notice{NotifyDelivery, []string{o.OrganisationID}, "Delivery rejected: " + o.RequestTitle,
				[]string{"An officer rejected your delivery report on \"" + o.RequestTitle + "\"."}, link}
		}
	}
	return nil
}

// notify attaches to ev the notifications its change calls for, to the
// users the rule names, each as they chose (Preferences): immediately, held
// for the weekly digest, or not at all. A change no rule names gets none.
func (s *Service) notify(ctx context.Context, ev *AuditEvent, obj any) error {
	n := notifyRules(ev, obj)
	if n == nil {
		return nil
	}
	to, err := s.recipientsOf(ctx, n.kind, n.orgs)
	if err != nil {
		return err
	}
	for _, r := range to {
		ev.Notify = append(ev.Notify, s.mail(ev, r, n))
	}
	return nil
}

// mail renders a notice for one recipient as plain text and simple HTML.
func (s *Service) mail(ev *AuditEvent, r recipient, n *notice) *Notification {
	return s.compose(NewID(), ev.AuthorityID, ev.ID, ev.At, r, letter{kind: n.kind, subject: n.subject, lines: n.lines, link: n.link})
}

// ListMail lists the council's outbox for an admin ("Sent mail"): with no
// SMTP server configured, mail stays here and can be read in the app.
func (s *Service) ListMail(ctx context.Context, a *Actor, f NotificationFilter) ([]*Notification, string, error) {
	if err := requireRole(a, RoleAdmin); err != nil {
		return nil, "", err
	}
	switch f.Status {
	case "", NotePending, NoteSending, NoteHandover, NoteSent, NoteFailed, NoteUncertain, NoteHeld:
	default:
		return nil, "", FieldErrorf("status", "status is not one of pending, held, sending, handover, sent, failed, uncertain")
	}
	f.AuthorityID = a.AuthorityID
	return s.Store.FindNotifications(ctx, f)
}
