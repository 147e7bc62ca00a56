package domain_test

import (
	"testing"
	"time"

	"needmatch/domain"
)

// TestCheckDate: the window includes both ends; outside it, or unset, the
// problem names the field and says the window in words.
func TestCheckDate(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	auth := &domain.Authority{}
	w := auth.AheadWindow(now)
	if w.To != time.Date(2031, 12, 1, 12, 0, 0, 0, time.UTC) {
		t.Fatalf("default horizon ends %v", w.To)
	}
	for _, c := range []struct {
		name   string
		t      time.Time
		detail string
	}{
		{"unset", time.Time{}, "Enter the deadline"},
		{"from", w.From, ""},
		{"to", w.To, ""},
		{"just before", w.From.Add(-time.Nanosecond), "The deadline must be between 1 December 2026 and 1 December 2031"},
		{"just after", w.To.Add(time.Nanosecond), "The deadline must be between 1 December 2026 and 1 December 2031"},
		{"year 10000", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), "The deadline must be between 1 December 2026 and 1 December 2031"},
		{"year -1", time.Date(-1, 12, 31, 0, 0, 0, 0, time.UTC), "The deadline must be between 1 December 2026 and 1 December 2031"},
	} {
		err := domain.CheckDate("deadline", c.t, w)
		if c.detail == "" && err != nil || c.detail != "" && (domain.ErrorCode(err) != domain.EINVALID || domain.ErrorMessage(err) != c.detail || err.(*domain.Error).Field != "deadline") {
			t.Errorf("%s: %v, want %q", c.name, err, c.detail)
		}
	}
	auth.HorizonYears = 1000
	if got := auth.AheadWindow(now).To.Year(); got != 2026+domain.MaxHorizonYears {
		t.Fatalf("a horizon of 1000 years ends in %d", got)
	}
	// A delivery: from the day of the pledge to the day after today.
	dw := domain.DeliveryWindow(time.Date(2026, 11, 3, 15, 30, 0, 0, time.UTC), now)
	if dw.From != time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC) || dw.To != time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC) {
		t.Fatalf("delivery window = %+v", dw)
	}
}
