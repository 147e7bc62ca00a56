package domain

import (
	"context"
	"strings"
	"time"
)

// Message limits.
const (
	// MaxMessageRunes is the longest message body, in characters.
	MaxMessageRunes = 2000
	// MessageBurst messages at most may one person post in MessageWindow.
	MessageBurst  = 10
	MessageWindow = 10 * time.Minute
)

// Message is one plain-text message on a pledge's thread, between the group
// that posted the request and the supplier that made the pledge; the
// council's officers read and post too. People are named by their name and
// organisation, never by their email address.
type Message struct {
	ID          string `json:"id"`
	AuthorityID string `json:"-"`
	PledgeID    string `json:"pledgeId"`
	// GroupOrgID and SupplierOrgID are the thread's two organisations,
	// copied from the pledge so unread counts need no pledge.
	GroupOrgID    string `json:"-"`
	SupplierOrgID string `json:"-"`
	AuthorUserID  string `json:"-"`
	AuthorName    string `json:"authorName"`
	// AuthorOrganisation is the author's organisation's name, or the
	// council's for an officer.
	AuthorOrganisation string    `json:"authorOrganisation"`
	AuthorRole         string    `json:"authorRole"`
	Body               string    `json:"body"`
	CreatedAt          time.Time `json:"createdAt"`
	// Report is set once someone on the thread reported the message to
	// the officers.
	Report  *MessageReport `json:"report,omitempty"`
	Version int64          `json:"version"`
	// Mine says the message is the reader's own (not stored).
	Mine bool `json:"mine"`
}

// MessageReport is a person's report of a message to the officers, and the
// officer's closing of it.
type MessageReport struct {
	By         string     `json:"-"`
	Reason     string     `json:"reason"`
	At         time.Time  `json:"at"`
	ResolvedBy string     `json:"-"`
	ResolvedAt *time.Time `json:"resolvedAt,omitempty"`
}

// Validate checks the body: plain text of 1 to MaxMessageRunes characters,
// new lines allowed.
func (m *Message) Validate() error {
	var v Validation
	checkTextML(&v, "body", m.Body, 1, MaxMessageRunes, true, true)
	return v.Err()
}

// ReportTo reports the message to the officers; its author cannot, nor can
// anyone report it twice.
func (m *Message) ReportTo(by, reason string, now time.Time) error {
	if err := checkReason(reason); err != nil {
		return err
	}
	if m.AuthorUserID == by {
		return Errorf(ECONFLICT, "You cannot report your own message.")
	}
	if m.Report != nil {
		return Errorf(ECONFLICT, "This message was already reported to the officers.")
	}
	m.Report = &MessageReport{By: by, Reason: reason, At: now}
	m.Version++
	return nil
}

// Resolve closes the report (officer): the message stays.
func (m *Message) Resolve(by string, now time.Time) error {
	if m.Report == nil || m.Report.ResolvedAt != nil {
		return Errorf(ECONFLICT, "This message has no open report.")
	}
	m.Report.ResolvedBy, m.Report.ResolvedAt = by, &now
	m.Version++
	return nil
}

// MessageFilter selects messages of one authority, newest first.
type MessageFilter struct {
	AuthorityID  string
	PledgeID     string
	AuthorUserID string
	// Since keeps messages created at or after it.
	Since time.Time
	// Reported keeps messages with an open report.
	Reported bool
	Page
}

// UnreadFilter says whose unread messages to count: those of the
// authority's threads (of OrganisationID's pledges, when set) that UserID
// did not write and has not read.
type UnreadFilter struct {
	AuthorityID    string
	OrganisationID string
	UserID         string
}

// MessageStore persists messages and what each person has read.
type MessageStore interface {
	// CreateMessage writes m and its audit event.
	CreateMessage(ctx context.Context, m *Message, ev *AuditEvent) error
	// MessageByID returns ENOTFOUND when there is none.
	MessageByID(ctx context.Context, id string) (*Message, error)
	// FindMessages lists newest first (by id).
	FindMessages(ctx context.Context, f MessageFilter) ([]*Message, string, error)
	// UpdateMessage writes m if the stored version is prev, with its audit
	// event; ECONFLICT when the version moved on.
	UpdateMessage(ctx context.Context, m *Message, prev int64, ev *AuditEvent) error
	// MarkThreadRead records that userID has read the pledge's thread up
	// to the message id upTo; a mark never moves back.
	MarkThreadRead(ctx context.Context, userID, pledgeID, upTo string) error
	// UnreadMessages counts the messages f selects.
	UnreadMessages(ctx context.Context, f UnreadFilter) (int, error)
}

// ThreadParty is one side of a thread: its organisation and, when the
// organisation shares it, its named contact.
type ThreadParty struct {
	OrganisationID string   `json:"organisationId"`
	Name           string   `json:"name"`
	Contact        *Contact `json:"contact,omitempty"`
}

// Thread is a pledge's messages, oldest first, with its two sides.
type Thread struct {
	PledgeID string      `json:"pledgeId"`
	Group    ThreadParty `json:"group"`
	Supplier ThreadParty `json:"supplier"`
	Messages []*Message  `json:"messages"`
	// Earlier is the cursor of older messages ("" when none).
	Earlier string `json:"earlier,omitempty"`
}

// threadParty is org as the thread shows it to a: officers see the named
// contact always, the other side only when it is shared.
func (s *Service) threadParty(ctx context.Context, a *Actor, orgID string) (ThreadParty, error) {
	o, err := s.Store.OrganisationByID(ctx, orgID)
	if err != nil {
		return ThreadParty{}, err
	}
	tp := ThreadParty{OrganisationID: o.ID, Name: o.Name}
	if a.IsOfficer() || o.ID == a.OrganisationID || o.ShareContact {
		tp.Contact = o.NamedContact()
	}
	return tp, nil
}

// GetThread returns the pledge's thread to the group, the supplier or an
// officer of its council (others: ENOTFOUND), and marks it read for the
// reader up to its newest message.
func (s *Service) GetThread(ctx context.Context, a *Actor, pledgeID string, p Page) (*Thread, error) {
	pl, err := s.visiblePledge(ctx, a, pledgeID)
	if err != nil {
		return nil, err
	}
	t := &Thread{PledgeID: pl.ID}
	if t.Group, err = s.threadParty(ctx, a, pl.RequestOrgID); err != nil {
		return nil, err
	}
	if t.Supplier, err = s.threadParty(ctx, a, pl.OrganisationID); err != nil {
		return nil, err
	}
	ms, next, err := s.Store.FindMessages(ctx, MessageFilter{AuthorityID: pl.AuthorityID, PledgeID: pl.ID, Page: p})
	if err != nil {
		return nil, err
	}
	t.Earlier = next
	t.Messages = make([]*Message, len(ms))
	for i, m := range ms {
		m.Mine = m.AuthorUserID == a.UserID
		t.Messages[len(ms)-1-i] = m
	}
	if len(ms) > 0 && p.After == "" {
		if err := s.Store.MarkThreadRead(ctx, a.UserID, pl.ID, ms[0].ID); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// PostMessage adds a message to the pledge's thread, for the group, the
// supplier or an officer of its council; at most MessageBurst a person in
// MessageWindow.
func (s *Service) PostMessage(ctx context.Context, a *Actor, pledgeID, body string) (*Message, error) {
	pl, err := s.visiblePledge(ctx, a, pledgeID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	m := &Message{ID: NewID(), AuthorityID: pl.AuthorityID, PledgeID: pl.ID, GroupOrgID: pl.RequestOrgID, SupplierOrgID: pl.OrganisationID,
		AuthorUserID: a.UserID, AuthorRole: a.Role, Body: strings.TrimSpace(body), CreatedAt: now, Version: 1}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	recent, _, err := s.Store.FindMessages(ctx, MessageFilter{AuthorityID: pl.AuthorityID, AuthorUserID: a.UserID, Since: now.Add(-MessageWindow), Page: Page{Limit: MessageBurst}})
	if err != nil {
		return nil, err
	}
	if len(recent) >= MessageBurst {
		return nil, Errorf(ERATELIMIT, "You have sent %d messages in the last %d minutes: wait a few minutes and send this again.", MessageBurst, int(MessageWindow.Minutes()))
	}
	u, err := s.Store.UserByID(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	m.AuthorName = u.Name
	if a.IsOfficer() {
		auth, err := s.Store.AuthorityByID(ctx, pl.AuthorityID)
		if err != nil {
			return nil, err
		}
		m.AuthorOrganisation = auth.Name
	} else {
		o, err := s.Store.OrganisationByID(ctx, a.OrganisationID)
		if err != nil {
			return nil, err
		}
		m.AuthorOrganisation = o.Name
	}
	ev := NewAuditEvent(m.AuthorityID, a.UserID, "message.create", "message", m.ID, nil, m, now)
	if err := s.notify(ctx, ev, m); err != nil {
		return nil, err
	}
	if err := s.Store.CreateMessage(ctx, m, ev); err != nil {
		return nil, err
	}
	m.Mine = true
	return m, s.Store.MarkThreadRead(ctx, a.UserID, pl.ID, m.ID)
}

// visibleMessage returns a message whose thread the actor may read.
func (s *Service) visibleMessage(ctx context.Context, a *Actor, id string) (*Message, error) {
	if err := requireSignedIn(a); err != nil {
		return nil, err
	}
	m, err := s.Store.MessageByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if m.AuthorityID == a.AuthorityID && (a.IsOfficer() || m.GroupOrgID == a.OrganisationID || m.SupplierOrgID == a.OrganisationID) {
		return m, nil
	}
	return nil, Errorf(ENOTFOUND, "Message not found.")
}

// ReportMessage reports a message of a thread the actor reads to the
// council's officers, with the reason.
func (s *Service) ReportMessage(ctx context.Context, a *Actor, id, reason string) (*Message, error) {
	m, err := s.visibleMessage(ctx, a, id)
	if err != nil {
		return nil, err
	}
	before, prev, now := *m, m.Version, s.now()
	if err := m.ReportTo(a.UserID, reason, now); err != nil {
		return nil, err
	}
	ev := NewAuditEvent(m.AuthorityID, a.UserID, "message.report", "message", m.ID, &before, m, now)
	if err := s.Store.UpdateMessage(ctx, m, prev, ev); err != nil {
		return nil, err
	}
	m.Mine = m.AuthorUserID == a.UserID
	return m, nil
}

// ResolveMessageReport closes a message's report (officer of its council).
func (s *Service) ResolveMessageReport(ctx context.Context, a *Actor, id string) (*Message, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	m, err := s.visibleMessage(ctx, a, id)
	if err != nil {
		return nil, err
	}
	before, prev, now := *m, m.Version, s.now()
	if err := m.Resolve(a.UserID, now); err != nil {
		return nil, err
	}
	ev := NewAuditEvent(m.AuthorityID, a.UserID, "message.resolve", "message", m.ID, &before, m, now)
	return m, s.Store.UpdateMessage(ctx, m, prev, ev)
}

// ReportedMessages lists the council's messages with an open report
// (officers), newest first: part of what needs their attention.
func (s *Service) ReportedMessages(ctx context.Context, a *Actor, p Page) ([]*Message, string, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, "", err
	}
	return s.Store.FindMessages(ctx, MessageFilter{AuthorityID: a.AuthorityID, Reported: true, Page: p})
}

// UnreadMessages counts the messages the actor has not read on the threads
// it takes part in: its organisation's pledges, or every thread of the
// council for an officer.
func (s *Service) UnreadMessages(ctx context.Context, a *Actor) (int, error) {
	if err := requireSignedIn(a); err != nil {
		return 0, err
	}
	f := UnreadFilter{AuthorityID: a.AuthorityID, UserID: a.UserID}
	if !a.IsOfficer() {
		if a.OrganisationID == "" {
			return 0, nil
		}
		f.OrganisationID = a.OrganisationID
	}
	return s.Store.UnreadMessages(ctx, f)
}
