-- Procurement (#11): a contract's directorate, key dates, social value
-- priorities, contract manager, brief and the engagement steps done; an
-- authority's directorates and versions of its engagement tiers; and the
-- clarification questions of contracts; a supplier's social value lead. The stage names of the first
-- release (pre_market, tender, awarded, live, closed) keep their meaning,
-- so no row changes: an existing contract has no dates, priorities, brief or
-- steps, and its directorate stays the free text it was.
ALTER TABLE contracts ADD COLUMN directorate_id TEXT NOT NULL DEFAULT '';
ALTER TABLE contracts ADD COLUMN pre_market_date TEXT NOT NULL DEFAULT '';
ALTER TABLE contracts ADD COLUMN tender_opens TEXT NOT NULL DEFAULT '';
ALTER TABLE contracts ADD COLUMN tender_closes TEXT NOT NULL DEFAULT '';
ALTER TABLE contracts ADD COLUMN award_date TEXT NOT NULL DEFAULT '';
ALTER TABLE contracts ADD COLUMN start_date TEXT NOT NULL DEFAULT '';
ALTER TABLE contracts ADD COLUMN end_date TEXT NOT NULL DEFAULT '';
ALTER TABLE contracts ADD COLUMN priorities_json TEXT NOT NULL DEFAULT '{}';
ALTER TABLE contracts ADD COLUMN contract_manager_id TEXT NOT NULL DEFAULT '';
ALTER TABLE contracts ADD COLUMN contract_manager_name TEXT NOT NULL DEFAULT '';
ALTER TABLE contracts ADD COLUMN brief TEXT NOT NULL DEFAULT '';
ALTER TABLE contracts ADD COLUMN steps_json TEXT NOT NULL DEFAULT 'null';
CREATE INDEX contracts_directorate ON contracts(authority_id, directorate_id, id);
ALTER TABLE organisations ADD COLUMN social_value_lead_json TEXT NOT NULL DEFAULT 'null';
ALTER TABLE authorities ADD COLUMN tiers_json TEXT NOT NULL DEFAULT 'null';
ALTER TABLE authorities ADD COLUMN directorates_json TEXT NOT NULL DEFAULT 'null';
CREATE TABLE questions (id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, contract_id TEXT NOT NULL, text TEXT NOT NULL, status TEXT NOT NULL,
	asked_by TEXT NOT NULL, organisation_id TEXT NOT NULL, organisation_name TEXT NOT NULL, asked_at TEXT NOT NULL, answers_json TEXT NOT NULL,
	published_at TEXT NOT NULL, version INTEGER NOT NULL);
CREATE INDEX questions_contract ON questions(contract_id, id);
CREATE INDEX questions_status ON questions(authority_id, status, id);
