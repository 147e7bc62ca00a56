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
	CheckpointStore
	AllocationStore
	IdempotencyStore
	ValueStore
	QuestionStore
	MessageStore
	OutboxStore
	ResetStore
	RemedyStore
	ReturnStore
	LeaseStore
	RegionStore
	ImportStore
	PaymentStore
	RateStore
	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
	// Close releases the store.
	Close() error
}

// Generationer is a source of write generations: Generation changes
// whenever a write commits. Only a store that is the sole writer of its data
// (the embedded store) can be one; the wiring passes it to the API's page
// cache explicitly, never found by type assertion.
type Generationer interface {
	Generation() uint64
}

// RequestGenerationer is such a source that can also say,
// for one request, the Generation of the last write that changed the
// request or any of its pledges (0: none since the store opened).
type RequestGenerationer interface {
	Generationer
	RequestGeneration(id string) uint64
	// RequestsGeneration is the Generation of the last write that changed
	// any request or pledge.
	RequestsGeneration() uint64
}
