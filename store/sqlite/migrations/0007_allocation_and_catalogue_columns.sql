-- Allocations and measures catalogues in the store's own columns instead
-- of a document of the API's JSON: each field of the document moves to its
-- column (read from the document here, once) and the document goes. An
-- allocation's items and a catalogue's measures are JSON lists of the
-- store's own structs (store/sqlite/allocation.go, measure.go), their
-- numbers copied as written.
ALTER TABLE allocations ADD COLUMN status TEXT NOT NULL DEFAULT '';
ALTER TABLE allocations ADD COLUMN weights_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE allocations ADD COLUMN objective INTEGER NOT NULL DEFAULT 0;
ALTER TABLE allocations ADD COLUMN bound INTEGER NOT NULL DEFAULT 0;
ALTER TABLE allocations ADD COLUMN bound_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE allocations ADD COLUMN gap REAL NOT NULL DEFAULT 0;
ALTER TABLE allocations ADD COLUMN gap_text TEXT NOT NULL DEFAULT '';
ALTER TABLE allocations ADD COLUMN optimal INTEGER NOT NULL DEFAULT 0;
ALTER TABLE allocations ADD COLUMN approved_pence INTEGER NOT NULL DEFAULT 0;
ALTER TABLE allocations ADD COLUMN items_json TEXT NOT NULL DEFAULT 'null';
ALTER TABLE allocations ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
ALTER TABLE allocations ADD COLUMN created_at TEXT NOT NULL DEFAULT '';
ALTER TABLE allocations ADD COLUMN accepted_at TEXT NOT NULL DEFAULT '';
UPDATE allocations SET
	status = COALESCE(json_extract(doc, '$.status'), ''),
	weights_version = COALESCE(json_extract(doc, '$.weightsVersion'), 0),
	objective = COALESCE(json_extract(doc, '$.objective'), 0),
	bound = COALESCE(json_extract(doc, '$.bound'), 0),
	bound_kind = COALESCE(json_extract(doc, '$.boundKind'), ''),
	gap = COALESCE(json_extract(doc, '$.gap'), 0),
	gap_text = COALESCE(json_extract(doc, '$.gapText'), ''),
	optimal = COALESCE(json_extract(doc, '$.optimal'), 0),
	approved_pence = COALESCE(json_extract(doc, '$.approvedPence'), 0),
	items_json = CASE json_type(doc, '$.items') WHEN 'array' THEN (SELECT json_group_array(json_object(
		'pledge', COALESCE(i.value ->> '$.pledgeId', ''), 'pledge_version', COALESCE(i.value ->> '$.pledgeVersion', 0),
		'request', COALESCE(i.value ->> '$.requestId', ''), 'request_title', COALESCE(i.value ->> '$.requestTitle', ''),
		'organisation', COALESCE(i.value ->> '$.organisationId', ''), 'organisation_name', COALESCE(i.value ->> '$.organisationName', ''),
		'value_pence', COALESCE(i.value ->> '$.valuePence', 0), 'approved_pence', COALESCE(i.value ->> '$.approvedPence', 0),
		'score', COALESCE(i.value -> '$.score', 0), 'reason', COALESCE(i.value ->> '$.reason', ''), 'explanation', COALESCE(i.value ->> '$.explanation', ''))
		ORDER BY i.key) FROM json_each(doc, '$.items') i) ELSE 'null' END,
	created_by = COALESCE(json_extract(doc, '$.createdBy'), ''),
	created_at = COALESCE(json_extract(doc, '$.createdAt'), ''),
	accepted_at = COALESCE(json_extract(doc, '$.acceptedAt'), '');
ALTER TABLE allocations DROP COLUMN doc;
ALTER TABLE catalogues ADD COLUMN example INTEGER NOT NULL DEFAULT 0;
ALTER TABLE catalogues ADD COLUMN label TEXT NOT NULL DEFAULT '';
ALTER TABLE catalogues ADD COLUMN measures_json TEXT NOT NULL DEFAULT 'null';
ALTER TABLE catalogues ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
ALTER TABLE catalogues ADD COLUMN created_at TEXT NOT NULL DEFAULT '';
UPDATE catalogues SET
	example = COALESCE(json_extract(doc, '$.example'), 0),
	label = COALESCE(json_extract(doc, '$.label'), ''),
	measures_json = CASE json_type(doc, '$.measures') WHEN 'array' THEN (SELECT json_group_array(json_object(
		'code', COALESCE(m.value ->> '$.code', ''), 'name', COALESCE(m.value ->> '$.name', ''), 'unit', COALESCE(m.value ->> '$.unit', ''),
		'proxy_pence', COALESCE(m.value ->> '$.proxyPence', 0), 'theme', COALESCE(m.value ->> '$.theme', ''), 'source', COALESCE(m.value ->> '$.source', ''))
		ORDER BY m.key) FROM json_each(doc, '$.measures') m) ELSE 'null' END,
	created_by = COALESCE(json_extract(doc, '$.createdBy'), ''),
	created_at = COALESCE(json_extract(doc, '$.createdAt'), '');
ALTER TABLE catalogues DROP COLUMN doc;
