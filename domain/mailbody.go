package domain

import (
	"html"
	"strings"
	"time"
)

// letter is what one mail says, before it is addressed: the kind, the
// subject, paragraphs, optional linked items (a list of requests) and the
// link it leads to in the app.
type letter struct {
	kind    NotifyKind
	subject string
	lines   []string
	items   []mailLink
	link    string // path in the app, e.g. /pledges/ID
}

// mailLink is one item of a letter's list, with its path in the app.
type mailLink struct {
	text, path string
}

const (
	htmlHead = "<!doctype html><html><body style=\"font-family:Arial,sans-serif\">"
	htmlFoot = "</body></html>"
)

func (s *Service) base() string { return strings.TrimRight(s.BaseURL, "/") }

// body renders a letter's paragraphs and items, without link or footer:
// all a held notification keeps, so the combined weekly mail can make a
// section of it.
func (s *Service) body(l letter) (string, string) {
	var t, h strings.Builder
	t.WriteString(strings.Join(l.lines, "\n\n"))
	for _, line := range l.lines {
		h.WriteString("<p>" + html.EscapeString(line) + "</p>")
	}
	if len(l.items) > 0 {
		h.WriteString("<ul>")
		for _, it := range l.items {
			url := s.base() + it.path
			t.WriteString("\n\n- " + it.text + "\n  " + url)
			h.WriteString("<li><a href=\"" + html.EscapeString(url) + "\">" + html.EscapeString(it.text) + "</a></li>")
		}
		h.WriteString("</ul>")
	}
	return t.String(), h.String()
}

// stopLink is the signed link that turns kind off for the user, or "" for
// a kind that cannot be turned off.
func (s *Service) stopLink(userID string, kind NotifyKind) string {
	if kindInfo(kind).Required {
		return ""
	}
	return s.base() + "/unsubscribe?token=" + s.unsubscribeToken(userID, kind)
}

// compose addresses a letter to one recipient as they chose: a pending
// mail (body, link into the app, unsubscribe link) due at, or, for "once
// a week", a held body for the next combined weekly mail.
func (s *Service) compose(id, authorityID, eventID string, at time.Time, r recipient, l letter) *Notification {
	link := s.base() + l.link
	text, h := s.body(l)
	note := &Notification{ID: id, EventID: eventID, AuthorityID: authorityID, UserID: r.id, To: r.email, Kind: l.kind,
		Subject: l.subject, Link: link, Status: NotePending, NextAt: at, CreatedAt: at}
	if r.pref == PrefDigest {
		note.Status, note.NextAt, note.Text, note.HTML = NoteHeld, nextDigest(at), text, h
		return note
	}
	text += "\n\nOpen it in needmatch: " + link + "\n"
	h += "<p><a href=\"" + html.EscapeString(link) + "\">Open it in needmatch</a></p>"
	if stop := s.stopLink(r.id, l.kind); stop != "" {
		settings := s.base() + "/email-settings"
		text += "\nStop these emails: " + stop + "\nChoose which emails you get: " + settings + "\n"
		h += "<p style=\"font-size:small\"><a href=\"" + html.EscapeString(stop) + "\">Stop these emails</a> or <a href=\"" +
			html.EscapeString(settings) + "\">choose which emails you get</a>.</p>"
	}
	note.Text, note.HTML = text, htmlHead+h+htmlFoot
	return note
}
