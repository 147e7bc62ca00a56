-- Refresh tokens in the store's own columns instead of a document of the
-- API's JSON: the expiry and creation times move to their columns (read
-- from the document here, once; used and revoked always had theirs) in a
-- new table that takes the old one's place.
-- The old table's name passes to the new one as it is in the triggers that
-- read it (the SQLite way of changing a table: legacy rename, no rewrite).
PRAGMA legacy_alter_table = ON;
CREATE TABLE refresh_tokens_new (id TEXT PRIMARY KEY, family TEXT NOT NULL, user_id TEXT NOT NULL, used INTEGER NOT NULL DEFAULT 0, revoked INTEGER NOT NULL DEFAULT 0, expires_at TEXT NOT NULL, created_at TEXT NOT NULL);
INSERT INTO refresh_tokens_new (id, family, user_id, used, revoked, expires_at, created_at) SELECT
	id, family, user_id, used, revoked,
	COALESCE(json_extract(doc, '$.expiresAt'), ''),
	COALESCE(json_extract(doc, '$.createdAt'), '')
FROM refresh_tokens;
DROP TABLE refresh_tokens;
ALTER TABLE refresh_tokens_new RENAME TO refresh_tokens;
CREATE INDEX refresh_family ON refresh_tokens(family);
CREATE INDEX refresh_user ON refresh_tokens(user_id);
PRAGMA legacy_alter_table = OFF;
