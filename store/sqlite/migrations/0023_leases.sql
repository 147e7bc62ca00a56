-- Job leases: which process runs each background job (domain.LeaseStore).
-- Times are Unix microseconds; until 0 is a released lease.
CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until INTEGER NOT NULL, last_run INTEGER NOT NULL DEFAULT 0);
