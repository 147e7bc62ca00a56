-- Users in the store's own columns instead of a document of the API's JSON:
-- each field of the document moves to its column (read from the document
-- here, once) in a new table that takes the old one's place (one schema
-- change per table, not one per column: each reparses the schema).
-- The old table's name passes to the new one as it is in the triggers that
-- read it (the SQLite way of changing a table: legacy rename, no rewrite).
PRAGMA legacy_alter_table = ON;
CREATE TABLE users_new (id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, authority_slug TEXT NOT NULL, organisation_id TEXT NOT NULL, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL, role TEXT NOT NULL, password_hash TEXT NOT NULL, disabled INTEGER NOT NULL, version INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
INSERT INTO users_new (id, authority_id, authority_slug, organisation_id, email, name, role, password_hash, disabled, version, created_at, updated_at) SELECT
	id,
	authority_id,
	COALESCE(json_extract(doc, '$.authority'), ''),
	COALESCE(json_extract(doc, '$.organisationId'), ''),
	email,
	COALESCE(json_extract(doc, '$.name'), ''),
	COALESCE(json_extract(doc, '$.role'), ''),
	COALESCE(json_extract(doc, '$.passwordHash'), ''),
	COALESCE(json_extract(doc, '$.disabled'), 0),
	version,
	COALESCE(json_extract(doc, '$.createdAt'), ''),
	COALESCE(json_extract(doc, '$.updatedAt'), '')
FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
PRAGMA legacy_alter_table = OFF;
