-- KPIs, ratings, remedy plans and periodic returns (#12): a contract's
-- KPIs (recorded before award), their ratings by financial year (never
-- edited: a correction is a new rating) and its quarterly reporting; an
-- existing contract has none. Remedy plans and returns are their own
-- tables; one return per contract and quarter.
ALTER TABLE contracts ADD COLUMN kpis_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE contracts ADD COLUMN kpi_ratings_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE contracts ADD COLUMN reporting_json TEXT NOT NULL DEFAULT 'null';
CREATE TABLE remedies (id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, contract_id TEXT NOT NULL, organisation_id TEXT NOT NULL,
	plan_json TEXT NOT NULL, status TEXT NOT NULL, version INTEGER NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX remedies_contract ON remedies(authority_id, contract_id, id);
CREATE INDEX remedies_supplier ON remedies(authority_id, organisation_id, id);
CREATE TABLE returns (id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, contract_id TEXT NOT NULL, organisation_id TEXT NOT NULL,
	fy INTEGER NOT NULL, quarter INTEGER NOT NULL, return_json TEXT NOT NULL, version INTEGER NOT NULL, submitted_at TEXT NOT NULL);
CREATE UNIQUE INDEX returns_quarter ON returns(contract_id, fy, quarter);
CREATE INDEX returns_contract ON returns(authority_id, contract_id, id);
CREATE INDEX returns_supplier ON returns(authority_id, organisation_id, id);
