-- Requests in the store's own columns instead of a document of the API's
-- JSON: each field of the document moves to its column (read from the
-- document here, once) in a new table that takes the old one's place (one
-- schema change per table, not one per column: each reparses the schema).
-- The old table's name passes to the new one as it is in the triggers that
-- read it (the SQLite way of changing a table: legacy rename, no rewrite).
PRAGMA legacy_alter_table = ON;
CREATE TABLE requests_new (id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, organisation_id TEXT NOT NULL, status TEXT NOT NULL, area TEXT NOT NULL, kind TEXT NOT NULL, title TEXT NOT NULL, description TEXT NOT NULL, version INTEGER NOT NULL, authority_slug TEXT NOT NULL, organisation_name TEXT NOT NULL, area_name TEXT NOT NULL, quantity INTEGER NOT NULL, unit TEXT NOT NULL, value_pence INTEGER NOT NULL, deadline TEXT NOT NULL, safeguarding INTEGER NOT NULL, reason TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
INSERT INTO requests_new (id, authority_id, organisation_id, status, area, kind, title, description, version, authority_slug, organisation_name, area_name, quantity, unit, value_pence, deadline, safeguarding, reason, created_at, updated_at) SELECT
	id,
	authority_id,
	organisation_id,
	status,
	area,
	kind,
	title,
	description,
	version,
	COALESCE(json_extract(doc, '$.authority'), ''),
	COALESCE(json_extract(doc, '$.organisationName'), ''),
	COALESCE(json_extract(doc, '$.areaName'), ''),
	COALESCE(json_extract(doc, '$.quantity'), 0),
	COALESCE(json_extract(doc, '$.unit'), ''),
	COALESCE(json_extract(doc, '$.valuePence'), 0),
	COALESCE(json_extract(doc, '$.deadline'), ''),
	COALESCE(json_extract(doc, '$.safeguarding'), 0),
	COALESCE(json_extract(doc, '$.reason'), ''),
	COALESCE(json_extract(doc, '$.createdAt'), ''),
	COALESCE(json_extract(doc, '$.updatedAt'), '')
FROM requests;
DROP TABLE requests;
ALTER TABLE requests_new RENAME TO requests;
CREATE INDEX requests_status ON requests(authority_id, status, id);
CREATE INDEX requests_org ON requests(organisation_id, id);
CREATE INDEX requests_area ON requests(authority_id, area, status, id);
CREATE INDEX requests_area_kind ON requests(authority_id, area, kind, status, id);
CREATE INDEX requests_kind ON requests(authority_id, kind, status, id);
PRAGMA legacy_alter_table = OFF;
