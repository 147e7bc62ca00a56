package domain

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"
)

// NotifyPref is how a user wants one kind of notification.
type NotifyPref string

// The choices for each kind; the default is immediately.
const (
	PrefImmediately NotifyPref = "immediately"
	PrefDigest      NotifyPref = "digest"
	PrefOff         NotifyPref = "off"
)

// NoteHeld is a notification kept for the user's weekly mail: it holds only
// its body, and from its NextAt (Monday 08:00 UTC) SendWeekly puts it, with
// the user's other held mail, into one combined mail and marks it sent. The
// mailer never sends it on its own.
const NoteHeld NotificationStatus = "held"

// Pref is the user's choice for kind: required kinds are always immediate.
func (u *User) Pref(kind NotifyKind) NotifyPref {
	if kindInfo(kind).Required {
		return PrefImmediately
	}
	if p, ok := u.NotifyPrefs[kind]; ok {
		return p
	}
	return PrefImmediately
}

func kindInfo(kind NotifyKind) NotifyKindInfo {
	for _, k := range NotifyKinds {
		if k.Kind == kind {
			return k
		}
	}
	return NotifyKindInfo{Kind: kind}
}

// NotifySetting is one row of a user's settings screen.
type NotifySetting struct {
	NotifyKindInfo
	Pref NotifyPref `json:"pref"`
}

// NotificationSettings lists the signed-in user's choice for every kind.
func (s *Service) NotificationSettings(ctx context.Context, a *Actor) ([]NotifySetting, error) {
	if err := requireSignedIn(a); err != nil {
		return nil, err
	}
	u, err := s.Store.UserByID(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	return settingsOf(u), nil
}

func settingsOf(u *User) []NotifySetting {
	out := make([]NotifySetting, len(NotifyKinds))
	for i, k := range NotifyKinds {
		out[i] = NotifySetting{k, u.Pref(k.Kind)}
	}
	return out
}

// SetNotificationSettings changes the signed-in user's choices (kinds not
// named stay as they are); a required kind cannot be changed.
func (s *Service) SetNotificationSettings(ctx context.Context, a *Actor, prefs map[NotifyKind]NotifyPref) ([]NotifySetting, error) {
	if err := requireSignedIn(a); err != nil {
		return nil, err
	}
	var v Validation
	for k, p := range prefs {
		info := kindInfo(k)
		switch {
		case info.Label == "":
			v.Add("prefs."+string(k), "%s is not a kind of email", k)
		case p != PrefImmediately && p != PrefDigest && p != PrefOff:
			v.Add("prefs."+string(k), "Choose immediately, once a week or off")
		case info.Required && p != PrefImmediately:
			v.Add("prefs."+string(k), "%s cannot be turned off or delayed", info.Label)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	u, err := s.Store.UserByID(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	return s.setPrefs(ctx, u, a.UserID, prefs)
}

func (s *Service) setPrefs(ctx context.Context, u *User, actor string, prefs map[NotifyKind]NotifyPref) ([]NotifySetting, error) {
	before, prev, now := *u, u.Version, s.now()
	next := map[NotifyKind]NotifyPref{}
	for k, p := range u.NotifyPrefs {
		next[k] = p
	}
	for k, p := range prefs {
		next[k] = p
	}
	u.NotifyPrefs, u.Version, u.UpdatedAt = next, u.Version+1, now
	ev := NewAuditEvent(u.AuthorityID, actor, "user.notify-prefs", "user", u.ID, before.NotifyPrefs, u.NotifyPrefs, now)
	if err := s.Store.UpdateUser(ctx, u, prev, ev); err != nil {
		return nil, err
	}
	return settingsOf(u), nil
}

// unsubscribeToken signs "user.kind" with the mail key, so a link in a
// mail turns that kind off without signing in.
func (s *Service) unsubscribeToken(userID string, kind NotifyKind) string {
	msg := userID + "." + string(kind)
	mac := hmac.New(sha256.New, s.MailKey)
	mac.Write([]byte("unsubscribe\x00" + msg))
	return msg + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// Unsubscribe turns off the kind of mail a signed unsubscribe link names.
func (s *Service) Unsubscribe(ctx context.Context, token string) (NotifyKindInfo, error) {
	bad := &Error{Code: EINVALID, Field: "token", Message: "This unsubscribe link is not valid. Sign in to change your email settings."}
	parts := strings.Split(token, ".")
	if len(parts) != 3 || len(s.MailKey) == 0 || !ValidID(parts[0]) {
		return NotifyKindInfo{}, bad
	}
	if !hmac.Equal([]byte(s.unsubscribeToken(parts[0], NotifyKind(parts[1]))), []byte(token)) {
		return NotifyKindInfo{}, bad
	}
	info := kindInfo(NotifyKind(parts[1]))
	if info.Label == "" || info.Required {
		return NotifyKindInfo{}, bad
	}
	u, err := s.Store.UserByID(ctx, parts[0])
	if ErrorCode(err) == ENOTFOUND {
		return NotifyKindInfo{}, bad
	} else if err != nil {
		return NotifyKindInfo{}, err
	}
	if u.Pref(info.Kind) == PrefOff {
		return info, nil
	}
	_, err = s.setPrefs(ctx, u, u.ID, map[NotifyKind]NotifyPref{info.Kind: PrefOff})
	return info, err
}

// nextDigest is when the weekly digest goes: Monday 08:00 UTC after t.
func nextDigest(t time.Time) time.Time {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 8, 0, 0, 0, time.UTC)
	for d.Weekday() != time.Monday || !d.After(t) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}
