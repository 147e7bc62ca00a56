-- Contracts and bids in the store's own columns instead of a document of
-- the API's JSON: each field of the document moves to its column (read
-- from the document here, once) and the document goes.
ALTER TABLE contracts ADD COLUMN authority_slug TEXT NOT NULL DEFAULT '';
ALTER TABLE contracts ADD COLUMN title TEXT NOT NULL DEFAULT '';
ALTER TABLE contracts ADD COLUMN directorate TEXT NOT NULL DEFAULT '';
ALTER TABLE contracts ADD COLUMN value_pence INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contracts ADD COLUMN awarded_bid_id TEXT NOT NULL DEFAULT '';
ALTER TABLE contracts ADD COLUMN awarded_to TEXT NOT NULL DEFAULT '';
ALTER TABLE contracts ADD COLUMN awarded_to_name TEXT NOT NULL DEFAULT '';
ALTER TABLE contracts ADD COLUMN awarded_at TEXT NOT NULL DEFAULT '';
ALTER TABLE contracts ADD COLUMN created_at TEXT NOT NULL DEFAULT '';
ALTER TABLE contracts ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
UPDATE contracts SET
	authority_slug = COALESCE(json_extract(doc, '$.authority'), ''),
	title = COALESCE(json_extract(doc, '$.title'), ''),
	directorate = COALESCE(json_extract(doc, '$.directorate'), ''),
	value_pence = COALESCE(json_extract(doc, '$.valuePence'), 0),
	awarded_bid_id = COALESCE(json_extract(doc, '$.awardedBidId'), ''),
	awarded_to = COALESCE(json_extract(doc, '$.awardedTo'), ''),
	awarded_to_name = COALESCE(json_extract(doc, '$.awardedToName'), ''),
	awarded_at = COALESCE(json_extract(doc, '$.awardedAt'), ''),
	created_at = COALESCE(json_extract(doc, '$.createdAt'), ''),
	updated_at = COALESCE(json_extract(doc, '$.updatedAt'), '');
ALTER TABLE contracts DROP COLUMN doc;
ALTER TABLE bids ADD COLUMN contract_reference TEXT NOT NULL DEFAULT '';
ALTER TABLE bids ADD COLUMN organisation_name TEXT NOT NULL DEFAULT '';
ALTER TABLE bids ADD COLUMN submitted_at TEXT NOT NULL DEFAULT '';
ALTER TABLE bids ADD COLUMN created_at TEXT NOT NULL DEFAULT '';
ALTER TABLE bids ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
UPDATE bids SET
	contract_reference = COALESCE(json_extract(doc, '$.contractReference'), ''),
	organisation_name = COALESCE(json_extract(doc, '$.organisationName'), ''),
	submitted_at = COALESCE(json_extract(doc, '$.submittedAt'), ''),
	created_at = COALESCE(json_extract(doc, '$.createdAt'), ''),
	updated_at = COALESCE(json_extract(doc, '$.updatedAt'), '');
ALTER TABLE bids DROP COLUMN doc;
