-- Signed audit checkpoints (domain.Checkpoint), one series per authority
-- and at most one checkpoint per seq; at is RFC 3339 text, as signed.
CREATE TABLE audit_checkpoints (authority_id TEXT NOT NULL, seq INTEGER NOT NULL, hash TEXT NOT NULL, at TEXT NOT NULL, mac TEXT NOT NULL,
	PRIMARY KEY (authority_id, seq));
