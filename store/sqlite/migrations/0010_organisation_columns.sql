-- Organisations in the store's own columns instead of a document of the
-- API's JSON: each field of the document moves to its column (read from the
-- document here, once) in a new table that takes the old one's place (one
-- schema change per table, not one per column: each reparses the schema).
-- The offers are a JSON list of strings, copied as written. The name key
-- stays NULL where 0004 left it so: Open fills it in Go and keeps it unique
-- (migrateOrganisationNames in organisation.go).
-- The old table's name passes to the new one as it is in the triggers that
-- read it (the SQLite way of changing a table: legacy rename, no rewrite).
PRAGMA legacy_alter_table = ON;
CREATE TABLE organisations_new (id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, authority_slug TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, name_key TEXT, pending_name TEXT NOT NULL, name_reason TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL, area TEXT NOT NULL, offers_json TEXT NOT NULL, commitment_limit_pence INTEGER NOT NULL, version INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
INSERT INTO organisations_new (id, authority_id, authority_slug, kind, name, name_key, pending_name, name_reason, status, reason, area, offers_json, commitment_limit_pence, version, created_at, updated_at) SELECT
	id,
	authority_id,
	COALESCE(json_extract(doc, '$.authority'), ''),
	kind,
	COALESCE(json_extract(doc, '$.name'), ''),
	name_key,
	COALESCE(json_extract(doc, '$.pendingName'), ''),
	COALESCE(json_extract(doc, '$.nameReason'), ''),
	status,
	COALESCE(json_extract(doc, '$.reason'), ''),
	COALESCE(json_extract(doc, '$.area'), ''),
	CASE json_type(doc, '$.offers') WHEN 'array' THEN json_extract(doc, '$.offers') ELSE 'null' END,
	COALESCE(json_extract(doc, '$.commitmentLimitPence'), 0),
	version,
	COALESCE(json_extract(doc, '$.createdAt'), ''),
	COALESCE(json_extract(doc, '$.updatedAt'), '')
FROM organisations;
DROP TABLE organisations;
ALTER TABLE organisations_new RENAME TO organisations;
CREATE INDEX organisations_list ON organisations(authority_id, status, id);
CREATE UNIQUE INDEX organisations_name ON organisations(authority_id, name_key);
PRAGMA legacy_alter_table = OFF;
