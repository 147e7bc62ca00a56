-- Organisations' due-diligence details (#13), each in its own column; the
-- named contacts (a supplier's social value lead, a group's main contact)
-- are JSON of the store's own contact struct, '' (or 'null', as 0015 made
-- social_value_lead_json) when none. Message threads
-- on pledges and what each person has read of them.
ALTER TABLE organisations ADD COLUMN legal_name TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN charity_number TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN company_number TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN address_line1 TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN address_line2 TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN address_town TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN address_postcode TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN website TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN main_contact_json TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN share_contact INTEGER NOT NULL DEFAULT 0;
CREATE TABLE messages (id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, pledge_id TEXT NOT NULL, group_org_id TEXT NOT NULL, supplier_org_id TEXT NOT NULL,
	author_user_id TEXT NOT NULL, author_name TEXT NOT NULL, author_organisation TEXT NOT NULL, author_role TEXT NOT NULL, body TEXT NOT NULL,
	created_at TEXT NOT NULL, created_ns INTEGER NOT NULL, reported_by TEXT NOT NULL, report_reason TEXT NOT NULL, reported_at TEXT NOT NULL,
	resolved_by TEXT NOT NULL, resolved_at TEXT NOT NULL, open_report INTEGER NOT NULL, version INTEGER NOT NULL);
CREATE INDEX messages_thread ON messages(pledge_id, id);
CREATE INDEX messages_author ON messages(author_user_id, created_ns);
CREATE INDEX messages_group ON messages(group_org_id, id);
CREATE INDEX messages_supplier ON messages(supplier_org_id, id);
CREATE INDEX messages_reported ON messages(authority_id, open_report, id);
CREATE INDEX messages_authority ON messages(authority_id, id);
CREATE TABLE message_reads (user_id TEXT NOT NULL, pledge_id TEXT NOT NULL, up_to TEXT NOT NULL, PRIMARY KEY (user_id, pledge_id));
