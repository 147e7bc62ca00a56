-- Email verification: a self-registered account is unverified until it
-- opens its link. Every account older than this step counts as verified
-- (the default). Verification links are password_resets rows (their own
-- token and limit hashing, see domain/verify.go).
ALTER TABLE users ADD COLUMN email_unverified INTEGER NOT NULL DEFAULT 0;
