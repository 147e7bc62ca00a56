-- The schema of the first release, as its Open ran it on every start.

CREATE TABLE IF NOT EXISTS authorities (id TEXT PRIMARY KEY, slug TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, email TEXT NOT NULL UNIQUE, version INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS refresh_tokens (id TEXT PRIMARY KEY, family TEXT NOT NULL, user_id TEXT NOT NULL, used INTEGER NOT NULL DEFAULT 0, revoked INTEGER NOT NULL DEFAULT 0, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS refresh_family ON refresh_tokens(family);
CREATE INDEX IF NOT EXISTS refresh_user ON refresh_tokens(user_id);
CREATE TABLE IF NOT EXISTS organisations (id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, status TEXT NOT NULL, kind TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS organisations_list ON organisations(authority_id, status, id);
CREATE TABLE IF NOT EXISTS requests (id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, organisation_id TEXT NOT NULL, status TEXT NOT NULL, area TEXT NOT NULL, kind TEXT NOT NULL, title TEXT NOT NULL, description TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS requests_status ON requests(authority_id, status, id);
CREATE INDEX IF NOT EXISTS requests_org ON requests(organisation_id, id);
CREATE INDEX IF NOT EXISTS requests_area ON requests(authority_id, area, status, id);
CREATE INDEX IF NOT EXISTS requests_area_kind ON requests(authority_id, area, kind, status, id);
CREATE INDEX IF NOT EXISTS requests_kind ON requests(authority_id, kind, status, id);
CREATE TABLE IF NOT EXISTS pledges (id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, request_id TEXT NOT NULL, organisation_id TEXT NOT NULL, request_org_id TEXT NOT NULL, status TEXT NOT NULL, value_pence INTEGER NOT NULL, approved_pence INTEGER NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL);
DROP INDEX IF EXISTS pledges_request;
CREATE INDEX IF NOT EXISTS pledges_request_sums ON pledges(request_id, status, value_pence, approved_pence);
CREATE INDEX IF NOT EXISTS pledges_org ON pledges(organisation_id, id);
CREATE INDEX IF NOT EXISTS pledges_reqorg ON pledges(request_org_id, id);
CREATE INDEX IF NOT EXISTS pledges_authority ON pledges(authority_id, status, id);
CREATE TABLE IF NOT EXISTS allocations (id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency (user_id TEXT NOT NULL, key TEXT NOT NULL, created_at INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (user_id, key));
CREATE TABLE IF NOT EXISTS audit (authority_id TEXT NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL UNIQUE, object TEXT NOT NULL, at INTEGER NOT NULL, hash TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (authority_id, seq));
CREATE INDEX IF NOT EXISTS audit_object ON audit(authority_id, object, seq);

CREATE TABLE IF NOT EXISTS catalogues (id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL, UNIQUE (authority_id, version));
CREATE TABLE IF NOT EXISTS contracts (id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, reference TEXT NOT NULL, stage TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL, UNIQUE (authority_id, reference));
CREATE INDEX IF NOT EXISTS contracts_list ON contracts(authority_id, stage, id);
CREATE TABLE IF NOT EXISTS bids (id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, contract_id TEXT NOT NULL, organisation_id TEXT NOT NULL, status TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL, UNIQUE (contract_id, organisation_id));
CREATE INDEX IF NOT EXISTS bids_contract ON bids(contract_id, id);
CREATE TABLE IF NOT EXISTS evidence (id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, organisation_id TEXT NOT NULL, sha256 TEXT NOT NULL, delivery_id TEXT NOT NULL DEFAULT '', doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS evidence_use (authority_id TEXT NOT NULL, sha256 TEXT NOT NULL, delivery_id TEXT NOT NULL, PRIMARY KEY (authority_id, sha256));
CREATE INDEX IF NOT EXISTS evidence_use_delivery ON evidence_use(delivery_id);
CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, pledge_id TEXT NOT NULL, supplier_id TEXT NOT NULL, request_org_id TEXT NOT NULL,
	contract_id TEXT NOT NULL, area TEXT NOT NULL, theme TEXT NOT NULL, month TEXT NOT NULL, measure_code TEXT NOT NULL, status TEXT NOT NULL,
	lstage INTEGER NOT NULL, quantity INTEGER NOT NULL, value_pence INTEGER NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS deliveries_pledge ON deliveries(pledge_id, id);
CREATE INDEX IF NOT EXISTS deliveries_list ON deliveries(authority_id, id);
CREATE INDEX IF NOT EXISTS deliveries_supplier ON deliveries(supplier_id, id);
CREATE INDEX IF NOT EXISTS deliveries_group ON deliveries(request_org_id, id);
CREATE INDEX IF NOT EXISTS deliveries_sum_a ON deliveries(authority_id, contract_id, supplier_id, theme, measure_code, lstage, quantity, value_pence);
CREATE INDEX IF NOT EXISTS deliveries_sum_b ON deliveries(authority_id, area, month, measure_code, lstage, quantity, value_pence);
DROP TRIGGER IF EXISTS pledge_facts_insert;
DROP TRIGGER IF EXISTS pledge_facts_update;
DROP TRIGGER IF EXISTS pledge_facts_delete;
DROP TABLE IF EXISTS pledge_facts;
DROP INDEX IF EXISTS deliveries_month;
CREATE INDEX IF NOT EXISTS deliveries_roll_month ON deliveries(authority_id, month, measure_code, lstage, contract_id, quantity, value_pence);
CREATE TABLE IF NOT EXISTS pledge_ledger (pledge_id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, contract_id TEXT NOT NULL, supplier_id TEXT NOT NULL, request_org_id TEXT NOT NULL,
	area TEXT NOT NULL, theme TEXT NOT NULL, month TEXT NOT NULL, measure_code TEXT NOT NULL, status TEXT NOT NULL, due INTEGER NOT NULL,
	pledged_qty INTEGER NOT NULL, pledged_pence INTEGER NOT NULL, approved_qty INTEGER NOT NULL, approved_pence INTEGER NOT NULL,
	delivered_qty INTEGER NOT NULL, delivered_pence INTEGER NOT NULL, confirmed_qty INTEGER NOT NULL, confirmed_pence INTEGER NOT NULL,
	verified_qty INTEGER NOT NULL, verified_pence INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS pledge_ledger_sum_a ON pledge_ledger(authority_id, contract_id, supplier_id, theme, measure_code, pledged_qty, pledged_pence, approved_qty, approved_pence, delivered_qty, delivered_pence, confirmed_qty, confirmed_pence, verified_qty, verified_pence);
DROP INDEX IF EXISTS pledge_ledger_sum_ward;
DROP INDEX IF EXISTS pledge_ledger_sum_month;
CREATE INDEX IF NOT EXISTS pledge_ledger_roll_ward ON pledge_ledger(authority_id, area, measure_code, contract_id, pledged_qty, pledged_pence, approved_qty, approved_pence, delivered_qty, delivered_pence, confirmed_qty, confirmed_pence, verified_qty, verified_pence);
CREATE INDEX IF NOT EXISTS pledge_ledger_roll_month ON pledge_ledger(authority_id, month, measure_code, contract_id, pledged_qty, pledged_pence, approved_qty, approved_pence);
CREATE INDEX IF NOT EXISTS pledge_ledger_due ON pledge_ledger(status, due);
CREATE INDEX IF NOT EXISTS pledge_ledger_overdue ON pledge_ledger(authority_id, status, due);
CREATE INDEX IF NOT EXISTS pledge_ledger_list ON pledge_ledger(authority_id, pledge_id);
DROP TRIGGER IF EXISTS pledge_ledger_insert;
DROP TRIGGER IF EXISTS pledge_ledger_update;
DROP TRIGGER IF EXISTS pledge_ledger_delivery_insert;
DROP TRIGGER IF EXISTS pledge_ledger_delivery_update;
CREATE TRIGGER IF NOT EXISTS pledge_ledger_upsert_insert AFTER INSERT ON pledges BEGIN
	INSERT INTO pledge_ledger (pledge_id, authority_id, contract_id, supplier_id, request_org_id, area, theme, month, measure_code, status, due, pledged_qty, pledged_pence, approved_qty, approved_pence,
	delivered_qty, delivered_pence, confirmed_qty, confirmed_pence, verified_qty, verified_pence) SELECT NEW.id, NEW.authority_id, COALESCE(json_extract(NEW.doc, '$.contractId'), ''), NEW.organisation_id, NEW.request_org_id,
		COALESCE(NULLIF(json_extract(NEW.doc, '$.area'), ''), (SELECT area FROM requests WHERE id = NEW.request_id), ''),
		COALESCE(json_extract(NEW.doc, '$.theme'), ''), substr(json_extract(NEW.doc, '$.createdAt'), 1, 7), COALESCE(json_extract(NEW.doc, '$.measureCode'), ''), NEW.status,
		COALESCE(unixepoch(json_extract(NEW.doc, '$.dueDate')), 0),
		CASE WHEN NEW.status IN ('withdrawn', 'declined') THEN 0 ELSE json_extract(NEW.doc, '$.quantity') END,
		CASE WHEN NEW.status IN ('withdrawn', 'declined') THEN 0 ELSE NEW.value_pence END,
		CASE WHEN NEW.value_pence > 0 THEN json_extract(NEW.doc, '$.quantity') * NEW.approved_pence / NEW.value_pence ELSE 0 END,
		NEW.approved_pence, (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage > 0), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage > 0), (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage IN (2, 4)), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage IN (2, 4)), (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage >= 3), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage >= 3) WHERE true ON CONFLICT (pledge_id) DO UPDATE SET authority_id = excluded.authority_id, contract_id = excluded.contract_id, supplier_id = excluded.supplier_id, request_org_id = excluded.request_org_id, area = excluded.area, theme = excluded.theme, month = excluded.month, measure_code = excluded.measure_code, status = excluded.status, due = excluded.due, pledged_qty = excluded.pledged_qty, pledged_pence = excluded.pledged_pence, approved_qty = excluded.approved_qty, approved_pence = excluded.approved_pence, delivered_qty = excluded.delivered_qty, delivered_pence = excluded.delivered_pence, confirmed_qty = excluded.confirmed_qty, confirmed_pence = excluded.confirmed_pence, verified_qty = excluded.verified_qty, verified_pence = excluded.verified_pence;
END;
CREATE TRIGGER IF NOT EXISTS pledge_ledger_upsert_update AFTER UPDATE ON pledges BEGIN
	INSERT INTO pledge_ledger (pledge_id, authority_id, contract_id, supplier_id, request_org_id, area, theme, month, measure_code, status, due, pledged_qty, pledged_pence, approved_qty, approved_pence,
	delivered_qty, delivered_pence, confirmed_qty, confirmed_pence, verified_qty, verified_pence) SELECT NEW.id, NEW.authority_id, COALESCE(json_extract(NEW.doc, '$.contractId'), ''), NEW.organisation_id, NEW.request_org_id,
		COALESCE(NULLIF(json_extract(NEW.doc, '$.area'), ''), (SELECT area FROM requests WHERE id = NEW.request_id), ''),
		COALESCE(json_extract(NEW.doc, '$.theme'), ''), substr(json_extract(NEW.doc, '$.createdAt'), 1, 7), COALESCE(json_extract(NEW.doc, '$.measureCode'), ''), NEW.status,
		COALESCE(unixepoch(json_extract(NEW.doc, '$.dueDate')), 0),
		CASE WHEN NEW.status IN ('withdrawn', 'declined') THEN 0 ELSE json_extract(NEW.doc, '$.quantity') END,
		CASE WHEN NEW.status IN ('withdrawn', 'declined') THEN 0 ELSE NEW.value_pence END,
		CASE WHEN NEW.value_pence > 0 THEN json_extract(NEW.doc, '$.quantity') * NEW.approved_pence / NEW.value_pence ELSE 0 END,
		NEW.approved_pence, (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage > 0), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage > 0), (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage IN (2, 4)), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage IN (2, 4)), (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage >= 3), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage >= 3) WHERE true ON CONFLICT (pledge_id) DO UPDATE SET authority_id = excluded.authority_id, contract_id = excluded.contract_id, supplier_id = excluded.supplier_id, request_org_id = excluded.request_org_id, area = excluded.area, theme = excluded.theme, month = excluded.month, measure_code = excluded.measure_code, status = excluded.status, due = excluded.due, pledged_qty = excluded.pledged_qty, pledged_pence = excluded.pledged_pence, approved_qty = excluded.approved_qty, approved_pence = excluded.approved_pence, delivered_qty = excluded.delivered_qty, delivered_pence = excluded.delivered_pence, confirmed_qty = excluded.confirmed_qty, confirmed_pence = excluded.confirmed_pence, verified_qty = excluded.verified_qty, verified_pence = excluded.verified_pence;
END;
CREATE TRIGGER IF NOT EXISTS pledge_ledger_delete AFTER DELETE ON pledges BEGIN
	DELETE FROM pledge_ledger WHERE pledge_id = OLD.id;
END;
CREATE TRIGGER IF NOT EXISTS pledge_ledger_upsert_delivery_insert AFTER INSERT ON deliveries BEGIN
	INSERT INTO pledge_ledger (pledge_id, authority_id, contract_id, supplier_id, request_org_id, area, theme, month, measure_code, status, due, pledged_qty, pledged_pence, approved_qty, approved_pence,
	delivered_qty, delivered_pence, confirmed_qty, confirmed_pence, verified_qty, verified_pence) SELECT p.id, p.authority_id, COALESCE(json_extract(p.doc, '$.contractId'), ''), p.organisation_id, p.request_org_id,
		COALESCE(NULLIF(json_extract(p.doc, '$.area'), ''), (SELECT area FROM requests WHERE id = p.request_id), ''),
		COALESCE(json_extract(p.doc, '$.theme'), ''), substr(json_extract(p.doc, '$.createdAt'), 1, 7), COALESCE(json_extract(p.doc, '$.measureCode'), ''), p.status,
		COALESCE(unixepoch(json_extract(p.doc, '$.dueDate')), 0),
		CASE WHEN p.status IN ('withdrawn', 'declined') THEN 0 ELSE json_extract(p.doc, '$.quantity') END,
		CASE WHEN p.status IN ('withdrawn', 'declined') THEN 0 ELSE p.value_pence END,
		CASE WHEN p.value_pence > 0 THEN json_extract(p.doc, '$.quantity') * p.approved_pence / p.value_pence ELSE 0 END,
		p.approved_pence, (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = p.id AND lstage > 0), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = p.id AND lstage > 0), (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = p.id AND lstage IN (2, 4)), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = p.id AND lstage IN (2, 4)), (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = p.id AND lstage >= 3), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = p.id AND lstage >= 3) FROM pledges p WHERE p.id = NEW.pledge_id ON CONFLICT (pledge_id) DO UPDATE SET authority_id = excluded.authority_id, contract_id = excluded.contract_id, supplier_id = excluded.supplier_id, request_org_id = excluded.request_org_id, area = excluded.area, theme = excluded.theme, month = excluded.month, measure_code = excluded.measure_code, status = excluded.status, due = excluded.due, pledged_qty = excluded.pledged_qty, pledged_pence = excluded.pledged_pence, approved_qty = excluded.approved_qty, approved_pence = excluded.approved_pence, delivered_qty = excluded.delivered_qty, delivered_pence = excluded.delivered_pence, confirmed_qty = excluded.confirmed_qty, confirmed_pence = excluded.confirmed_pence, verified_qty = excluded.verified_qty, verified_pence = excluded.verified_pence;
END;
CREATE TRIGGER IF NOT EXISTS pledge_ledger_upsert_delivery_update AFTER UPDATE ON deliveries BEGIN
	INSERT INTO pledge_ledger (pledge_id, authority_id, contract_id, supplier_id, request_org_id, area, theme, month, measure_code, status, due, pledged_qty, pledged_pence, approved_qty, approved_pence,
	delivered_qty, delivered_pence, confirmed_qty, confirmed_pence, verified_qty, verified_pence) SELECT p.id, p.authority_id, COALESCE(json_extract(p.doc, '$.contractId'), ''), p.organisation_id, p.request_org_id,
		COALESCE(NULLIF(json_extract(p.doc, '$.area'), ''), (SELECT area FROM requests WHERE id = p.request_id), ''),
		COALESCE(json_extract(p.doc, '$.theme'), ''), substr(json_extract(p.doc, '$.createdAt'), 1, 7), COALESCE(json_extract(p.doc, '$.measureCode'), ''), p.status,
		COALESCE(unixepoch(json_extract(p.doc, '$.dueDate')), 0),
		CASE WHEN p.status IN ('withdrawn', 'declined') THEN 0 ELSE json_extract(p.doc, '$.quantity') END,
		CASE WHEN p.status IN ('withdrawn', 'declined') THEN 0 ELSE p.value_pence END,
		CASE WHEN p.value_pence > 0 THEN json_extract(p.doc, '$.quantity') * p.approved_pence / p.value_pence ELSE 0 END,
		p.approved_pence, (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = p.id AND lstage > 0), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = p.id AND lstage > 0), (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = p.id AND lstage IN (2, 4)), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = p.id AND lstage IN (2, 4)), (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = p.id AND lstage >= 3), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = p.id AND lstage >= 3) FROM pledges p WHERE p.id = NEW.pledge_id ON CONFLICT (pledge_id) DO UPDATE SET authority_id = excluded.authority_id, contract_id = excluded.contract_id, supplier_id = excluded.supplier_id, request_org_id = excluded.request_org_id, area = excluded.area, theme = excluded.theme, month = excluded.month, measure_code = excluded.measure_code, status = excluded.status, due = excluded.due, pledged_qty = excluded.pledged_qty, pledged_pence = excluded.pledged_pence, approved_qty = excluded.approved_qty, approved_pence = excluded.approved_pence, delivered_qty = excluded.delivered_qty, delivered_pence = excluded.delivered_pence, confirmed_qty = excluded.confirmed_qty, confirmed_pence = excluded.confirmed_pence, verified_qty = excluded.verified_qty, verified_pence = excluded.verified_pence;
END;
CREATE TABLE IF NOT EXISTS ledger_roll_a (authority_id TEXT NOT NULL, contract_id TEXT NOT NULL, supplier_id TEXT NOT NULL, theme TEXT NOT NULL, measure_code TEXT NOT NULL, pledged_qty INTEGER NOT NULL, pledged_pence INTEGER NOT NULL, approved_qty INTEGER NOT NULL, approved_pence INTEGER NOT NULL, delivered_qty INTEGER NOT NULL, delivered_pence INTEGER NOT NULL, confirmed_qty INTEGER NOT NULL, confirmed_pence INTEGER NOT NULL, verified_qty INTEGER NOT NULL, verified_pence INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (authority_id, contract_id, supplier_id, theme, measure_code)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ledger_roll_a_dirty (authority_id TEXT NOT NULL, contract_id TEXT NOT NULL, supplier_id TEXT NOT NULL, theme TEXT NOT NULL, measure_code TEXT NOT NULL, PRIMARY KEY (authority_id, contract_id, supplier_id, theme, measure_code)) WITHOUT ROWID;
INSERT INTO ledger_roll_a (authority_id, contract_id, supplier_id, theme, measure_code, n, pledged_qty, pledged_pence, approved_qty, approved_pence, delivered_qty, delivered_pence, confirmed_qty, confirmed_pence, verified_qty, verified_pence) SELECT authority_id, contract_id, supplier_id, theme, measure_code, count(*), COALESCE(SUM(pledged_qty), 0), COALESCE(SUM(pledged_pence), 0), COALESCE(SUM(approved_qty), 0), COALESCE(SUM(approved_pence), 0), COALESCE(SUM(delivered_qty), 0), COALESCE(SUM(delivered_pence), 0), COALESCE(SUM(confirmed_qty), 0), COALESCE(SUM(confirmed_pence), 0), COALESCE(SUM(verified_qty), 0), COALESCE(SUM(verified_pence), 0) FROM pledge_ledger WHERE NOT EXISTS (SELECT 1 FROM ledger_roll_a) GROUP BY authority_id, contract_id, supplier_id, theme, measure_code;
CREATE TRIGGER IF NOT EXISTS ledger_roll_a_mark_insert AFTER INSERT ON pledge_ledger BEGIN INSERT INTO ledger_roll_a_dirty (authority_id, contract_id, supplier_id, theme, measure_code) VALUES (NEW.authority_id, NEW.contract_id, NEW.supplier_id, NEW.theme, NEW.measure_code) ON CONFLICT DO NOTHING; END;
CREATE TRIGGER IF NOT EXISTS ledger_roll_a_mark_update AFTER UPDATE ON pledge_ledger BEGIN INSERT INTO ledger_roll_a_dirty (authority_id, contract_id, supplier_id, theme, measure_code) VALUES (NEW.authority_id, NEW.contract_id, NEW.supplier_id, NEW.theme, NEW.measure_code) ON CONFLICT DO NOTHING; END;
CREATE TRIGGER IF NOT EXISTS ledger_roll_a_mark_rekey AFTER UPDATE ON pledge_ledger WHEN OLD.authority_id IS NOT NEW.authority_id OR OLD.contract_id IS NOT NEW.contract_id OR OLD.supplier_id IS NOT NEW.supplier_id OR OLD.theme IS NOT NEW.theme OR OLD.measure_code IS NOT NEW.measure_code BEGIN INSERT INTO ledger_roll_a_dirty (authority_id, contract_id, supplier_id, theme, measure_code) VALUES (OLD.authority_id, OLD.contract_id, OLD.supplier_id, OLD.theme, OLD.measure_code) ON CONFLICT DO NOTHING; END;
CREATE TRIGGER IF NOT EXISTS ledger_roll_a_mark_delete AFTER DELETE ON pledge_ledger BEGIN INSERT INTO ledger_roll_a_dirty (authority_id, contract_id, supplier_id, theme, measure_code) VALUES (OLD.authority_id, OLD.contract_id, OLD.supplier_id, OLD.theme, OLD.measure_code) ON CONFLICT DO NOTHING; END;
CREATE INDEX IF NOT EXISTS ledger_roll_a_contract ON ledger_roll_a (authority_id, contract_id, measure_code, supplier_id, theme, n, pledged_qty, pledged_pence, approved_qty, approved_pence, delivered_qty, delivered_pence, confirmed_qty, confirmed_pence, verified_qty, verified_pence);
CREATE INDEX IF NOT EXISTS ledger_roll_a_supplier ON ledger_roll_a (authority_id, supplier_id, measure_code, contract_id, theme, n, pledged_qty, pledged_pence, approved_qty, approved_pence, delivered_qty, delivered_pence, confirmed_qty, confirmed_pence, verified_qty, verified_pence);
CREATE INDEX IF NOT EXISTS ledger_roll_a_theme ON ledger_roll_a (authority_id, theme, measure_code, contract_id, supplier_id, n, pledged_qty, pledged_pence, approved_qty, approved_pence, delivered_qty, delivered_pence, confirmed_qty, confirmed_pence, verified_qty, verified_pence);
CREATE TABLE IF NOT EXISTS ledger_roll_ward (authority_id TEXT NOT NULL, area TEXT NOT NULL, measure_code TEXT NOT NULL, contract_id TEXT NOT NULL, pledged_qty INTEGER NOT NULL, pledged_pence INTEGER NOT NULL, approved_qty INTEGER NOT NULL, approved_pence INTEGER NOT NULL, delivered_qty INTEGER NOT NULL, delivered_pence INTEGER NOT NULL, confirmed_qty INTEGER NOT NULL, confirmed_pence INTEGER NOT NULL, verified_qty INTEGER NOT NULL, verified_pence INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (authority_id, area, measure_code, contract_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ledger_roll_ward_dirty (authority_id TEXT NOT NULL, area TEXT NOT NULL, measure_code TEXT NOT NULL, contract_id TEXT NOT NULL, PRIMARY KEY (authority_id, area, measure_code, contract_id)) WITHOUT ROWID;
INSERT INTO ledger_roll_ward (authority_id, area, measure_code, contract_id, n, pledged_qty, pledged_pence, approved_qty, approved_pence, delivered_qty, delivered_pence, confirmed_qty, confirmed_pence, verified_qty, verified_pence) SELECT authority_id, area, measure_code, contract_id, count(*), COALESCE(SUM(pledged_qty), 0), COALESCE(SUM(pledged_pence), 0), COALESCE(SUM(approved_qty), 0), COALESCE(SUM(approved_pence), 0), COALESCE(SUM(delivered_qty), 0), COALESCE(SUM(delivered_pence), 0), COALESCE(SUM(confirmed_qty), 0), COALESCE(SUM(confirmed_pence), 0), COALESCE(SUM(verified_qty), 0), COALESCE(SUM(verified_pence), 0) FROM pledge_ledger WHERE NOT EXISTS (SELECT 1 FROM ledger_roll_ward) GROUP BY authority_id, area, measure_code, contract_id;
CREATE TRIGGER IF NOT EXISTS ledger_roll_ward_mark_insert AFTER INSERT ON pledge_ledger BEGIN INSERT INTO ledger_roll_ward_dirty (authority_id, area, measure_code, contract_id) VALUES (NEW.authority_id, NEW.area, NEW.measure_code, NEW.contract_id) ON CONFLICT DO NOTHING; END;
CREATE TRIGGER IF NOT EXISTS ledger_roll_ward_mark_update AFTER UPDATE ON pledge_ledger BEGIN INSERT INTO ledger_roll_ward_dirty (authority_id, area, measure_code, contract_id) VALUES (NEW.authority_id, NEW.area, NEW.measure_code, NEW.contract_id) ON CONFLICT DO NOTHING; END;
CREATE TRIGGER IF NOT EXISTS ledger_roll_ward_mark_rekey AFTER UPDATE ON pledge_ledger WHEN OLD.authority_id IS NOT NEW.authority_id OR OLD.area IS NOT NEW.area OR OLD.measure_code IS NOT NEW.measure_code OR OLD.contract_id IS NOT NEW.contract_id BEGIN INSERT INTO ledger_roll_ward_dirty (authority_id, area, measure_code, contract_id) VALUES (OLD.authority_id, OLD.area, OLD.measure_code, OLD.contract_id) ON CONFLICT DO NOTHING; END;
CREATE TRIGGER IF NOT EXISTS ledger_roll_ward_mark_delete AFTER DELETE ON pledge_ledger BEGIN INSERT INTO ledger_roll_ward_dirty (authority_id, area, measure_code, contract_id) VALUES (OLD.authority_id, OLD.area, OLD.measure_code, OLD.contract_id) ON CONFLICT DO NOTHING; END;
CREATE TABLE IF NOT EXISTS ledger_roll_month (authority_id TEXT NOT NULL, month TEXT NOT NULL, measure_code TEXT NOT NULL, contract_id TEXT NOT NULL, pledged_qty INTEGER NOT NULL, pledged_pence INTEGER NOT NULL, approved_qty INTEGER NOT NULL, approved_pence INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (authority_id, month, measure_code, contract_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ledger_roll_month_dirty (authority_id TEXT NOT NULL, month TEXT NOT NULL, measure_code TEXT NOT NULL, contract_id TEXT NOT NULL, PRIMARY KEY (authority_id, month, measure_code, contract_id)) WITHOUT ROWID;
INSERT INTO ledger_roll_month (authority_id, month, measure_code, contract_id, n, pledged_qty, pledged_pence, approved_qty, approved_pence) SELECT authority_id, month, measure_code, contract_id, count(*), COALESCE(SUM(pledged_qty), 0), COALESCE(SUM(pledged_pence), 0), COALESCE(SUM(approved_qty), 0), COALESCE(SUM(approved_pence), 0) FROM pledge_ledger WHERE NOT EXISTS (SELECT 1 FROM ledger_roll_month) GROUP BY authority_id, month, measure_code, contract_id;
CREATE TRIGGER IF NOT EXISTS ledger_roll_month_mark_insert AFTER INSERT ON pledge_ledger BEGIN INSERT INTO ledger_roll_month_dirty (authority_id, month, measure_code, contract_id) VALUES (NEW.authority_id, NEW.month, NEW.measure_code, NEW.contract_id) ON CONFLICT DO NOTHING; END;
CREATE TRIGGER IF NOT EXISTS ledger_roll_month_mark_update AFTER UPDATE ON pledge_ledger BEGIN INSERT INTO ledger_roll_month_dirty (authority_id, month, measure_code, contract_id) VALUES (NEW.authority_id, NEW.month, NEW.measure_code, NEW.contract_id) ON CONFLICT DO NOTHING; END;
CREATE TRIGGER IF NOT EXISTS ledger_roll_month_mark_rekey AFTER UPDATE ON pledge_ledger WHEN OLD.authority_id IS NOT NEW.authority_id OR OLD.month IS NOT NEW.month OR OLD.measure_code IS NOT NEW.measure_code OR OLD.contract_id IS NOT NEW.contract_id BEGIN INSERT INTO ledger_roll_month_dirty (authority_id, month, measure_code, contract_id) VALUES (OLD.authority_id, OLD.month, OLD.measure_code, OLD.contract_id) ON CONFLICT DO NOTHING; END;
CREATE TRIGGER IF NOT EXISTS ledger_roll_month_mark_delete AFTER DELETE ON pledge_ledger BEGIN INSERT INTO ledger_roll_month_dirty (authority_id, month, measure_code, contract_id) VALUES (OLD.authority_id, OLD.month, OLD.measure_code, OLD.contract_id) ON CONFLICT DO NOTHING; END;
CREATE TABLE IF NOT EXISTS ledger_roll_delivered (authority_id TEXT NOT NULL, month TEXT NOT NULL, measure_code TEXT NOT NULL, lstage INTEGER NOT NULL, quantity INTEGER NOT NULL, value_pence INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (authority_id, month, measure_code, lstage)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ledger_roll_delivered_dirty (authority_id TEXT NOT NULL, month TEXT NOT NULL, measure_code TEXT NOT NULL, lstage INTEGER NOT NULL, PRIMARY KEY (authority_id, month, measure_code, lstage)) WITHOUT ROWID;
INSERT INTO ledger_roll_delivered (authority_id, month, measure_code, lstage, n, quantity, value_pence) SELECT authority_id, month, measure_code, lstage, count(*), COALESCE(SUM(quantity), 0), COALESCE(SUM(value_pence), 0) FROM deliveries WHERE NOT EXISTS (SELECT 1 FROM ledger_roll_delivered) GROUP BY authority_id, month, measure_code, lstage;
CREATE TRIGGER IF NOT EXISTS ledger_roll_delivered_mark_insert AFTER INSERT ON deliveries BEGIN INSERT INTO ledger_roll_delivered_dirty (authority_id, month, measure_code, lstage) VALUES (NEW.authority_id, NEW.month, NEW.measure_code, NEW.lstage) ON CONFLICT DO NOTHING; END;
CREATE TRIGGER IF NOT EXISTS ledger_roll_delivered_mark_update AFTER UPDATE ON deliveries BEGIN INSERT INTO ledger_roll_delivered_dirty (authority_id, month, measure_code, lstage) VALUES (NEW.authority_id, NEW.month, NEW.measure_code, NEW.lstage) ON CONFLICT DO NOTHING; END;
CREATE TRIGGER IF NOT EXISTS ledger_roll_delivered_mark_rekey AFTER UPDATE ON deliveries WHEN OLD.authority_id IS NOT NEW.authority_id OR OLD.month IS NOT NEW.month OR OLD.measure_code IS NOT NEW.measure_code OR OLD.lstage IS NOT NEW.lstage BEGIN INSERT INTO ledger_roll_delivered_dirty (authority_id, month, measure_code, lstage) VALUES (OLD.authority_id, OLD.month, OLD.measure_code, OLD.lstage) ON CONFLICT DO NOTHING; END;
CREATE TRIGGER IF NOT EXISTS ledger_roll_delivered_mark_delete AFTER DELETE ON deliveries BEGIN INSERT INTO ledger_roll_delivered_dirty (authority_id, month, measure_code, lstage) VALUES (OLD.authority_id, OLD.month, OLD.measure_code, OLD.lstage) ON CONFLICT DO NOTHING; END;

INSERT INTO pledge_ledger (pledge_id, authority_id, contract_id, supplier_id, request_org_id, area, theme, month, measure_code, status, due, pledged_qty, pledged_pence, approved_qty, approved_pence,
	delivered_qty, delivered_pence, confirmed_qty, confirmed_pence, verified_qty, verified_pence) SELECT p.id, p.authority_id, COALESCE(json_extract(p.doc, '$.contractId'), ''), p.organisation_id, p.request_org_id,
		COALESCE(NULLIF(json_extract(p.doc, '$.area'), ''), (SELECT area FROM requests WHERE id = p.request_id), ''),
		COALESCE(json_extract(p.doc, '$.theme'), ''), substr(json_extract(p.doc, '$.createdAt'), 1, 7), COALESCE(json_extract(p.doc, '$.measureCode'), ''), p.status,
		COALESCE(unixepoch(json_extract(p.doc, '$.dueDate')), 0),
		CASE WHEN p.status IN ('withdrawn', 'declined') THEN 0 ELSE json_extract(p.doc, '$.quantity') END,
		CASE WHEN p.status IN ('withdrawn', 'declined') THEN 0 ELSE p.value_pence END,
		CASE WHEN p.value_pence > 0 THEN json_extract(p.doc, '$.quantity') * p.approved_pence / p.value_pence ELSE 0 END,
		p.approved_pence, (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = p.id AND lstage > 0), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = p.id AND lstage > 0), (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = p.id AND lstage IN (2, 4)), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = p.id AND lstage IN (2, 4)), (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = p.id AND lstage >= 3), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = p.id AND lstage >= 3) FROM pledges p WHERE NOT EXISTS (SELECT 1 FROM pledge_ledger f WHERE f.pledge_id = p.id);
