package api

import (
	"time"

	"needmatch/domain"
)

// parseTime is the one way a time comes in through the API: a date like
// 2027-03-31 (midnight UTC) or an RFC 3339 time (kept to the millisecond),
// normalised to UTC; "" is the zero time. Its range is the domain's rule
// (domain.CheckDate), applied by the service that takes it.
func parseTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Truncate(time.Millisecond), nil
	}
	return time.Time{}, domain.FieldErrorf(field, "%s must be a date like 2027-03-31 or an RFC 3339 time like 2027-03-31T17:00:00Z", field)
}
