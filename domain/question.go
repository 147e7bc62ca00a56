package domain

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Question statuses.
const (
	QuestionWaiting   = "waiting"
	QuestionPublished = "published"
)

// Question is a supplier's clarification question on a contract. Once an
// officer answers it, it is published to every supplier at once, without
// the asker; a published answer is never changed: a correction is a new,
// dated answer beside it.
type Question struct {
	ID          string
	AuthorityID string
	ContractID  string
	Text        string
	Status      string
	// AskedBy is the user who asked, of OrganisationID.
	AskedBy          string
	OrganisationID   string
	OrganisationName string
	AskedAt          time.Time
	Answers          []Answer
	PublishedAt      *time.Time
	Version          int64
}

// Answer is one dated answer to a question.
type Answer struct {
	Text           string    `json:"text"`
	AnsweredBy     string    `json:"-"`
	AnsweredByName string    `json:"answeredByName"`
	AnsweredAt     time.Time `json:"answeredAt"`
}

// Asker is who asked a question: shown to officers only.
type Asker struct {
	OrganisationID   string `json:"organisationId"`
	OrganisationName string `json:"organisationName"`
}

// QuestionView is a question as one actor sees it: officers see the asker;
// a supplier sees only whether it asked (Mine).
type QuestionView struct {
	ID          string     `json:"id"`
	ContractID  string     `json:"contractId"`
	Text        string     `json:"text"`
	Status      string     `json:"status"`
	AskedAt     time.Time  `json:"askedAt"`
	Mine        bool       `json:"mine,omitempty"`
	AskedBy     *Asker     `json:"askedBy,omitempty"`
	Answers     []Answer   `json:"answers"`
	PublishedAt *time.Time `json:"publishedAt,omitempty"`
}

// ViewFor returns the question as the actor may see it, or false when it
// may not: officers see every question of their council with its asker; a
// supplier sees published questions and its own organisation's.
func (q *Question) ViewFor(a *Actor) (*QuestionView, bool) {
	mine := a.OrganisationID != "" && a.OrganisationID == q.OrganisationID
	if !a.IsOfficer() && q.Status != QuestionPublished && !mine {
		return nil, false
	}
	v := &QuestionView{ID: q.ID, ContractID: q.ContractID, Text: q.Text, Status: q.Status, AskedAt: q.AskedAt, Mine: mine,
		Answers: append([]Answer{}, q.Answers...), PublishedAt: q.PublishedAt}
	if a.IsOfficer() {
		v.AskedBy = &Asker{OrganisationID: q.OrganisationID, OrganisationName: q.OrganisationName}
	}
	return v, true
}

// auditView is what a question's audit event records: all of it, for the
// officers who read the audit trail.
func (q *Question) auditView() any {
	v, _ := q.ViewFor(&Actor{Role: RoleOfficer})
	return struct {
		*QuestionView
		AskedByUser string `json:"askedByUser"`
	}{v, q.AskedBy}
}

// Answer publishes the question with a new dated answer; on a published
// question the answer is a correction added beside the earlier ones.
func (q *Question) Answer(text, by, byName string, now time.Time) error {
	var v Validation
	text = strings.TrimSpace(text)
	checkTextML(&v, "text", text, 1, 4000, true, true)
	if err := v.Err(); err != nil {
		return err
	}
	q.Answers = append(append([]Answer{}, q.Answers...), Answer{Text: text, AnsweredBy: by, AnsweredByName: byName, AnsweredAt: now})
	if q.Status != QuestionPublished {
		t := now
		q.Status, q.PublishedAt = QuestionPublished, &t
	}
	q.Version++
	return nil
}

// QuestionFilter selects questions of one authority.
type QuestionFilter struct {
	AuthorityID string
	ContractID  string
	Status      string
	Page
}

// QuestionStore persists clarification questions.
type QuestionStore interface {
	// CreateQuestion stores q with its audit event.
	CreateQuestion(ctx context.Context, q *Question, ev *AuditEvent) error
	// UpdateQuestion writes q if the stored version is prev; ECONFLICT otherwise.
	UpdateQuestion(ctx context.Context, q *Question, prev int64, ev *AuditEvent) error
	// QuestionByID returns ENOTFOUND when there is none.
	QuestionByID(ctx context.Context, id string) (*Question, error)
	// FindQuestions lists newest first.
	FindQuestions(ctx context.Context, f QuestionFilter) ([]*Question, string, error)
}

// AskQuestion records a supplier's question on a contract at pre-market
// engagement or tender; it waits for an officer's answer.
func (s *Service) AskQuestion(ctx context.Context, a *Actor, contractID, text string) (*QuestionView, error) {
	if err := requireRole(a, RoleSupplier); err != nil {
		return nil, err
	}
	o, err := s.approvedOrganisation(ctx, a)
	if err != nil {
		return nil, err
	}
	c, _, err := s.visibleContract(ctx, a, contractID)
	if err != nil {
		return nil, err
	}
	if !c.OpenToSuppliers() {
		return nil, Errorf(ECONFLICT, "Contract is %s: questions are taken at pre_market and tender.", c.Stage)
	}
	var v Validation
	text = strings.TrimSpace(text)
	checkTextML(&v, "text", text, 3, 2000, true, true)
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	q := &Question{ID: NewID(), AuthorityID: c.AuthorityID, ContractID: c.ID, Text: text, Status: QuestionWaiting, AskedBy: a.UserID,
		OrganisationID: o.ID, OrganisationName: o.Name, AskedAt: now, Answers: []Answer{}, Version: 1}
	ev := NewAuditEvent(q.AuthorityID, a.UserID, "question.ask", "question", q.ID, nil, q.auditView(), now)
	if err := s.Store.CreateQuestion(ctx, q, ev); err != nil {
		return nil, err
	}
	view, _ := q.ViewFor(a)
	return view, nil
}

// ListContractQuestions lists the questions of a contract the actor may
// see, oldest first (see Question.ViewFor).
func (s *Service) ListContractQuestions(ctx context.Context, a *Actor, contractID string) ([]*QuestionView, error) {
	if err := requireRole(a, RoleSupplier, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	c, _, err := s.visibleContract(ctx, a, contractID)
	if err != nil {
		return nil, err
	}
	return s.questionViews(ctx, a, QuestionFilter{AuthorityID: c.AuthorityID, ContractID: c.ID})
}

// ListQuestions lists the questions of the officer's council, oldest
// first; status "waiting" gives those waiting for an answer.
func (s *Service) ListQuestions(ctx context.Context, a *Actor, status string) ([]*QuestionView, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	if status != "" && status != QuestionWaiting && status != QuestionPublished {
		return nil, FieldErrorf("status", "status must be waiting or published")
	}
	return s.questionViews(ctx, a, QuestionFilter{AuthorityID: a.AuthorityID, Status: status})
}

func (s *Service) questionViews(ctx context.Context, a *Actor, f QuestionFilter) ([]*QuestionView, error) {
	qs, err := AllPages(func(p Page) ([]*Question, string, error) {
		f.Page = p
		return s.Store.FindQuestions(ctx, f)
	}, 0)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(qs, func(x, y *Question) int {
		if c := x.AskedAt.Compare(y.AskedAt); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	out := []*QuestionView{}
	for _, q := range qs {
		if v, ok := q.ViewFor(a); ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// AnswerQuestion answers and publishes a question of the officer's
// council; answering a published one adds a correction beside the answer.
func (s *Service) AnswerQuestion(ctx context.Context, a *Actor, id, text string) (*QuestionView, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	q, err := s.Store.QuestionByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if q.AuthorityID != a.AuthorityID {
		return nil, Errorf(ENOTFOUND, "Question not found.")
	}
	u, err := s.Store.UserByID(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	before, prev, now := q.auditView(), q.Version, s.now()
	action := "question.answer"
	if q.Status == QuestionPublished {
		action = "question.correct"
	}
	if err := q.Answer(text, a.UserID, u.Name, now); err != nil {
		return nil, err
	}
	ev := NewAuditEvent(q.AuthorityID, a.UserID, action, "question", q.ID, before, q.auditView(), now)
	if err := s.Store.UpdateQuestion(ctx, q, prev, ev); err != nil {
		return nil, err
	}
	view, _ := q.ViewFor(a)
	return view, nil
}

// countWaiting sets, for an officer, each contract's number of questions
// waiting for an answer.
func (s *Service) countWaiting(ctx context.Context, a *Actor, cs ...*Contract) error {
	if !a.IsOfficer() || len(cs) == 0 {
		return nil
	}
	f := QuestionFilter{AuthorityID: a.AuthorityID, Status: QuestionWaiting}
	if len(cs) == 1 {
		f.ContractID = cs[0].ID
	}
	qs, err := AllPages(func(p Page) ([]*Question, string, error) {
		f.Page = p
		return s.Store.FindQuestions(ctx, f)
	}, 0)
	if err != nil {
		return err
	}
	n := map[string]int{}
	for _, q := range qs {
		n[q.ContractID]++
	}
	for _, c := range cs {
		w := n[c.ID]
		c.QuestionsWaiting = &w
	}
	return nil
}
