package domain

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"
	"unicode"
)

// AuditEntry is an audit event as a person reads it: who by name, what in
// a sentence ("Jo Bloggs approved the pledge of Mersey Build Ltd to
// “Winter coats”"), and each changed field by its label, before and after.
type AuditEntry struct {
	*AuditEvent
	ActorName string        `json:"actorName"`
	Summary   string        `json:"summary"`
	Changes   []AuditChange `json:"changes"`
}

// AuditChange is one changed field of an audit event, in words.
type AuditChange struct {
	Field  string `json:"field"`
	Label  string `json:"label"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// AuditObject is a thing the audit trail can be searched by.
type AuditObject struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Name string `json:"name"`
}

// ListAuditInWords is ListAudit with each event put in words.
func (s *Service) ListAuditInWords(ctx context.Context, a *Actor, f AuditFilter) ([]*AuditEntry, error) {
	evs, err := s.ListAudit(ctx, a, f)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	out := make([]*AuditEntry, len(evs))
	for i, e := range evs {
		who, ok := names[e.Actor]
		if !ok {
			who = s.actorWords(ctx, e.Actor)
			names[e.Actor] = who
		}
		out[i] = &AuditEntry{AuditEvent: e, ActorName: who, Summary: auditSummary(who, e), Changes: auditChanges(e.Before, e.After)}
	}
	return out, nil
}

// actorWords names the actor of an event.
func (s *Service) actorWords(ctx context.Context, actor string) string {
	switch actor {
	case "system":
		return "needmatch (a daily job)"
	case "cli", "":
		return "An administrator at the command line"
	}
	u, err := s.Store.UserByID(ctx, actor)
	if err != nil {
		return "A user no longer known"
	}
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

// auditVerbs are the actions' verbs in the past tense.
var auditVerbs = map[string]string{
	"create": "created", "update": "changed", "submit": "sent for approval", "resubmit": "sent again for approval", "publish": "published",
	"reject": "rejected", "withdraw": "withdrew", "approve": "approved", "decline": "declined", "expire": "expired", "extend": "extended the deadline of",
	"close": "closed", "lapse": "marked as lapsed", "register": "registered", "disable": "disabled", "enable": "enabled",
	"confirm_safeguarding": "confirmed the safeguarding checks for", "propose": "proposed", "accept": "accepted", "ask_release": "asked to be released from",
	"release": "released the supplier from", "refuse_release": "refused to release the supplier from", "confirm": "confirmed", "dispute": "disputed",
	"verify": "verified", "report": "reported", "import": "imported", "name_approve": "approved the new name of", "name_reject": "refused the new name of",
	"kpis": "recorded the KPIs of", "rate_kpi": "rated a KPI of", "correct_rating": "corrected a KPI rating of", "reporting": "set the quarterly reporting of",
	"return": "sent a quarterly return on", "open": "opened", "met": "recorded as met", "not_met": "recorded as not met", "withdrawn": "withdrew",
}

// auditSummary is the event in one sentence.
func auditSummary(who string, e *AuditEvent) string {
	_, verb, _ := strings.Cut(e.Action, ".")
	words, ok := auditVerbs[verb]
	if !ok {
		words = "did “" + strings.ReplaceAll(verb, "_", " ") + "” to"
	}
	snap := e.After
	if len(snap) == 0 || string(snap) == "null" {
		snap = e.Before
	}
	return who + " " + words + " " + auditObjectWords(e.ObjectType, snap)
}

// auditObjectWords names the object of an event from its snapshot.
func auditObjectWords(kind string, snap json.RawMessage) string {
	var m map[string]any
	_ = json.Unmarshal(snap, &m)
	str := func(k string) string { s, _ := m[k].(string); return s }
	switch kind {
	case "request":
		if t := str("title"); t != "" {
			return "the request “" + t + "”"
		}
	case "pledge":
		if o := str("organisationName"); o != "" {
			return "the pledge of " + o + " to “" + str("requestTitle") + "”"
		}
	case "delivery":
		if o := str("organisationName"); o != "" {
			return "the delivery by " + o + " to “" + str("requestTitle") + "”"
		}
	case "organisation":
		if n := str("name"); n != "" {
			return n
		}
	case "user":
		if n := str("name"); n != "" {
			return "the account of " + n
		}
	case "allocation":
		return "an allocation of pledges"
	}
	return "a " + strings.ReplaceAll(kind, "_", " ")
}

// auditLabels are the changed fields' labels; fields not listed are
// labelled from their names, and auditHidden are never listed.
var auditLabels = map[string]string{
	"title": "Title", "description": "Description", "kind": "Kind of help", "area": "Ward code", "areaName": "Ward", "quantity": "Quantity", "unit": "Unit",
	"valuePence": "Value", "deadline": "Deadline", "safeguarding": "Involves children or vulnerable adults", "status": "Status", "reason": "Reason",
	"approvedPence": "Approved", "offer": "Offer", "allowPartial": "Part approval allowed", "decidedBy": "Decided by", "dueDate": "Due",
	"name": "Name", "disabled": "Disabled", "commitmentLimitPence": "Commitment limit", "offers": "Offers", "deadlineExtended": "Deadline extended",
	"safeguardingCheck": "Safeguarding checks", "override": "Approved beyond the need", "release": "Release", "confirmed": "Confirmed by the group",
	"pendingName": "Name waiting for approval", "organisationName": "Organisation", "requestTitle": "Request",
}

var auditHidden = map[string]bool{"id": true, "version": true, "createdAt": true, "updatedAt": true, "authority": true, "approvedQuantity": true,
	"deliverableQuantity": true, "warnings": true, "pledgedPence": true, "nameKey": true}

// auditChanges lists the fields that differ between before and after, by
// label, with their values in words; a creation lists none.
func auditChanges(before, after json.RawMessage) []AuditChange {
	var b, a map[string]any
	if json.Unmarshal(before, &b) != nil || json.Unmarshal(after, &a) != nil || b == nil || a == nil {
		return []AuditChange{}
	}
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	out := []AuditChange{}
	for k := range keys {
		if auditHidden[k] || strings.HasSuffix(k, "Id") {
			continue
		}
		bv, av := auditValue(k, b[k]), auditValue(k, a[k])
		if bv == av {
			continue
		}
		label, ok := auditLabels[k]
		if !ok {
			label = wordsOf(k)
		}
		out = append(out, AuditChange{Field: k, Label: label, Before: bv, After: av})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Label < out[j].Label })
	return out
}

// auditValue is a field's value in words: money in pounds, dates as dates,
// yes or no, statuses in words, and other values shortened.
func auditValue(k string, v any) string {
	switch x := v.(type) {
	case nil:
		return "–"
	case bool:
		if x {
			return "Yes"
		}
		return "No"
	case float64:
		if strings.HasSuffix(k, "Pence") {
			return Pounds(int64(x))
		}
		return groupThousands(int64(x))
	case string:
		if x == "" {
			return "–"
		}
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return longDate(t)
		}
		if k == "status" {
			return strings.ReplaceAll(x, "_", " ")
		}
		return truncateText(x, 200)
	}
	b, _ := json.Marshal(v)
	return truncateText(string(b), 120)
}

// wordsOf turns a field name like commitmentLimitPence into "Commitment limit pence".
func wordsOf(k string) string {
	var sb strings.Builder
	for i, r := range k {
		if unicode.IsUpper(r) && i > 0 {
			sb.WriteByte(' ')
			r = unicode.ToLower(r)
		} else if i == 0 {
			r = unicode.ToUpper(r)
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// FindAuditObjects finds the requests (by title) and organisations (by
// name) of the officer's authority whose audit trail can be read, at most
// 20 of each.
func (s *Service) FindAuditObjects(ctx context.Context, a *Actor, q string) ([]AuditObject, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	q = strings.TrimSpace(q)
	var v Validation
	checkText(&v, "q", q, 2, 200, true)
	if err := v.Err(); err != nil {
		return nil, err
	}
	out := []AuditObject{}
	if ValidID(q) {
		out = append(out, AuditObject{Type: "reference", ID: q, Name: q})
	}
	rs, _, err := s.Store.FindRequests(ctx, RequestFilter{AuthorityID: a.AuthorityID, Text: q, Page: Page{Limit: 20}})
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		out = append(out, AuditObject{Type: "request", ID: r.ID, Name: r.Title})
	}
	orgs, err := AllPages(func(p Page) ([]*Organisation, string, error) {
		return s.Store.FindOrganisations(ctx, OrganisationFilter{AuthorityID: a.AuthorityID, Page: p})
	}, 0)
	if err != nil {
		return nil, err
	}
	key, n := strings.ToLower(q), 0
	for _, o := range orgs {
		if n < 20 && strings.Contains(strings.ToLower(o.Name), key) {
			out = append(out, AuditObject{Type: "organisation", ID: o.ID, Name: o.Name})
			n++
		}
	}
	return out, nil
}
