-- Pledges and evidence records in the store's own columns instead of a
-- document of the API's JSON: each field of the document moves to its column
-- (read from the document here, once), the document goes, and the ledger's
-- triggers read the columns.
DROP TRIGGER pledge_ledger_upsert_insert;
DROP TRIGGER pledge_ledger_upsert_update;
DROP TRIGGER pledge_ledger_upsert_delivery_insert;
DROP TRIGGER pledge_ledger_upsert_delivery_update;
ALTER TABLE pledges ADD COLUMN authority_slug TEXT NOT NULL DEFAULT '';
ALTER TABLE pledges ADD COLUMN request_title TEXT NOT NULL DEFAULT '';
ALTER TABLE pledges ADD COLUMN organisation_name TEXT NOT NULL DEFAULT '';
ALTER TABLE pledges ADD COLUMN offer TEXT NOT NULL DEFAULT '';
ALTER TABLE pledges ADD COLUMN quantity INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pledges ADD COLUMN unit TEXT NOT NULL DEFAULT '';
ALTER TABLE pledges ADD COLUMN allow_partial INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pledges ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE pledges ADD COLUMN decided_by TEXT NOT NULL DEFAULT '';
ALTER TABLE pledges ADD COLUMN area TEXT NOT NULL DEFAULT '';
ALTER TABLE pledges ADD COLUMN contract_id TEXT NOT NULL DEFAULT '';
ALTER TABLE pledges ADD COLUMN bid_id TEXT NOT NULL DEFAULT '';
ALTER TABLE pledges ADD COLUMN measure_code TEXT NOT NULL DEFAULT '';
ALTER TABLE pledges ADD COLUMN theme TEXT NOT NULL DEFAULT '';
ALTER TABLE pledges ADD COLUMN catalogue_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pledges ADD COLUMN proxy_pence INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pledges ADD COLUMN due_date TEXT NOT NULL DEFAULT '';
ALTER TABLE pledges ADD COLUMN created_at TEXT NOT NULL DEFAULT '';
ALTER TABLE pledges ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
UPDATE pledges SET
	authority_slug = COALESCE(json_extract(doc, '$.authority'), ''),
	request_title = COALESCE(json_extract(doc, '$.requestTitle'), ''),
	organisation_name = COALESCE(json_extract(doc, '$.organisationName'), ''),
	offer = COALESCE(json_extract(doc, '$.offer'), ''),
	quantity = COALESCE(json_extract(doc, '$.quantity'), 0),
	unit = COALESCE(json_extract(doc, '$.unit'), ''),
	allow_partial = COALESCE(json_extract(doc, '$.allowPartial'), 0),
	reason = COALESCE(json_extract(doc, '$.reason'), ''),
	decided_by = COALESCE(json_extract(doc, '$.decidedBy'), ''),
	area = COALESCE(json_extract(doc, '$.area'), ''),
	contract_id = COALESCE(json_extract(doc, '$.contractId'), ''),
	bid_id = COALESCE(json_extract(doc, '$.bidId'), ''),
	measure_code = COALESCE(json_extract(doc, '$.measureCode'), ''),
	theme = COALESCE(json_extract(doc, '$.theme'), ''),
	catalogue_version = COALESCE(json_extract(doc, '$.catalogueVersion'), 0),
	proxy_pence = COALESCE(json_extract(doc, '$.proxyPence'), 0),
	due_date = COALESCE(json_extract(doc, '$.dueDate'), ''),
	created_at = COALESCE(json_extract(doc, '$.createdAt'), ''),
	updated_at = COALESCE(json_extract(doc, '$.updatedAt'), '');
ALTER TABLE pledges DROP COLUMN doc;
ALTER TABLE evidence ADD COLUMN uploaded_by TEXT NOT NULL DEFAULT '';
ALTER TABLE evidence ADD COLUMN file_name TEXT NOT NULL DEFAULT '';
ALTER TABLE evidence ADD COLUMN content_type TEXT NOT NULL DEFAULT '';
ALTER TABLE evidence ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
ALTER TABLE evidence ADD COLUMN created_at TEXT NOT NULL DEFAULT '';
UPDATE evidence SET
	uploaded_by = COALESCE(json_extract(doc, '$.uploadedBy'), ''),
	file_name = COALESCE(json_extract(doc, '$.fileName'), ''),
	content_type = COALESCE(json_extract(doc, '$.contentType'), ''),
	size = COALESCE(json_extract(doc, '$.size'), 0),
	created_at = COALESCE(json_extract(doc, '$.createdAt'), '');
ALTER TABLE evidence DROP COLUMN doc;
CREATE TRIGGER pledge_ledger_upsert_insert AFTER INSERT ON pledges BEGIN
	INSERT INTO pledge_ledger (pledge_id, authority_id, contract_id, supplier_id, request_org_id, area, theme, month, measure_code, status, due, pledged_qty, pledged_pence, approved_qty, approved_pence,
	delivered_qty, delivered_pence, confirmed_qty, confirmed_pence, verified_qty, verified_pence) SELECT NEW.id, NEW.authority_id, NEW.contract_id, NEW.organisation_id, NEW.request_org_id,
		COALESCE(NULLIF(NEW.area, ''), (SELECT area FROM requests WHERE id = NEW.request_id), ''),
		NEW.theme, substr(NEW.created_at, 1, 7), NEW.measure_code, NEW.status,
		CASE WHEN NEW.due_date = '' THEN 0 ELSE COALESCE(unixepoch(NEW.due_date), 0) END,
		CASE WHEN NEW.status IN ('withdrawn', 'declined') THEN 0 ELSE NEW.quantity END,
		CASE WHEN NEW.status IN ('withdrawn', 'declined') THEN 0 ELSE NEW.value_pence END,
		CASE WHEN NEW.value_pence > 0 THEN NEW.quantity * NEW.approved_pence / NEW.value_pence ELSE 0 END,
		NEW.approved_pence, (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage > 0), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage > 0), (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage IN (2, 4)), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage IN (2, 4)), (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage >= 3), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage >= 3) WHERE true ON CONFLICT (pledge_id) DO UPDATE SET authority_id = excluded.authority_id, contract_id = excluded.contract_id, supplier_id = excluded.supplier_id, request_org_id = excluded.request_org_id, area = excluded.area, theme = excluded.theme, month = excluded.month, measure_code = excluded.measure_code, status = excluded.status, due = excluded.due, pledged_qty = excluded.pledged_qty, pledged_pence = excluded.pledged_pence, approved_qty = excluded.approved_qty, approved_pence = excluded.approved_pence, delivered_qty = excluded.delivered_qty, delivered_pence = excluded.delivered_pence, confirmed_qty = excluded.confirmed_qty, confirmed_pence = excluded.confirmed_pence, verified_qty = excluded.verified_qty, verified_pence = excluded.verified_pence;
END;
CREATE TRIGGER pledge_ledger_upsert_update AFTER UPDATE ON pledges BEGIN
	INSERT INTO pledge_ledger (pledge_id, authority_id, contract_id, supplier_id, request_org_id, area, theme, month, measure_code, status, due, pledged_qty, pledged_pence, approved_qty, approved_pence,
	delivered_qty, delivered_pence, confirmed_qty, confirmed_pence, verified_qty, verified_pence) SELECT NEW.id, NEW.authority_id, NEW.contract_id, NEW.organisation_id, NEW.request_org_id,
		COALESCE(NULLIF(NEW.area, ''), (SELECT area FROM requests WHERE id = NEW.request_id), ''),
		NEW.theme, substr(NEW.created_at, 1, 7), NEW.measure_code, NEW.status,
		CASE WHEN NEW.due_date = '' THEN 0 ELSE COALESCE(unixepoch(NEW.due_date), 0) END,
		CASE WHEN NEW.status IN ('withdrawn', 'declined') THEN 0 ELSE NEW.quantity END,
		CASE WHEN NEW.status IN ('withdrawn', 'declined') THEN 0 ELSE NEW.value_pence END,
		CASE WHEN NEW.value_pence > 0 THEN NEW.quantity * NEW.approved_pence / NEW.value_pence ELSE 0 END,
		NEW.approved_pence, (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage > 0), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage > 0), (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage IN (2, 4)), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage IN (2, 4)), (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage >= 3), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage >= 3) WHERE true ON CONFLICT (pledge_id) DO UPDATE SET authority_id = excluded.authority_id, contract_id = excluded.contract_id, supplier_id = excluded.supplier_id, request_org_id = excluded.request_org_id, area = excluded.area, theme = excluded.theme, month = excluded.month, measure_code = excluded.measure_code, status = excluded.status, due = excluded.due, pledged_qty = excluded.pledged_qty, pledged_pence = excluded.pledged_pence, approved_qty = excluded.approved_qty, approved_pence = excluded.approved_pence, delivered_qty = excluded.delivered_qty, delivered_pence = excluded.delivered_pence, confirmed_qty = excluded.confirmed_qty, confirmed_pence = excluded.confirmed_pence, verified_qty = excluded.verified_qty, verified_pence = excluded.verified_pence;
END;
CREATE TRIGGER pledge_ledger_upsert_delivery_insert AFTER INSERT ON deliveries BEGIN
	INSERT INTO pledge_ledger (pledge_id, authority_id, contract_id, supplier_id, request_org_id, area, theme, month, measure_code, status, due, pledged_qty, pledged_pence, approved_qty, approved_pence,
	delivered_qty, delivered_pence, confirmed_qty, confirmed_pence, verified_qty, verified_pence) SELECT p.id, p.authority_id, p.contract_id, p.organisation_id, p.request_org_id,
		COALESCE(NULLIF(p.area, ''), (SELECT area FROM requests WHERE id = p.request_id), ''),
		p.theme, substr(p.created_at, 1, 7), p.measure_code, p.status,
		CASE WHEN p.due_date = '' THEN 0 ELSE COALESCE(unixepoch(p.due_date), 0) END,
		CASE WHEN p.status IN ('withdrawn', 'declined') THEN 0 ELSE p.quantity END,
		CASE WHEN p.status IN ('withdrawn', 'declined') THEN 0 ELSE p.value_pence END,
		CASE WHEN p.value_pence > 0 THEN p.quantity * p.approved_pence / p.value_pence ELSE 0 END,
		p.approved_pence, (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = p.id AND lstage > 0), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = p.id AND lstage > 0), (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = p.id AND lstage IN (2, 4)), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = p.id AND lstage IN (2, 4)), (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = p.id AND lstage >= 3), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = p.id AND lstage >= 3) FROM pledges p WHERE p.id = NEW.pledge_id ON CONFLICT (pledge_id) DO UPDATE SET authority_id = excluded.authority_id, contract_id = excluded.contract_id, supplier_id = excluded.supplier_id, request_org_id = excluded.request_org_id, area = excluded.area, theme = excluded.theme, month = excluded.month, measure_code = excluded.measure_code, status = excluded.status, due = excluded.due, pledged_qty = excluded.pledged_qty, pledged_pence = excluded.pledged_pence, approved_qty = excluded.approved_qty, approved_pence = excluded.approved_pence, delivered_qty = excluded.delivered_qty, delivered_pence = excluded.delivered_pence, confirmed_qty = excluded.confirmed_qty, confirmed_pence = excluded.confirmed_pence, verified_qty = excluded.verified_qty, verified_pence = excluded.verified_pence;
END;
CREATE TRIGGER pledge_ledger_upsert_delivery_update AFTER UPDATE ON deliveries BEGIN
	INSERT INTO pledge_ledger (pledge_id, authority_id, contract_id, supplier_id, request_org_id, area, theme, month, measure_code, status, due, pledged_qty, pledged_pence, approved_qty, approved_pence,
	delivered_qty, delivered_pence, confirmed_qty, confirmed_pence, verified_qty, verified_pence) SELECT p.id, p.authority_id, p.contract_id, p.organisation_id, p.request_org_id,
		COALESCE(NULLIF(p.area, ''), (SELECT area FROM requests WHERE id = p.request_id), ''),
		p.theme, substr(p.created_at, 1, 7), p.measure_code, p.status,
		CASE WHEN p.due_date = '' THEN 0 ELSE COALESCE(unixepoch(p.due_date), 0) END,
		CASE WHEN p.status IN ('withdrawn', 'declined') THEN 0 ELSE p.quantity END,
		CASE WHEN p.status IN ('withdrawn', 'declined') THEN 0 ELSE p.value_pence END,
		CASE WHEN p.value_pence > 0 THEN p.quantity * p.approved_pence / p.value_pence ELSE 0 END,
		p.approved_pence, (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = p.id AND lstage > 0), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = p.id AND lstage > 0), (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = p.id AND lstage IN (2, 4)), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = p.id AND lstage IN (2, 4)), (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = p.id AND lstage >= 3), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = p.id AND lstage >= 3) FROM pledges p WHERE p.id = NEW.pledge_id ON CONFLICT (pledge_id) DO UPDATE SET authority_id = excluded.authority_id, contract_id = excluded.contract_id, supplier_id = excluded.supplier_id, request_org_id = excluded.request_org_id, area = excluded.area, theme = excluded.theme, month = excluded.month, measure_code = excluded.measure_code, status = excluded.status, due = excluded.due, pledged_qty = excluded.pledged_qty, pledged_pence = excluded.pledged_pence, approved_qty = excluded.approved_qty, approved_pence = excluded.approved_pence, delivered_qty = excluded.delivered_qty, delivered_pence = excluded.delivered_pence, confirmed_qty = excluded.confirmed_qty, confirmed_pence = excluded.confirmed_pence, verified_qty = excluded.verified_qty, verified_pence = excluded.verified_pence;
END;
