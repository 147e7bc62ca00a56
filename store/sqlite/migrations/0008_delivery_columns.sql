-- Deliveries in the store's own columns instead of a document of the API's
-- JSON: each field of the document moves to its column (read from the
-- document here, once) and the document goes. The evidence ids and hashes
-- are JSON lists of strings, kept as they were (an empty list stays one).
ALTER TABLE deliveries ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN request_title TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN organisation_name TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN unit TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN date TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN notes TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN evidence_ids TEXT NOT NULL DEFAULT 'null';
ALTER TABLE deliveries ADD COLUMN evidence_hashes TEXT NOT NULL DEFAULT 'null';
ALTER TABLE deliveries ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN confirmed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN confirmed_at TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN dispute_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN decided_by TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN decided_at TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN reported_by TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN created_at TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
UPDATE deliveries SET
	request_id = COALESCE(json_extract(doc, '$.requestId'), ''),
	request_title = COALESCE(json_extract(doc, '$.requestTitle'), ''),
	organisation_name = COALESCE(json_extract(doc, '$.organisationName'), ''),
	unit = COALESCE(json_extract(doc, '$.unit'), ''),
	date = COALESCE(json_extract(doc, '$.date'), ''),
	notes = COALESCE(json_extract(doc, '$.notes'), ''),
	evidence_ids = COALESCE(doc -> '$.evidenceIds', 'null'),
	evidence_hashes = COALESCE(doc -> '$.evidenceHashes', 'null'),
	confirmed = COALESCE(json_extract(doc, '$.confirmed'), 0),
	confirmed_by = COALESCE(json_extract(doc, '$.confirmedBy'), ''),
	confirmed_at = COALESCE(json_extract(doc, '$.confirmedAt'), ''),
	dispute_reason = COALESCE(json_extract(doc, '$.disputeReason'), ''),
	decided_by = COALESCE(json_extract(doc, '$.decidedBy'), ''),
	decided_at = COALESCE(json_extract(doc, '$.decidedAt'), ''),
	reason = COALESCE(json_extract(doc, '$.reason'), ''),
	reported_by = COALESCE(json_extract(doc, '$.reportedBy'), ''),
	created_at = COALESCE(json_extract(doc, '$.createdAt'), ''),
	updated_at = COALESCE(json_extract(doc, '$.updatedAt'), '');
ALTER TABLE deliveries DROP COLUMN doc;
