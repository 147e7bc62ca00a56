package domain

import "context"

// Store is everything the services need from persistence. Each method that
// changes an object writes the change and its audit event together: both or
// neither, also across a crash.
type Store interface {
	AuthorityStore
	UserStore
	OrganisationStore
	RequestStore
	PledgeStore
	AuditStore
	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
	// Close releases the store.
	Close() error
}
