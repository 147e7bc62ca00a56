package domain

import "time"

// Window is the range a time taken from a user must fall in: From to To,
// both included.
type Window struct{ From, To time.Time }

// CheckDate is the one range rule for every time that comes in from a
// user (a request's deadline, a delivery's date, an award's due date): t
// must be set and within w. The problem names the field and the window in
// words. Every window lies within years 1 to 9999, so a time that passes
// can be stored by every store.
func CheckDate(field string, t time.Time, w Window) error {
	if t.IsZero() {
		return FieldErrorf(field, "Enter %s", label(field))
	}
	if t.Before(w.From) || t.After(w.To) {
		return FieldErrorf(field, "%s must be between %s and %s", capital(label(field)), longDate(w.From), longDate(w.To))
	}
	return nil
}

// longDate writes a date the way messages do: 1 December 2026.
func longDate(t time.Time) string { return t.UTC().Format("2 January 2006") }

// Horizon is how many years ahead the authority takes deadlines and due
// dates.
func (a *Authority) Horizon() int {
	if a.HorizonYears <= 0 {
		return DefaultHorizonYears
	}
	return min(a.HorizonYears, MaxHorizonYears)
}

// MaxHorizonYears bounds a council's horizon.
const MaxHorizonYears = 50

// AheadWindow is the window of a deadline or due date set at now: after
// now and at most the authority's horizon ahead.
func (a *Authority) AheadWindow(now time.Time) Window {
	return Window{From: now, To: now.AddDate(a.Horizon(), 0, 0)}
}

// DeliveryWindow is the window of the date of a delivery reported at now
// against a pledge made at pledged: not before the day of the pledge, and
// not in the future (the next day is allowed, as it is already that day in
// time zones ahead of UTC).
func DeliveryWindow(pledged, now time.Time) Window {
	day := func(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }
	return Window{From: day(pledged), To: day(now.Add(24 * time.Hour))}
}

// checkMonth checks a YYYY-MM month key; the ledger's months are those of
// stored dates, so any four-digit year is allowed.
func checkMonth(v *Validation, field, m string) {
	if m == "" {
		return
	}
	if _, err := time.Parse("2006-01", m); err != nil {
		v.Add(field, "%s must be YYYY-MM, like 2026-11", field)
	}
}
