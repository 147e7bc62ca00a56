package sqlite

import (
	"context"
	"encoding/json"

	"needmatch/domain"
)

// questionRow is a row of the questions table: the store's own form of a
// clarification question, its answers a JSON list of answerCol.
type questionRow struct {
	ID, AuthorityID, ContractID, Text, Status, AskedBy, OrganisationID, OrganisationName, AskedAt, Answers, PublishedAt string
	Version                                                                                                             int64
}

// answerCol is the stored form of an answer.
type answerCol struct {
	Text           string `json:"text"`
	AnsweredBy     string `json:"answered_by"`
	AnsweredByName string `json:"answered_by_name"`
	AnsweredAt     string `json:"answered_at"`
}

// questionTable is the questions table, its columns in questionRow order.
var questionTable = newTable("questions", `id, authority_id, contract_id, text, status, asked_by, organisation_id, organisation_name, asked_at,
	answers_json, published_at, version`, "id", "authority_id", "contract_id", "text", "asked_by", "organisation_id", "organisation_name", "asked_at")

func (r *questionRow) fields() []any {
	return []any{&r.ID, &r.AuthorityID, &r.ContractID, &r.Text, &r.Status, &r.AskedBy, &r.OrganisationID, &r.OrganisationName, &r.AskedAt,
		&r.Answers, &r.PublishedAt, &r.Version}
}

func fromQuestion(q *domain.Question) *questionRow {
	answers := make([]answerCol, len(q.Answers))
	for i, a := range q.Answers {
		answers[i] = answerCol{Text: a.Text, AnsweredBy: a.AnsweredBy, AnsweredByName: a.AnsweredByName, AnsweredAt: storeTime(a.AnsweredAt)}
	}
	return &questionRow{ID: q.ID, AuthorityID: q.AuthorityID, ContractID: q.ContractID, Text: q.Text, Status: q.Status, AskedBy: q.AskedBy,
		OrganisationID: q.OrganisationID, OrganisationName: q.OrganisationName, AskedAt: storeTime(q.AskedAt), Answers: marshal(answers),
		PublishedAt: optTime(q.PublishedAt), Version: q.Version}
}

func scanQuestion(row scanner) (*domain.Question, error) {
	var r questionRow
	if err := row.Scan(r.fields()...); err != nil {
		return nil, err
	}
	var answers []answerCol
	if err := json.Unmarshal([]byte(r.Answers), &answers); err != nil {
		return nil, err
	}
	var l times
	q := &domain.Question{ID: r.ID, AuthorityID: r.AuthorityID, ContractID: r.ContractID, Text: r.Text, Status: r.Status, AskedBy: r.AskedBy,
		OrganisationID: r.OrganisationID, OrganisationName: r.OrganisationName, AskedAt: l.at(r.AskedAt), Answers: make([]domain.Answer, len(answers)),
		PublishedAt: l.opt(r.PublishedAt), Version: r.Version}
	for i, a := range answers {
		q.Answers[i] = domain.Answer{Text: a.Text, AnsweredBy: a.AnsweredBy, AnsweredByName: a.AnsweredByName, AnsweredAt: l.at(a.AnsweredAt)}
	}
	return q, l.err
}

// CreateQuestion inserts q with its audit event.
func (db *DB) CreateQuestion(ctx context.Context, q *domain.Question, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := questionTable.insert(tx, fromQuestion(q).fields()); err != nil {
			return translate(err)
		}
		return appendAudit(tx, ev)
	})
}

// UpdateQuestion writes q if the stored version is prev.
func (db *DB) UpdateQuestion(ctx context.Context, q *domain.Question, prev int64, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := questionTable.update(tx, q.ID, prev, fromQuestion(q).fields()); err != nil {
			return err
		}
		return appendAudit(tx, ev)
	})
}

// QuestionByID returns ENOTFOUND when there is none.
func (db *DB) QuestionByID(ctx context.Context, id string) (*domain.Question, error) {
	q, err := scanQuestion(db.queryRow(ctx, `SELECT `+questionTable.list+` FROM questions WHERE id = ?`, id))
	if err != nil {
		return nil, translateNotFound(err, "Question not found.")
	}
	return q, nil
}

// FindQuestions lists newest first.
func (db *DB) FindQuestions(ctx context.Context, f domain.QuestionFilter) ([]*domain.Question, string, error) {
	where, args := []string{"authority_id = ?"}, []any{f.AuthorityID}
	if f.ContractID != "" {
		where, args = append(where, "contract_id = ?"), append(args, f.ContractID)
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, f.Status)
	}
	return findPage(ctx, db, "questions", questionTable.list, where, args, f.Page, scanQuestion, func(q *domain.Question) string { return q.ID })
}
