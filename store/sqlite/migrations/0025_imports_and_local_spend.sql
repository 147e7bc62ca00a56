-- Imports of live and older contracts, payments and local spend (#12).
-- A pledge's and a delivery's source: '' made here, 'import' brought in by
-- an officer's import of contracts. Imported deliveries not yet verified
-- are found by deliveries_source (the ledger's importedPence).
ALTER TABLE pledges ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN source TEXT NOT NULL DEFAULT '';
CREATE INDEX deliveries_source ON deliveries(authority_id, source, status, id);
-- A supplier's base (ward code or postcode district) and the council's
-- postcode districts (a JSON list of strings) for local spend.
ALTER TABLE organisations ADD COLUMN base_ward TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN base_postcode_district TEXT NOT NULL DEFAULT '';
ALTER TABLE authorities ADD COLUMN postcode_districts_json TEXT NOT NULL DEFAULT 'null';
-- The council's payments to suppliers; key is the row identity that makes
-- a second import of the same file write nothing. Dates are RFC 3339 text.
CREATE TABLE payments (id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, key TEXT NOT NULL, contract_id TEXT NOT NULL, contract_reference TEXT NOT NULL,
	supplier_id TEXT NOT NULL, supplier_name TEXT NOT NULL, base TEXT NOT NULL, amount_pence INTEGER NOT NULL, date TEXT NOT NULL, created_at TEXT NOT NULL,
	UNIQUE (authority_id, key));
CREATE INDEX payments_list ON payments(authority_id, date, id);
