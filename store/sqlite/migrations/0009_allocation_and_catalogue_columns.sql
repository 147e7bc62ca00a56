-- Allocations and measures catalogues in the store's own columns instead of a document of the API's
-- JSON: each field of the document moves to its column (read from the
-- document here, once) in a new table that takes the old one's place (one
-- schema change per table, not one per column: each reparses the schema).
-- An allocation's items and a catalogue's measures are JSON lists of the
-- store's own structs (store/sqlite/allocation.go, measure.go), their
-- numbers copied as written.
-- The old table's name passes to the new one as it is in the triggers that
-- read it (the SQLite way of changing a table: legacy rename, no rewrite).
PRAGMA legacy_alter_table = ON;
CREATE TABLE allocations_new (id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, version INTEGER NOT NULL, status TEXT NOT NULL, weights_version INTEGER NOT NULL, objective INTEGER NOT NULL, bound INTEGER NOT NULL, bound_kind TEXT NOT NULL, gap REAL NOT NULL, gap_text TEXT NOT NULL, optimal INTEGER NOT NULL, approved_pence INTEGER NOT NULL, items_json TEXT NOT NULL, created_by TEXT NOT NULL, created_at TEXT NOT NULL, accepted_at TEXT NOT NULL);
INSERT INTO allocations_new (id, authority_id, version, status, weights_version, objective, bound, bound_kind, gap, gap_text, optimal, approved_pence, items_json, created_by, created_at, accepted_at) SELECT
	id,
	authority_id,
	version,
	COALESCE(json_extract(doc, '$.status'), ''),
	COALESCE(json_extract(doc, '$.weightsVersion'), 0),
	COALESCE(json_extract(doc, '$.objective'), 0),
	COALESCE(json_extract(doc, '$.bound'), 0),
	COALESCE(json_extract(doc, '$.boundKind'), ''),
	COALESCE(json_extract(doc, '$.gap'), 0),
	COALESCE(json_extract(doc, '$.gapText'), ''),
	COALESCE(json_extract(doc, '$.optimal'), 0),
	COALESCE(json_extract(doc, '$.approvedPence'), 0),
	CASE json_type(doc, '$.items') WHEN 'array' THEN (SELECT json_group_array(json_object(
		'pledge', COALESCE(i.value ->> '$.pledgeId', ''), 'pledge_version', COALESCE(i.value ->> '$.pledgeVersion', 0),
		'request', COALESCE(i.value ->> '$.requestId', ''), 'request_title', COALESCE(i.value ->> '$.requestTitle', ''),
		'organisation', COALESCE(i.value ->> '$.organisationId', ''), 'organisation_name', COALESCE(i.value ->> '$.organisationName', ''),
		'value_pence', COALESCE(i.value ->> '$.valuePence', 0), 'approved_pence', COALESCE(i.value ->> '$.approvedPence', 0),
		'score', COALESCE(i.value -> '$.score', 0), 'reason', COALESCE(i.value ->> '$.reason', ''), 'explanation', COALESCE(i.value ->> '$.explanation', ''))
		ORDER BY i.key) FROM json_each(doc, '$.items') i) ELSE 'null' END,
	COALESCE(json_extract(doc, '$.createdBy'), ''),
	COALESCE(json_extract(doc, '$.createdAt'), ''),
	COALESCE(json_extract(doc, '$.acceptedAt'), '')
FROM allocations;
DROP TABLE allocations;
ALTER TABLE allocations_new RENAME TO allocations;
CREATE TABLE catalogues_new (id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, version INTEGER NOT NULL, example INTEGER NOT NULL, label TEXT NOT NULL, measures_json TEXT NOT NULL, created_by TEXT NOT NULL, created_at TEXT NOT NULL, UNIQUE (authority_id, version));
INSERT INTO catalogues_new (id, authority_id, version, example, label, measures_json, created_by, created_at) SELECT
	id,
	authority_id,
	version,
	COALESCE(json_extract(doc, '$.example'), 0),
	COALESCE(json_extract(doc, '$.label'), ''),
	CASE json_type(doc, '$.measures') WHEN 'array' THEN (SELECT json_group_array(json_object(
		'code', COALESCE(m.value ->> '$.code', ''), 'name', COALESCE(m.value ->> '$.name', ''), 'unit', COALESCE(m.value ->> '$.unit', ''),
		'proxy_pence', COALESCE(m.value ->> '$.proxyPence', 0), 'theme', COALESCE(m.value ->> '$.theme', ''), 'source', COALESCE(m.value ->> '$.source', ''))
		ORDER BY m.key) FROM json_each(doc, '$.measures') m) ELSE 'null' END,
	COALESCE(json_extract(doc, '$.createdBy'), ''),
	COALESCE(json_extract(doc, '$.createdAt'), '')
FROM catalogues;
DROP TABLE catalogues;
ALTER TABLE catalogues_new RENAME TO catalogues;
PRAGMA legacy_alter_table = OFF;
