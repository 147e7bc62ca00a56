package domain

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"slices"
	"sort"
	"strings"
	"time"

	"needmatch/matcher"
)

// Scheduled mail: the jobs that write mail no change calls for. Each
// notification they write has a stable ID made from its key (kind,
// commitment or organisation, day or week, recipient), so a job run twice,
// or by two processes, writes it once: the outbox refuses the second
// insert (OutboxStore.AddNotification). The mailer sends them like any
// other; every recipient's choice for the kind holds (immediately, once a
// week, off).
//
//   - a commitment due within DueSoon: once per commitment and due date,
//     to the supplier's users and the contract's manager;
//   - a commitment overdue: once in each week it is overdue (counted from
//     its due date) until it is delivered or lapses, to the same people;
//   - new requests that fit a supplier: Monday between 07:00 and 08:00 UTC,
//     the requests published in the past week that the supplier's own
//     ranked list scores as a fit, to its users; nothing when none;
//   - the combined weekly mail: from Monday 08:00 UTC, one mail per person
//     carrying all mail they chose to get once a week.

// DueSoon is how long before its due date a commitment is mailed about.
const DueSoon = 14 * 24 * time.Hour

const week = 7 * 24 * time.Hour

// NotifyWeekly is the kind of the combined weekly mail: it carries mail of
// the kinds a person chose to get once a week, so it is no setting itself.
const NotifyWeekly NotifyKind = "weekly"

// stableID is the ID of a scheduled notification: the milliseconds of at
// (so the outbox's newest-first order holds) and 48 bits of the SHA-256
// of key. The same key and time give the same ID.
func stableID(at time.Time, key string) string {
	ms := uint64(at.UnixMilli())
	h := sha256.Sum256([]byte(key))
	b := [12]byte{byte(ms >> 40), byte(ms >> 32), byte(ms >> 24), byte(ms >> 16), byte(ms >> 8), byte(ms), h[0], h[1], h[2], h[3], h[4], h[5]}
	return hex.EncodeToString(b[:])
}

// recipientsOf lists the enabled users of the organisations and the users
// named who want kind (not off), each once.
func (s *Service) recipientsOf(ctx context.Context, kind NotifyKind, orgs []string, userIDs ...string) ([]recipient, error) {
	var users []*User
	for _, org := range orgs {
		if org == "" {
			continue
		}
		us, err := s.peopleOf(ctx, org)
		if err != nil {
			return nil, err
		}
		users = append(users, us...)
	}
	for _, id := range userIDs {
		if id == "" {
			continue
		}
		u, err := s.Store.UserByID(ctx, id)
		if ErrorCode(err) == ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	var out []recipient
	seen := map[string]bool{}
	for _, u := range users {
		if !u.Disabled && u.Pref(kind) != PrefOff && !seen[u.ID] {
			seen[u.ID] = true
			out = append(out, recipient{u.ID, u.Email, u.Pref(kind)})
		}
	}
	return out, nil
}

// schedule writes a scheduled letter to each recipient under the key,
// the ID's time at; it says how many were new.
func (s *Service) schedule(ctx context.Context, authorityID, key string, at, now time.Time, to []recipient, letterFor func(recipient) letter) (int, error) {
	n := 0
	for _, r := range to {
		note := s.compose(stableID(at, key+"|"+r.id), authorityID, "", now, r, letterFor(r))
		_, added, err := s.Store.AddNotification(ctx, note)
		if err != nil {
			return n, err
		}
		if added {
			n++
		}
	}
	return n, nil
}

func days(n int) string {
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// RemindCommitments writes, as of now, the mail about commitments (approved
// or in delivery) due within DueSoon and about those overdue, and says how
// many mails it wrote. The overdue ones are the lapse job's candidates: a
// commitment stops being mailed about once delivered or lapsed.
func (s *Service) RemindCommitments(ctx context.Context, now time.Time) (int, error) {
	ps, err := s.Store.LapseCandidates(ctx, now.Add(DueSoon), 100_000)
	if err != nil {
		return 0, err
	}
	managers := map[string]string{} // contract id: its manager's user id
	n := 0
	for _, p := range ps {
		if p.DueDate == nil {
			continue
		}
		manager, ok := managers[p.ContractID]
		if !ok && p.ContractID != "" {
			c, err := s.Store.ContractByID(ctx, p.ContractID)
			if err != nil && ErrorCode(err) != ENOTFOUND {
				return n, err
			}
			if c != nil {
				manager = c.ContractManagerID
			}
			managers[p.ContractID] = manager
		}
		due := p.DueDate.UTC()
		kind, key, at := NotifyOverdue, "", due
		if due.After(now) {
			kind, key, at = NotifyDue, "due|"+p.ID+"|"+due.Format(time.DateOnly), due.Add(-DueSoon)
		} else {
			w := int(now.Sub(due) / week)
			key, at = fmt.Sprintf("overdue|%s|%s|%d", p.ID, due.Format(time.DateOnly), w), due.Add(time.Duration(w)*week)
		}
		to, err := s.recipientsOf(ctx, kind, []string{p.OrganisationID}, manager)
		if err != nil {
			return n, err
		}
		k, err := s.schedule(ctx, p.AuthorityID, key, at, now, to, func(r recipient) letter {
			return s.commitmentLetter(p, kind, r.id == manager && manager != "", now)
		})
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// commitmentLetter is the due or overdue mail about p, to its supplier or
// to the contract's manager.
func (s *Service) commitmentLetter(p *Pledge, kind NotifyKind, toManager bool, now time.Time) letter {
	due := *p.DueDate
	what := Pounds(p.ApprovedPence) + " to \"" + p.RequestTitle + "\" (" + p.Offer + ")"
	l := letter{kind: kind, link: "/supplier/pledges/" + p.ID + "/deliver"}
	if kind == NotifyDue {
		left := int((due.Sub(now) + 24*time.Hour - 1) / (24 * time.Hour))
		l.subject = "Your commitment is due in " + days(left) + ": " + p.RequestTitle
		l.lines = []string{"Your commitment of " + what + " is due on " + longDate(due) + ".",
			"When it is delivered, report it in needmatch with your evidence."}
		if toManager {
			l.subject = "A commitment on your contract is due in " + days(left) + ": " + p.RequestTitle
			l.lines = []string{p.OrganisationName + "'s commitment of " + what + ", on a contract you manage, is due on " + longDate(due) + "."}
			l.link = "/contracts/" + p.ContractID
		}
		return l
	}
	late := int(now.Sub(due) / (24 * time.Hour))
	lapses := longDate(due.Add(s.lapseAfter()))
	l.subject = "Your commitment is overdue: " + p.RequestTitle
	l.lines = []string{"Your commitment of " + what + " was due on " + longDate(due) + " (" + days(late) + " ago) and no delivery is reported.",
		"Report the delivery in needmatch, or tell the council if it cannot go ahead. If nothing is delivered it lapses on " + lapses + "."}
	if toManager {
		l.subject = "A commitment on your contract is overdue: " + p.RequestTitle
		l.lines = []string{p.OrganisationName + "'s commitment of " + what + ", on a contract you manage, was due on " + longDate(due) +
			" (" + days(late) + " ago) and no delivery is reported. It lapses on " + lapses + " if nothing is delivered."}
		l.link = "/officer/overdue"
	}
	return l
}

// lastMonday is the latest Monday hour:00 UTC at or before now.
func lastMonday(now time.Time, hour int) time.Time {
	now = now.UTC()
	d := time.Date(now.Year(), now.Month(), now.Day(), hour, 0, 0, 0, time.UTC)
	for d.Weekday() != time.Monday || d.After(now) {
		d = d.AddDate(0, 0, -1)
	}
	return d
}

// digestItems is how many requests the weekly list of new requests names.
const digestItems = 10

// DigestRequests writes, on Monday from 07:00 to 08:00 UTC, each approved
// supplier's mail of the requests published in the past week that fit what
// it offers: those its own ranked list (RankRequests) scores with a fit
// above nothing, best first. A supplier with none gets no mail. Made before
// 08:00, the copy of someone who chose "once a week" joins that morning's
// combined mail. It says how many mails it wrote.
func (s *Service) DigestRequests(ctx context.Context, now time.Time) (int, error) {
	slot := lastMonday(now, 7)
	if now.Sub(slot) >= time.Hour {
		return 0, nil
	}
	auths, err := s.Store.Authorities(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, auth := range auths {
		orgs, err := AllPages(func(p Page) ([]*Organisation, string, error) {
			return s.Store.FindOrganisations(ctx, OrganisationFilter{AuthorityID: auth.ID, Kind: KindSupplier, Status: OrgApproved, Page: p})
		}, 0)
		if err != nil {
			return n, err
		}
		for _, o := range orgs {
			to, err := s.recipientsOf(ctx, NotifyDigest, []string{o.ID})
			if err != nil {
				return n, err
			}
			if len(to) == 0 {
				continue
			}
			a := &Actor{UserID: to[0].id, Role: RoleSupplier, AuthorityID: auth.ID, OrganisationID: o.ID}
			ranked, _, err := s.rankRequests(ctx, a, RankFilter{PublishedAfter: now.Add(-week), Limit: 1000}, now)
			if err != nil {
				return n, err
			}
			l, ok := fittingLetter(o, ranked)
			if !ok {
				continue
			}
			k, err := s.schedule(ctx, auth.ID, "requests|"+o.ID+"|"+slot.Format(time.DateOnly), slot, now, to, func(recipient) letter { return l })
			n += k
			if err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// fittingLetter lists the ranked requests that fit; false when none does.
func fittingLetter(o *Organisation, ranked []RankedRequest) (letter, bool) {
	var items []mailLink
	for _, rr := range ranked {
		fit := 0.0
		for _, c := range rr.Breakdown {
			if c.Name == matcher.ComponentFit {
				fit = c.Value
			}
		}
		if fit <= 0 {
			continue
		}
		r := rr.Request
		items = append(items, mailLink{r.Title + " (" + r.AreaName + ", " + r.Kind + ", " + Pounds(r.ValuePence) + ", by " + longDate(r.Deadline) + ")", "/requests/" + r.ID})
	}
	if len(items) == 0 {
		return letter{}, false
	}
	subject := fmt.Sprintf("%d new requests that fit what you offer", len(items))
	if len(items) == 1 {
		subject = "1 new request that fits what you offer"
	}
	l := letter{kind: NotifyDigest, subject: subject, link: "/supplier/requests",
		lines: []string{"These requests were published on needmatch in the past week and fit what " + o.Name + " offers, best match first."}}
	if len(items) > digestItems {
		l.lines = append(l.lines, fmt.Sprintf("The best %d of %d are below; see them all on your ranked list.", digestItems, len(items)))
		items = items[:digestItems]
	}
	l.items = items
	return l, true
}

// SendWeekly combines, from Monday 08:00 UTC, each person's held mail
// (the kinds they chose to get once a week) into one mail: a section per
// held mail with its link and a link to stop that kind. The combined mail's
// ID is its key (person and week) and lists the held mail it carries
// (Parts); each part is then marked sent. Held mail of a kind the person
// has turned off since, or of a disabled person, is marked failed, unsent.
// Run again after a crash, it finds the combined mail written and marks its
// parts; held mail that came after the combined mail was written (none it
// lists) waits for next week. It says how many combined mails it wrote.
func (s *Service) SendWeekly(ctx context.Context, now time.Time) (int, error) {
	held, err := s.Store.HeldNotifications(ctx, now)
	if err != nil {
		return 0, err
	}
	slot := lastMonday(now, 8)
	n := 0
	for i := 0; i < len(held); {
		j := i
		for j < len(held) && held[j].UserID == held[i].UserID {
			j++
		}
		parts := held[i:j]
		i = j
		sort.SliceStable(parts, func(a, b int) bool { return parts[a].CreatedAt.Before(parts[b].CreatedAt) })
		// Mail of a kind the person has since turned off, or of a person
		// since disabled, is not sent.
		u, err := s.Store.UserByID(ctx, parts[0].UserID)
		if err != nil && ErrorCode(err) != ENOTFOUND {
			return n, err
		}
		var wanted []*Notification
		for _, p := range parts {
			if u != nil && !u.Disabled && u.Pref(p.Kind) != PrefOff {
				wanted = append(wanted, p)
			}
		}
		in, weeklyID := map[string]bool{}, ""
		if len(wanted) > 0 {
			d, added, err := s.Store.AddNotification(ctx, s.weekly(stableID(slot, "weekly|"+parts[0].UserID+"|"+slot.Format(time.DateOnly)), wanted, now))
			if err != nil {
				return n, err
			}
			if added {
				n++
			}
			for _, id := range d.Parts {
				in[id] = true
			}
			weeklyID = d.ID
		}
		for _, p := range parts {
			switch {
			case in[p.ID]:
				at := now
				p.Status, p.SentAt = NoteSent, &at
				p.Attempts = append(p.Attempts, MailAttempt{At: now, Result: "in the weekly mail " + weeklyID})
			case !slices.Contains(wanted, p):
				p.Status = NoteFailed
				p.Attempts = append(p.Attempts, MailAttempt{At: now, Result: "not sent: turned off before the weekly mail"})
			default:
				p.NextAt = nextDigest(now)
			}
			if err := s.Store.SettleNotification(ctx, p, "", NoteHeld); err != nil && ErrorCode(err) != ECONFLICT {
				return n, err
			}
		}
	}
	return n, nil
}

// weekly renders the combined weekly mail of parts (one person's held
// mail, oldest first).
func (s *Service) weekly(id string, parts []*Notification, now time.Time) *Notification {
	last := parts[len(parts)-1]
	settings := s.base() + "/email-settings"
	count := fmt.Sprintf("%d updates", len(parts))
	if len(parts) == 1 {
		count = "1 update"
	}
	var t, h strings.Builder
	intro := "Your weekly mail from needmatch: " + count + ", each with its link into the app."
	t.WriteString(intro + "\n")
	h.WriteString(htmlHead + "<p>" + html.EscapeString(intro) + "</p>")
	ids := make([]string, len(parts))
	for k, p := range parts {
		ids[k] = p.ID
		t.WriteString("\n" + strings.Repeat("-", 60) + "\n" + p.Subject + "\n\n" + p.Text + "\n\nOpen it in needmatch: " + p.Link + "\n")
		h.WriteString("<h2 style=\"font-size:1.1em\">" + html.EscapeString(p.Subject) + "</h2>" + p.HTML +
			"<p><a href=\"" + html.EscapeString(p.Link) + "\">Open it in needmatch</a>")
		if stop := s.stopLink(p.UserID, p.Kind); stop != "" {
			t.WriteString("Stop emails like this: " + stop + "\n")
			h.WriteString(" &middot; <a style=\"font-size:small\" href=\"" + html.EscapeString(stop) + "\">Stop emails like this</a>")
		}
		h.WriteString("</p>")
	}
	foot := "You get these together once a week because you chose \"once a week\" for them."
	t.WriteString("\n" + strings.Repeat("-", 60) + "\n" + foot + "\nChoose which emails you get: " + settings + "\n")
	h.WriteString("<p style=\"font-size:small\">" + html.EscapeString(foot) + " <a href=\"" + html.EscapeString(settings) + "\">Choose which emails you get</a>.</p>" + htmlFoot)
	return &Notification{ID: id, AuthorityID: last.AuthorityID, UserID: last.UserID, To: last.To, Kind: NotifyWeekly,
		Subject: "Your weekly needmatch mail: " + count, Text: t.String(), HTML: h.String(), Link: settings,
		Status: NotePending, NextAt: now, CreatedAt: now, Parts: ids}
}
