package domain

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// labels are the words people read for each field in messages.
var labels = map[string]string{
	"title": "the title", "description": "the description", "unit": "the unit", "name": "the name",
	"organisation.name": "the organisation's name", "offer": "what you offer", "reason": "a reason",
	"code": "the area code", "email": "your email address", "text": "the search text", "area": "the ward",
	"deadline": "the deadline", "date": "the delivery date", "dueDate": "the due date",
}

func label(field string) string {
	if l, ok := labels[field]; ok {
		return l
	}
	return field
}

// capital upper-cases the first letter.
func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// checkText records a problem when s is not valid text of min..max characters.
// Control characters (and NUL) are refused; multiline allows newlines and tabs.
func checkText(v *Validation, field, s string, min, max int, required bool) {
	checkTextML(v, field, s, min, max, required, false)
}

func checkTextML(v *Validation, field, s string, min, max int, required, multiline bool) {
	l := label(field)
	if !utf8.ValidString(s) {
		v.Add(field, "%s must be valid text (UTF-8)", capital(l))
		return
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			v.Add(field, "%s must not contain control characters", capital(l))
			return
		}
	}
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	switch {
	case n == 0 && required:
		v.Add(field, "Enter %s", l)
	case n == 0:
	case n < min:
		v.Add(field, "%s must be at least %d characters", capital(l), min)
	case n > max:
		v.Add(field, "%s must be %d characters or fewer", capital(l), max)
	}
}

// invisible reports whether s holds a format (Cf: zero-width space and
// joiner, byte-order mark, bidirectional controls) or control (Cc)
// character: text that reads the same as other text without being it.
func invisible(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Cf, unicode.Cc) {
			return true
		}
	}
	return false
}

// cleanName is a name as it is kept: trimmed and in Unicode NFC, so that
// the same letters typed two ways are one name.
func cleanName(s string) string { return norm.NFC.String(strings.TrimSpace(s)) }

// checkName is checkText for the name of a person or an organisation, which
// also refuses invisible characters: a name must not look like another.
func checkName(v *Validation, field, s string, min, max int) {
	if utf8.ValidString(s) && invisible(s) {
		v.Add(field, "%s must not contain invisible or control characters", capital(label(field)))
		return
	}
	checkText(v, field, s, min, max, true)
}

func checkEmail(v *Validation, field, s string) {
	if len(s) > 254 || !utf8.ValidString(s) {
		v.Add(field, "Enter a valid email address")
		return
	}
	if invisible(s) {
		v.Add(field, "Your email address must not contain invisible or control characters")
		return
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		v.Add(field, "Enter an email address in the correct format, like name@example.org")
	}
}

func checkReason(reason string) error {
	var v Validation
	checkTextML(&v, "reason", reason, 3, 2000, true, true)
	return v.Err()
}

// CheckPassword enforces the password rule: 12 to 256 characters.
func CheckPassword(p string) error {
	var v Validation
	n := utf8.RuneCountInString(p)
	switch {
	case !utf8.ValidString(p):
		v.Add("password", "password must be valid UTF-8 text")
	case n < 12:
		v.Add("password", "password must be at least 12 characters")
	case n > 256:
		v.Add("password", "password must be 256 characters or fewer")
	}
	return v.Err()
}
