-- Authorities in the store's own columns instead of a document of the
-- API's JSON: each field of the document moves to its column (read from the
-- document here, once) in a new table that takes the old one's place (one
-- schema change per table, not one per column: each reparses the schema).
-- The thresholds get a column each; the areas and the weights are JSON
-- lists of the store's own structs (store/sqlite/authority.go), their
-- numbers copied as written.
-- The old table's name passes to the new one as it is in the triggers that
-- read it (the SQLite way of changing a table: legacy rename, no rewrite).
PRAGMA legacy_alter_table = ON;
CREATE TABLE authorities_new (id TEXT PRIMARY KEY, slug TEXT NOT NULL UNIQUE, name TEXT NOT NULL, code TEXT NOT NULL, areas_json TEXT NOT NULL, social_value_pence INTEGER NOT NULL, reporting_pence INTEGER NOT NULL, kpis_pence INTEGER NOT NULL, horizon_years INTEGER NOT NULL, weights_json TEXT NOT NULL, version INTEGER NOT NULL);
INSERT INTO authorities_new (id, slug, name, code, areas_json, social_value_pence, reporting_pence, kpis_pence, horizon_years, weights_json, version) SELECT
	id,
	slug,
	COALESCE(json_extract(doc, '$.name'), ''),
	COALESCE(json_extract(doc, '$.code'), ''),
	CASE json_type(doc, '$.areas') WHEN 'array' THEN (SELECT json_group_array(json_object(
		'code', COALESCE(a.value ->> '$.code', ''), 'name', COALESCE(a.value ->> '$.name', ''),
		'lat', COALESCE(a.value -> '$.lat', 0), 'lon', COALESCE(a.value -> '$.lon', 0),
		'deciles', COALESCE(a.value -> '$.deciles', json('[0,0,0,0,0,0,0,0,0,0]')), 'need_index', COALESCE(a.value -> '$.needIndex', 0))
		ORDER BY a.key) FROM json_each(doc, '$.areas') a) ELSE 'null' END,
	COALESCE(json_extract(doc, '$.thresholds.socialValuePence'), 0),
	COALESCE(json_extract(doc, '$.thresholds.reportingPence'), 0),
	COALESCE(json_extract(doc, '$.thresholds.kpisPence'), 0),
	COALESCE(json_extract(doc, '$.horizonYears'), 0),
	CASE json_type(doc, '$.weights') WHEN 'array' THEN (SELECT json_group_array(json_object(
		'version', COALESCE(w.value -> '$.version', 0), 'need', COALESCE(w.value -> '$.need', 0), 'fit', COALESCE(w.value -> '$.fit', 0),
		'coverage', COALESCE(w.value -> '$.coverage', 0), 'urgency', COALESCE(w.value -> '$.urgency', 0), 'distance', COALESCE(w.value -> '$.distance', 0),
		'record', COALESCE(w.value -> '$.record', 0), 'set_by', COALESCE(w.value ->> '$.setBy', ''), 'set_at', COALESCE(w.value ->> '$.setAt', ''))
		ORDER BY w.key) FROM json_each(doc, '$.weights') w) ELSE 'null' END,
	COALESCE(json_extract(doc, '$.version'), 0)
FROM authorities;
DROP TABLE authorities;
ALTER TABLE authorities_new RENAME TO authorities;
PRAGMA legacy_alter_table = OFF;
