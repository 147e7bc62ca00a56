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
	AllocationStore
	IdempotencyStore
	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
	// Close releases the store.
	Close() error
}

// Generationer is implemented by a store that is the only writer of its data
// (the embedded store): Generation changes whenever a write commits, so
// readers may cache answers keyed by it.
type Generationer interface {
	Generation() uint64
}

// RequestGenerationer is implemented by such a store when it can also say,
// for one request, the Generation of the last write that changed the
// request or any of its pledges (0: none since the store opened).
type RequestGenerationer interface {
	Generationer
	RequestGeneration(id string) uint64
}
