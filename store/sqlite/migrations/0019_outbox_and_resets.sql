-- The mail outbox and password resets.
-- The outbox: one row per notification, written in the transaction of
-- the change that calls for it. attempts is a JSON list of the store's own
-- attempt structs. Times are Unix microseconds, so the sender's "due" and
-- "claim expired" queries compare integers from the due index.
CREATE TABLE notifications (id TEXT PRIMARY KEY, event_id TEXT NOT NULL, authority_id TEXT NOT NULL, user_id TEXT NOT NULL, email TEXT NOT NULL, kind TEXT NOT NULL, subject TEXT NOT NULL, body_text TEXT NOT NULL, body_html TEXT NOT NULL, link TEXT NOT NULL, status TEXT NOT NULL, owner TEXT NOT NULL DEFAULT '', claimed_until INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, attempts TEXT NOT NULL DEFAULT '[]', created_at INTEGER NOT NULL, sent_at INTEGER NOT NULL DEFAULT 0);
CREATE INDEX notifications_due ON notifications(status, next_at);
CREATE INDEX notifications_authority ON notifications(authority_id, id);
CREATE INDEX IF NOT EXISTS users_organisation ON users(organisation_id);
-- Password reset links, by the SHA-256 of their token (the token itself is
-- never stored); email_key is the SHA-256 of the address asked for, which
-- the per-account limit counts by. Times are Unix microseconds.
CREATE TABLE password_resets (token_hash TEXT PRIMARY KEY, email_key TEXT NOT NULL, user_id TEXT NOT NULL, expires_at INTEGER NOT NULL, created_at INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0);
CREATE INDEX password_resets_email ON password_resets(email_key, created_at);
-- Each user's choice per kind of mail, a JSON object of kind to
-- "immediately", "digest" or "off" (empty: every kind immediately).
ALTER TABLE users ADD COLUMN notify_prefs TEXT NOT NULL DEFAULT '{}';
