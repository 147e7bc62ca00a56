-- Contracts and bids in the store's own columns instead of a document of the API's
-- JSON: each field of the document moves to its column (read from the
-- document here, once) in a new table that takes the old one's place (one
-- schema change per table, not one per column: each reparses the schema).
-- The old table's name passes to the new one as it is in the triggers that
-- read it (the SQLite way of changing a table: legacy rename, no rewrite).
PRAGMA legacy_alter_table = ON;
CREATE TABLE contracts_new (id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, reference TEXT NOT NULL, stage TEXT NOT NULL, version INTEGER NOT NULL, authority_slug TEXT NOT NULL, title TEXT NOT NULL, directorate TEXT NOT NULL, value_pence INTEGER NOT NULL, awarded_bid_id TEXT NOT NULL, awarded_to TEXT NOT NULL, awarded_to_name TEXT NOT NULL, awarded_at TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, UNIQUE (authority_id, reference));
INSERT INTO contracts_new (id, authority_id, reference, stage, version, authority_slug, title, directorate, value_pence, awarded_bid_id, awarded_to, awarded_to_name, awarded_at, created_at, updated_at) SELECT
	id,
	authority_id,
	reference,
	stage,
	version,
	COALESCE(json_extract(doc, '$.authority'), ''),
	COALESCE(json_extract(doc, '$.title'), ''),
	COALESCE(json_extract(doc, '$.directorate'), ''),
	COALESCE(json_extract(doc, '$.valuePence'), 0),
	COALESCE(json_extract(doc, '$.awardedBidId'), ''),
	COALESCE(json_extract(doc, '$.awardedTo'), ''),
	COALESCE(json_extract(doc, '$.awardedToName'), ''),
	COALESCE(json_extract(doc, '$.awardedAt'), ''),
	COALESCE(json_extract(doc, '$.createdAt'), ''),
	COALESCE(json_extract(doc, '$.updatedAt'), '')
FROM contracts;
DROP TABLE contracts;
ALTER TABLE contracts_new RENAME TO contracts;
CREATE INDEX contracts_list ON contracts(authority_id, stage, id);
CREATE TABLE bids_new (id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, contract_id TEXT NOT NULL, organisation_id TEXT NOT NULL, status TEXT NOT NULL, version INTEGER NOT NULL, contract_reference TEXT NOT NULL, organisation_name TEXT NOT NULL, submitted_at TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, UNIQUE (contract_id, organisation_id));
INSERT INTO bids_new (id, authority_id, contract_id, organisation_id, status, version, contract_reference, organisation_name, submitted_at, created_at, updated_at) SELECT
	id,
	authority_id,
	contract_id,
	organisation_id,
	status,
	version,
	COALESCE(json_extract(doc, '$.contractReference'), ''),
	COALESCE(json_extract(doc, '$.organisationName'), ''),
	COALESCE(json_extract(doc, '$.submittedAt'), ''),
	COALESCE(json_extract(doc, '$.createdAt'), ''),
	COALESCE(json_extract(doc, '$.updatedAt'), '')
FROM bids;
DROP TABLE bids;
ALTER TABLE bids_new RENAME TO bids;
CREATE INDEX bids_contract ON bids(contract_id, id);
PRAGMA legacy_alter_table = OFF;
