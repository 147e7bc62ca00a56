package domain

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// checkText records a problem when s is not valid text of min..max characters.
// Control characters (and NUL) are refused; multiline allows newlines and tabs.
func checkText(v *Validation, field, s string, min, max int, required bool) {
	checkTextML(v, field, s, min, max, required, false)
}

func checkTextML(v *Validation, field, s string, min, max int, required, multiline bool) {
	if !utf8.ValidString(s) {
		v.Add(field, "%s must be valid UTF-8 text", field)
		return
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			v.Add(field, "%s must not contain control characters", field)
			return
		}
	}
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	switch {
	case n == 0 && required:
		v.Add(field, "Enter %s", field)
	case n == 0:
	case n < min:
		v.Add(field, "%s must be at least %d characters", field, min)
	case n > max:
		v.Add(field, "%s must be %d characters or fewer", field, max)
	}
}

func checkEmail(v *Validation, field, s string) {
	if len(s) > 254 || !utf8.ValidString(s) {
		v.Add(field, "Enter a valid email address")
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
