package mongo

import (
	"context"
	"time"

	"needmatch/domain"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
)

func (db *DB) questions() *driver.Collection { return db.db.Collection("questions") }

type answerDoc struct {
	Text           string    `bson:"text"`
	AnsweredBy     string    `bson:"answeredBy"`
	AnsweredByName string    `bson:"answeredByName"`
	AnsweredAt     time.Time `bson:"answeredAt"`
}

type questionDoc struct {
	ID               string      `bson:"_id"`
	AuthorityID      string      `bson:"authorityId"`
	ContractID       string      `bson:"contractId"`
	Text             string      `bson:"text"`
	Status           string      `bson:"status"`
	AskedBy          string      `bson:"askedBy"`
	OrganisationID   string      `bson:"organisationId"`
	OrganisationName string      `bson:"organisationName"`
	AskedAt          time.Time   `bson:"askedAt"`
	Answers          []answerDoc `bson:"answers"`
	PublishedAt      *time.Time  `bson:"publishedAt,omitempty"`
	Version          int64       `bson:"version"`
	PendingAudit     *auditDoc   `bson:"pendingAudit,omitempty"`
}

func questionFromDomain(q *domain.Question, ev *domain.AuditEvent) *questionDoc {
	d := &questionDoc{ID: q.ID, AuthorityID: q.AuthorityID, ContractID: q.ContractID, Text: q.Text, Status: q.Status, AskedBy: q.AskedBy,
		OrganisationID: q.OrganisationID, OrganisationName: q.OrganisationName, AskedAt: q.AskedAt, Answers: make([]answerDoc, len(q.Answers)),
		PublishedAt: q.PublishedAt, Version: q.Version, PendingAudit: pendingOf(ev)}
	for i, a := range q.Answers {
		d.Answers[i] = answerDoc(a)
	}
	return d
}

func (d *questionDoc) toDomain() *domain.Question {
	q := &domain.Question{ID: d.ID, AuthorityID: d.AuthorityID, ContractID: d.ContractID, Text: d.Text, Status: d.Status, AskedBy: d.AskedBy,
		OrganisationID: d.OrganisationID, OrganisationName: d.OrganisationName, AskedAt: d.AskedAt.UTC(), Answers: make([]domain.Answer, len(d.Answers)),
		PublishedAt: utcPtr(d.PublishedAt), Version: d.Version}
	for i, a := range d.Answers {
		a.AnsweredAt = a.AnsweredAt.UTC()
		q.Answers[i] = domain.Answer(a)
	}
	return q
}

// CreateQuestion stores q with its audit event.
func (db *DB) CreateQuestion(ctx context.Context, q *domain.Question, ev *domain.AuditEvent) error {
	d := questionFromDomain(q, ev)
	return db.insertAudited(ctx, db.questions(), q.ID, d, d.PendingAudit, ev)
}

// UpdateQuestion writes q if the stored version is prev; ECONFLICT otherwise.
func (db *DB) UpdateQuestion(ctx context.Context, q *domain.Question, prev int64, ev *domain.AuditEvent) error {
	d := questionFromDomain(q, ev)
	return db.replaceAudited(ctx, db.questions(), q.ID, prev, d, d.PendingAudit, ev, "Question", translate)
}

// QuestionByID returns ENOTFOUND when there is none.
func (db *DB) QuestionByID(ctx context.Context, id string) (*domain.Question, error) {
	var d questionDoc
	if err := db.questions().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, notFound(err, "Question not found.")
	}
	return d.toDomain(), nil
}

// FindQuestions lists newest first.
func (db *DB) FindQuestions(ctx context.Context, f domain.QuestionFilter) ([]*domain.Question, string, error) {
	filter := bson.D{{Key: "authorityId", Value: f.AuthorityID}}
	filter = eq(filter, "contractId", f.ContractID)
	filter = eq(filter, "status", f.Status)
	return findPage(ctx, db.questions(), filter, f.Page, (*questionDoc).toDomain, func(q *domain.Question) string { return q.ID })
}
