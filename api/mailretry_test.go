package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"needmatch/domain"
)

// mailFixture gives the access matrix mail of two kinds of scope: two
// mails of the council (verification mails of its users) and one of the
// other council.
func mailFixture(e *env) map[string]string {
	e.t.Helper()
	of := func(auth, user string) string {
		ns, _, err := e.svc.Store.FindNotifications(context.Background(), domain.NotificationFilter{AuthorityID: auth})
		if err != nil {
			e.t.Fatal(err)
		}
		for _, n := range ns {
			if n.UserID == e.userIDs[user] {
				return n.ID
			}
		}
		e.t.Fatalf("no mail to %s", user)
		return ""
	}
	m := map[string]string{"own": of(e.auth.ID, "group"), "otherOrg": of(e.auth.ID, "supplier"), "otherCouncil": of(e.other.ID, "otherSupplier")}
	if id := e.userIDs["outSupplier"]; id != "" { // the council outside the region (partnership)
		u, err := e.svc.Store.UserByID(context.Background(), id)
		if err != nil {
			e.t.Fatal(err)
		}
		m["outside"] = of(u.AuthorityID, "outSupplier")
	}
	return m
}

// uncertain makes the mail to user uncertain the way a sender's crash
// does: claimed, handed to the server, and the claim runs out (on the
// database's clock: a short lease, waited out).
func (e *env) uncertain(user string) *domain.Notification {
	e.t.Helper()
	ctx, st := context.Background(), e.svc.Store
	now := time.Now()
	const lease = 300 * time.Millisecond
	cl, err := st.ClaimNotifications(ctx, "crashed", now, lease, 500)
	if err != nil {
		e.t.Fatal(err)
	}
	var n *domain.Notification
	for _, c := range cl {
		c.Status, c.Owner, c.NextAt = domain.NotePending, "", now // give the others back
		if c.UserID == e.userIDs[user] && n == nil {
			n, c.Status, c.Owner = c, domain.NoteHandover, "crashed"
		}
		if err := st.SettleNotification(ctx, c, "crashed", domain.NoteSending); err != nil {
			e.t.Fatal(err)
		}
	}
	if n == nil {
		e.t.Fatalf("no mail to %s to claim", user)
	}
	time.Sleep(lease + 100*time.Millisecond)
	if _, err := st.ClaimNotifications(ctx, "next", now, time.Minute, 0); err != nil {
		e.t.Fatal(err)
	}
	got := must(st.NotificationByID(ctx, n.ID))
	if got.Status != domain.NoteUncertain {
		e.t.Fatalf("mail is %s, want uncertain", got.Status)
	}
	return got
}

// TestMailRetry: an admin sends an uncertain mail again, once: it arrives
// at a real SMTP server with the same Message-ID; other statuses are
// refused with 409; the retry is audited without the mail's text.
func TestMailRetry(t *testing.T) {
	e, mp := newMailEnv(t)
	n := e.uncertain("group")
	path := "/api/v1/mail/" + n.ID + "/retry"
	e.call("POST", path, "officer", nil, 403)
	e.call("POST", path, "otherOfficer", nil, 403)
	e.call("POST", "/api/v1/mail/"+domain.NewID()+"/retry", "admin", nil, 404)
	got := e.call("POST", path, "admin", nil, 200)
	attempts := got["attempts"].([]any)
	if got["status"] != "pending" || got["id"] != n.ID || len(attempts) != len(n.Attempts)+1 || attempts[len(attempts)-1].(map[string]any)["result"] != domain.RetriedResult {
		t.Fatalf("retry = %v", got)
	}
	// Once: it is no longer uncertain.
	wantField(t, e.call("POST", path, "admin", nil, 409), "status")

	e.drain()
	var arrived []string
	for _, m := range mp.Messages(t) {
		if m.Subject == domain.VerifySubject && m.To[0].Address == "group@x.org" {
			arrived = append(arrived, m.MessageID)
		}
	}
	if len(arrived) != 1 || arrived[0] != n.ID+"@needmatch.test" {
		t.Fatalf("arrived with Message-IDs %v, want [%s@needmatch.test]", arrived, n.ID)
	}
	// Sent now: refused.
	wantField(t, e.call("POST", path, "admin", nil, 409), "status")

	var found bool
	for _, it := range e.call("GET", "/api/v1/audit?object="+n.ID, "officer", nil, 200)["items"].([]any) {
		m := it.(map[string]any)
		if m["action"] == "notification.retry" {
			found = true
		}
		if raw, _ := json.Marshal(m); strings.Contains(string(raw), "verify-email?token") {
			t.Fatalf("the audit holds the mail's link: %s", raw)
		}
	}
	if !found {
		t.Fatal("the retry is not audited")
	}
}
