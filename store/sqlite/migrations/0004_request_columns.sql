-- Requests in the store's own columns instead of a document of the API's
-- JSON: each field of the document moves to its column (read from the
-- document here, once) and the document goes.
ALTER TABLE requests ADD COLUMN authority_slug TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN organisation_name TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN area_name TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN quantity INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN unit TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN value_pence INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN deadline TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN safeguarding INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN created_at TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
UPDATE requests SET
	authority_slug = COALESCE(json_extract(doc, '$.authority'), ''),
	organisation_name = COALESCE(json_extract(doc, '$.organisationName'), ''),
	area_name = COALESCE(json_extract(doc, '$.areaName'), ''),
	quantity = COALESCE(json_extract(doc, '$.quantity'), 0),
	unit = COALESCE(json_extract(doc, '$.unit'), ''),
	value_pence = COALESCE(json_extract(doc, '$.valuePence'), 0),
	deadline = COALESCE(json_extract(doc, '$.deadline'), ''),
	safeguarding = COALESCE(json_extract(doc, '$.safeguarding'), 0),
	reason = COALESCE(json_extract(doc, '$.reason'), ''),
	created_at = COALESCE(json_extract(doc, '$.createdAt'), ''),
	updated_at = COALESCE(json_extract(doc, '$.updatedAt'), '');
ALTER TABLE requests DROP COLUMN doc;
